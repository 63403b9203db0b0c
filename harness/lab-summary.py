# SPDX-License-Identifier: GPL-2.0
"""Summarize the lab's runs: bounces per driver and policy, integrity,
kmalloc memory, swiotlb high-water mark and boot time; check what the lab
promises; print and save the report, and draw a chart.

usage: lab-summary.py RUNS_DIR REPORT_TXT CHART_PNG
"""
import collections
import csv
import os
import re
import subprocess
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
    return facts, drivers, integrity, load_counters(run_dir), \
        load_paths(run_dir)


REASONS = ["head", "tail", "size", "addressing", "forced"]


def load_counters(run_dir):
    """The kernel's dma_bounce/stats table (boot and workload), summed per
    driver into the columns of drivers.csv."""
    per_driver = {}
    path = os.path.join(run_dir, "stats.txt")
    if not os.path.exists(path):
        return per_driver
    with open(path) as f:
        header = f.readline().split()
        for line in f:
            fields = line.split()
            if len(fields) != len(header):
                continue
            row = dict(zip(header, fields))
            if row["mode"] != "bounce":
                continue
            d = per_driver.setdefault(row["driver"], dict.fromkeys(
                ["inbound", "bytes", "refused"] + REASONS, 0))
            for k in d:
                d[k] += int(row[k])
    for d in per_driver.values():
        d["bounces"] = sum(d[r] for r in REASONS)
        d["reasons"] = ",".join("%s:%d" % (r, d[r]) for r in REASONS
                                if d[r]) or "-"
    return per_driver


def load_paths(run_dir):
    """The report's "top call paths" section, as printed."""
    path = os.path.join(run_dir, "report.txt")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        text = f.read()
    _, found, paths = text.partition("top call paths")
    if not found:
        return []
    return [l for l in paths.splitlines()[1:]
            if l.strip() and not l.startswith("bar chart")]


INBOUND_DIRS = {"FROM_DEVICE", "BIDIRECTIONAL", "0", "2"}


def mapping_sizes(run_dir):
    """From a run's perf recording: inbound mappings and bounces, each a
    Counter of (driver, size)."""
    path = os.path.join(run_dir, "run.perf.data")
    drivers = {}
    if os.path.exists(path + ".drivers"):
        with open(path + ".drivers") as f:
            drivers = dict(l.split() for l in f if len(l.split()) == 2)
    out = subprocess.run(["perf", "script", "-i", path, "-F", "event,trace"],
                         capture_output=True, text=True).stdout
    inbound, bounced = collections.Counter(), collections.Counter()
    for line in out.splitlines():
        f = dict(re.findall(r"(\w+)=(ARRAY\[[^]]*\]|\S+)", line))
        if "dma_bounce_map:" in line:
            bounced[(f["driver"], int(f["size"]))] += 1
        elif "dma_map_page:" in line and f.get("dir") in INBOUND_DIRS:
            dev = line.split("dma_map_page:")[1].split()[0]
            inbound[(drivers.get(dev), int(f["size"]))] += 1
        elif "dma_map_sg:" in line and f.get("dir") in INBOUND_DIRS:
            raw = bytes(int(x, 16) for x in
                        f["lengths"][6:-1].split(",") if x.strip())
            for i in range(int(f["full_ents"])):
                size = int.from_bytes(raw[4 * i:4 * i + 4], "little")
                inbound[(drivers.get(f["device"]), size)] += 1
    return inbound, bounced


def compare_sizes(runs_dir, driver):
    """Why misaligned bounces more than kmalloc, size by size: returns
    (sizes the size rule maps in place, other sizes), each as lines."""
    k_in, k_b = mapping_sizes(os.path.join(runs_dir, "kmalloc"))
    _, m_b = mapping_sizes(os.path.join(runs_dir, "misaligned"))
    safety, other = [], []
    for (d, size), n in sorted(m_b.items()):
        extra = n - k_b.get((d, size), 0)
        if d != driver or extra <= 0:
            continue
        # The size rule decides by size alone: a size it never bounced in
        # the kmalloc run but mapped in place there, it never bounces.
        if k_in.get((d, size)) and not k_b.get((d, size)):
            safety.append("%d of %d bytes, which the size rule maps in "
                          "place (kmalloc run: %d such mappings, none "
                          "bounced) although their cache lines reach "
                          "memory outside them" % (extra, size,
                                                   k_in[(d, size)]))
        else:
            other.append("%d more of %d bytes" % (extra, size))
    return safety, other


