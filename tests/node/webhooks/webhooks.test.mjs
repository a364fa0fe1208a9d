// SPDX-License-Identifier: MIT
// entitled's webhooks (issue 15) judged by the Standard Webhooks reference library: a Node
// receiver verifies every message with the `standardwebhooks` package's Webhook class (headers
// webhook-id, webhook-timestamp, webhook-signature; HMAC-SHA256 of "id.timestamp.body" under the
// whsec_ secret), also after a rotation, when the old secret and the new one must both verify,
// and refuses a tampered body.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";
import { startDaemon } from "../daemon.mjs";

const FAST = ["--webhook-allow-private", "--webhook-retry-unit-ms", "1"];

/** A receiver on 127.0.0.1 that keeps every POST: {path, headers, body (the raw text)}. */
async function receiver() {
  const got = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      got.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return { got, url: (p) => `http://127.0.0.1:${port}${p}`, close: () => server.close() };
}

async function waitFor(predicate, ms = 10000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = predicate();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  return predicate();
}

const rec = await receiver();
const daemon = await startDaemon({ args: FAST });
after(async () => {
  await daemon.stop();
  rec.close();
});

test("every message verifies with the standardwebhooks library", async () => {
  const r = await daemon.request("POST", "/v1/webhooks", {
    url: rec.url("/lib"),
    events: ["account.*"],
  });
  assert.equal(r.status, 201, r.text);
  const wh = new Webhook(r.body.secret);
  for (let i = 0; i < 5; i++) {
    const a = await daemon.request("POST", "/v1/accounts", { key: `node-${Date.now()}-${i}`, name: "A" });
    assert.equal(a.status, 201, a.text);
  }
  const got = await waitFor(() => rec.got.filter((g) => g.path === "/lib").length === 5 && rec.got);
  assert.ok(got, "five messages arrive");
  const ids = new Set();
  for (const g of rec.got.filter((m) => m.path === "/lib")) {
    const payload = wh.verify(g.body, g.headers);
    assert.equal(payload.type, "account.created");
    assert.ok(payload.timestamp && payload.data && payload.data.after);
    ids.add(g.headers["webhook-id"]);
    // a body changed on the way does not verify
    assert.throws(() => wh.verify(g.body.replace("account.created", "account.deleted"), g.headers));
  }
  assert.equal(ids.size, 5);
});

test("after a rotation both the new and the old secret verify", async () => {
  const r = await daemon.request("POST", "/v1/webhooks", { url: rec.url("/rot"), events: ["feature.created"] });
  assert.equal(r.status, 201, r.text);
  const old = r.body.secret;
  const rot = await daemon.request("POST", `/v1/webhooks/${r.body.id}/rotate-secret`);
  assert.equal(rot.status, 200, rot.text);
  const fresh = rot.body.secret;
  assert.notEqual(fresh, old);
  const fk = `nf-${Date.now()}`; // feature names are unique too
  const f = await daemon.request("POST", "/v1/features", { key: fk, name: `F ${fk}`, type: "switch" });
  assert.equal(f.status, 201, f.text);
  const got = await waitFor(() => rec.got.find((g) => g.path === "/rot"));
  assert.ok(got, "the message arrives");
  assert.equal(got.headers["webhook-signature"].split(" ").length, 2);
  assert.equal(new Webhook(fresh).verify(got.body, got.headers).data.object, f.body.id);
  assert.equal(new Webhook(old).verify(got.body, got.headers).data.object, f.body.id);
  const wrong = new Webhook("whsec_" + Buffer.alloc(32, 7).toString("base64"));
  assert.throws(() => wrong.verify(got.body, got.headers));
});
