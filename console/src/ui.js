// SPDX-License-Identifier: MIT
// The console's shared pieces: the session (its API client and what its key may do), forms
// whose API errors show next to the field they name, lists that page and sort like the API,
// and small parts (status badges, a secret shown once, messages).
import { createContext } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.js";
import { html } from "./html.js";
import { num } from "./format.js";

/** {api, key: {id, name, scope}, canWrite}: set once signed in. */
export const Session = createContext(null);

export function useSession() {
  return useContext(Session);
}

/**
 * Runs load() (an async function of the API) when deps change. Answers {data, error, loading,
 * reload}; an answer that arrives after a newer request started is dropped.
 */
export function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const serial = useRef(0);
  const run = useCallback(() => {
    const mine = ++serial.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === serial.current && setState({ data, error: null, loading: false }),
      (error) => mine === serial.current && setState({ data: null, error, loading: false }),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/** A message about a failed request (role alert), or nothing. */
export function Problem({ error }) {
  if (!error) return null;
  const text = error instanceof ApiError ? error.message : String(error.message || error);
  return html`<p class="problem" role="alert">${text}</p>`;
}

/** "Loading…" while loading, the error when it failed, else the children. */
export function Loaded({ state, children }) {
  if (state.error) return html`<${Problem} error=${state.error} />`;
  if (!state.data) return html`<p class="muted" aria-busy="true">Loading…</p>`;
  return typeof children === "function" ? children(state.data) : children;
}

const STATUS_CLASS = {
  active: "ok",
  granted: "ok",
  delivered: "ok",
  enabled: "ok",
  true: "ok",
  suspended: "warn",
  pending: "warn",
  draft: "warn",
  limit_reached: "warn",
  expiring: "warn",
  revoked: "bad",
  expired: "bad",
  archived: "muted",
  not_granted: "bad",
  deactivated: "muted",
  failed: "bad",
  disabled: "bad",
  false: "bad",
};

/** A status as a coloured badge (the word is always written: colour is never the only sign). */
export function Badge({ value, label }) {
  return html`<span class=${"badge " + (STATUS_CLASS[value] || "")}>${label || value}</span>`;
}

// ------------------------------------------------------------------------------------------
// Forms
// ------------------------------------------------------------------------------------------

const FormState = createContext({ errors: {}, prefix: "f", disabled: false });
let formSerial = 0;

/**
 * A form whose submit calls onSubmit(values, form) (values: the form's named controls, as
 * strings; checkboxes as booleans). An ApiError shows each field error next to the control of
 * that name (its `name` is the API's field path, as "items[0].product"), and the others above
 * the button. Controls are disabled when the key may not change anything (readOnly) or while
 * the request runs. After success, onDone(result) and the form is reset unless keep is set.
 */
export function Form({ onSubmit, onDone, submit = "Save", children, keep, label, class: cls, write = true }) {
  const session = useSession();
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState([]);
  const [busy, setBusy] = useState(false);
  const prefix = useRef(`f${++formSerial}`);
  const readOnly = write && !session.canWrite;
  async function handle(e) {
    e.preventDefault();
    const form = e.currentTarget;
    setBusy(true);
    setErrors({});
    setGeneral([]);
    try {
      const result = await onSubmit(values(form), form);
      if (!keep) form.reset();
      if (onDone) onDone(result);
    } catch (err) {
      const byField = {};
      const rest = [];
      if (err instanceof ApiError) {
        for (const f of err.fields) {
          if (f.field && form.elements.namedItem(f.field)) byField[f.field] = f.message;
          else rest.push(f.field ? `${f.field}: ${f.message}` : f.message);
        }
        if (err.fields.length === 0 || rest.length) rest.unshift(err.message);
      } else {
        rest.push(String(err.message || err));
      }
      setErrors(byField);
      setGeneral(rest);
      const first = Object.keys(byField)[0];
      if (first) form.elements.namedItem(first)?.focus?.();
    } finally {
      setBusy(false);
    }
  }
  return html`<${FormState.Provider} value=${{ errors, prefix: prefix.current, disabled: readOnly || busy }}>
    <form class=${"form " + (cls || "")} onSubmit=${handle} aria-label=${label} noValidate>
      ${children}
      ${general.length > 0 &&
      html`<div class="problem" role="alert">${general.map((g) => html`<p>${g}</p>`)}</div>`}
      <div class="actions">
        <button type="submit" disabled=${readOnly || busy}>${busy ? "Working…" : submit}</button>
        ${readOnly && html`<span class="muted">Read-only key</span>`}
      </div>
    </form>
  <//>`;
}

/** The values of a form's named controls: strings, booleans for checkboxes. */
function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled && el.type !== "hidden") continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else if (el.type === "radio") {
      if (el.checked) out[el.name] = el.value;
    } else out[el.name] = el.value;
  }
  return out;
}

