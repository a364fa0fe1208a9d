// SPDX-License-Identifier: MIT
// Signed licenses: those issued (filtered by account and status), revoke one; the signing keys.
import { html } from "../html.js";
import { time } from "../format.js";
import { link } from "../router.js";
import { Action, Badge, FilterSelect, Loaded, Pager, SearchBox, SortHeader, Table, Title, useList, useLoad, useSession } from "../ui.js";

export function LicensesPage() {
  const { api } = useSession();
  const list = useList("/v1/licenses", { sort: "-created_at" });
  const keys = useLoad(() => api.get("/v1/signing-keys"), []);
  return html`<section>
    <${Title} lead="Licenses that products check offline, signed with Ed25519.">Licenses<//>
    <div class="toolbar" role="search">
      <${SearchBox} list=${list} label="Serial or fingerprint" placeholder="PRO-…" />
      <${SearchBox} list=${list} field="account" label="Account (key or id)" placeholder="acme" />
      <${FilterSelect} list=${list} field="status" label="Status" options=${["active", "expired", "revoked"]} />
    </div>
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="Licenses" rows=${page.data} empty="No license matches."
        head=${html`<th scope="col">Serial</th><th scope="col">Account</th><th scope="col">Status</th><th scope="col">Machine</th>
          <th scope="col">Issued</th><${SortHeader} list=${list} field="expires_at">Expires<//><th scope="col">Actions</th>`}>
        ${page.data.map((l) => html`<tr>
          <td><code>${l.serial_number}</code></td>
          <td><a href=${link("accounts", l.account)}>${l.account.slice(0, 8)}…</a></td>
          <td><${Badge} value=${l.status} /></td>
          <td>${l.fingerprint ? html`<code>${l.fingerprint}</code>` : "not node-locked"}</td>
          <td>${time(l.issued_at)}</td>
          <td>${time(l.expires_at)}</td>
          <td>${l.status === "active" && html`<${Action} label="Revoke" class="danger" confirm=${`Revoke ${l.serial_number}?`}
            act=${() => api.del(`/v1/licenses/${l.id}`)} done=${list.reload} />`}</td>
        </tr>`)}
      <//>
      <${Pager} list=${list} label="licenses" />`}<//>
    <section aria-labelledby="sk-title">
      <h2 id="sk-title">Signing keys</h2>
      <${Loaded} state=${keys}>${(page) => html`
        <${Table} caption="Signing keys" rows=${page.data} empty="No signing key yet."
          head=${html`<th scope="col">Key id</th><th scope="col">Current</th><th scope="col">Published</th><th scope="col">Created</th><th scope="col">Retired</th>`}>
          ${page.data.map((k) => html`<tr>
            <td><code>${k.kid}</code></td><td>${k.current ? "yes" : "no"}</td><td>${k.published ? "yes" : "no"}</td>
            <td>${time(k.created_at)}</td><td>${time(k.retired_at)}</td>
          </tr>`)}
        <//>`}<//>
      <${Action} label="Rotate the signing key" confirm="Make a new current signing key? Older keys stay published while their licenses are unexpired."
        act=${() => api.post("/v1/signing-keys")} done=${keys.reload} />
    </section>
  </section>`;
}
