// SPDX-License-Identifier: MIT
// Signed licenses (issue 13) verified by Node's jose, a JOSE library no one here wrote: a
// license issued by entitled verifies with createLocalJWKSet and createRemoteJWKSet (the JWK Set
// at /.well-known/jwks.json) + jwtVerify, on SQLite and, with ENTITLED_TEST_PG_URL, PostgreSQL;
// and jose refuses the forgeries the issue names: one changed byte, alg none, HS256 with the
// public key as secret, an unknown kid, an expired exp. A license signed before a rotation still
// verifies from the published set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwtVerify,
  decodeProtectedHeader,
  decodeJwt,
  SignJWT,
  generateKeyPair,
  errors,
} from "jose";
import { startDaemon } from "../daemon.mjs";

const stores = ["sqlite", ...(process.env.ENTITLED_TEST_PG_URL ? ["pg"] : [])];
const daemons = {};

before(async () => {
  for (const store of stores) daemons[store] = await startDaemon({ store });
});

after(async () => {
  for (const d of Object.values(daemons)) await d.stop();
});

let n = 0;
const unique = (p) => `${p}-${process.pid}-${++n}`;

async function ok(d, method, path, body, status) {
  const r = await d.request(method, path, body);
  assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
  return r.body;
}

/** An account holding a product with a license model, 20 seats and 1000 calls a month. */
async function vendor(d) {
  const seatsKey = unique("seats"), callsKey = unique("calls"); // names are unique too
  const seats = await ok(d, "POST", "/v1/features", {
    key: seatsKey, name: `Seats ${seatsKey}`, type: "quantity", unit: "user", activations_enabled: true,
    levels: [{ value: "5" }, { value: "20" }],
  }, 201);
  const calls = await ok(d, "POST", "/v1/features", {
    key: callsKey, name: `Calls ${callsKey}`, type: "metered", unit: "call", reset_period: "month",
  }, 201);
  const product = await ok(d, "POST", "/v1/products", {
    key: unique("pro"), name: "Pro", category: "recurring_services",
    entitlements: [{ feature: seats.key, value: "20" }],
    license_model: { name: "Pro", issuer: "acme-vendor", serial_number_prefix: "PRO" },
  }, 201);
  const account = await ok(d, "POST", "/v1/accounts", { key: unique("acme"), name: "Acme" }, 201);
  await ok(d, "POST", "/v1/orders", { account: account.id, activate: true, items: [{ product: product.key }] }, 201);
  await ok(d, "POST", "/v1/entitlements", { account: account.id, feature: calls.key, value: "1000" }, 201);
  return { seats, calls, product, account };
}

const b64url = (s) => Buffer.from(s).toString("base64url");

