#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns the raw figures of scripts/bench.sh into the results: prints a table (req/s, p50, p99
and the ratio to nginx per scenario and connection count), writes the TSV, and the data file
of bench/plot.gp.

Usage: bench/report.py RAW.tsv SIZES.tsv OUT.tsv PLOT.dat
RAW rows: scenario connections server requests seconds p50_ms p99_ms non2xx errors cpu_us
(cpu_us: the server's CPU time per request, user and system; its ratio, nginx's over
entitled's, is the share of nginx's capacity entitled reaches, and holds steadier than the ratio
of req/s when other work shares the machine)
"""
import sys

ITEMS = {"evaluate_1": 1, "evaluate_1_log": 1, "evaluate_10": 10, "evaluate_100": 100,
         "bulk_100x100": 10000, "usage_1": 1, "usage_batch_100": 100, "churn": 1,
         "ofrep_1": 1, "ofrep_bulk": 100, "ofrep_bulk_304": 100}
UNIT = {"evaluate_1": "evaluations", "evaluate_1_log": "evaluations",
        "evaluate_10": "evaluations", "evaluate_100": "evaluations",
        "bulk_100x100": "evaluations", "usage_1": "events", "usage_batch_100": "events",
        "churn": "seat changes", "ofrep_1": "evaluations", "ofrep_bulk": "evaluations",
        "ofrep_bulk_304": "evaluations"}


def main():
    raw, sizes, out, plot = sys.argv[1:5]
    size = dict(line.split("\t") for line in open(sizes).read().split("\n") if line)
    rows = {}
    order = []
    for line in open(raw):
        f = line.rstrip("\n").split("\t")
        scen, conns, server = f[0], int(f[1]), f[2]
        reqs, secs, p50, p99, non2xx, errs = int(f[3]), float(f[4]), float(f[5]), float(f[6]), \
            int(f[7]), int(f[8])
        cpu = float(f[9]) if len(f) > 9 else float("nan")
        rows[(scen, conns, server)] = (reqs / secs, p50, p99, non2xx, errs, cpu)
        if (scen, conns) not in order:
            order.append((scen, conns))
    hdr = ["scenario", "connections", "server", "req_s", "p50_ms", "p99_ms", "ratio_to_nginx",
           "items_s", "items", "answer_bytes", "non2xx", "errors", "cpu_us_per_req",
           "cpu_ratio_to_nginx"]
    lines = ["\t".join(hdr)]
    print(f"{'scenario':<17}{'conns':>6}{'entitled req/s':>16}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'nginx req/s':>13}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>7}{'cpu us':>8}{'nginx':>7}"
          f"{'ratio':>7}  items/s")
    for scen, conns in order:
        e = rows.get((scen, conns, "entitled"))
        n = rows.get((scen, conns, "nginx"))
        ratio = e[0] / n[0] if e and n and n[0] else float("nan")
        cratio = n[5] / e[5] if e and n and e[5] else float("nan")
        for server, r in (("entitled", e), ("nginx", n)):
            if not r:
                continue
            items = r[0] * ITEMS[scen] if server == "entitled" else r[0]
            lines.append("\t".join(str(x) for x in [
                scen, conns, server, f"{r[0]:.0f}", f"{r[1]:.3f}", f"{r[2]:.3f}",
                f"{ratio:.3f}" if server == "entitled" else "1.000", f"{items:.0f}",
                UNIT[scen] if server == "entitled" else "requests", size.get(scen, size.get(scen.removesuffix("_log"), "")),
                r[3], r[4], f"{r[5]:.2f}", f"{cratio:.3f}" if server == "entitled" else "1.000"]))
        if e and n:
            print(f"{scen:<17}{conns:>6}{e[0]:>16.0f}{e[1]:>9.2f}{e[2]:>9.2f}{n[0]:>13.0f}"
                  f"{n[1]:>9.2f}{n[2]:>9.2f}{ratio:>7.2f}{e[5]:>8.1f}{n[5]:>7.1f}{cratio:>7.2f}"
                  f"  {e[0] * ITEMS[scen]:.0f} "
                  f"{UNIT[scen]}/s" + (f"  ({e[3]} non-2xx, {e[4]} errors)"
                                         if e[3] or e[4] else ""))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    # plot.dat: one row per scenario; req/s and p99 of entitled and nginx per connection count.
    conns = sorted({c for _, c in order if c > 1})  # the chart: 32 and 128 connections
    with open(plot, "w") as f:
        f.write("# scenario " + " ".join(f"e{c}_rps n{c}_rps e{c}_p99 n{c}_p99" for c in conns)
                + "\n")
        for scen in dict.fromkeys(s for s, _ in order):
            vals = []
            for c in conns:
                e = rows.get((scen, c, "entitled"), (0, 0, 0))
                n = rows.get((scen, c, "nginx"), (0, 0, 0))
                vals += [e[0], n[0], e[2], n[2]]
            f.write(scen + " " + " ".join(f"{v:.3f}" for v in vals) + "\n")


if __name__ == "__main__":
    main()
