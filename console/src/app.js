// SPDX-License-Identifier: MIT
// The console: sign-in with an API key, then the pages. The key is held in this tab alone
// (sessionStorage: gone when the tab closes, never sent but in the Authorization header).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { createApi, whoAmI } from "./api.js";
import { html } from "./html.js";
import { link, useRoute } from "./router.js";
import { Session, useSession } from "./ui.js";
import { AccountsPage } from "./pages/accounts.js";
import { AccountPage } from "./pages/account.js";
import { FeaturesPage } from "./pages/features.js";
import { ProductsPage, ProductPage } from "./pages/products.js";
import { EventsPage } from "./pages/events.js";
import { WebhooksPage } from "./pages/webhooks.js";
import { LicensesPage } from "./pages/licenses.js";
import { KeysPage } from "./pages/keys.js";

const STORE = "entitled.console.key";

function loadSaved() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
    return saved && saved.secret && saved.key ? saved : null;
  } catch {
    return null;
  }
}

export function App() {
  const [signedIn, setSignedIn] = useState(loadSaved);
  const [notice, setNotice] = useState(null);
  function signOut(message) {
    sessionStorage.removeItem(STORE);
    setSignedIn(null);
    setNotice(message || null);
  }
  const session = useMemo(() => {
    if (!signedIn) return null;
    const api = createApi(signedIn.secret, () =>
      signOut("The daemon no longer accepts this key (revoked?). Sign in again."),
    );
    return { api, key: signedIn.key, canWrite: signedIn.key.scope === "admin" };
  }, [signedIn]);
  if (!session) {
    return html`<${SignIn} notice=${notice} onSignedIn=${(s) => {
      sessionStorage.setItem(STORE, JSON.stringify(s));
      setNotice(null);
      setSignedIn(s);
    }} />`;
  }
  return html`<${Session.Provider} value=${session}>
    <${Shell} onSignOut=${() => signOut("Signed out. The key is forgotten by this tab.")} />
  <//>`;
}

/** The sign-in page: paste a key; an admin or read key enters, anything else is explained. */
function SignIn({ onSignedIn, notice }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const input = useRef(null);
  useEffect(() => input.current?.focus(), []);
  async function submit(e) {
    e.preventDefault();
    const secret = input.current.value.trim();
    if (!secret) {
      setError("Paste an API key first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const key = await whoAmI(secret);
      if (key.scope === "account") {
        setError("This is an account key: it sees one account only. The console needs an admin key, or a read key to look without changing anything.");
        return;
      }
      input.current.value = "";
      onSignedIn({ secret, key: { id: key.id, name: key.name, scope: key.scope } });
    } catch (err) {
      setError(
        err.status === 401
          ? "This key is not accepted: it is unknown, revoked or incomplete. Check that you pasted the whole key (it starts with ent_admin_ or ent_read_)."
          : err.message,
      );
    } finally {
      setBusy(false);
    }
  }
  return html`<main class="signin" id="main">
    <form onSubmit=${submit} aria-labelledby="signin-title" noValidate>
      <h1 id="signin-title">entitled console</h1>
      <p class="muted">Sign in with an API key. An admin key may change things; a read key sees
        everything and changes nothing. The key stays in this tab and is forgotten when it closes.</p>
      ${notice && html`<p class="notice" role="status">${notice}</p>`}
      <label for="signin-key">API key</label>
      <input id="signin-key" ref=${input} type="password" name="key" autocomplete="off" spellcheck="false"
        aria-invalid=${error ? "true" : undefined} aria-describedby=${error ? "signin-error" : undefined} />
      ${error && html`<p id="signin-error" class="problem" role="alert">${error}</p>`}
      <button type="submit" disabled=${busy}>${busy ? "Checking…" : "Sign in"}</button>
    </form>
  </main>`;
}

const NAV = [
  ["accounts", "Accounts"],
  ["features", "Features"],
  ["products", "Products"],
  ["events", "Audit log"],
  ["webhooks", "Webhooks"],
  ["licenses", "Licenses"],
  ["keys", "API keys"],
];

/** The frame of every page once signed in: the navigation, who is signed in, the page. */
function Shell({ onSignOut }) {
  const route = useRoute();
  const [open, setOpen] = useState(false);
  const { key, canWrite } = useSession();
  const section = route[0] || "accounts";
  const main = useRef(null);
  useEffect(() => {
    setOpen(false);
    // A new page: its heading takes the focus, so readers of the screen hear where they are.
    const h1 = main.current?.querySelector("h1");
    if (h1 && document.activeElement === document.body) h1.focus({ preventScroll: true });
  }, [route.join("/")]);
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); main.current?.querySelector("h1")?.focus(); }}>Skip to the page</a>
    <header class="top">
      <a class="brand" href=${link("accounts")}>entitled</a>
      <button type="button" class="menu" aria-expanded=${open ? "true" : "false"} aria-controls="nav"
        onClick=${() => setOpen(!open)}>Menu</button>
      <nav id="nav" class=${open ? "open" : ""} aria-label="Sections">
        <ul>
          ${NAV.map(([id, label]) => html`<li>
            <a href=${link(id)} aria-current=${section === id ? "page" : undefined}>${label}</a>
          </li>`)}
        </ul>
      </nav>
      <div class="who">
        <span class=${"badge " + (canWrite ? "ok" : "warn")} title=${key.name}>
          ${canWrite ? "Admin" : "Read-only"}
        </span>
        <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
      </div>
    </header>
    ${!canWrite && html`<p class="readonly-note" role="note">Signed in with a read key: you see everything, and every control that changes something is disabled.</p>`}
    <main id="main" ref=${main}>${page(route)}</main>
    <footer class="foot muted">
      <a href="licenses.txt">Licenses of the bundled libraries</a> · <a href="/openapi.json">API description</a>
    </footer>
  </div>`;
}

/** The page of a route. */
function page(route) {
  const [section, ref, tab] = route;
  switch (section) {
    case undefined:
    case "accounts":
      return ref ? html`<${AccountPage} ref_=${ref} tab=${tab || "features"} />` : html`<${AccountsPage} />`;
    case "features":
      return html`<${FeaturesPage} />`;
    case "products":
      return ref ? html`<${ProductPage} productRef=${ref} />` : html`<${ProductsPage} />`;
    case "events":
      return html`<${EventsPage} />`;
    case "webhooks":
      return html`<${WebhooksPage} />`;
    case "licenses":
      return html`<${LicensesPage} />`;
    case "keys":
      return html`<${KeysPage} />`;
    default:
      return html`<h1 tabindex="-1">Not found</h1><p>No page here. <a href=${link("accounts")}>Accounts</a></p>`;
  }
}
