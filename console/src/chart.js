// SPDX-License-Identifier: MIT
// The usage of one metered feature by one account, per hour, day or month (GET /v1/usage), as
// uPlot bars with the feature's current limit drawn as a line; the same figures as a table
// for those who do not see the chart.
import uPlot from "uplot";
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "./html.js";
import { num, time } from "./format.js";
import { Loaded, useLoad, useSession } from "./ui.js";

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

/** The buckets' starts (ms) of the range shown for a granularity, oldest first, and from/to. */
export function buckets(granularity, now = Date.now()) {
  const out = [];
  if (granularity === "hour") {
    const end = Math.floor(now / HOUR) * HOUR;
    for (let t = end - 47 * HOUR; t <= end; t += HOUR) out.push(t);
  } else if (granularity === "day") {
    const end = Math.floor(now / DAY) * DAY;
    for (let t = end - 30 * DAY; t <= end; t += DAY) out.push(t);
  } else {
    const d = new Date(now);
    for (let k = 11; k >= 0; k--) out.push(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - k, 1));
  }
  const last = out[out.length - 1];
  const to =
    granularity === "hour" ? last + HOUR : granularity === "day" ? last + DAY
      : Date.UTC(new Date(last).getUTCFullYear(), new Date(last).getUTCMonth() + 1, 1);
  return { starts: out, from: new Date(out[0]).toISOString(), to: new Date(to).toISOString() };
}

const RANGE = { hour: "the last 48 hours", day: "the last 31 days", month: "the last 12 months" };

export function UsageChart({ account, answer }) {
  const { api } = useSession();
  const [granularity, setGranularity] = useState("day");
  const feature = answer.def;
  const state = useLoad(async () => {
    const b = buckets(granularity);
    const series = await api.get("/v1/usage", {
      account: account.id, feature: answer.feature, from: b.from, to: b.to, granularity,
    });
    const byStart = new Map(series.data.map((d) => [Date.parse(d.start), d.usage]));
    return { starts: b.starts, usage: b.starts.map((t) => byStart.get(t) || 0), points: series.data };
  }, [account.id, answer.feature, granularity]);
  const id = `usage-${answer.feature}`;
  const limitText = answer.unlimited ? "unlimited" : answer.limit === null ? "none" : `${num(answer.limit)} per ${feature?.reset_period || "window"}`;
  return html`<section class="chart-card" aria-labelledby=${`${id}-title`}>
    <div class="section-head">
      <h3 id=${`${id}-title`}>${feature ? feature.name : answer.feature} <code class="muted">${answer.feature}</code></h3>
      <div class="field inline">
        <label for=${`${id}-g`}>Per</label>
        <select id=${`${id}-g`} value=${granularity} onChange=${(e) => setGranularity(e.currentTarget.value)}>
          <option value="hour">hour</option><option value="day">day</option><option value="month">month</option>
        </select>
      </div>
    </div>
    <p class="muted">Now: ${num(answer.usage)} used, ${answer.unlimited ? "unlimited" : `${num(answer.remaining)} left`} · limit ${limitText}${answer.resets_at ? ` · resets ${time(answer.resets_at)}` : ""}</p>
    <${Loaded} state=${state}>${(d) => html`<${Plot} id=${id} data=${d} granularity=${granularity}
      limit=${answer.unlimited ? null : answer.limit} name=${feature ? feature.name : answer.feature} />`}<//>
  </section>`;
}

function Plot({ id, data, granularity, limit, name }) {
  const box = useRef(null);
  const total = data.usage.reduce((s, v) => s + v, 0);
  const peak = data.usage.reduce((m, v) => Math.max(m, v), 0);
  useEffect(() => {
    const el = box.current;
    const xs = data.starts.map((t) => t / 1000);
    const series = [{}, {
      label: "Usage",
      stroke: "#1f4e79",
      fill: "rgba(31, 78, 121, 0.35)",
      width: 1,
      paths: uPlot.paths.bars({ size: [0.7, 40] }),
      points: { show: false },
    }];
    const values = [xs, data.usage];
    if (limit !== null && limit !== undefined) {
      series.push({ label: "Limit", stroke: "#b3261e", width: 2, dash: [6, 4], points: { show: false } });
      values.push(xs.map(() => limit));
    }
    const width = () => Math.max(280, el.clientWidth);
    const plot = new uPlot({
      width: width(),
      height: 220,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"), // times in UTC, as the API's
      series,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { size: 60 }],
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
    }, values, el);
    el.uplot = plot; // the tests read the points the chart holds
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, limit]);
  const label = `Usage of ${name} per ${granularity} over ${RANGE[granularity]}: ${num(total)} in all, at most ${num(peak)} in one ${granularity}${limit !== null && limit !== undefined ? `; the limit, ${num(limit)}, is the dashed line` : ""}.`;
  const nonzero = data.starts.map((t, i) => [t, data.usage[i]]).filter(([, v]) => v > 0);
  return html`<div>
    <div class="chart" ref=${box} role="img" aria-label=${label}
      data-chart=${id} data-total=${total} data-buckets=${nonzero.length}></div>
    <details class="chart-data">
      <summary>The figures</summary>
      ${nonzero.length === 0
        ? html`<p class="muted">No usage over ${RANGE[granularity]}.</p>`
        : html`<table><caption class="visually-hidden">Usage per ${granularity}</caption>
          <thead><tr><th scope="col">From</th><th scope="col" class="num">Usage</th></tr></thead>
          <tbody>${nonzero.map(([t, v]) => html`<tr><td>${time(new Date(t).toISOString())}</td><td class="num">${num(v)}</td></tr>`)}</tbody>
        </table>`}
    </details>
  </div>`;
}
