// SPDX-License-Identifier: MIT
// Bundles the console into OUT_DIR with esbuild, from the packages package-lock.json pins
// (installed by `npm ci`; no network here): app-<hash>.js, the chunks it loads when needed
// (chart-<hash>.js: uPlot and the usage charts), app-<hash>.css (the console's own CSS and
// uPlot's), index.html naming them, favicon.svg, and licenses.txt (the licenses of the
// bundled packages). Called by scripts/build_console.py at build time; the daemon embeds the
// result and serves it at /console/.
// Usage: node build.mjs OUT_DIR
import * as esbuild from "esbuild";
import { readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { basename, join } from "node:path";

const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs OUT_DIR");
  process.exit(2);
}
const here = new URL(".", import.meta.url).pathname;

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: "src/main.js" },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020"],
  outdir: out,
  entryNames: "[name]-[hash]",
  splitting: true, // the chart library is a chunk of its own, loaded with the usage charts
  chunkNames: "[name]-[hash]",
  metafile: true,
  legalComments: "none", // the licenses go to licenses.txt whole
  logLevel: "warning",
});

let js = null;
let css = null;
let preload = [];
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith(".js") && meta.entryPoint === "src/main.js") {
    js = basename(file);
    // The chunks the entry imports at once are fetched beside it, not after it.
    preload = meta.imports.filter((i) => i.kind === "import-statement").map((i) => basename(i.path));
  }
  if (file.endsWith(".css")) css = basename(file);
}
if (!js || !css) throw new Error("esbuild made no app.js or no app.css");

const html = readFileSync(join(here, "src/index.html"), "utf8")
  .replace("{{app.js}}", js)
  .replace("{{app.css}}", css)
  .replace("{{preload}}", preload.map((p) => `<link rel="modulepreload" href="${p}">`).join("\n"));
writeFileSync(join(out, "index.html"), html);
copyFileSync(join(here, "src/favicon.svg"), join(out, "favicon.svg"));

const bundled = ["preact", "htm", "uplot"];
const licenses = bundled.map((name) => {
  const pkg = JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8"));
  const text = readFileSync(join(here, "node_modules", name, "LICENSE"), "utf8");
  return `${name} ${pkg.version} (${pkg.license})\n\n${text.trim()}\n`;
});
writeFileSync(
  join(out, "licenses.txt"),
  "The entitled console bundles these packages:\n\n" + licenses.join("\n" + "-".repeat(72) + "\n\n"),
);
