// SPDX-License-Identifier: MIT
// One account: every feature's current answer and why (POST /v1/evaluate with explain), its
// entitlements (grant, suspend, resume, extend, revoke), orders (create, activate), trial leases
// (start, extend), activations (deactivate), usage charts, its API keys and its audit trail.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { because, day, level, limit, num, reason, source, time } from "../format.js";
import { link } from "../router.js";
import {
  Action, Badge, Check, FilterSelect, Form, Input, Loaded, Pager, SearchBox, Secret, Select,
  SortHeader, Table, Title, ValueInput, useList, useLoad, useSession,
} from "../ui.js";
import { EventsList } from "./events.js";

const TABS = [
  ["features", "Features"],
  ["entitlements", "Entitlements"],
  ["orders", "Orders"],
  ["leases", "Leases"],
  ["activations", "Activations"],
  ["usage", "Usage"],
  ["keys", "API keys"],
  ["audit", "Audit trail"],
];

export function AccountPage({ ref_: ref, tab }) {
  const { api } = useSession();
  const state = useLoad(() => api.get(`/v1/accounts/${encodeURIComponent(ref)}`), [ref]);
  // The answers are asked at the same time as the account (evaluate takes its id or key).
  const answers = useLoad(() => (tab === "features" ? evaluateAll(api, ref) : Promise.resolve(null)), [ref, tab]);
  return html`<${Loaded} state=${state}>${(account) => html`<section class="account">
    <${Title} lead=${html`<code>${account.key}</code> · ${account.type}${account.contact_email ? ` · ${account.contact_email}` : ""} · since ${day(account.created_at)}`}>
      ${account.name}
    <//>
    <nav class="tabs" aria-label="Account sections">
      <ul>
        ${TABS.map(([id, label]) => html`<li>
          <a href=${link("accounts", account.key, id)} aria-current=${tab === id ? "page" : undefined}>${label}</a>
        </li>`)}
      </ul>
    </nav>
    ${tabOf(tab, account, answers)}
  </section>`}<//>`;
}

function tabOf(tab, account, answers) {
  switch (tab) {
    case "entitlements":
      return html`<${EntitlementsTab} account=${account} />`;
    case "orders":
      return html`<${OrdersTab} account=${account} />`;
    case "leases":
      return html`<${LeasesTab} account=${account} />`;
    case "activations":
      return html`<${ActivationsTab} account=${account} />`;
    case "usage":
      return html`<${UsageTab} account=${account} />`;
    case "keys":
      return html`<${KeysTab} account=${account} />`;
    case "audit":
      return html`<section aria-labelledby="audit-title"><h2 id="audit-title">Audit trail</h2>
        <${EventsList} account=${account.id} /></section>`;
    default:
      return html`<${FeaturesTab} account=${account} state=${answers} />`;
  }
}

/**
 * Every feature of the catalog with the account's answer (ref: its id or key), 100 features per
 * evaluation. The provenance (explain) is asked for one feature at a time, when "Why?" opens.
 */
async function evaluateAll(api, ref, filter = () => true) {
  const features = (await api.all("/v1/features", { sort: "key" })).filter(filter);
  const answers = [];
  for (let i = 0; i < features.length; i += 100) {
    const keys = features.slice(i, i + 100).map((f) => f.key);
    const r = await api.post("/v1/evaluate", { account: ref, features: keys });
    answers.push(...r.entitlements);
  }
  const byKey = new Map(features.map((f) => [f.key, f]));
  return answers.map((a) => ({ ...a, def: byKey.get(a.feature) }));
}

// ------------------------------------------------------------------------------------------
// Features: the answers, and why
// ------------------------------------------------------------------------------------------

