// SPDX-License-Identifier: MIT
// Routes live in the address's fragment (#/accounts/acme/usage): the daemon serves one page,
// and nothing of the fragment reaches the server or its log.
import { useEffect, useState } from "preact/hooks";

/** The current route as its segments (["accounts", "acme"]), decoded. */
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path] = hash.split("?");
  return path ? path.split("/").map((s) => decodeURIComponent(s)) : [];
}

/** The route, kept current as the fragment changes. */
export function useRoute() {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** The href of a route from its segments: link("accounts", key) -> "#/accounts/acme". */
export function link(...parts) {
  return "#/" + parts.map((p) => encodeURIComponent(p)).join("/");
}

/** Goes to a route. */
export function go(...parts) {
  location.hash = link(...parts).slice(1);
}
