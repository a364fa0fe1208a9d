// SPDX-License-Identifier: MIT
// How values read on the page: times in UTC as the API gives them, numbers with separators,
// and the words of the API's enumerations for people.

/** "2026-12-06 15:20 UTC" from an RFC 3339 time; "—" for none. */
export function time(s) {
  if (!s) return "—";
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** "2026-12-06" from an RFC 3339 time; "—" for none. */
export function day(s) {
  return s ? String(s).slice(0, 10) : "—";
}

const NUMBER = new Intl.NumberFormat("en-US"); // one formatter: making one per call is slow

/** 12,345; "—" for null and undefined. */
export function num(n) {
  if (n === null || n === undefined) return "—";
  return NUMBER.format(Number(n));
}

const REASONS = {
  granted: "Granted",
  not_granted: "Not granted",
  expired: "Expired",
  pending: "Not started yet",
  suspended: "Suspended",
  limit_reached: "Limit reached",
  unknown_feature: "Unknown feature",
};

/** The reason of an evaluation for people. */
export function reason(r) {
  return REASONS[r] || r;
}

/** Why an answer is what it is, in a sentence, from the answer and its sources (explain). */
export function because(a) {
  switch (a.reason) {
    case "granted":
      return a.sources && a.sources.length > 1
        ? `${a.sources.length} grants combine to this value.`
        : "One grant gives this value.";
    case "not_granted":
      return "No entitlement of this account in force now gives this feature.";
    case "expired":
      return "The grants that gave this feature have ended.";
    case "pending":
      return "A grant gives this feature, but it starts later.";
    case "suspended":
      return "The grants that give this feature are suspended.";
    case "limit_reached":
      return "Granted, but the usage of this window has reached the limit.";
    default:
      return "";
  }
}

/** The words for where a grant came from: an order, a lease, by hand; with its product. */
export function source(s) {
  const how = { order: "Order", lease: "Trial lease", manual: "Granted by hand" }[s.source] || s.source;
  const what = s.product ? `product ${s.product}` : "this feature alone";
  return `${how} · ${what}${s.override ? " · override" : ""}`;
}

/** The limit of a feature's value, for people: "Unlimited", a number, or "—". */
export function limit(a) {
  if (a.unlimited) return "Unlimited";
  return num(a.limit);
}

/** The display name of an answer's level: the feature's level name ("20 users"), else the value. */
export function level(a) {
  if (a.level === null || a.level === undefined) return "—";
  if (a.type === "switch") return a.level === "true" ? "Available" : "Not available";
  const named = a.def && (a.def.levels || []).find((l) => l.value.toLowerCase() === String(a.level).toLowerCase());
  if (named) return named.name;
  const unit = a.def && a.def.unit;
  return unit && a.level !== "unlimited" ? `${a.level} ${unit}${a.level === "1" ? "" : "s"}` : a.level;
}
