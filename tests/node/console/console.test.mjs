// SPDX-License-Identifier: MIT
// The web console (issue 16) in Debian's Chromium, on SQLite and on PostgreSQL: the headers of
// its files; sign-in (a wrong key and an account key each get a clear message); as an admin:
// create features and a product (values offered from the feature's levels), create an account,
// grant it, see the answer change and why, record usage and see the chart hold the points,
// orders, a trial, an account key shown once, suspend, resume, extend, revoke and see "not
// granted" with its reason, activations, the audit log, webhooks and licenses; API errors next
// to the field they name; a read key sees every page with every control that changes something
// disabled. Each page is screenshot and checked with axe-core at 1280 and 390 px.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { startDaemon } from "../daemon.mjs";
import { assertClean, launch, newPage, review, signIn } from "./browser.mjs";

const STORES = ["sqlite", ...(process.env.ENTITLED_TEST_PG_URL ? ["pg"] : [])];
const tag = () => randomBytes(3).toString("hex");

test("the console's files: strict headers, cache, gzip, 304, redirects, no key needed", async () => {
  const d = await startDaemon();
  try {
    let r = await fetch(`${d.url}/`, { redirect: "manual" });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), "/console/");
    r = await fetch(`${d.url}/console`, { redirect: "manual" });
    assert.equal(r.status, 302);
    r = await fetch(`${d.url}/console/`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type"), /^text\/html/);
    const csp = r.headers.get("content-security-policy");
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(r.headers.get("x-frame-options"), "DENY");
    assert.equal(r.headers.get("referrer-policy"), "no-referrer");
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    assert.equal(r.headers.get("cache-control"), "no-cache");
    const page = await r.text();
    assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
    assert.doesNotMatch(page, /<style|style=/, "no inline style");
    const etag = r.headers.get("etag");
    r = await fetch(`${d.url}/console/`, { headers: { "If-None-Match": etag } });
    assert.equal(r.status, 304);
    // Every file the console can load, found from the page (its scripts, style sheet and icon,
    // and the chunks the scripts import): cached for a year when hashed, sent gzip-compressed
    // to who takes it, all of it under 200 KiB so.
    const seen = new Map();
    const queue = [...page.matchAll(/(?:src|href)="([a-z]+(?:-[A-Z0-9]{8})?\.(?:js|css|svg))"/g)].map((m) => m[1]);
    while (queue.length) {
      const f = queue.shift();
      if (seen.has(f)) continue;
      const got = await gzipGet(`${d.url}/console/${f}`);
      assert.equal(got.status, 200, f);
      if (!f.endsWith(".svg")) assert.equal(got.headers["content-encoding"], "gzip", f);
      if (/-[A-Z0-9]{8}\./.test(f)) assert.equal(got.headers["cache-control"], "public, max-age=31536000, immutable", f);
      seen.set(f, got.raw.length);
      if (f.endsWith(".js")) {
        const text = (await (await fetch(`${d.url}/console/${f}`)).text());
        for (const m of text.matchAll(/\.\/([a-z]+-[A-Z0-9]{8}\.js)/g)) queue.push(m[1]);
      }
    }
    assert.ok([...seen.keys()].some((f) => f.startsWith("chart-")), "the chart chunk is found");
    const total = [...seen.values()].reduce((a, b) => a + b, 0) + (await gzipGet(`${d.url}/console/`)).raw.length;
    console.log(`console: assets ${(total / 1024).toFixed(1)} KiB gzip-compressed in all (${[...seen].map(([f, n]) => `${f} ${(n / 1024).toFixed(1)}`).join(", ")} KiB)`);
    assert.ok(total < 200 * 1024, `the console's files are ${total} bytes compressed`);
    r = await fetch(`${d.url}/console/nothing.js`);
    assert.equal(r.status, 404);
  } finally {
    await d.stop();
  }
});