function FeaturesTab({ account, state }) {
  const [only, setOnly] = useState("all");
  useEffect(() => {
    if (state.data) performance.mark("console-account-ready");
  }, [state.data]);
  return html`<section aria-labelledby="answers-title">
    <div class="section-head">
      <h2 id="answers-title">What ${account.name} may use now</h2>
      <div class="field inline">
        <label for="answers-show">Show</label>
        <select id="answers-show" value=${only} onChange=${(e) => setOnly(e.currentTarget.value)}>
          <option value="all">Every feature</option>
          <option value="granted">Granted</option>
          <option value="not">Not granted</option>
        </select>
      </div>
      <button type="button" onClick=${state.reload}>Refresh</button>
    </div>
    <${Loaded} state=${state}>${(answers) => {
      const shown = answers.filter((a) => only === "all" || (only === "granted") === a.value);
      return html`<${Table} caption="Feature answers" rows=${shown} class="answers" empty="No feature here."
        head=${html`<th scope="col">Feature</th><th scope="col">Answer</th><th scope="col">Level</th>
          <th scope="col" class="num">Limit</th><th scope="col" class="num">Usage</th><th scope="col" class="num">Remaining</th>
          <th scope="col">Resets</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Explanation</span></th>`}>
        ${shown.map((a) => html`<${AnswerRow} key=${a.feature} a=${a} account=${account} />`)}
      <//>`;
    }}<//>
  </section>`;
}

function AnswerRow({ a, account }) {
  const [open, setOpen] = useState(false);
  const id = `why-${a.feature}`;
  return html`<tr data-feature=${a.feature} class=${a.value ? "granted" : "refused"}>
      <th scope="row">${a.def ? a.def.name : a.feature}<br /><code class="muted">${a.feature}</code></th>
      <td><${Badge} value=${a.value ? "granted" : a.reason === "granted" ? "not_granted" : a.reason} label=${a.value ? "Granted" : reason(a.reason)} /></td>
      <td>${level(a)}</td>
      <td class="num">${a.level === null ? "—" : limit(a)}</td>
      <td class="num">${num(a.usage)}</td>
      <td class="num">${a.unlimited ? "Unlimited" : num(a.remaining)}</td>
      <td>${a.type === "metered" ? time(a.resets_at) : "—"}</td>
      <td>${time(a.expires_at)}</td>
      <td><button type="button" class="link" aria-expanded=${open ? "true" : "false"} aria-controls=${id}
        onClick=${() => setOpen(!open)}>Why?</button></td>
    </tr>
    ${open && html`<tr class="why-row" id=${id}><td colspan="9"><${Why} a=${a} account=${account} /></td></tr>`}`;
}

/** Why an answer is what it is: the grants behind it (explain), and the account's other grants of it. */
function Why({ a: shown, account }) {
  const { api } = useSession();
  const state = useLoad(async () => {
    const [explained, others] = await Promise.all([
      api.post("/v1/evaluate", { account: account.id, features: [shown.feature], explain: true }),
      api.get("/v1/entitlements", { account: account.id, feature: shown.feature, limit: 20, sort: "-updated_at" }),
    ]);
    return { a: { ...explained.entitlements[0], def: shown.def }, others };
  }, [shown.feature, account.id]);
  return html`<${Loaded} state=${state}>${({ a, others }) => {
    const inForce = new Set((a.sources || []).map((s) => s.entitlement));
    const rest = others.data.filter((e) => !inForce.has(e.id));
    return html`<div class="why" data-reason=${a.reason}>
    <p><strong>${reason(a.reason)}.</strong> ${because(a)}</p>
    ${(a.sources || []).length > 0 && html`<ul class="sources">
      ${a.sources.map((s) => html`<li>
        <${Badge} value="active" label=${source(s)} /> gives <strong>${s.value}</strong>${s.quantity > 1 ? ` × ${s.quantity}` : ""},
        from ${time(s.start_date)} ${s.end_date ? `until ${time(s.end_date)}` : "with no end"}
      </li>`)}
    </ul>`}
    ${rest.length > 0 && html`<p>Other grants of this feature, not in force now:</p>
      <ul class="sources">${rest.map((e) => html`<li>
        ${e.number}: ${e.product ? `product ${e.product}` : `${e.feature} = ${e.value}`}
        <${Badge} value=${e.status} /> (${e.source}${e.end_date ? `, ends ${time(e.end_date)}` : ""}${e.status === "revoked" ? `, revoked ${time(e.updated_at)}` : ""})
      </li>`)}</ul>`}
  </div>`;
  }}<//>`;
}

// ------------------------------------------------------------------------------------------
// Entitlements
// ------------------------------------------------------------------------------------------

