// SPDX-License-Identifier: MIT
// API keys (admin keys only): list, create (the secret shown once), revoke.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { time } from "../format.js";
import { link } from "../router.js";
import { Action, Badge, FilterSelect, Form, Input, Loaded, Pager, Secret, Select, SortHeader, Table, Title, useList, useSession } from "../ui.js";

export function KeysPage() {
  const { canWrite, key } = useSession();
  if (!canWrite) {
    return html`<section><${Title}>API keys<//>
      <p class="muted">Signed in with the read key <strong>${key.name}</strong>. Only an admin key lists keys.</p></section>`;
  }
  return html`<${Keys} />`;
}

function Keys() {
  const { api, key } = useSession();
  const [created, setCreated] = useState(null);
  const list = useList("/v1/keys", { sort: "-created_at" });
  return html`<section>
    <${Title} lead="Admin keys change everything, read keys see everything, account keys one account.">API keys<//>
    <div class="toolbar"><${FilterSelect} list=${list} field="scope" label="Scope" options=${["admin", "read", "account"]} /></div>
    ${created && html`<${Secret} label=${`The key ${created.name}`} value=${created.key} />`}
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="API keys" rows=${page.data} empty="No key."
        head=${html`<${SortHeader} list=${list} field="name">Name<//><${SortHeader} list=${list} field="scope">Scope<//>
          <th scope="col">Starts with</th><th scope="col">Account</th><${SortHeader} list=${list} field="created_at">Created<//>
          <th scope="col">Status</th><th scope="col">Actions</th>`}>
        ${page.data.map((k) => html`<tr>
          <td>${k.name}${k.id === key.id ? " (this console)" : ""}</td><td>${k.scope}</td><td><code>${k.prefix}…</code></td>
          <td>${k.account ? html`<a href=${link("accounts", k.account)}>${k.account.slice(0, 8)}…</a>` : "—"}</td>
          <td>${time(k.created_at)}</td><td><${Badge} value=${k.revoked_at ? "revoked" : "active"} /></td>
          <td>${!k.revoked_at && k.id !== key.id && html`<${Action} label="Revoke" class="danger" confirm=${`Revoke the key ${k.name}? It stops working at once.`}
            act=${() => api.del(`/v1/keys/${k.id}`)} done=${list.reload} />`}</td>
        </tr>`)}
      <//>
      <${Pager} list=${list} label="keys" />`}<//>
    <section class="panel" aria-labelledby="new-key-title">
      <h2 id="new-key-title">New key</h2>
      <${Form} label="New key" submit="Create key"
        onSubmit=${(v) => api.post("/v1/keys", { name: v.name, scope: v.scope, ...(v.scope === "account" ? { account: v.account } : {}) })}
        onDone=${(k) => { setCreated(k); list.reload(); }}>
        <${Input} label="Name" name="name" />
        <${Select} label="Scope" name="scope" value="read" options=${["read", "admin", "account"]} />
        <${Input} label="Account (key or id; account keys only)" name="account" />
      <//>
    </section>
  </section>`;
}
