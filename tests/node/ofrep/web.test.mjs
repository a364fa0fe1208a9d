// SPDX-License-Identifier: MIT
// entitled judged by OpenFeature's web SDK with the OFREP web provider (bulk evaluation, cached
// in the provider, revalidated with If-None-Match): the flags as the SDK resolves them, the 304
// path while nothing changes, and a grant made while the provider runs reaching the SDK.
// Runs under Node 20: fetch is global; no localStorage (cacheMode "disabled"), no document (the
// provider's visibility handling is off), no EventSource (entitled sends no eventStreams).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { OpenFeature, ProviderEvents } from "@openfeature/web-sdk";
import { OFREPWebProvider } from "@openfeature/ofrep-web-provider";
import { startDaemon } from "../daemon.mjs";
import { STORES, UNLIMITED, catalog, unique } from "./fixtures.mjs";

const POLL_MS = 200;

/** A fetch that records the status of every bulk evaluation the provider makes. */
function recordingFetch(statuses) {
  return async (input, init) => {
    const r = await fetch(input, init);
    statuses.push(r.status);
    return r;
  };
}

async function webClient(daemon, targetingKey, statuses = [], key = daemon.adminKey) {
  const domain = unique("web");
  await OpenFeature.setContext(domain, targetingKey ? { targetingKey } : {});
  const provider = new OFREPWebProvider({
    baseUrl: daemon.url,
    headers: [["Authorization", `Bearer ${key}`]],
    pollInterval: POLL_MS,
    cacheMode: "disabled",
    disableVisibilityRefresh: true,
    fetchImplementation: recordingFetch(statuses),
  });
  await OpenFeature.setProviderAndWait(domain, provider);
  return OpenFeature.getClient(domain);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

for (const store of STORES) {
  describe(`web SDK over OFREP (${store})`, () => {
    let daemon, cat;

    before(async () => {
      daemon = await startDaemon({ store });
      cat = await catalog(daemon);
    });
    after(async () => {
      await OpenFeature.close();
      await daemon.stop();
    });

    test("bulk fetch: every type, reasons, metadata", async () => {
      const { k, acc } = cat;
      const client = await webClient(daemon, acc.acme.key);
      const b = client.getBooleanDetails(k.seats, false);
      assert.equal(b.value, true);
      assert.equal(b.reason, "TARGETING_MATCH");
      assert.equal(b.variant, "20");
      assert.equal(b.flagMetadata.limit, 20);
      assert.equal(client.getNumberValue(`${k.seats}.remaining`, -1), 20);
      assert.equal(client.getStringValue(`${k.support}.level`, "x"), "pro");
      assert.equal(client.getObjectValue(`${k.seats}.details`, {}).feature, k.seats);
      const c = client.getBooleanDetails(k.calls, true);
      assert.equal(c.value, false);
      assert.equal(c.flagMetadata.entitled_reason, "limit_reached");
      const u = client.getBooleanDetails("no-such-flag", true);
      assert.equal(u.value, true);
      assert.equal(u.reason, "ERROR");
      assert.equal(u.errorCode, "FLAG_NOT_FOUND");
      const t = client.getNumberDetails(k.sso, 1);
      assert.equal(t.errorCode, "TYPE_MISMATCH");
    });

    test("other accounts: ungranted, suspended, unlimited, future-dated", async () => {
      const { k, acc } = cat;
      const none = await webClient(daemon, acc.none.key);
      assert.deepEqual(
        [none.getBooleanDetails(k.sso, true).value, none.getBooleanDetails(k.sso, true).reason],
        [false, "DEFAULT"],
      );
      const paused = await webClient(daemon, acc.paused.key);
      assert.equal(paused.getBooleanDetails(k.sso, true).reason, "DISABLED");
      const big = await webClient(daemon, acc.big.key);
      assert.equal(big.getNumberValue(`${k.seats}.limit`, 0), UNLIMITED);
      assert.equal(big.getBooleanDetails(k.seats, false).flagMetadata.unlimited, true);
      const later = await webClient(daemon, acc.later.key);
      const p = later.getBooleanDetails(k.seats, true);
      assert.deepEqual([p.value, p.reason, p.flagMetadata.entitled_reason], [false, "DEFAULT", "pending"]);
    });

    test("304 while nothing changes; a grant made meanwhile reaches the SDK", async () => {
      const { acc } = cat;
      const account = acc.none;
      const feature = unique("late");
      const r = await daemon.request("POST", "/v1/features", { key: feature, name: `Late ${feature}`, type: "switch" });
      assert.equal(r.status, 201, r.text);
      const statuses = [];
      const client = await webClient(daemon, account.key, statuses);
      assert.equal(client.getBooleanValue(feature, true), false);
      await sleep(POLL_MS * 4);
      assert.equal(statuses[0], 200);
      assert.ok(statuses.slice(1).includes(304), `statuses: ${statuses}`);
      assert.ok(statuses.slice(1).every((s) => s === 304), `statuses: ${statuses}`);
      const changed = new Promise((resolve) =>
        client.addHandler(ProviderEvents.ConfigurationChanged, (e) => resolve(e)),
      );
      await cat.grant(account, feature, "true");
      const event = await Promise.race([changed, sleep(5000).then(() => null)]);
      assert.ok(event, "no ConfigurationChanged within 5 s");
      assert.ok(event.flagsChanged.includes(feature), `changed: ${event.flagsChanged}`);
      const d = client.getBooleanDetails(feature, false);
      assert.deepEqual([d.value, d.reason], [true, "TARGETING_MATCH"]);
      assert.ok(statuses.includes(200, 1));
    });

    test("no targeting key with an admin key: the provider reports the error", async () => {
      const domain = unique("web-missing");
      await OpenFeature.setContext(domain, {});
      const provider = new OFREPWebProvider({
        baseUrl: daemon.url,
        headers: [["Authorization", `Bearer ${daemon.adminKey}`]],
        cacheMode: "disabled",
        disableVisibilityRefresh: true,
      });
      await assert.rejects(OpenFeature.setProviderAndWait(domain, provider));
      const d = OpenFeature.getClient(domain).getBooleanDetails(cat.k.sso, true);
      assert.equal(d.value, true);
      assert.equal(d.reason, "ERROR");
    });
  });
}