for (const store of STORES) {
  describe(`the console on ${store === "pg" ? "PostgreSQL" : "SQLite"}`, () => {
    let d;
    let browser;
    before(async () => {
      d = await startDaemon({ store });
      browser = await launch();
    });
    after(async () => {
      await browser?.close();
      await d?.stop();
    });

    test("a wrong key and an account key are refused with a clear message", async () => {
      const page = await newPage(browser);
      await signIn(page, d.url, "ent_admin_not-a-key-at-all");
      await page.getByRole("alert").filter({ hasText: "This key is not accepted" }).waitFor();
      assert.equal(await page.getByLabel("API key", { exact: true }).getAttribute("aria-invalid"), "true");
      await review(page, `${store}-signin-refused`);
      const acc = await d.request("POST", "/v1/accounts", { key: `solo-${tag()}`, name: "Solo" });
      const k = await d.request("POST", "/v1/keys", { name: "solo", scope: "account", account: acc.body.id });
      await page.getByLabel("API key", { exact: true }).fill(k.body.key);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").filter({ hasText: "This is an account key" }).waitFor();
      assertClean(page);
      await page.context().close();
    });

    test("an admin: catalog, account, grants, answers and why, usage chart, orders, trials, keys, revoke", async () => {
      const t = tag();
      const page = await newPage(browser);
      await signIn(page, d.url, d.adminKey);
      await page.getByRole("heading", { name: "Accounts", level: 1 }).waitFor();
      // Sign-in keeps the key out of the address and out of cookies.
      assert.doesNotMatch(page.url(), new RegExp(d.adminKey));
      assert.deepEqual(await page.context().cookies(), []);

      // Features: an error names its field; then three features.
      await section(page, "Features");
      const nf = page.getByRole("form", { name: "New feature" });
      await nf.getByLabel("Key", { exact: true }).fill("Not A Key");
      await nf.getByLabel("Name", { exact: true }).fill("Bad");
      await nf.getByRole("button", { name: "Create feature" }).click();
      const keyError = nf.locator(".field.invalid").filter({ has: page.getByLabel("Key", { exact: true }) });
      await keyError.locator(".field-error").waitFor();
      assert.equal(await nf.getByLabel("Key", { exact: true }).getAttribute("aria-invalid"), "true");
      await review(page, `${store}-features-error`);

      await createFeature(page, { key: `seats-${t}`, name: "Seats", type: "quantity", unit: "user", levels: ["5", "20"], unlimited: true, seats: true });
      await createFeature(page, { key: `sso-${t}`, name: "Single sign-on", type: "switch" });
      await createFeature(page, { key: `calls-${t}`, name: "API calls", type: "metered", unit: "call" });
      await page.locator(`tr[data-feature="calls-${t}"]`).waitFor();
      await review(page, `${store}-features`);

      // A product: values come from the feature's levels, never free text.
      await section(page, "Products");
      const np = page.getByRole("form", { name: "New product" });
      await np.getByLabel("Key", { exact: true }).fill(`pro-${t}`);
      await np.getByLabel("Name", { exact: true }).fill(`Pro ${t}`);
      await np.getByRole("button", { name: "Create product" }).click();
      await page.getByRole("heading", { name: `Pro ${t}`, level: 1 }).waitFor();
      const add = page.getByRole("form", { name: "Add a feature" });
      await add.getByLabel("Feature", { exact: true }).selectOption(`seats-${t}`);
      const value = add.getByLabel("Value", { exact: true });
      assert.equal(await value.evaluate((el) => el.tagName), "SELECT", "a quantity's value is chosen among its levels");
      assert.deepEqual(await value.locator("option").allTextContents(), ["5 users", "20 users", "Unlimited users"]);
      await value.selectOption("20");
      await add.getByRole("button", { name: "Add" }).click();
      await page.locator(`tr[data-feature="seats-${t}"]`).waitFor();
      await add.getByLabel("Feature", { exact: true }).selectOption(`sso-${t}`);
      assert.deepEqual(await add.getByLabel("Value", { exact: true }).locator("option").allTextContents(), ["Available", "Not available"]);
      await add.getByRole("button", { name: "Add" }).click();
      await page.locator(`tr[data-feature="sso-${t}"]`).waitFor();
      await review(page, `${store}-product`);

      // An account.
      await section(page, "Accounts");
      await page.getByText("New account").click();
      const na = page.getByRole("form", { name: "New account" });
      await na.getByLabel("Key", { exact: true }).fill(`acme-${t}`);
      await na.getByLabel("Name", { exact: true }).fill(`Acme ${t}`);
      await na.getByLabel("Contact e-mail", { exact: true }).fill(`it@acme-${t}.example`);
      await na.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { name: `Acme ${t}`, level: 1 }).waitFor();
      const seats = page.locator(`tr[data-feature="seats-${t}"]`);
      await seats.getByText("Not granted").waitFor();

      // Search as you type: by e-mail.
      await section(page, "Accounts");
      await page.getByLabel("Search accounts", { exact: true }).fill(`it@acme-${t}`);
      await page.getByRole("link", { name: `Acme ${t}` }).waitFor();
      await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 1);
      await review(page, `${store}-accounts`);
      await page.getByRole("link", { name: `Acme ${t}` }).click();

      // Grant the product and a metered feature by hand; the answers change.
      await tab(page, "Entitlements");
      const gp = page.getByRole("form", { name: "Grant a product" });
      await gp.getByLabel("Product", { exact: true }).selectOption(`pro-${t}`);
      await gp.getByRole("button", { name: "Grant product" }).click();
      await page.locator("tbody tr").filter({ hasText: `Pro ${t}` }).waitFor();
      const gf = page.getByRole("form", { name: "Grant a feature" });
      await gf.getByLabel("Feature", { exact: true }).selectOption(`calls-${t}`);
      await gf.getByLabel("Value", { exact: true }).fill("1000");
      await gf.getByRole("button", { name: "Grant feature" }).click();
      await page.locator("tbody tr").filter({ hasText: `calls-${t}` }).waitFor();
      await review(page, `${store}-account-entitlements`);

      await tab(page, "Features");
      await seats.getByText("Granted", { exact: true }).waitFor();
      assert.match(await seats.innerText(), /20 users/);
      await seats.getByRole("button", { name: "Why?" }).click();
      const why = page.locator(".why").first();
      await why.getByText(`Granted by hand · product pro-${t}`).waitFor();
      await review(page, `${store}-account-features`);

      // Usage: recorded through the API as a product would; the chart holds the points.
      const acme = `acme-${t}`;
      const hourAgo = new Date(Date.now() - 3600e3).toISOString();
      for (const [amount, timestamp] of [[40, undefined], [2, hourAgo]]) {
        const r = await d.request("POST", "/v1/usage", { account: acme, feature: `calls-${t}`, amount, ...(timestamp ? { timestamp } : {}) });
        assert.equal(r.status, 201, r.text);
      }
      await tab(page, "Usage");
      const chart = page.locator(`[data-chart="usage-calls-${t}"]`);
      await chart.locator("canvas").waitFor();
      const perDay = await chart.evaluate((el) => ({ total: Number(el.dataset.total), usage: el.uplot.data[1], limit: el.uplot.data[2] }));
      assert.equal(perDay.usage.reduce((s, v) => s + v, 0), 42, "the chart holds the usage recorded");
      assert.ok(perDay.limit.every((v) => v === 1000), "the limit is drawn as a line");
      await page.getByLabel("Per", { exact: true }).selectOption("hour");
      await page.waitForFunction((sel) => {
        const el = document.querySelector(sel);
        return el && el.uplot && el.uplot.data[0].length === 48;
      }, `[data-chart="usage-calls-${t}"]`);
      const perHour = await chart.evaluate((el) => el.uplot.data[1].filter((v) => v > 0));
      assert.deepEqual(perHour, [2, 40]);
      await page.getByText("The figures").click();
      assert.equal(await page.locator(".chart-data tbody tr").count(), 2);
      await review(page, `${store}-account-usage`);

      // An order, activated at once.
      await tab(page, "Orders");
      const no = page.getByRole("form", { name: "New order" });
      await no.getByLabel("Product", { exact: true }).selectOption(`pro-${t}`);
      await no.getByLabel("Quantity", { exact: true }).fill("2");
      await no.getByRole("button", { name: "Create order" }).click();
      await page.locator("tr[data-order]").getByText("active", { exact: true }).waitFor();
      await review(page, `${store}-account-orders`);

      // A trial: without the terms accepted, the error is next to that box.
      await tab(page, "Leases");
      const tl = page.getByRole("form", { name: "Start a trial" });
      await tl.getByLabel("Product", { exact: true }).selectOption(`pro-${t}`);
      await tl.getByLabel("Days", { exact: true }).fill("7");
      await tl.getByRole("button", { name: "Start trial" }).click();
      await tl.locator(".field.invalid .field-error").waitFor();
      assert.equal(await tl.getByLabel("Days", { exact: true }).inputValue(), "7", "what was typed stays after an error");
      assert.equal(await tl.getByLabel("The customer accepted the trial's terms", { exact: true }).getAttribute("aria-invalid"), "true");
      await tl.getByLabel("The customer accepted the trial's terms", { exact: true }).check();
      await tl.getByRole("button", { name: "Start trial" }).click();
      await page.locator("tbody tr").filter({ hasText: `pro-${t}` }).getByText("active").waitFor();
      await page.getByRole("button", { name: "Extend" }).first().click();
      const until = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
      await page.getByRole("form", { name: "Extend the lease" }).getByLabel("New end", { exact: true }).fill(until);
      await page.getByRole("button", { name: "Set end" }).click();
      await page.locator("tbody tr").getByText(`${until} 00:00 UTC`).waitFor();
      await review(page, `${store}-account-leases`);

      // An account key, shown once, copyable, and it works.
      await tab(page, "API keys");
      const nk = page.getByRole("form", { name: "Create an account key" });
      await nk.getByLabel("Name", { exact: true }).fill("acme production");
      await nk.getByRole("button", { name: "Create key" }).click();
      const secret = await page.locator(".secret input").inputValue();
      assert.match(secret, /^ent_account_/);
      const me = await d.request("GET", "/v1/me", undefined, { key: secret });
      assert.equal(me.body.scope, "account");
      await page.getByRole("button", { name: "Copy" }).click();
      await page.getByRole("button", { name: "Copied" }).waitFor();
      await review(page, `${store}-account-keys`);

      // Activations: a machine takes a seat; deactivate frees it.
      const act = await d.request("POST", "/v1/activations", { account: acme, feature: `seats-${t}`, fingerprint: "4c:2a:9f:01", name: "build-box" });
      assert.equal(act.status, 201, act.text);
      await tab(page, "Activations");
      const machine = page.locator("tbody tr").filter({ hasText: "build-box" });
      await machine.waitFor();
      await review(page, `${store}-account-activations`);
      await machine.getByRole("button", { name: "Deactivate" }).click();
      await page.getByText("No machine holds a seat.").waitFor();

      // Suspend, resume and extend the metered grant.
      await tab(page, "Entitlements");
      const callsRow = page.locator("tbody tr").filter({ hasText: `calls-${t}` });
      await callsRow.getByRole("button", { name: "Suspend" }).click();
      await callsRow.getByText("suspended").waitFor();
      await tab(page, "Features");
      await page.locator(`tr[data-feature="calls-${t}"]`).getByText("Suspended").waitFor();
      await tab(page, "Entitlements");
      await callsRow.getByRole("button", { name: "Resume" }).click();
      await callsRow.getByText("active", { exact: true }).waitFor();
      await callsRow.getByRole("button", { name: "Extend" }).click();
      const end = new Date(Date.now() + 90 * 86400e3).toISOString().slice(0, 10);
      await callsRow.getByLabel("New end", { exact: true }).fill(end);
      await callsRow.getByRole("button", { name: "Set end" }).click();
      await callsRow.getByText(`${end} 00:00 UTC`).waitFor();

      // Revoke every grant of seats: "not granted", and why.
      for (;;) {
        const row = page.locator("tbody tr").filter({ hasText: `Pro ${t}` }).filter({ has: page.getByRole("button", { name: "Revoke", disabled: false }) }).first();
        if ((await row.count()) === 0) break;
        const number = await row.getAttribute("data-entitlement");
        const fixed = page.locator(`tr[data-entitlement="${number}"]`);
        await fixed.getByRole("button", { name: "Revoke" }).click();
        await fixed.getByText("revoked").waitFor();
      }
      await tab(page, "Features");
      await seats.getByText("Not granted").waitFor();
      await seats.getByRole("button", { name: "Why?" }).click();
      const whyNot = page.locator('.why[data-reason="not_granted"]');
      await whyNot.getByText("No entitlement of this account in force now gives this feature.").waitFor();
      await whyNot.getByText("revoked").first().waitFor();
      await review(page, `${store}-account-not-granted`);

      // The account's audit trail, and the audit log filtered by type.
      await tab(page, "Audit trail");
      await page.locator('tr[data-event="entitlement.revoked"]').first().waitFor();
      await review(page, `${store}-account-audit`);
      await section(page, "Audit log");
      await page.getByLabel("Type contains", { exact: true }).fill("entitlement.rev");
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll("tr[data-event]")];
        return rows.length > 0 && rows.every((r) => r.dataset.event === "entitlement.revoked");
      });
      await page.getByRole("button", { name: "Show" }).first().click();
      await review(page, `${store}-audit-log`);

      // Webhooks: the secret shown once. Licenses: one issued, then revoked.
      await section(page, "Webhooks");
      const nw = page.getByRole("form", { name: "New webhook endpoint" });
      await nw.getByLabel("URL", { exact: true }).fill("http://93.184.216.34/hooks/entitled");
      await nw.getByRole("button", { name: "Register" }).click();
      assert.match(await page.locator(".secret input").inputValue(), /^whsec_/);
      await page.locator("tbody tr").filter({ hasText: "93.184.216.34" }).waitFor();
      await review(page, `${store}-webhooks`);
      const lic = await d.request("POST", "/v1/licenses", { account: acme });
      assert.equal(lic.status, 201, lic.text);
      await section(page, "Licenses");
      const licRow = page.locator("tbody tr").filter({ hasText: lic.body.serial_number });
      await licRow.waitFor();
      await review(page, `${store}-licenses`);
      await licRow.getByRole("button", { name: "Revoke" }).click();
      await licRow.getByText("revoked").waitFor();
      await section(page, "API keys");
      await page.getByText("acme production").waitFor();
      await review(page, `${store}-keys`);
      assertClean(page);
      await page.context().close();
    });

    test("a read key sees everything and every control that changes something is disabled", async () => {
      const t = tag();
      const acc = await d.request("POST", "/v1/accounts", { key: `ro-${t}`, name: `Read ${t}` });
      const f = await d.request("POST", "/v1/features", { key: `ro-sw-${t}`, name: "Switch", type: "switch" });
      assert.equal(f.status, 201);
      await d.request("POST", "/v1/entitlements", { account: acc.body.id, feature: `ro-sw-${t}`, value: "true" });
      const read = await d.request("POST", "/v1/keys", { name: "auditor", scope: "read" });
      const page = await newPage(browser);
      await signIn(page, d.url, read.body.key);
      await page.getByRole("note").filter({ hasText: "read key" }).waitFor();
      await page.goto(`${d.url}/console/#/accounts/ro-${t}/entitlements`);
      await page.getByRole("heading", { name: `Read ${t}`, level: 1 }).waitFor();
      await page.locator("tbody tr").first().waitFor();
      for (const name of ["Suspend", "Extend", "Revoke", "Grant product", "Grant feature"]) {
        const buttons = page.getByRole("button", { name, exact: true });
        assert.ok((await buttons.count()) > 0, `a ${name} button is shown`);
        for (const b of await buttons.all()) assert.ok(await b.isDisabled(), `${name} is disabled`);
      }
      assert.ok(await page.getByRole("form", { name: "Grant a feature" }).getByLabel("Feature", { exact: true }).isDisabled());
      await review(page, `${store}-readonly-entitlements`);
      await page.goto(`${d.url}/console/#/accounts/ro-${t}/features`);
      await page.locator(`tr[data-feature="ro-sw-${t}"]`).getByText("Granted", { exact: true }).waitFor();
      await section(page, "Features");
      await page.locator(`tr[data-feature="ro-sw-${t}"]`).waitFor();
      assert.ok(await page.getByRole("button", { name: "Create feature" }).isDisabled());
      assert.ok(await page.locator(`tr[data-feature="ro-sw-${t}"]`).getByRole("button", { name: "Archive" }).isDisabled());
      // The server refuses anyway.
      const r = await d.request("POST", "/v1/features", { key: `ro-x-${t}`, name: "X", type: "switch" }, { key: read.body.key });
      assert.equal(r.status, 403);
      assertClean(page);
      await page.context().close();
    });
  });
}

