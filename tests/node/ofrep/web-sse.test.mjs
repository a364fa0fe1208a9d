// SPDX-License-Identifier: MIT
// entitled's change streams (OFREP ADR 0008) judged by OpenFeature's web provider: with an
// EventSource (in browsers a global; under Node 20 the `eventsource` package, set as the global
// as a browser would have it) and no polling at all, the provider hears of a grant made while it
// runs, or of one that starts by the clock, and the SDK answers the new value within a second.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventSource } from "eventsource";
import { OpenFeature, ProviderEvents } from "@openfeature/web-sdk";
import { OFREPWebProvider } from "@openfeature/ofrep-web-provider";
import { startDaemon } from "../daemon.mjs";
import { STORES, catalog, unique } from "./fixtures.mjs";

globalThis.EventSource = EventSource;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A web client of account (no polling: only the change stream can tell it of changes). */
async function sseClient(daemon, account, statuses) {
  const domain = unique("web-sse");
  await OpenFeature.setContext(domain, { targetingKey: account.key });
  const provider = new OFREPWebProvider({
    baseUrl: daemon.url,
    headers: [["Authorization", `Bearer ${daemon.adminKey}`]],
    pollInterval: 0,
    cacheMode: "disabled",
    disableVisibilityRefresh: true,
    fetchImplementation: async (input, init) => {
      const r = await fetch(input, init);
      statuses.push(r.status);
      return r;
    },
  });
  await OpenFeature.setProviderAndWait(domain, provider);
  return OpenFeature.getClient(domain);
}

/** The next ConfigurationChanged event of client, or null after ms. */
function nextChange(client, ms) {
  return Promise.race([
    new Promise((resolve) => {
      const handler = (e) => {
        client.removeHandler(ProviderEvents.ConfigurationChanged, handler);
        resolve(e);
      };
      client.addHandler(ProviderEvents.ConfigurationChanged, handler);
    }),
    sleep(ms).then(() => null),
  ]);
}

for (const store of STORES) {
  describe(`web SDK with change streams (${store})`, () => {
    let daemon, cat;

    before(async () => {
      daemon = await startDaemon({ store });
      cat = await catalog(daemon);
    });
    after(async () => {
      await OpenFeature.close();
      await daemon.stop();
    });

    test("a grant made while the provider runs reaches the SDK within a second", async () => {
      const account = cat.acc.none;
      const feature = unique("pushed");
      const r = await daemon.request("POST", "/v1/features", { key: feature, name: `Pushed ${feature}`, type: "switch" });
      assert.equal(r.status, 201, r.text);
      const statuses = [];
      const client = await sseClient(daemon, account, statuses);
      assert.equal(client.getBooleanValue(feature, true), false);
      await sleep(500); // the stream is open; nothing is polled meanwhile
      assert.deepEqual(statuses, [200]);
      const changed = nextChange(client, 3000);
      const t0 = Date.now();
      await cat.grant(account, feature, "true");
      const event = await changed;
      const elapsed = Date.now() - t0;
      assert.ok(event, "no ConfigurationChanged within 3 s");
      assert.ok(elapsed < 1000, `the change took ${elapsed} ms`);
      assert.ok(event.flagsChanged.includes(feature));
      const d = client.getBooleanDetails(feature, false);
      assert.deepEqual([d.value, d.reason], [true, "TARGETING_MATCH"]);
    });

    test("a grant that starts by the clock is announced with no write", async () => {
      const account = cat.acc.none;
      const feature = unique("timed");
      const r = await daemon.request("POST", "/v1/features", { key: feature, name: `Timed ${feature}`, type: "switch" });
      assert.equal(r.status, 201, r.text);
      const start = new Date(Math.ceil((Date.now() + 2000) / 1000) * 1000);
      await cat.grant(account, feature, "true", { start_date: start.toISOString().replace(".000", "") });
      const client = await sseClient(daemon, account, []);
      assert.equal(client.getBooleanValue(feature, true), false);
      const event = await nextChange(client, 6000);
      assert.ok(event, "no ConfigurationChanged within 6 s");
      assert.ok(Date.now() >= start.getTime());
      assert.equal(client.getBooleanValue(feature, false), true);
    });
  });
}
