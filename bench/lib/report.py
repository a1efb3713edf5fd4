#!/usr/bin/env python3
"""Turns a bench/run.sh output directory into the Markdown of the "Harness results" section.

    report.py OUT_DIR SCENARIOS_TXT RATIOS_TXT > report.md

Reads OUT_DIR/results.tsv (one row per scenario) and OUT_DIR/meta.txt (machine, versions,
commands); prints the scenario table, the ratio table with each target met or missed, and the
run's conditions.
"""

import csv
import sys
from pathlib import Path


def ms(us: str) -> str:
    return f"{int(us) / 1000:.2f}" if us else ""


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    meta = dict(
        line.split("=", 1) for line in (out / "meta.txt").read_text().splitlines() if "=" in line
    )
    with (out / "results.tsv").open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    by_id = {r["id"]: r for r in rows}
    for r in rows:
        if r["status"] == "ok":
            r["rps"] = int(r["requests"]) / (int(r["duration_us"]) / 1e6)

    p = print
    p(f"Run of {meta['started']} on {meta['cores']} cores ({meta['cpu']}, {meta['memory']}, "
      f"Linux {meta['kernel']}); load average before {meta['load_before']}, after "
      f"{meta['load_after']} (other engineers' builds share the machine). "
      f"Pinning: {meta['pinning'] or 'none'}. Each scenario: {meta['warmup']} warm-up, then "
      f"{meta['duration']} measured, one wrk thread.")
    p()
    p("| scenario | server | connections | requests/s | p50 ms | p99 ms | errors | RSS after (MiB) | CPU stolen by the hypervisor |")
    p("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        name = r["id"].split("@")[0]
        if r["status"] != "ok":
            p(f"| {name} | {r['server']} | {r['conc']} | skipped: {r['note'][:110]} | | | | | |")
            continue
        errors = int(r["status_errors"]) + int(r["socket_errors"])
        p(f"| {name} | {r['server']} | {r['conc']} | {r['rps']:,.0f} | {ms(r['p50_us'])} | "
          f"{ms(r['p99_us'])} | {errors or ''} | {int(r['rss_kib']) / 1024:.0f} | {r['steal']}% |")
    p()
    p("| ratio | value | target | met |")
    p("|---|---|---|---|")
    for line in Path(sys.argv[3]).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, num, den, metric, target = [c.strip() for c in line.split(" | ")]
        a = by_id.get(num)
        b = by_id.get(den) if den != "-" else None
        if a is None or a["status"] != "ok" or (den != "-" and (b is None or b["status"] != "ok")):
            missing = num if a is None or a["status"] != "ok" else den
            p(f"| {label} | not measured ({missing} skipped) | {target} | |")
            continue
        if metric == "rps":
            value = a["rps"] / b["rps"] if b else a["rps"]
            shown = f"{value:.2f}×" if b else f"{value:,.0f}/s"
        else:
            key = f"{metric}_us"
            value = int(a[key]) / int(b[key]) if b else int(a[key]) / 1000
            shown = f"{value:.2f}×" if b else f"{value:.2f} ms"
        met = ""
        if target != "-":
            op, bound = target.split()
            ok = value >= float(bound) if op == ">=" else value <= float(bound)
            met = "yes" if ok else f"**no** ({value / float(bound):.2f} of the bound)"
        p(f"| {label} | {shown} | {target} | {met} |")
    p()
    if int(meta["plinth_rss_idle_kib"]) > 0:
        p(f"Plinth RSS after deploying the examples and the {int(meta['lookup_rows']):,}-row lookup "
          f"table, before load: {int(meta['plinth_rss_idle_kib']) / 1024:.0f} MiB.")
        p()
    errors = out / "plinth-deploy-errors.txt"
    if errors.exists() and errors.read_text().strip():
        p("Plinth's log at start (bundles that did not deploy explain skipped scenarios):")
        p()
        for line in errors.read_text().splitlines():
            p(f"- `{line.split(': ', 1)[-1].strip()[:300]}`")
        p()
    p("Versions: " + "; ".join(
        f"{k} {meta[k].strip()}" for k in
        ("plinth_commit", "rustc", "wrk", "python", "datasette", "mlserver", "fastapi")))
    p()
    p(f"Command: `{meta['command'].strip()}`; each scenario runs "
      f"`{meta['wrk_command']}` with the path, body and connections of `bench/scenarios.txt`.")


if __name__ == "__main__":
    main()
