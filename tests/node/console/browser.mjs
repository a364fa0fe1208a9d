// SPDX-License-Identifier: MIT
// The browser of the console's tests: Debian's Chromium (/usr/bin/chromium, or
// ENTITLED_CHROMIUM) driven by playwright-core, headless. Pages fail the test on any script
// error or Content-Security-Policy violation; axe-core checks accessibility; screenshots go under
// the build folder (next to ENTITLED_BIN: build-asan/console-screenshots/, or
// ENTITLED_CONSOLE_SHOTS) for review.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const CHROMIUM = process.env.ENTITLED_CHROMIUM || "/usr/bin/chromium";
const BIN = process.env.ENTITLED_BIN || new URL("../../../build/entitled", import.meta.url).pathname;
export const SHOTS = process.env.ENTITLED_CONSOLE_SHOTS || join(dirname(BIN), "console-screenshots");

export const WIDE = { width: 1280, height: 900 };
export const NARROW = { width: 390, height: 844 };

/** Launches the browser (fails with the reason when Chromium is not installed). */
export async function launch() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/deps.sh test installs Debian's chromium`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
}

/**
 * A new page in a context of its own (no cache, no storage shared with other pages), at the
 * viewport given, that accepts confirm() dialogs and records script errors and CSP
 * violations in page.problems. signedIn: {secret, key} put in the tab's sessionStorage before
 * any script runs, as the sign-in page leaves it.
 */
export async function newPage(browser, viewport = WIDE, signedIn = null) {
  const context = await browser.newContext({ viewport });
  if (signedIn) {
    await context.addInitScript((s) => {
      sessionStorage.setItem("entitled.console.key", s);
    }, JSON.stringify(signedIn));
  }
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    const text = m.text();
    // A request refused by the API (a 4xx the test provokes) is logged by Chromium as an error
    // about the resource; those are expected. Anything else at error level is a problem.
    if (m.type() === "error" && !/Failed to load resource: the server responded with a status of 4\d\d/.test(text))
      page.problems.push(`console error: ${text}`);
  });
  page.on("dialog", (d) => d.accept());
  page.setDefaultTimeout(15000);
  return page;
}

/** Fails when the page logged a script error or a CSP violation. */
export function assertClean(page) {
  assert.deepEqual(page.problems, [], "the page logged errors");
}

/** Signs in through the sign-in page with secret. */
export async function signIn(page, url, secret) {
  await page.goto(`${url}/console/`);
  await page.getByLabel("API key").fill(secret);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Runs axe-core on the page; fails on any serious or critical violation, naming them. */
export async function checkAccessibility(page, name) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `axe-core: serious or critical violations on ${name}`);
  return result;
}

/** Screenshot of the whole page, as SHOTS/<name>-<width>.png. */
export async function shot(page, name) {
  const { width } = page.viewportSize();
  await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
}

/** At both widths: a screenshot, the accessibility check, and nothing wider than the screen. */
export async function review(page, name) {
  await page.mouse.move(0, 0); // no hover where the last click was
  for (const viewport of [WIDE, NARROW]) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(50); // the charts follow their box's width
    await shot(page, name);
    await checkAccessibility(page, `${name} at ${viewport.width} px`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${name} at ${viewport.width} px is ${overflow} px wider than the window`);
  }
  await page.setViewportSize(WIDE);
}