/** The id, error and disabled state of the control `name` in its form. */
function useControl(name) {
  const f = useContext(FormState);
  const id = `${f.prefix}-${name.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  return { id, error: f.errors[name], disabled: f.disabled };
}

/** Label, control and the API's message about it. control(attrs) renders the control. */
function Field({ label, name, hint, control, wide }) {
  const { id, error, disabled } = useControl(name);
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  const attrs = {
    id,
    name,
    disabled,
    "aria-invalid": error ? "true" : undefined,
    "aria-describedby": describedBy || undefined,
  };
  return html`<div class=${"field" + (wide ? " wide" : "") + (error ? " invalid" : "")}>
    <label for=${id}>${label}</label>
    ${control(attrs)}
    ${hint && html`<small id=${`${id}-hint`} class="muted">${hint}</small>`}
    ${error && html`<small id=${`${id}-error`} class="field-error">${error}</small>`}
  </div>`;
}

// The controls of a form are uncontrolled: `value` and `checked` give their first state only,
// so that a new render (an error shown) never puts back what the person changed.

/** A text-like input (type: text, email, number, date, datetime-local, password). */
export function Input({ label, name, hint, wide, value, ...rest }) {
  return html`<${Field} label=${label} name=${name} hint=${hint} wide=${wide}
    control=${(a) => html`<input type="text" defaultValue=${value} ...${rest} ...${a} disabled=${a.disabled || rest.disabled} />`} />`;
}

/**
 * A select of options [{value, label}] (or plain strings); value is the one chosen first. With
 * onChange, value is the choice the caller keeps (a controlled select).
 */
export function Select({ label, name, hint, options, wide, value, ...rest }) {
  const controlled = typeof rest.onChange === "function";
  const chosen = value === undefined || value === null ? undefined : String(value);
  return html`<${Field} label=${label} name=${name} hint=${hint} wide=${wide}
    control=${(a) => html`<select value=${controlled ? chosen : undefined} ...${rest} ...${a} disabled=${a.disabled || rest.disabled}>
      ${options.map((o) => {
        const v = typeof o === "string" ? o : String(o.value);
        const first = !controlled && chosen !== undefined && v === chosen;
        return typeof o === "string"
          ? html`<option value=${o} selected=${first}>${o}</option>`
          : html`<option value=${o.value} selected=${first} disabled=${o.disabled}>${o.label}</option>`;
      })}
    </select>`} />`;
}

/** A checkbox with its label after it (checked: its first state). */
export function Check({ label, name, hint, checked, ...rest }) {
  const { id, error, disabled } = useControl(name);
  return html`<div class=${"field check" + (error ? " invalid" : "")}>
    <input type="checkbox" id=${id} name=${name} defaultChecked=${checked} ...${rest} disabled=${disabled || rest.disabled}
      aria-invalid=${error ? "true" : undefined} aria-describedby=${error ? `${id}-error` : undefined} />
    <label for=${id}>${label}</label>
    ${hint && html`<small class="muted">${hint}</small>`}
    ${error && html`<small id=${`${id}-error`} class="field-error">${error}</small>`}
  </div>`;
}

/**
 * The control of a value of feature f, offering only what its type allows: true or false for
 * a switch, the levels of a quantity or custom feature (and of a metered one with levels), a
 * whole number between the bounds of a range (or unlimited where a level allows it), a whole
 * number for a metered feature without levels. Never free text where the type has levels.
 */
export function ValueInput({ feature: f, name = "value", label = "Value", value }) {
  if (!f) return html`<${Select} label=${label} name=${name} options=${[{ value: "", label: "Choose a feature first", disabled: true }]} />`;
  const levels = f.levels || [];
  const unlimited = levels.find((l) => l.is_unlimited);
  if (f.type === "switch") {
    return html`<${Select} label=${label} name=${name} value=${value}
      options=${[{ value: "true", label: "Available" }, { value: "false", label: "Not available" }]} />`;
  }
  if (f.type === "quantity" || f.type === "custom" || (f.type === "metered" && levels.length > 0)) {
    return html`<${Select} label=${label} name=${name} value=${value}
      options=${levels.map((l) => ({ value: l.value, label: l.name || l.value }))} />`;
  }
  const bounds = levels.filter((l) => !l.is_unlimited).map((l) => Number(l.value));
  const min = f.type === "range" && bounds.length ? Math.min(...bounds) : 0;
  const max = f.type === "range" && bounds.length ? Math.max(...bounds) : undefined;
  const hint =
    f.type === "range"
      ? `A whole number from ${min} to ${max}${unlimited ? ", or unlimited" : ""}.`
      : `A whole number${f.unit ? ` of ${f.unit}s` : ""} per ${f.reset_period || "window"}${unlimited ? ", or unlimited" : ""}.`;
  return html`<${NumberOrUnlimited} name=${name} label=${label} min=${min} max=${max}
    unlimited=${!!unlimited} hint=${hint} value=${value} />`;
}

/** A whole number, or "unlimited" when allowed (a checkbox beside the number). */
function NumberOrUnlimited({ name, label, min, max, unlimited, hint, value }) {
  const [isUnlimited, setUnlimited] = useState(value === "unlimited");
  const { id } = useControl(name);
  return html`<div class="field-group">
    <${Input} label=${label} name=${isUnlimited ? `${name}__number` : name} type="number" inputmode="numeric"
      min=${min} max=${max} step="1" hint=${hint} disabled=${isUnlimited}
      value=${value && value !== "unlimited" ? value : undefined} />
    ${isUnlimited && html`<input type="hidden" name=${name} value="unlimited" />`}
    ${unlimited &&
    html`<div class="field check">
      <input type="checkbox" id=${`${id}-unlimited`} checked=${isUnlimited}
        onChange=${(e) => setUnlimited(e.currentTarget.checked)} />
      <label for=${`${id}-unlimited`}>Unlimited</label>
    </div>`}
  </div>`;
}

// ------------------------------------------------------------------------------------------
// Lists
// ------------------------------------------------------------------------------------------

/**
 * The state of a list view: page, page size, sort and filters, and the page loaded from path
 * (a list route of the API) with them. Answers {state, params, set(patch), reload}.
 */
export function useList(path, initial = {}, deps = []) {
  const { api } = useSession();
  const [params, setParams] = useState({ page: 1, page_size: 20, ...initial });
  const state = useLoad(() => api.get(path, params), [path, JSON.stringify(params), ...deps]);
  const set = (patch) => setParams((p) => ({ ...p, page: 1, ...patch }));
  return { state, params, set, setPage: (page) => setParams((p) => ({ ...p, page })), reload: state.reload };
}

/** A column header that sorts the list by field (API sort syntax: field or -field). */
export function SortHeader({ list, field, children }) {
  const sort = list.params.sort || "";
  const dir = sort === field ? "ascending" : sort === `-${field}` ? "descending" : "none";
  const next = dir === "ascending" ? `-${field}` : field;
  return html`<th scope="col" aria-sort=${dir}>
    <button type="button" class="sort" onClick=${() => list.set({ sort: next })}>
      ${children}<span aria-hidden="true">${dir === "ascending" ? " ▲" : dir === "descending" ? " ▼" : ""}</span>
    </button>
  </th>`;
}

/** "Page 2 of 500 · 10,000 items" with Previous and Next. */
export function Pager({ list, label = "items" }) {
  const d = list.state.data;
  if (!d) return null;
  const page = d.page || 1;
  const pages = d.total_pages || 1;
  return html`<nav class="pager" aria-label="Pages">
    <button type="button" disabled=${!d.previous} onClick=${() => list.setPage(page - 1)}>Previous</button>
    <span>Page ${page} of ${pages} · ${num(d.total_count)} ${label}</span>
    <button type="button" disabled=${!d.next} onClick=${() => list.setPage(page + 1)}>Next</button>
  </nav>`;
}

/** A search box that filters the list as one types (after a short pause). */
export function SearchBox({ list, label, placeholder, field = "search" }) {
  const [text, setText] = useState(list.params[field] || "");
  const timer = useRef(0);
  const { id } = useControl(`search-${field}`);
  function onInput(e) {
    const v = e.currentTarget.value;
    setText(v);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => list.set({ [field]: v.trim() }), 150);
  }
  return html`<div class="field search">
    <label for=${id}>${label}</label>
    <input id=${id} type="search" value=${text} onInput=${onInput} placeholder=${placeholder} autocomplete="off" />
  </div>`;
}

/** A select that filters the list by one field. */
export function FilterSelect({ list, field, label, options }) {
  const { id } = useControl(`filter-${field}`);
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select id=${id} value=${list.params[field] || ""} onChange=${(e) => list.set({ [field]: e.currentTarget.value })}>
      <option value="">All</option>
      ${options.map((o) => html`<option value=${o}>${o}</option>`)}
    </select>
  </div>`;
}