function EntitlementsTab({ account }) {
  const { api } = useSession();
  const list = useList("/v1/entitlements", { account: account.id, sort: "-created_at" }, [account.id]);
  return html`<section aria-labelledby="ents-title">
    <h2 id="ents-title">Entitlements</h2>
    <div class="toolbar">
      <${SearchBox} list=${list} label="Search entitlements" placeholder="Product, name or activation id" />
      <${FilterSelect} list=${list} field="status" label="Status" options=${["active", "suspended", "revoked", "pending", "expired"]} />
      <${FilterSelect} list=${list} field="source" label="Source" options=${["order", "lease", "manual"]} />
    </div>
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="Entitlements" rows=${page.data} empty="No entitlement."
        head=${html`<th scope="col">Number</th><th scope="col">What</th><th scope="col">Source</th><th scope="col">Status</th>
          <th scope="col" class="num">Quantity</th><${SortHeader} list=${list} field="start_date">Start<//>
          <${SortHeader} list=${list} field="end_date">End<//><th scope="col">Actions</th>`}>
        ${page.data.map((e) => html`<${EntitlementRow} key=${e.id} e=${e} reload=${list.reload} />`)}
      <//>
      <${Pager} list=${list} label="entitlements" />`}<//>
    <div class="panels">
      <${GrantProduct} account=${account} done=${list.reload} />
      <${GrantFeature} account=${account} done=${list.reload} />
    </div>
  </section>`;
}

