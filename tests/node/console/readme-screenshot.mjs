// SPDX-License-Identifier: MIT
// Makes the README's picture of the console (docs/console.png) and one of its usage charts,
// from a daemon with a small demo catalog and account: not a test (node --test skips it).
// Usage: ENTITLED_BIN=build/entitled node tests/node/console/readme-screenshot.mjs OUT_DIR
import { startDaemon } from "../daemon.mjs";
import { launch, newPage } from "./browser.mjs";
const d = await startDaemon();
const q = (m, p, b) => d.request(m, p, b).then((r) => { if (r.status >= 300) throw new Error(p + " " + r.text); return r.body; });
await q("POST", "/v1/features", { key: "seats", name: "Seats", type: "quantity", unit: "user", activations_enabled: true, levels: [{ value: "5" }, { value: "20" }, { value: "unlimited", is_unlimited: true }] });
await q("POST", "/v1/features", { key: "sso", name: "Single sign-on", type: "switch" });
await q("POST", "/v1/features", { key: "api-calls", name: "API calls", type: "metered", unit: "call", reset_period: "month" });
await q("POST", "/v1/features", { key: "support", name: "Support", type: "custom", levels: [{ value: "basic" }, { value: "pro" }, { value: "enterprise" }] });
await q("POST", "/v1/features", { key: "audit-export", name: "Audit export", type: "switch" });
await q("POST", "/v1/products", { key: "pro", name: "Pro plan", category: "recurring_services", entitlements: [{ feature: "seats", value: "20" }, { feature: "sso", value: "true" }, { feature: "support", value: "pro" }] });
await q("POST", "/v1/accounts", { key: "acme", name: "Acme Inc.", contact_email: "it@acme.example" });
await q("POST", "/v1/orders", { account: "acme", activate: true, items: [{ product: "pro", quantity: 1 }] });
await q("POST", "/v1/entitlements", { account: "acme", feature: "api-calls", value: "10000" });
for (let h = 0; h < 30; h++) await q("POST", "/v1/usage", { account: "acme", feature: "api-calls", amount: 50 + ((h * 37) % 90), timestamp: new Date(Date.now() - h * 86400e3 * 0.9).toISOString() });
await q("POST", "/v1/activations", { account: "acme", feature: "seats", fingerprint: "4c:2a:9f:01", name: "build-box" });
const me = await q("GET", "/v1/me");
const b = await launch();
const page = await newPage(b, { width: 1200, height: 640 }, { secret: d.adminKey, key: me });
await page.goto(`${d.url}/console/#/accounts/acme/features`);
await page.locator('tr[data-feature="seats"]').getByRole("button", { name: "Why?" }).click();
await page.locator(".why .sources").waitFor();
await page.mouse.move(0, 0);
await page.screenshot({ path: process.argv[2] + "/console.png" });
await page.goto(`${d.url}/console/#/accounts/acme/usage`);
await page.locator("canvas").waitFor();
await page.waitForTimeout(300);
await page.screenshot({ path: process.argv[2] + "/console-usage.png" });
await b.close();
await d.stop();