/** A table with a caption, or a sentence when it would be empty. */
export function Table({ caption, empty = "Nothing yet.", rows, head, children, class: cls }) {
  if (rows && rows.length === 0) return html`<p class="muted empty">${empty}</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${caption}>
    <table class=${cls}>
      <caption class="visually-hidden">${caption}</caption>
      <thead><tr>${head}</tr></thead>
      <tbody>${children}</tbody>
    </table>
  </div>`;
}

/** An action button that runs act() once confirmed (when confirm is set), with its error. */
export function Action({ label, act, confirm: question, disabled, class: cls, done }) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function run() {
    if (question && !window.confirm(question)) return;
    setBusy(true);
    setError(null);
    try {
      const r = await act();
      if (done) done(r);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return html`<span class="action">
    <button type="button" class=${cls} disabled=${!session.canWrite || busy || disabled} onClick=${run}>${label}</button>
    ${error && html`<${Problem} error=${error} />`}
  </span>`;
}

/** A secret shown this once, with a button that copies it. */
export function Secret({ label, value, note }) {
  const [copied, setCopied] = useState(false);
  const input = useRef(null);
  const { id } = useControl(`secret-${label}`);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      input.current.select();
      document.execCommand("copy");
    }
    setCopied(true);
  }
  return html`<div class="secret" role="status">
    <label for=${id}>${label}</label>
    <div class="secret-row">
      <input id=${id} ref=${input} readonly value=${value} onFocus=${(e) => e.currentTarget.select()} />
      <button type="button" onClick=${copy}>${copied ? "Copied" : "Copy"}</button>
    </div>
    <p class="muted">${note || "Shown this once: copy it now. The daemon keeps only its hash."}</p>
  </div>`;
}

/** A page's heading and its lead. */
export function Title({ children, lead }) {
  return html`<header class="page-title">
    <h1 tabindex="-1">${children}</h1>
    ${lead && html`<p class="muted">${lead}</p>`}
  </header>`;
}