function EntitlementRow({ e, reload }) {
  const { api, canWrite } = useSession();
  const [extending, setExtending] = useState(false);
  const path = `/v1/entitlements/${e.id}`;
  const live = e.status !== "revoked";
  return html`<tr data-entitlement=${e.number}>
    <td>${e.number}<br /><code class="muted">${e.activation_id}</code></td>
    <td>${e.product ? html`${e.name} <span class="muted">(${e.product})</span>` : html`<code>${e.feature}</code> = ${e.value}${e.override ? " (override)" : ""}`}</td>
    <td>${e.source}</td>
    <td><${Badge} value=${e.status} /></td>
    <td class="num">${e.quantity}${e.quantity_per_copy > 1 ? ` × ${e.quantity_per_copy}` : ""}</td>
    <td>${time(e.start_date)}</td>
    <td>${e.permanent ? "Permanent" : time(e.end_date)}</td>
    <td><div class="row-actions">
      ${e.status === "suspended"
        ? html`<${Action} label="Resume" act=${() => api.patch(path, { status: "active" })} done=${reload} />`
        : html`<${Action} label="Suspend" disabled=${!live} act=${() => api.patch(path, { status: "suspended" })} done=${reload} />`}
      <button type="button" disabled=${!live || !canWrite} aria-expanded=${extending ? "true" : "false"}
        onClick=${() => setExtending(!extending)}>Extend</button>
      <${Action} label="Revoke" class="danger" disabled=${!live} confirm=${`Revoke ${e.number}? It stops counting at once; the record stays.`}
        act=${() => api.del(path)} done=${reload} />
      ${extending && html`<${Form} label=${`Extend ${e.number}`} submit="Set end" keep
        onSubmit=${(v) => api.patch(path, v.permanent ? { permanent: true } : { end_date: v.end_date })}
        onDone=${() => { setExtending(false); reload(); }}>
        <${Input} label="New end" name="end_date" type="date" />
        <${Check} label="Permanent (no end)" name="permanent" />
      <//>`}
    </div></td>
  </tr>`;
}

/** The products of the catalog, for selects. */
function useProducts() {
  const { api } = useSession();
  return useLoad(() => api.all("/v1/products", { sort: "name", status: "active" }), []);
}

/** The active features of the catalog, for selects. */
function useFeatures(filter) {
  const { api } = useSession();
  return useLoad(async () => (await api.all("/v1/features", { sort: "name", status: "active" })).filter(filter || (() => true)), []);
}

function dates(v) {
  const out = {};
  if (v.start_date) out.start_date = v.start_date;
  if (v.end_date) out.end_date = v.end_date;
  return out;
}

function GrantProduct({ account, done }) {
  const { api } = useSession();
  const products = useProducts();
  return html`<section class="panel" aria-labelledby="grant-product-title">
    <h3 id="grant-product-title">Grant a product</h3>
    <${Loaded} state=${products}>${(ps) => html`<${Form} label="Grant a product" submit="Grant product"
      onSubmit=${(v) => api.post("/v1/entitlements", {
        account: account.id, product: v.product, quantity: v.quantity ? Number(v.quantity) : 1, ...dates(v),
      })} onDone=${done}>
      <${Select} label="Product" name="product" options=${ps.map((p) => ({ value: p.key, label: `${p.name} (${p.key})` }))} />
      <${Input} label="Quantity" name="quantity" type="number" min="1" step="1" value="1" />
      <${Input} label="Start" name="start_date" type="date" hint="Empty: now." />
      <${Input} label="End" name="end_date" type="date" hint="Empty: permanent." />
    <//>`}<//>
  </section>`;
}

function GrantFeature({ account, done }) {
  const { api } = useSession();
  const features = useFeatures();
  const [chosen, setChosen] = useState(null);
  return html`<section class="panel" aria-labelledby="grant-feature-title">
    <h3 id="grant-feature-title">Grant a feature by hand</h3>
    <${Loaded} state=${features}>${(fs) => {
      const f = fs.find((x) => x.key === chosen) || fs[0];
      return html`<${Form} label="Grant a feature" submit="Grant feature" keep
        onSubmit=${(v) => api.post("/v1/entitlements", {
          account: account.id, feature: v.feature, value: v.value, override: v.override, ...dates(v),
        })} onDone=${done}>
        <${Select} label="Feature" name="feature" value=${f?.key}
          onChange=${(e) => setChosen(e.currentTarget.value)}
          options=${fs.map((x) => ({ value: x.key, label: `${x.name} (${x.type})` }))} />
        <${ValueInput} key=${f?.key} feature=${f} />
        <${Check} label="Override: replaces what other grants combine to" name="override" />
        <${Input} label="Start" name="start_date" type="date" hint="Empty: now." />
        <${Input} label="End" name="end_date" type="date" hint="Empty: permanent." />
      <//>`;
    }}<//>
  </section>`;
}

// ------------------------------------------------------------------------------------------
// Orders
// ------------------------------------------------------------------------------------------

function OrdersTab({ account }) {
  const { api } = useSession();
  const list = useList("/v1/orders", { account: account.id, sort: "-created_at" }, [account.id]);
  return html`<section aria-labelledby="orders-title">
    <h2 id="orders-title">Orders</h2>
    <div class="toolbar"><${FilterSelect} list=${list} field="status" label="Status" options=${["draft", "active"]} /></div>
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="Orders" rows=${page.data} empty="No order."
        head=${html`<th scope="col">Number</th><th scope="col">Status</th><th scope="col">Items</th>
          <${SortHeader} list=${list} field="created_at">Created<//><th scope="col">Activated</th><th scope="col">Actions</th>`}>
        ${page.data.map((o) => html`<tr data-order=${o.number}>
          <td>${o.number}</td>
          <td><${Badge} value=${o.status} /></td>
          <td>${o.items.map((i) => html`<div>${i.quantity} × ${i.product} <span class="muted">${i.activation_id}</span></div>`)}</td>
          <td>${time(o.created_at)}</td>
          <td>${time(o.activated_at)}</td>
          <td>${o.status !== "active" && html`<${Action} label="Activate" act=${() => api.post(`/v1/orders/${o.id}/activate`)} done=${list.reload} />`}</td>
        </tr>`)}
      <//>
      <${Pager} list=${list} label="orders" />`}<//>
    <${NewOrder} account=${account} done=${list.reload} />
  </section>`;
}

