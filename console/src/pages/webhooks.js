// SPDX-License-Identifier: MIT
// Webhooks (admin keys only): endpoints, their deliveries; register one (its secret shown
// once), enable or disable, rotate the secret, delete.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { time } from "../format.js";
import { Action, Badge, Form, Input, Loaded, Pager, Secret, Table, Title, useList, useSession } from "../ui.js";

export function WebhooksPage() {
  const { canWrite } = useSession();
  if (!canWrite) {
    return html`<section><${Title}>Webhooks<//>
      <p class="muted">Webhooks hold signing secrets: only an admin key sees them.</p></section>`;
  }
  return html`<${Webhooks} />`;
}

function Webhooks() {
  const { api } = useSession();
  const [secret, setSecret] = useState(null);
  const list = useList("/v1/webhooks", { sort: "-created_at" });
  return html`<section>
    <${Title} lead="Other systems told of every change, signed as Standard Webhooks.">Webhooks<//>
    ${secret && html`<${Secret} label=${secret.label} value=${secret.value}
      note="The signing secret, shown this once: give it to the receiver to check signatures." />`}
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="Webhook endpoints" rows=${page.data} empty="No endpoint."
        head=${html`<th scope="col">Endpoint</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Actions</th>`}>
        ${page.data.map((w) => html`<${HookRow} key=${w.id} w=${w} reload=${list.reload}
          onSecret=${(s) => setSecret({ label: `New secret of ${w.url}`, value: s })} />`)}
      <//>
      <${Pager} list=${list} label="endpoints" />`}<//>
    <section class="panel" aria-labelledby="new-hook-title">
      <h2 id="new-hook-title">New endpoint</h2>
      <${Form} label="New webhook endpoint" submit="Register"
        onSubmit=${(v) => api.post("/v1/webhooks", {
          url: v.url,
          events: v.events.split(",").map((s) => s.trim()).filter(Boolean),
          ...(v.description ? { description: v.description } : {}),
          ...(v.thresholds ? { thresholds: v.thresholds.split(",").map((s) => Number(s.trim())) } : {}),
        })}
        onDone=${(w) => { setSecret({ label: `Secret of ${w.url}`, value: w.secret }); list.reload(); }}>
        <${Input} label="URL" name="url" type="url" placeholder="https://billing.example.com/hooks/entitled" wide />
        <${Input} label="Events (comma separated)" name="events" value="*" hint="entitlement.*, usage.threshold_crossed, or * for all" />
        <${Input} label="Usage thresholds (% of the limit)" name="thresholds" hint="Empty: 80, 100" />
        <${Input} label="Description" name="description" />
      <//>
    </section>
  </section>`;
}

function HookRow({ w, reload, onSecret }) {
  const { api } = useSession();
  const [open, setOpen] = useState(false);
  return html`<tr>
    <td><code>${w.url}</code>${w.description ? html`<br /><span class="muted">${w.description}</span>` : ""}</td>
    <td>${w.events.join(", ")}</td>
    <td><${Badge} value=${w.enabled ? "enabled" : "disabled"} />${w.disabled_reason ? html`<br /><span class="muted">${w.disabled_reason}</span>` : ""}</td>
    <td>${time(w.created_at)}</td>
    <td><div class="row-actions">
      <${Action} label=${w.enabled ? "Disable" : "Enable"} act=${() => api.patch(`/v1/webhooks/${w.id}`, { enabled: !w.enabled })} done=${reload} />
      <${Action} label="Rotate secret" confirm="Make a new signing secret? The old one signs too for 24 hours."
        act=${() => api.post(`/v1/webhooks/${w.id}/rotate-secret`)} done=${(r) => onSecret(r.secret)} />
      <button type="button" aria-expanded=${open ? "true" : "false"} onClick=${() => setOpen(!open)}>Deliveries</button>
      <${Action} label="Delete" class="danger" confirm=${`Delete the endpoint ${w.url}?`} act=${() => api.del(`/v1/webhooks/${w.id}`)} done=${reload} />
    </div>${open && html`<${Deliveries} hook=${w} />`}</td>
  </tr>`;
}

function Deliveries({ hook }) {
  const list = useList(`/v1/webhooks/${hook.id}/deliveries`, { sort: "-created_at", page_size: 10 });
  return html`<${Loaded} state=${list.state}>${(page) => html`
    <${Table} caption="Deliveries" rows=${page.data} empty="Nothing sent yet."
      head=${html`<th scope="col">Type</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Next</th>`}>
      ${page.data.map((m) => html`<tr>
        <td><code>${m.type}</code></td><td><${Badge} value=${m.status} /></td><td>${m.attempts}</td>
        <td>${m.last_response_code || m.last_error || "—"}</td><td>${time(m.next_attempt_at)}</td>
      </tr>`)}
    <//>
    <${Pager} list=${list} label="messages" />`}<//>`;
}
