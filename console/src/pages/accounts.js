// SPDX-License-Identifier: MIT
// Accounts: find one by name, key or contact e-mail as you type (GET /v1/accounts?search=),
// sort and page like the API; create one.
import { useEffect } from "preact/hooks";
import { html } from "../html.js";
import { time } from "../format.js";
import { go, link } from "../router.js";
import {
  FilterSelect, Form, Input, Loaded, Pager, SearchBox, Select, SortHeader, Table, Title, useList, useSession,
} from "../ui.js";

export const ACCOUNT_TYPES = ["customer", "channel_partner", "publisher", "self_registered", "unknown"];

export function AccountsPage() {
  const { api } = useSession();
  const list = useList("/v1/accounts", { sort: "name" });
  useEffect(() => {
    // The first page is usable: the browser tests read this mark (performance.mark).
    if (list.state.data && !performance.getEntriesByName("console-accounts-ready").length)
      performance.mark("console-accounts-ready");
  }, [list.state.data]);
  return html`<section>
    <${Title} lead="Find a customer by name, key or contact e-mail.">Accounts<//>
    <div class="toolbar" role="search">
      <${SearchBox} list=${list} label="Search accounts" placeholder="Name, key or e-mail" />
      <${FilterSelect} list=${list} field="type" label="Type" options=${ACCOUNT_TYPES} />
    </div>
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="Accounts" rows=${page.data} empty="No account matches."
        head=${html`<${SortHeader} list=${list} field="name">Name<//><${SortHeader} list=${list} field="key">Key<//>
          <th scope="col">Contact</th><${SortHeader} list=${list} field="type">Type<//>
          <${SortHeader} list=${list} field="created_at">Created<//>`}>
        ${page.data.map((a) => html`<tr>
          <td><a href=${link("accounts", a.key)}>${a.name}</a></td>
          <td><code>${a.key}</code></td>
          <td>${a.contact_email || "—"}</td>
          <td>${a.type}</td>
          <td>${time(a.created_at)}</td>
        </tr>`)}
      <//>
      <${Pager} list=${list} label="accounts" />`}
    <//>
    <details class="panel">
      <summary>New account</summary>
      <${Form} label="New account" submit="Create account"
        onSubmit=${(v) => api.post("/v1/accounts", {
          key: v.key, name: v.name, type: v.type,
          contact_email: v.contact_email || null, parent: v.parent || null,
        })}
        onDone=${(a) => go("accounts", a.key)}>
        <${Input} label="Key" name="key" hint="Your own id for it: lower case, digits, . _ -" autocomplete="off" />
        <${Input} label="Name" name="name" />
        <${Select} label="Type" name="type" options=${ACCOUNT_TYPES} />
        <${Input} label="Contact e-mail" name="contact_email" type="email" />
        <${Input} label="Parent account (key or id)" name="parent" />
      <//>
    </details>
  </section>`;
}
