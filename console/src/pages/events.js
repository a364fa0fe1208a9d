// SPDX-License-Identifier: MIT
// The audit log (GET /v1/events), newest first, filtered by type and account; each change with
// the object before and after it.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { time } from "../format.js";
import { link } from "../router.js";
import { Loaded, Pager, SearchBox, SortHeader, Table, Title, useList } from "../ui.js";

export function EventsPage() {
  return html`<section>
    <${Title} lead="Every change, by whom and when: the object before and after it.">Audit log<//>
    <${EventsList} filterAccount />
  </section>`;
}

/** The events of one account (account: its id), or of all with a filter by account. */
export function EventsList({ account, filterAccount }) {
  const list = useList("/v1/events", { sort: "-created_at", account }, [account]);
  return html`<div>
    <div class="toolbar" role="search">
      <${SearchBox} list=${list} label="Type contains" placeholder="entitlement. or account.created" />
      ${filterAccount && html`<${SearchBox} list=${list} field="account" label="Account (key or id)" placeholder="acme" />`}
    </div>
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="Audit events" rows=${page.data} empty="No event matches."
        head=${html`<${SortHeader} list=${list} field="created_at">Time<//><th scope="col">Event</th><th scope="col">Account</th><th scope="col">By key</th><th scope="col">Change</th>`}>
        ${page.data.map((e) => html`<${EventRow} key=${e.id} e=${e} />`)}
      <//>
      <${Pager} list=${list} label="events" />`}<//>
  </div>`;
}

function EventRow({ e }) {
  const [open, setOpen] = useState(false);
  return html`<tr data-event=${e.type}>
    <td>${time(e.created_at)}</td>
    <td><code>${e.type}</code></td>
    <td>${e.account ? html`<a href=${link("accounts", e.account)}>${e.account.slice(0, 8)}…</a>` : "—"}</td>
    <td>${e.actor ? html`<code title=${e.actor}>${e.actor.slice(0, 8)}…</code>` : "the daemon"}</td>
    <td>
      <button type="button" class="link" aria-expanded=${open ? "true" : "false"} onClick=${() => setOpen(!open)}>${open ? "Hide" : "Show"}</button>
      ${open && html`<div class="change">
        <div><strong>Before</strong><pre tabindex="0" aria-label="Before">${e.before ? JSON.stringify(e.before, null, 2) : "—"}</pre></div>
        <div><strong>After</strong><pre tabindex="0" aria-label="After">${e.after ? JSON.stringify(e.after, null, 2) : "—"}</pre></div>
      </div>`}
    </td>
  </tr>`;
}
