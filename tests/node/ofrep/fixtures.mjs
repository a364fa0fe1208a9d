// SPDX-License-Identifier: MIT
// Shared by the OFREP suites: the stores to run on (SQLite always, PostgreSQL when
// ENTITLED_TEST_PG_URL is set), and a catalog of features and accounts whose answers cover every
// case the SDKs are asked about. Objects are made through entitled's own /v1 API.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";

export const UNLIMITED = 9007199254740991;

/** The stores every test runs on. */
export const STORES = process.env.ENTITLED_TEST_PG_URL ? ["sqlite", "pg"] : ["sqlite"];

/** A key no other object has. */
export function unique(prefix) {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

async function made(daemon, path, body) {
  const r = await daemon.request("POST", path, body);
  assert.ok(r.status === 201 || r.status === 200, `${path}: ${r.status} ${r.text}`);
  return r.body;
}

/**
 * Makes the catalog: seats (quantity, with activations), sso (switch), support (custom),
 * calls (metered, monthly), and accounts: acme (20 seats, sso, support pro, calls 10 all used),
 * big (unlimited seats), later (seats from next week), paused (sso suspended), none (nothing).
 */
export async function catalog(daemon) {
  const k = {
    seats: unique("seats"),
    sso: unique("sso"),
    support: unique("support"),
    calls: unique("calls"),
  };
  await made(daemon, "/v1/features", {
    key: k.seats, name: `Seats ${k.seats}`, type: "quantity", unit: "user", activations_enabled: true,
    levels: [{ value: "5" }, { value: "20" }, { value: "unlimited", is_unlimited: true }],
  });
  await made(daemon, "/v1/features", { key: k.sso, name: `SSO ${k.sso}`, type: "switch" });
  await made(daemon, "/v1/features", {
    key: k.support, name: `Support ${k.support}`, type: "custom",
    levels: [{ value: "basic" }, { value: "pro" }, { value: "enterprise" }],
  });
  await made(daemon, "/v1/features", {
    key: k.calls, name: `API calls ${k.calls}`, type: "metered", unit: "call", reset_period: "month",
  });
  const acc = {};
  for (const name of ["acme", "big", "later", "paused", "none"]) {
    acc[name] = await made(daemon, "/v1/accounts", { key: unique(name), name });
  }
  const grant = (account, feature, value, extra = {}) =>
    made(daemon, "/v1/entitlements", { account: account.id, feature, value, ...extra });
  await grant(acc.acme, k.seats, "20");
  await grant(acc.acme, k.sso, "true");
  await grant(acc.acme, k.support, "pro");
  await grant(acc.acme, k.calls, "10");
  await made(daemon, "/v1/usage", { account: acc.acme.id, feature: k.calls, amount: 10 });
  await grant(acc.big, k.seats, "unlimited");
  const nextWeek = new Date(Date.now() + 7 * 86400 * 1000).toISOString().slice(0, 10);
  await grant(acc.later, k.seats, "5", { start_date: nextWeek });
  const e = await grant(acc.paused, k.sso, "true");
  const r = await daemon.request("PATCH", `/v1/entitlements/${e.id}`, { status: "suspended" });
  assert.equal(r.status, 200, r.text);
  return { k, acc, grant };
}

/** A key of scope (and account). */
export async function makeKey(daemon, scope, account) {
  const body = { name: unique("k"), scope };
  if (account) body.account = account.id;
  return (await made(daemon, "/v1/keys", body)).key;
}
