// SPDX-License-Identifier: MIT
// entitled judged by OpenFeature's server SDK with the OFREP provider (one flag per call): what
// the SDK returns (value, variant, reason, errorCode, flagMetadata) for granted, ungranted,
// unknown, suspended, unlimited, metered-exhausted and future-dated grants, every type.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { OpenFeature } from "@openfeature/server-sdk";
import { OFREPProvider } from "@openfeature/ofrep-provider";
import { startDaemon } from "../daemon.mjs";
import { STORES, UNLIMITED, catalog, makeKey, unique } from "./fixtures.mjs";

for (const store of STORES) {
  describe(`server SDK over OFREP (${store})`, () => {
    let daemon, cat, client, accountClient, anonClient;

    before(async () => {
      daemon = await startDaemon({ store });
      cat = await catalog(daemon);
      const domain = unique("server");
      await OpenFeature.setProviderAndWait(
        domain,
        new OFREPProvider({ baseUrl: daemon.url, headers: [["Authorization", `Bearer ${daemon.adminKey}`]] }),
      );
      client = OpenFeature.getClient(domain);
      const accountKey = await makeKey(daemon, "account", cat.acc.acme);
      const d2 = unique("server-account");
      await OpenFeature.setProviderAndWait(
        d2,
        new OFREPProvider({ baseUrl: daemon.url, headers: [["Authorization", `Bearer ${accountKey}`]] }),
      );
      accountClient = OpenFeature.getClient(d2);
      const d3 = unique("server-anon");
      await OpenFeature.setProviderAndWait(d3, new OFREPProvider({ baseUrl: daemon.url }));
      anonClient = OpenFeature.getClient(d3);
    });
    after(async () => {
      await OpenFeature.close();
      await daemon.stop();
    });

    const ctx = (name) => ({ targetingKey: cat.acc[name].key });

    test("granted: every type", async () => {
      const { k } = cat;
      const b = await client.getBooleanDetails(k.seats, false, ctx("acme"));
      assert.equal(b.value, true);
      assert.equal(b.reason, "TARGETING_MATCH");
      assert.equal(b.variant, "20");
      assert.equal(b.errorCode, undefined);
      assert.equal(b.flagMetadata.limit, 20);
      assert.equal(b.flagMetadata.remaining, 20);
      assert.equal(b.flagMetadata.unlimited, false);
      assert.equal(b.flagMetadata.type, "quantity");
      assert.equal(await client.getNumberValue(`${k.seats}.limit`, -1, ctx("acme")), 20);
      assert.equal(await client.getNumberValue(`${k.seats}.remaining`, -1, ctx("acme")), 20);
      assert.equal(await client.getNumberValue(`${k.seats}.usage`, -1, ctx("acme")), 0);
      const s = await client.getStringDetails(`${k.support}.level`, "none", ctx("acme"));
      assert.equal(s.value, "pro");
      assert.equal(s.reason, "TARGETING_MATCH");
      assert.equal(s.variant, "pro");
      const o = await client.getObjectDetails(`${k.seats}.details`, {}, ctx("acme"));
      assert.equal(o.value.feature, k.seats);
      assert.equal(o.value.limit, 20);
      assert.equal(o.value.reason, "granted");
      assert.equal(await client.getBooleanValue(k.sso, false, ctx("acme")), true);
    });

    test("ungranted: DEFAULT, and the numbers are 0", async () => {
      const b = await client.getBooleanDetails(cat.k.sso, true, ctx("none"));
      assert.equal(b.value, false);
      assert.equal(b.reason, "DEFAULT");
      assert.equal(b.variant, undefined);
      assert.equal(b.flagMetadata.entitled_reason, "not_granted");
      assert.equal(await client.getNumberValue(`${cat.k.seats}.limit`, -1, ctx("none")), 0);
      assert.equal(await client.getStringValue(`${cat.k.support}.level`, "x", ctx("none")), "");
    });

    test("unknown flag and unknown view: FLAG_NOT_FOUND with the default", async () => {
      const u = await client.getBooleanDetails("no-such-flag", true, ctx("acme"));
      assert.equal(u.value, true);
      assert.equal(u.reason, "ERROR");
      assert.equal(u.errorCode, "FLAG_NOT_FOUND");
      const v = await client.getNumberDetails(`${cat.k.sso}.limit`, 7, ctx("acme"));
      assert.equal(v.value, 7);
      assert.equal(v.errorCode, "FLAG_NOT_FOUND");
    });

    test("suspended: DISABLED", async () => {
      const b = await client.getBooleanDetails(cat.k.sso, true, ctx("paused"));
      assert.equal(b.value, false);
      assert.equal(b.reason, "DISABLED");
      assert.equal(b.flagMetadata.entitled_reason, "suspended");
    });

    test("unlimited: the largest exact integer, and metadata says so", async () => {
      const b = await client.getBooleanDetails(cat.k.seats, false, ctx("big"));
      assert.equal(b.value, true);
      assert.equal(b.variant, "unlimited");
      assert.equal(b.flagMetadata.unlimited, true);
      assert.equal(b.flagMetadata.limit, undefined);
      const n = await client.getNumberDetails(`${cat.k.seats}.limit`, 0, ctx("big"));
      assert.equal(n.value, UNLIMITED);
      assert.ok(Number.isSafeInteger(n.value));
      assert.equal(await client.getNumberValue(`${cat.k.seats}.remaining`, 0, ctx("big")), UNLIMITED);
    });

    test("metered exhausted: false, a grant decided, nothing remains", async () => {
      const b = await client.getBooleanDetails(cat.k.calls, true, ctx("acme"));
      assert.equal(b.value, false);
      assert.equal(b.reason, "TARGETING_MATCH");
      assert.equal(b.variant, "10");
      assert.equal(b.flagMetadata.entitled_reason, "limit_reached");
      assert.equal(b.flagMetadata.usage, 10);
      assert.equal(typeof b.flagMetadata.resets_at, "string");
      assert.equal(await client.getNumberValue(`${cat.k.calls}.remaining`, -1, ctx("acme")), 0);
      assert.equal(await client.getNumberValue(`${cat.k.calls}.usage`, -1, ctx("acme")), 10);
    });

    test("future-dated grant: DEFAULT until it starts", async () => {
      const b = await client.getBooleanDetails(cat.k.seats, true, ctx("later"));
      assert.equal(b.value, false);
      assert.equal(b.reason, "DEFAULT");
      assert.equal(b.flagMetadata.entitled_reason, "pending");
    });

    test("the SDK reports TYPE_MISMATCH itself", async () => {
      const n = await client.getNumberDetails(cat.k.seats, 3, ctx("acme"));
      assert.equal(n.value, 3);
      assert.equal(n.errorCode, "TYPE_MISMATCH");
      const s = await client.getStringDetails(`${cat.k.seats}.limit`, "d", ctx("acme"));
      assert.equal(s.errorCode, "TYPE_MISMATCH");
    });

    test("context errors: TARGETING_KEY_MISSING, INVALID_CONTEXT", async () => {
      const m = await client.getBooleanDetails(cat.k.sso, true, {});
      assert.equal(m.value, true);
      assert.equal(m.reason, "ERROR");
      assert.equal(m.errorCode, "TARGETING_KEY_MISSING");
      const i = await client.getBooleanDetails(cat.k.sso, true, { targetingKey: unique("nobody") });
      assert.equal(i.errorCode, "INVALID_CONTEXT");
    });

    test("an account key needs no targeting key", async () => {
      assert.equal(await accountClient.getBooleanValue(cat.k.sso, false), true);
      const other = await accountClient.getBooleanDetails(cat.k.sso, false, ctx("paused"));
      assert.equal(other.errorCode, "INVALID_CONTEXT");
    });

    test("no key: an error, the default value", async () => {
      const d = await anonClient.getBooleanDetails(cat.k.sso, true, ctx("acme"));
      assert.equal(d.value, true);
      assert.equal(d.reason, "ERROR");
      assert.equal(d.errorCode, "GENERAL");
    });
  });
}