for (const store of stores) {
  test(`${store}: jose verifies a license with the local and the remote JWK Set`, async () => {
    const d = daemons[store];
    const v = await vendor(d);
    const lic = await ok(d, "POST", "/v1/licenses", {
      account: v.account.id, fingerprint: "node-host", feature: v.seats.key, ttl_seconds: 7200,
    }, 201);
    const jwksRes = await fetch(`${d.url}/.well-known/jwks.json`);
    assert.equal(jwksRes.status, 200);
    assert.match(jwksRes.headers.get("cache-control"), /max-age=\d+/);
    const local = createLocalJWKSet(await jwksRes.json());
    const { payload, protectedHeader } = await jwtVerify(lic.token, local, {
      algorithms: ["EdDSA"], issuer: "acme-vendor", subject: v.account.id,
    });
    assert.equal(protectedHeader.alg, "EdDSA");
    assert.equal(protectedHeader.kid, lic.kid);
    assert.equal(payload.jti, lic.serial_number);
    assert.equal(payload.fingerprint, "node-host");
    assert.equal(payload.entitlements[v.seats.key].limit, 20);
    assert.equal(payload.entitlements[v.calls.key].allowance.reset_period, "month");
    assert.equal(payload.license_model.serial_number, lic.serial_number);
    const remote = createRemoteJWKSet(new URL(`${d.url}/.well-known/jwks.json`));
    const again = await jwtVerify(lic.token, remote, { algorithms: ["EdDSA"] });
    assert.equal(again.payload.sub, v.account.id);
  });

  test(`${store}: jose refuses one changed byte, alg none, HS256, an unknown kid`, async () => {
    const d = daemons[store];
    const v = await vendor(d);
    const lic = await ok(d, "POST", "/v1/licenses", { account: v.account.id }, 201);
    const set = await (await fetch(`${d.url}/.well-known/jwks.json`)).json();
    const local = createLocalJWKSet(set);
    const opts = { algorithms: ["EdDSA"] };
    const [h, p, s] = lic.token.split(".");
    // One changed byte in each part.
    for (const i of [3, h.length + 10, h.length + p.length + 12]) {
      const t = lic.token.slice(0, i) + (lic.token[i] === "A" ? "B" : "A") + lic.token.slice(i + 1);
      await assert.rejects(jwtVerify(t, local, opts));
    }
    // alg none.
    const kid = decodeProtectedHeader(lic.token).kid;
    const none = `${b64url(JSON.stringify({ alg: "none", kid }))}.${p}.`;
    await assert.rejects(jwtVerify(none, local, opts));
    // HS256 with the public key (its x) as the secret.
    const x = set.keys.find((k) => k.kid === kid).x;
    const hs = await new SignJWT(decodeJwt(lic.token))
      .setProtectedHeader({ alg: "HS256", kid })
      .sign(new TextEncoder().encode(x));
    await assert.rejects(jwtVerify(hs, local, opts), errors.JOSEAlgNotAllowed);
    await assert.rejects(jwtVerify(hs, local), errors.JOSEError); // even without an allow-list
    // A key of our own under an unknown kid, and under the real kid.
    const rogue = await generateKeyPair("EdDSA");
    for (const k of ["rogue", kid]) {
      const forged = await new SignJWT(decodeJwt(lic.token))
        .setProtectedHeader({ alg: "EdDSA", kid: k })
        .sign(rogue.privateKey);
      await assert.rejects(jwtVerify(forged, local, opts));
    }
    // The server agrees.
    const check = await ok(d, "POST", "/v1/licenses/validate", { token: none }, 200);
    assert.equal(check.status, "bad_signature");
    assert.ok(s.length > 0);
  });

  test(`${store}: an expired license is refused by jose and by validate`, async () => {
    const d = daemons[store];
    const account = await ok(d, "POST", "/v1/accounts", { key: unique("exp"), name: "Exp" }, 201);
    const sw = unique("sw");
    const f = await ok(d, "POST", "/v1/features", { key: sw, name: `Sw ${sw}`, type: "switch" }, 201);
    const end = new Date(Date.now() + 2500).toISOString();
    await ok(d, "POST", "/v1/entitlements", { account: account.id, feature: f.key, value: "true", end_date: end }, 201);
    const lic = await ok(d, "POST", "/v1/licenses", { account: account.id }, 201);
    const local = createLocalJWKSet(await (await fetch(`${d.url}/.well-known/jwks.json`)).json());
    await jwtVerify(lic.token, local, { algorithms: ["EdDSA"] });
    await new Promise((r) => setTimeout(r, Date.parse(end) - Date.now() + 1200));
    await assert.rejects(jwtVerify(lic.token, local, { algorithms: ["EdDSA"] }), errors.JWTExpired);
    const check = await ok(d, "POST", "/v1/licenses/validate", { token: lic.token }, 200);
    assert.equal(check.status, "expired");
  });

  test(`${store}: a license signed before a rotation still verifies from the published set`, async () => {
    const d = daemons[store];
    const v = await vendor(d);
    const old = await ok(d, "POST", "/v1/licenses", { account: v.account.id }, 201);
    const key = await ok(d, "POST", "/v1/signing-keys", undefined, 201);
    const fresh = await ok(d, "POST", "/v1/licenses", { account: v.account.id }, 201);
    assert.equal(fresh.kid, key.kid);
    assert.notEqual(old.kid, key.kid);
    const remote = createRemoteJWKSet(new URL(`${d.url}/.well-known/jwks.json`));
    await jwtVerify(old.token, remote, { algorithms: ["EdDSA"] });
    await jwtVerify(fresh.token, remote, { algorithms: ["EdDSA"] });
  });
}