function NewOrder({ account, done }) {
  const { api } = useSession();
  const products = useProducts();
  const [lines, setLines] = useState(1);
  return html`<section class="panel" aria-labelledby="order-title">
    <h3 id="order-title">New order</h3>
    <${Loaded} state=${products}>${(ps) => html`<${Form} label="New order" submit="Create order"
      onSubmit=${(v) => {
        const items = [];
        for (let i = 0; i < lines; i++) {
          const item = { product: v[`items[${i}].product`], quantity: Number(v[`items[${i}].quantity`] || 1) };
          if (v[`items[${i}].end_date`]) item.end_date = v[`items[${i}].end_date`];
          items.push(item);
        }
        return api.post("/v1/orders", { account: account.id, items, activate: v.activate });
      }} onDone=${() => { setLines(1); done(); }}>
      ${Array.from({ length: lines }, (_, i) => html`<fieldset class="line">
        <legend>Line ${i + 1}</legend>
        <${Select} label="Product" name=${`items[${i}].product`} options=${ps.map((p) => ({ value: p.key, label: `${p.name} (${p.key})` }))} />
        <${Input} label="Quantity" name=${`items[${i}].quantity`} type="number" min="1" step="1" value="1" />
        <${Input} label="End" name=${`items[${i}].end_date`} type="date" hint="Empty: permanent." />
      </fieldset>`)}
      <div class="actions">
        <button type="button" onClick=${() => setLines(lines + 1)}>Add a line</button>
        ${lines > 1 && html`<button type="button" onClick=${() => setLines(lines - 1)}>Remove the last line</button>`}
      </div>
      <${Check} label="Activate at once (creates the entitlements)" name="activate" checked />
    <//>`}<//>
  </section>`;
}

// ------------------------------------------------------------------------------------------
// Leases
// ------------------------------------------------------------------------------------------

function LeasesTab({ account }) {
  const { api } = useSession();
  const list = useList("/v1/leases", { account: account.id, sort: "-created_at" }, [account.id]);
  const products = useProducts();
  const names = new Map((products.data || []).map((p) => [p.key, p.name]));
  return html`<section aria-labelledby="leases-title">
    <h2 id="leases-title">Trial leases</h2>
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="Leases" rows=${page.data} empty="No lease."
        head=${html`<th scope="col">Product</th><th scope="col">Status</th><th scope="col" class="num">Leases</th>
          <th scope="col">From</th><${SortHeader} list=${list} field="valid_until">Until<//><th scope="col">Actions</th>`}>
        ${page.data.map((l) => html`<${LeaseRow} key=${l.id} l=${l} name=${names.get(l.product)} reload=${list.reload} />`)}
      <//>
      <${Pager} list=${list} label="leases" />`}<//>
    <section class="panel" aria-labelledby="lease-title">
      <h3 id="lease-title">Start a trial</h3>
      <${Loaded} state=${products}>${(ps) => html`<${Form} label="Start a trial" submit="Start trial"
        onSubmit=${(v) => api.post("/v1/leases", {
          account: account.id, product: v.product, duration_days: Number(v.duration_days), accepted_terms: v.accepted_terms,
        })} onDone=${list.reload}>
        <${Select} label="Product" name="product" options=${ps.map((p) => ({ value: p.key, label: `${p.name} (${p.key})` }))} />
        <${Input} label="Days" name="duration_days" type="number" min="1" step="1" value="14" />
        <${Check} label="The customer accepted the trial's terms" name="accepted_terms" />
      <//>`}<//>
    </section>
  </section>`;
}

function LeaseRow({ l, name, reload }) {
  const { api, canWrite } = useSession();
  const [extending, setExtending] = useState(false);
  return html`<tr>
    <td>${name || l.product} <span class="muted">(${l.product})</span></td>
    <td><${Badge} value=${l.status} /></td>
    <td class="num">${l.lease_count}</td>
    <td>${time(l.valid_from)}</td>
    <td>${time(l.valid_until)}</td>
    <td>
      <button type="button" disabled=${!canWrite} aria-expanded=${extending ? "true" : "false"} onClick=${() => setExtending(!extending)}>Extend</button>
      ${extending && html`<${Form} label="Extend the lease" submit="Set end" keep
        onSubmit=${(v) => api.patch(`/v1/leases/${l.id}`, { valid_until: v.valid_until })}
        onDone=${() => { setExtending(false); reload(); }}>
        <${Input} label="New end" name="valid_until" type="date" />
      <//>`}
    </td>
  </tr>`;
}

// ------------------------------------------------------------------------------------------
// Activations
// ------------------------------------------------------------------------------------------

function ActivationsTab({ account }) {
  const { api } = useSession();
  const list = useList("/v1/activations", { account: account.id, status: "active", sort: "-last_heartbeat_at" }, [account.id]);
  return html`<section aria-labelledby="acts-title">
    <h2 id="acts-title">Activations</h2>
    <div class="toolbar">
      <${SearchBox} list=${list} label="Search machines" placeholder="Fingerprint or name" />
      <${FilterSelect} list=${list} field="status" label="Status" options=${["active", "expired", "deactivated"]} />
    </div>
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="Activations" rows=${page.data} empty="No machine holds a seat."
        head=${html`<th scope="col">Machine</th><th scope="col">Seat of</th><th scope="col">Status</th>
          <${SortHeader} list=${list} field="last_heartbeat_at">Last heartbeat<//><th scope="col">Expires</th><th scope="col">Actions</th>`}>
        ${page.data.map((a) => html`<tr>
          <td>${a.name || "—"}<br /><code class="muted">${a.fingerprint}</code></td>
          <td>${a.feature ? html`<code>${a.feature}</code>` : a.activation_id}</td>
          <td><${Badge} value=${a.status} /></td>
          <td>${time(a.last_heartbeat_at)}</td>
          <td>${a.ttl_seconds ? time(a.expires_at) : "Never (not floating)"}</td>
          <td>${a.status !== "deactivated" && html`<${Action} label="Deactivate" class="danger"
            confirm=${`Deactivate ${a.name || a.fingerprint}? Its seat is freed.`}
            act=${() => api.del(`/v1/activations/${a.id}`)} done=${list.reload} />`}</td>
        </tr>`)}
      <//>
      <${Pager} list=${list} label="activations" />`}<//>
  </section>`;
}