def rate(row):
    inbound = int(row["inbound"])
    return 100.0 * int(row["bounces"]) / inbound if inbound else 0.0


def main(runs_dir, report_path, chart_path):
    runs = {}
    for name in sorted(os.listdir(runs_dir),
                       key=lambda n: ORDER.index(n) if n in ORDER else 99):
        runs[name] = load(os.path.join(runs_dir, name))
    lines, problems = [], []

    def out(s=""):
        lines.append(s)

    def table(title, source):
        out(title)
        out("%-16s %-18s %9s %9s %8s %10s  %s" % (
            "driver", "run", "inbound", "bounces", "rate", "bytes", "reasons"))
        drivers = sorted({d for run in runs.values() for d in run[source]})
        for d in drivers:
            for name, run in runs.items():
                r = run[source].get(d)
                if r:
                    out("%-16s %-18s %9d %9d %7.1f%% %10s  %s" % (
                        d, name, int(r["inbound"]), int(r["bounces"]),
                        rate(r), r["bytes"], r["reasons"]))
        out()
        return drivers

    drivers = table("the kernel's counters, boot and workload "
                    "(dma_bounce/stats)", 3)
    table("perf, during the workload (dma-bounce-report)", 1)

    # What the policy promises: no more bounces than the size rule, save
    # where the size rule maps a shared cache line in place. Bounces, not
    # rates: the same workload maps a different number of sg segments from
    # one boot to the next (page cache pages are physically contiguous or
    # not), but the same small buffers (status bytes, descriptors) each
    # time. From perf, which knows each mapping's size.
    k, m = runs.get("kmalloc"), runs.get("misaligned")
    for d in sorted(set(k[1]) & set(m[1]) if k and m else ()):
        bk, bm = int(k[1][d]["bounces"]), int(m[1][d]["bounces"])
        if bm <= bk:
            continue
        safety, other = compare_sizes(runs_dir, d)
        out("%s: %d bounces under misaligned, %d under kmalloc:" % (d, bm, bk))
        for line in safety + other:
            out("  " + line)
        if other:
            problems.append("%s bounces more under misaligned (%d) than under "
                            "kmalloc (%d): %s" % (d, bm, bk, "; ".join(other)))
    if k and m:
        out()
    for name, run in runs.items():
        # perf records a window of what the counters count since boot
        for d, r in run[1].items():
            c = run[3].get(d)
            if c and int(r["inbound"]) > c["inbound"]:
                problems.append("%s: perf saw %s inbound mappings of %s, "
                                "the counters %d" % (name, r["inbound"], d,
                                                     c["inbound"]))
        if run[4]:
            out("top call paths behind the bounces, %s" % name)
            for line in run[4]:
                out("  " + line)
            out()
    out()
    out("per run")
    out("%-18s %10s %12s %12s %10s %10s %12s" % (
        "run", "boot s", "kmalloc KiB", "slab KiB", "swiotlb hw", "checked",
        "mismatches"))
    for name, (facts, _, integ, _, _) in runs.items():
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
        for name, (facts, _, _, _, _) in runs.items():
            # the SMMUv3 run has another machine's kernel objects
            if name != "off" and "-" not in name:
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
        ds = runs[name][3]
        rates = [rate(ds[d]) if d in ds else 0 for d in drivers]
        ax.bar([x + i * width for x in range(len(drivers))], rates, width,
               label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2
                   for x in range(len(drivers))])
    ax.set_xticklabels(drivers, rotation=30, ha="right")
    ax.set_ylabel("% of inbound mappings bounced")
    ax.set_title("DMA bounce rate per driver and policy, boot and workload\n"
                 "(QEMU arm64 lab, dma_bounce/stats)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