/** GET with Accept-Encoding: gzip, the body as sent (compressed or not): {status, headers, raw}. */
function gzipGet(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { "Accept-Encoding": "gzip" } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, raw: Buffer.concat(chunks) }));
    }).on("error", reject);
  });
}

/** Goes to a section of the console. */
async function section(page, name) {
  await page.getByRole("navigation", { name: "Sections", exact: true }).getByRole("link", { name, exact: true }).click();
}

/** Goes to an account's tab. */
async function tab(page, name) {
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name }).click();
}

/** Creates a feature through the New feature form. */
async function createFeature(page, f) {
  const form = page.getByRole("form", { name: "New feature" });
  await form.getByLabel("Key", { exact: true }).fill(f.key);
  await form.getByLabel("Name", { exact: true }).fill(f.name);
  await form.getByLabel("Type", { exact: true }).selectOption(f.type);
  if (f.unit) await form.getByLabel("Unit (singular)", { exact: true }).fill(f.unit);
  for (const [i, v] of (f.levels || []).entries()) {
    if (i >= 2) await form.getByRole("button", { name: "Add a level" }).click();
    await form.getByLabel(`Level ${i + 1}`, { exact: true }).fill(v);
  }
  if (f.unlimited) await form.getByLabel("Unlimited is a level too", { exact: true }).check();
  if (f.seats) await form.getByLabel("Activations: each machine holds a seat", { exact: true }).check();
  await form.getByRole("button", { name: "Create feature" }).click();
  await page.locator(`tr[data-feature="${f.key}"]`).waitFor();
}