// ------------------------------------------------------------------------------------------
// Usage
// ------------------------------------------------------------------------------------------

function UsageTab({ account }) {
  const { api } = useSession();
  // The chart library is loaded with this tab alone: the first pages need it not.
  const state = useLoad(async () => {
    const [chart, answers] = await Promise.all([
      import("../chart.js"),
      evaluateAll(api, account.id, (f) => f.type === "metered"),
    ]);
    return { UsageChart: chart.UsageChart, answers };
  }, [account.id]);
  return html`<section aria-labelledby="usage-title">
    <h2 id="usage-title">Usage of metered features</h2>
    <${Loaded} state=${state}>${({ UsageChart, answers }) => answers.length === 0
      ? html`<p class="muted">The catalog has no metered feature.</p>`
      : answers.map((a) => html`<${UsageChart} key=${a.feature} account=${account} answer=${a} />`)}<//>
  </section>`;
}

// ------------------------------------------------------------------------------------------
// API keys of the account
// ------------------------------------------------------------------------------------------

function KeysTab({ account }) {
  const { api, canWrite } = useSession();
  const [created, setCreated] = useState(null);
  const list = useList("/v1/keys", { account: account.id, sort: "-created_at" }, [account.id]);
  return html`<section aria-labelledby="keys-title">
    <h2 id="keys-title">API keys of ${account.name}</h2>
    <p class="muted">An account key sees this account alone: it evaluates, records usage and activates for it.</p>
    ${canWrite
      ? html`<${Loaded} state=${list.state}>${(page) => html`
          <${Table} caption="Account keys" rows=${page.data} empty="No key for this account."
            head=${html`<th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Actions</th>`}>
            ${page.data.map((k) => html`<tr>
              <td>${k.name}</td><td><code>${k.prefix}…</code></td><td>${time(k.created_at)}</td>
              <td><${Badge} value=${k.revoked_at ? "revoked" : "active"} /></td>
              <td>${!k.revoked_at && html`<${Action} label="Revoke" class="danger" confirm=${`Revoke the key ${k.name}? It stops working at once.`}
                act=${() => api.del(`/v1/keys/${k.id}`)} done=${list.reload} />`}</td>
            </tr>`)}
          <//>
          <${Pager} list=${list} label="keys" />`}<//>`
      : html`<p class="muted">Only an admin key lists keys.</p>`}
    ${created && html`<${Secret} label=${`The key ${created.name}`} value=${created.key} />`}
    <section class="panel" aria-labelledby="newkey-title">
      <h3 id="newkey-title">Create an account key</h3>
      <${Form} label="Create an account key" submit="Create key"
        onSubmit=${(v) => api.post("/v1/keys", { name: v.name, scope: "account", account: account.id })}
        onDone=${(k) => { setCreated(k); list.reload(); }}>
        <${Input} label="Name" name="name" hint="Where it will be used, such as: acme production" />
      <//>
    </section>
  </section>`;
}

