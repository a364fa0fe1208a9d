// SPDX-License-Identifier: MIT
// The console's client of the public HTTP API (/v1, docs/openapi.json), like any other client:
// the key goes in the Authorization header of each request and nowhere else (never in a URL,
// a cookie or a log). A failed request throws an ApiError carrying the problem document
// (RFC 9457: type, title, detail, and the fields it names in errors[]).

export class ApiError extends Error {
  constructor(status, problem) {
    super(messageOf(status, problem));
    this.status = status;
    this.problem = problem || {};
    this.type = this.problem.type || (status === 0 ? "network" : "error");
    // errors[]: {field, message} for each field the API refused
    this.fields = Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

function messageOf(status, p) {
  if (status === 0) return "The daemon cannot be reached: check that it runs and that this page came from it.";
  if (status === 401) return "This key is not accepted (unknown, revoked or incomplete). Sign in again with a whole key.";
  if (status === 403) return "This key may not do this: a read key sees everything but changes nothing.";
  if (!p) return `The request failed (HTTP ${status}).`;
  const detail = p.detail && p.detail !== p.title ? `: ${p.detail}` : "";
  return `${p.title || "The request failed"}${detail}`;
}

/** A query string from an object, leaving out null, undefined and "" values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === null || v === undefined || v === "") continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/**
 * A client that sends key with every request. onUnauthorized() is called when the daemon
 * refuses the key (401), so the console can ask for another.
 */
export function createApi(key, onUnauthorized = () => {}) {
  async function request(method, path, body, params) {
    const headers = { Authorization: `Bearer ${key}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let r;
    try {
      r = await fetch(path + query(params), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch {
      throw new ApiError(0, null);
    }
    const text = await r.text();
    let doc = null;
    if (text) {
      try {
        doc = JSON.parse(text);
      } catch {
        doc = null;
      }
    }
    if (!r.ok) {
      if (r.status === 401) onUnauthorized();
      throw new ApiError(r.status, doc);
    }
    return doc;
  }
  return {
    get: (path, params) => request("GET", path, undefined, params),
    post: (path, body) => request("POST", path, body === undefined ? {} : body),
    put: (path, body) => request("PUT", path, body),
    patch: (path, body) => request("PATCH", path, body),
    del: (path) => request("DELETE", path),
    /** Every item of a list route, 100 at a time (the API's largest page). */
    async all(path, params = {}, cap = 5000) {
      const items = [];
      for (let offset = 0; offset < cap; offset += 100) {
        const page = await request("GET", path, undefined, { ...params, limit: 100, offset });
        items.push(...page.data);
        if (!page.next || page.data.length === 0) break;
      }
      return items;
    },
  };
}

/** The scope of key, from GET /v1/me; throws an ApiError (401 for a wrong key). */
export async function whoAmI(key) {
  return createApi(key).get("/v1/me");
}
