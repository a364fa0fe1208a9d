// SPDX-License-Identifier: MIT
// Starts entitled daemons for the Node client suites (tests/node/*/), as tests/api/conftest.py
// does for pytest: the binary from ENTITLED_BIN, a fresh SQLite store in a directory of its own
// (or, with ENTITLED_TEST_PG_URL set and {store: "pg"}, a fresh PostgreSQL database), a free
// loopback port, an admin key, and every rate limit off unless the test sets one.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

const BIN = process.env.ENTITLED_BIN || new URL("../../build/entitled", import.meta.url).pathname;

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const c = connect({ host: "127.0.0.1", port }, () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

function psql(url, sql) {
  execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql], {
    stdio: ["ignore", "ignore", "pipe"],
  });
}

/**
 * Starts a daemon. Options: args (more command-line arguments), env (more environment),
 * store ("sqlite", the default, or "pg"), adminKey. Answers {url, port, adminKey, dir, store,
 * log(), request(method, path, body, {key, headers}), stop(signal)}.
 */
export async function startDaemon(options = {}) {
  const dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "entitled-node-"));
  const adminKey = options.adminKey || "test-admin-" + randomBytes(20).toString("hex");
  let store = `sqlite:${join(dir, "entitled.db")}`;
  let database = null;
  const pgUrl = process.env.ENTITLED_TEST_PG_URL;
  if (options.store === "pg") {
    if (!pgUrl) throw new Error("ENTITLED_TEST_PG_URL is not set");
    database = "entitled_" + randomBytes(8).toString("hex");
    psql(pgUrl, `CREATE DATABASE ${database}`);
    const u = new URL(pgUrl);
    u.pathname = "/" + database;
    store = u.toString();
  }
  const port = await freePort();
  const env = {
    ...process.env,
    ENTITLED_ADMIN_KEY: adminKey,
    ENTITLED_RATE_EVALUATE: "0",
    ENTITLED_RATE_USAGE: "0",
    ENTITLED_RATE_ADMIN: "0",
    XDG_STATE_HOME: dir,
    ...(options.env || {}),
  };
  const logPath = join(dir, "daemon.log");
  const out = openSync(logPath, "a");
  const proc = spawn(
    BIN,
    ["serve", "--listen", `127.0.0.1:${port}`, "--store", store, "--threads", "2", ...(options.args || [])],
    { cwd: dir, env, stdio: ["ignore", out, out] },
  );
  let exited = null;
  proc.on("exit", (code, sig) => (exited = { code, sig }));
  const log = () => readFileSync(logPath, "utf8");
  const deadline = Date.now() + 20000;
  for (;;) {
    if (exited) throw new Error(`the daemon exited (${JSON.stringify(exited)}):\n${log()}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) throw new Error(`the daemon did not start:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    adminKey,
    dir,
    store,
    proc,
    log,
    /** One request with the admin key (or opts.key); answers {status, headers, body}. */
    async request(method, path, body, opts = {}) {
      const headers = { Authorization: `Bearer ${opts.key || adminKey}`, ...(opts.headers || {}) };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const r = await fetch(url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      return { status: r.status, headers: r.headers, body: json, text };
    },
    /** Stops the daemon (SIGTERM, then SIGKILL after 20 s) and removes its store. */
    async stop(signal = "SIGTERM") {
      if (!exited) {
        const done = new Promise((r) => proc.once("exit", r));
        proc.kill(signal);
        const t = setTimeout(() => proc.kill("SIGKILL"), 20000);
        await done;
        clearTimeout(t);
      }
      if (!process.env.ENTITLED_TEST_KEEP) {
        if (database) psql(pgUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
