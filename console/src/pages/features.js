// SPDX-License-Identifier: MIT
// The catalog's features: list, search, sort; create one with its levels; archive (a feature a
// product uses cannot be deleted: archiving keeps it out of new grants).
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { time } from "../format.js";
import {
  Action, Badge, Check, FilterSelect, Form, Input, Loaded, Pager, SearchBox, Select, SortHeader, Table, Title,
  useList, useSession,
} from "../ui.js";

export const FEATURE_TYPES = ["switch", "quantity", "range", "custom", "metered"];
const PERIODS = ["hour", "day", "week", "month", "year", "never"];

export function FeaturesPage() {
  const { api } = useSession();
  const list = useList("/v1/features", { sort: "key", status: "active" });
  return html`<section>
    <${Title} lead="What you sell access to, and the levels it comes in.">Features<//>
    <div class="toolbar" role="search">
      <${SearchBox} list=${list} label="Search features" placeholder="Name or key" />
      <${FilterSelect} list=${list} field="type" label="Type" options=${FEATURE_TYPES} />
      <${FilterSelect} list=${list} field="status" label="Status" options=${["active", "archived"]} />
    </div>
    <${Loaded} state=${list.state}>${(page) => html`
      <${Table} caption="Features" rows=${page.data} empty="No feature matches."
        head=${html`<${SortHeader} list=${list} field="name">Name<//><${SortHeader} list=${list} field="key">Key<//>
          <${SortHeader} list=${list} field="type">Type<//><th scope="col">Levels</th><th scope="col">Status</th>
          <${SortHeader} list=${list} field="created_at">Created<//><th scope="col">Actions</th>`}>
        ${page.data.map((f) => html`<tr data-feature=${f.key}>
          <td>${f.name}</td>
          <td><code>${f.key}</code></td>
          <td>${f.type}${f.reset_period ? ` per ${f.reset_period}` : ""}${f.activations_enabled ? " · seats" : ""}</td>
          <td>${f.type === "switch" ? "Available / Not available" : (f.levels || []).map((l) => l.name).join(", ") || "any whole number"}</td>
          <td><${Badge} value=${f.status} /></td>
          <td>${time(f.created_at)}</td>
          <td>${f.status === "active"
            ? html`<${Action} label="Archive" confirm=${`Archive ${f.name}? It can no longer be granted; grants already made stay.`}
                act=${() => api.patch(`/v1/features/${f.id}`, { status: "archived" })} done=${list.reload} />`
            : html`<${Action} label="Unarchive" act=${() => api.patch(`/v1/features/${f.id}`, { status: "active" })} done=${list.reload} />`}</td>
        </tr>`)}
      <//>
      <${Pager} list=${list} label="features" />`}<//>
    <section class="panel" aria-labelledby="new-feature-title">
      <h2 id="new-feature-title">New feature</h2>
      <${NewFeature} done=${list.reload} />
    </section>
  </section>`;
}

function NewFeature({ done }) {
  const { api } = useSession();
  const [type, setType] = useState("switch");
  const [rows, setRows] = useState(2);
  const [serial, setSerial] = useState(0);
  function body(v) {
    const b = { key: v.key, name: v.name, type: v.type };
    if (v.unit) b.unit = v.unit;
    if (type === "metered") b.reset_period = v.reset_period;
    if (type !== "switch") b.activations_enabled = v.activations_enabled;
    const levels = [];
    const n = type === "range" ? 2 : rows;
    for (let i = 0; i < n && type !== "switch"; i++) {
      const value = (v[`levels[${i}].value`] || "").trim();
      if (!value) continue;
      const level = { value };
      if (v[`levels[${i}].name`]) level.name = v[`levels[${i}].name`];
      levels.push(level);
    }
    if (type !== "switch" && v.unlimited) levels.push({ value: "unlimited", is_unlimited: true });
    if (type !== "switch" && (levels.length || type !== "metered")) b.levels = levels;
    return b;
  }
  return html`<${Form} key=${serial} label="New feature" submit="Create feature"
    onSubmit=${(v) => api.post("/v1/features", body(v))}
    onDone=${() => { setSerial(serial + 1); setType("switch"); setRows(2); done(); }}>
    <${Input} label="Key" name="key" hint="lower case, digits, . _ -" autocomplete="off" />
    <${Input} label="Name" name="name" />
    <${Select} label="Type" name="type" value=${type} onChange=${(e) => setType(e.currentTarget.value)}
      options=${[
        { value: "switch", label: "switch: on or off" },
        { value: "quantity", label: "quantity: one of some levels (5, 20 users)" },
        { value: "range", label: "range: a whole number between two bounds" },
        { value: "custom", label: "custom: named levels, lowest first (basic, pro)" },
        { value: "metered", label: "metered: usage counted against a limit per period" },
      ]} />
    ${type !== "switch" && type !== "custom" && html`<${Input} label="Unit (singular)" name="unit" hint="user, call, GB" />`}
    ${type === "metered" && html`<${Select} label="Resets every" name="reset_period" value="month" options=${PERIODS} />`}
    ${type !== "switch" && html`<fieldset class="levels">
      <legend>${type === "range" ? "Bounds" : type === "metered" ? "Levels (optional: else any whole number is a limit)" : "Levels, lowest first"}</legend>
      ${Array.from({ length: type === "range" ? 2 : rows }, (_, i) => html`<div class="level-row">
        <${Input} label=${type === "range" ? (i === 0 ? "Lower bound" : "Upper bound") : `Level ${i + 1}`}
          name=${`levels[${i}].value`} type=${type === "custom" ? "text" : "number"} min="0" step="1" />
        ${type !== "range" && html`<${Input} label="Display name (optional)" name=${`levels[${i}].name`} />`}
      </div>`)}
      ${type !== "range" && html`<div class="actions">
        <button type="button" onClick=${() => setRows(rows + 1)}>Add a level</button>
        ${rows > 1 && html`<button type="button" onClick=${() => setRows(rows - 1)}>Remove the last level</button>`}
      </div>`}
      ${type !== "custom" && html`<${Check} label="Unlimited is a level too" name="unlimited" />`}
    </fieldset>`}
    ${type !== "switch" && type !== "metered" && html`<${Check} label="Activations: each machine holds a seat" name="activations_enabled" />`}
  <//>`;
}
