# SPDX-License-Identifier: GPL-2.0
"""Summarize the lab's runs: bounces per driver and policy, integrity,
kmalloc memory, swiotlb high-water mark and boot time; check what the lab
promises; print and save the report, and draw a chart.

usage: lab-summary.py RUNS_DIR REPORT_TXT CHART_PNG
"""
import csv
import os
import sys

ORDER = ["off", "kmalloc", "misaligned", "misaligned-smmuv3"]


def load(run_dir):
    facts, drivers, integrity = {}, {}, {}
    with open(os.path.join(run_dir, "facts.txt")) as f:
        for line in f:
            key, _, value = line.strip().partition(" ")
            if key == "integrity":
                fields = dict(kv.split("=") for kv in value.split()[1:])
                integrity[value.split()[0]] = fields
            else:
                facts[key] = value
    path = os.path.join(run_dir, "drivers.csv")
    if os.path.exists(path):
        with open(path) as f:
            for row in csv.DictReader(f):
                drivers[row["driver"]] = row
    return facts, drivers, integrity


def main(runs_dir, report_path, chart_path):
    runs = {}
    for name in sorted(os.listdir(runs_dir),
                       key=lambda n: ORDER.index(n) if n in ORDER else 99):
        runs[name] = load(os.path.join(runs_dir, name))
    lines, problems = [], []

    def out(s=""):
        lines.append(s)

    drivers = sorted({d for _, ds, _ in runs.values() for d in ds})
    out("bounces per driver and policy (inbound mappings during the workload, "
        "from perf)")
    out("%-16s %-18s %9s %9s %8s %10s  %s" % ("driver", "run", "inbound",
                                               "bounces", "rate", "bytes",
                                               "reasons"))
    for d in drivers:
        for name, (_, ds, _) in runs.items():
            r = ds.get(d)
            if not r:
                continue
            inbound, bounces = int(r["inbound"]), int(r["bounces"])
            rate = "%.1f%%" % (100.0 * bounces / inbound) if inbound else "-"
            out("%-16s %-18s %9d %9d %8s %10s  %s" % (
                d, name, inbound, bounces, rate, r["bytes"], r["reasons"]))
        # what the policy promises: never more bounces than the size rule
        k, m = runs.get("kmalloc"), runs.get("misaligned")
        if k and m and d in k[1] and d in m[1]:
            rk = int(k[1][d]["bounces"]) / max(1, int(k[1][d]["inbound"]))
            rm = int(m[1][d]["bounces"]) / max(1, int(m[1][d]["inbound"]))
            if rm > rk:
                problems.append("%s bounces more under misaligned (%.1f%%) "
                                "than under kmalloc (%.1f%%)"
                                % (d, 100 * rm, 100 * rk))

    out()
    out("per run")
    out("%-18s %10s %12s %12s %10s %10s %12s" % (
        "run", "boot s", "kmalloc KiB", "slab KiB", "swiotlb hw", "checked",
        "mismatches"))
    for name, (facts, _, integ) in runs.items():
        checked = sum(int(v.get("bytes", 0)) for v in integ.values())
        bad = sum(int(v.get("mismatches", 0)) for v in integ.values())
        missing = [k for k, v in integ.items() if "bytes" not in v]
        if bad:
            problems.append("%s: %d bytes differ after the round trip"
                            % (name, bad))
        if missing or not integ:
            problems.append("%s: no integrity result for %s"
                            % (name, ", ".join(missing) or "any device"))
        out("%-18s %10s %12d %12s %10s %10d %12d" % (
            name, facts.get("boot_seconds", "?"),
            int(facts.get("kmalloc_slab_pages", 0)) * 4,
            facts.get("slab_kb", "?"), facts.get("swiotlb_used_hiwater", "?"),
            checked, bad))
    if "off" in runs:
        off = int(runs["off"][0].get("kmalloc_slab_pages", 0)) * 4
        for name, (facts, _, _) in runs.items():
            if name != "off":
                kib = int(facts.get("kmalloc_slab_pages", 0)) * 4
                out("kmalloc slab memory, %s vs off: %d KiB vs %d KiB (%+d KiB)"
                    % (name, kib, off, kib - off))
    out()
    out("checks: " + ("all passed" if not problems else
                      "%d failed" % len(problems)))
    for p in problems:
        out("  FAILED: " + p)

    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(report_path, "w") as f:
        f.write(text)
    draw(runs, drivers, chart_path)
    return 1 if problems else 0


def draw(runs, drivers, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no chart: matplotlib is missing", file=sys.stderr)
        return
    names = list(runs)
    width = 0.8 / max(1, len(names))
    fig, ax = plt.subplots(figsize=(max(5, 1.5 * len(drivers)), 3.8))
    for i, name in enumerate(names):
        ds = runs[name][1]
        rates = []
        for d in drivers:
            r = ds.get(d)
            inbound = int(r["inbound"]) if r else 0
            rates.append(100.0 * int(r["bounces"]) / inbound if inbound else 0)
        ax.bar([x + i * width for x in range(len(drivers))], rates, width,
               label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2
                   for x in range(len(drivers))])
    ax.set_xticklabels(drivers, rotation=30, ha="right")
    ax.set_ylabel("% of inbound mappings bounced")
    ax.set_title("DMA bounce rate per driver and policy (QEMU arm64 lab)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
