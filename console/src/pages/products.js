// SPDX-License-Identifier: MIT
// The catalog's products: list, create; a product's entitlements, edited with the values its
// feature's type allows (its levels, its bounds), never free text where the type has levels.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { time } from "../format.js";
import { go, link } from "../router.js";
import {
  Action, Badge, FilterSelect, Form, Input, Loaded, Pager, SearchBox, Select, SortHeader, Table, Title, ValueInput,
  useList, useLoad, useSession,
} from "../ui.js";

const CATEGORIES = ["recurring_services", "professional_services", "customer_support", "physical_goods", "other"];

export function ProductsPage() {
  const { api } = useSession();
  const list = useList("/v1/products", { sort: "key" });
  return html`<section>
    <${Title} lead="What is sold or leased, and the features each grants.">Products<//>
    <div class="toolbar" role="search">
      <${SearchBox} list=${list} label="Search products" placeholder="Name or key" />
      <${FilterSelect} list=${list} field="category" label="Category" options=${CATEGORIES} />
    </div>
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="Products" rows=${page.data} empty="No product matches."
        head=${html`<${SortHeader} list=${list} field="name">Name<//><${SortHeader} list=${list} field="key">Key<//>
          <${SortHeader} list=${list} field="category">Category<//><th scope="col">Grants</th><th scope="col">Status</th>
          <${SortHeader} list=${list} field="created_at">Created<//>`}>
        ${page.data.map((p) => html`<tr data-product=${p.key}>
          <td><a href=${link("products", p.key)}>${p.name}</a></td>
          <td><code>${p.key}</code></td>
          <td>${p.category}</td>
          <td>${p.entitlements.map((e) => `${e.feature}: ${e.name}`).join(", ") || "—"}</td>
          <td><${Badge} value=${p.status} /></td>
          <td>${time(p.created_at)}</td>
        </tr>`)}
      <//>
      <${Pager} list=${list} label="products" />`}<//>
    <section class="panel" aria-labelledby="new-product-title">
      <h2 id="new-product-title">New product</h2>
      <${Form} label="New product" submit="Create product"
        onSubmit=${(v) => api.post("/v1/products", {
          key: v.key, name: v.name, category: v.category,
          ...(v.max_leases ? { max_leases: Number(v.max_leases) } : {}),
          ...(v.max_lease_days ? { max_lease_days: Number(v.max_lease_days) } : {}),
        })}
        onDone=${(p) => go("products", p.key)}>
        <${Input} label="Key" name="key" hint="lower case, digits, . _ -" autocomplete="off" />
        <${Input} label="Name" name="name" />
        <${Select} label="Category" name="category" value="recurring_services" options=${CATEGORIES} />
        <${Input} label="Most trial leases per account" name="max_leases" type="number" min="1" step="1" hint="Empty: no limit." />
        <${Input} label="Longest trial (days)" name="max_lease_days" type="number" min="1" step="1" hint="Empty: no limit." />
      <//>
    </section>
  </section>`;
}

export function ProductPage({ productRef }) {
  const { api } = useSession();
  const state = useLoad(async () => {
    const [product, features] = await Promise.all([
      api.get(`/v1/products/${encodeURIComponent(productRef)}`),
      api.all("/v1/features", { sort: "name" }),
    ]);
    return { product, features };
  }, [productRef]);
  return html`<${Loaded} state=${state}>${({ product, features }) => html`<section>
    <${Title} lead=${html`<code>${product.key}</code> · ${product.category} · <${Badge} value=${product.status} />`}>${product.name}<//>
    <p><a href=${link("products")}>All products</a></p>
    <${Entitlements} product=${product} features=${features} reload=${state.reload} />
  </section>`}<//>`;
}

function Entitlements({ product, features, reload }) {
  const { api } = useSession();
  const byKey = new Map(features.map((f) => [f.key, f]));
  const unused = features.filter((f) => f.status === "active" && !product.entitlements.some((e) => e.feature === f.key));
  const [chosen, setChosen] = useState(null);
  const f = unused.find((x) => x.key === chosen) || unused[0];
  const base = `/v1/products/${encodeURIComponent(product.key)}/entitlements/`;
  return html`<section aria-labelledby="pe-title">
    <h2 id="pe-title">What ${product.name} grants</h2>
    <${Table} caption="Product entitlements" rows=${product.entitlements} empty="It grants no feature yet."
      head=${html`<th scope="col">Feature</th><th scope="col">Type</th><th scope="col">Value</th><th scope="col">Change</th><th scope="col">Remove</th>`}>
      ${product.entitlements.map((e) => html`<tr data-feature=${e.feature}>
        <td>${byKey.get(e.feature)?.name || e.feature} <code class="muted">${e.feature}</code></td>
        <td>${byKey.get(e.feature)?.type || "—"}</td>
        <td>${e.name}</td>
        <td>${byKey.get(e.feature) && html`<${Form} label=${`Change ${e.feature}`} submit="Set" keep
          onSubmit=${(v) => api.put(base + encodeURIComponent(e.feature), { value: v.value })} onDone=${reload}>
          <${ValueInput} feature=${byKey.get(e.feature)} label=${`New value of ${e.feature}`} value=${e.value} />
        <//>`}</td>
        <td><${Action} label="Remove" class="danger" confirm=${`Stop granting ${e.feature} with ${product.name}?`}
          act=${() => api.del(base + encodeURIComponent(e.feature))} done=${reload} /></td>
      </tr>`)}
    <//>
    <section class="panel" aria-labelledby="pe-add-title">
      <h3 id="pe-add-title">Grant another feature with it</h3>
      ${unused.length === 0
        ? html`<p class="muted">Every active feature is granted already.</p>`
        : html`<${Form} label="Add a feature" submit="Add" keep
            onSubmit=${(v) => api.put(base + encodeURIComponent(v.feature), { value: v.value })} onDone=${reload}>
            <${Select} label="Feature" name="feature" value=${f?.key} onChange=${(e) => setChosen(e.currentTarget.value)}
              options=${unused.map((x) => ({ value: x.key, label: `${x.name} (${x.type})` }))} />
            <${ValueInput} key=${f?.key} feature=${f} />
          <//>`}
    </section>
  </section>`;
}
