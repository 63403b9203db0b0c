# SPDX-License-Identifier: GPL-2.0
"""Summarize the lab's runs: bounces per driver and policy, integrity,
kmalloc memory, swiotlb high-water mark and boot time; check what the lab
promises; print and save the report, and draw a chart.

usage: lab-summary.py RUNS_DIR REPORT_TXT CHART_PNG [EXPECTED]
EXPECTED lists the bounces under misaligned that the size rule would not make
and that are known (lab/expected-extra-bounces): any other fails the check.
"""
import collections
import csv
import os
import re
import subprocess
import sys

ORDER = ["off", "kmalloc", "misaligned", "kmalloc-smmuv3", "misaligned-smmuv3",
         "audit"]

# One run: facts.txt, perf's figures per driver (drivers.csv), integrity per
# device, the kernel's counters per driver, the report's top call paths.
Run = collections.namedtuple("Run", "facts perf integrity counters paths sg slabs")


def load(run_dir):
    facts, drivers, integrity = {}, {}, {}
    with open(os.path.join(run_dir, "facts.txt")) as f:
        for line in f:
            key, _, value = line.strip().partition(" ")
            if key == "integrity":
                # "integrity DISK bytes=N mismatches=N", or "integrity
                # DISK missing" when the disk never appeared (reported
                # below as a run without its integrity result)
                fields = dict(kv.split("=", 1) for kv in value.split()[1:]
                              if "=" in kv)
                integrity[value.split()[0]] = fields
            elif key == "map_benchmark":
                # "map_benchmark offset=N size=N map_us=F unmap_us=F"
                fields = dict(kv.split("=", 1) for kv in value.split())
                facts.setdefault("map_benchmark", []).append(fields)
            elif key == "rx_packets":
                # one line per NIC: driver, PCI device, frames received
                driver, device, count = value.split()
                facts.setdefault("rx", {})[device] = (driver, int(count))
            else:
                facts[key] = value
    path = os.path.join(run_dir, "drivers.csv")
    if os.path.exists(path):
        with open(path) as f:
            for row in csv.DictReader(f):
                drivers[row["driver"]] = row
    return Run(facts, drivers, integrity, load_counters(run_dir),
               load_paths(run_dir), load_sg(run_dir), load_slabs(run_dir))


REASONS = ["head", "tail", "size", "addressing", "forced"]
FALLBACKS = ["fb_large", "fb_full", "fb_sg", "fb_noiotlb", "fb_attr"]
# dma-debug's hazard detector (CONFIG_DMA_API_DEBUG): CPU writes next to an
# inbound mapping made in place, and bounces that protected such a write or
# were a precaution
DETECTOR = ["hazard", "protective", "precaution"]


def load_slabs(run_dir):
    """/proc/slabinfo after the run: {cache: (object bytes in use, slab
    bytes)}"""
    slabs = {}
    path = os.path.join(run_dir, "slabinfo.txt")
    if not os.path.exists(path):
        return slabs
    with open(path) as f:
        for line in f:
            v = line.split()
            if len(v) < 15 or line.startswith(("#", "slabinfo")):
                continue
            # name active_objs num_objs objsize objperslab pagesperslab :
            # tunables ... : slabdata active_slabs num_slabs sharedavail
            slabs[v[0]] = (int(v[1]) * int(v[3]), int(v[14]) * int(v[5]) * 4096)
    return slabs


def kept_apart(runs, out):
    """The caches that misaligned keeps apart (SLUB merges them under
    kmalloc), and what they cost in slab memory, on the same machine."""
    for name, run in runs.items():
        ref = name.replace("misaligned", "kmalloc", 1)
        if run.facts.get("policy") != "misaligned" or ref not in runs:
            continue
        if not run.slabs or not runs[ref].slabs:
            continue
        apart = sorted(set(run.slabs) - set(runs[ref].slabs))
        objs = sum(run.slabs[c][0] for c in apart)
        slab = sum(run.slabs[c][1] for c in apart)
        out("%s: %d caches kept apart that %s merges, their slabs %d KiB "
            "for %d KiB of objects; all slabs %s vs %s KiB (%+d KiB)" % (
                name, len(apart), ref, slab // 1024, objs // 1024,
                run.facts.get("slab_kb", "?"), runs[ref].facts.get("slab_kb", "?"),
                int(run.facts.get("slab_kb", 0)) -
                int(runs[ref].facts.get("slab_kb", 0))))
        out("  " + " ".join(apart))


def drivers_of(run_dir):
    """{device: driver} from the run's dma_bounce/stats table"""
    names = {}
    path = os.path.join(run_dir, "stats.txt")
    if os.path.exists(path):
        with open(path) as f:
            for line in f.readlines()[1:]:
                v = line.split()
                if len(v) > 2:
                    names[v[0]] = v[1]
    return names


def load_sg(run_dir):
    """The scatterlists of the sustained phase (lab/sustain's histogram of
    dma:dma_map_sg): {"device (driver)": Counter of (entries, segments) ->
    lists}."""
    per_dev = {}
    names = drivers_of(run_dir)
    path = os.path.join(run_dir, "sg-hist.txt")
    if not os.path.exists(path):
        return per_dev
    pat = re.compile(r"device:\s*(\S+)\s*,\s*full_nents:\s*(\d+)\s*,"
                     r"\s*full_ents:\s*(\d+)\s*}\s*hitcount:\s*(\d+)")
    with open(path) as f:
        for m in pat.finditer(f.read()):
            dev, nents, ents, n = m.groups()
            dev = "%s (%s)" % (dev, names.get(dev, "?"))
            per_dev.setdefault(dev, collections.Counter())[
                (int(nents), int(ents))] += int(n)
    return per_dev


# the kernel's mapping benchmark, bound to the lab's pci-testdev
BENCH_DRIVER = "dma_map_benchmark"


def device_counters(run_dir):
    """{device: its row of the kernel's dma_bounce/stats table} of a run"""
    rows = {}
    path = os.path.join(run_dir, "stats.txt")
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        header = f.readline().split()
        for line in f:
            fields = line.split()
            if len(fields) == len(header):
                row = dict(zip(header, fields))
                # lab/mapbench's device: its own section, not a driver's
                if row.get("driver") != BENCH_DRIVER:
                    rows[fields[0]] = row
    return rows


def load_counters(run_dir):
    """The kernel's dma_bounce/stats table (boot and workload), summed per
    driver into the columns of drivers.csv. In audit mode (coherent
    devices) the bounces are those a non-coherent system would make."""
    per_driver = {}
    for row in device_counters(run_dir).values():
        if row["mode"] not in ("bounce", "audit"):
            continue
        d = per_driver.setdefault(row["driver"], dict.fromkeys(
            ["inbound", "bytes", "refused"] + REASONS + FALLBACKS + DETECTOR,
            0))
        for k in d:
            d[k] += int(row.get(k, 0))
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


# arm64's, the lab's architecture: the size rule maps anything this long or
# longer in place
ARCH_DMA_MINALIGN = 128


def size_rule(facts):
    """The size rule (dma_kmalloc_needs_bounce(), v6.5 to 7.2) as a function
    of a mapping's size, with the booted kernel's DMA cache line and kmalloc
    size classes (lab/policy saves both)."""
    line = int(facts["cache_line"])
    classes = sorted(int(c) for c in facts["kmalloc_sizes"].split())

    def bounces(size):
        if size >= 2 * ARCH_DMA_MINALIGN:
            return False
        roundup = next((c for c in classes if c >= size), size)
        return roundup % line != 0
    return bounces


def bounces_of(run_dir):
    """The bounces of a run's perf recording, a Counter of
    (driver, size, reason)."""
    path = os.path.join(run_dir, "run.perf.data")
    out = subprocess.run(["perf", "script", "-i", path, "-F", "event,trace"],
                         capture_output=True, text=True).stdout
    found = collections.Counter()
    for line in out.splitlines():
        if "dma_bounce_map:" in line:
            f = dict(re.findall(r"(\w+)=(\S+)", line))
            found[(f["driver"], int(f["size"]), f["reason"])] += 1
    return found


def load_expected(path):
    """Known bounces the size rule would not make: (driver, size, reason)
    -> why."""
    expected = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    d, size, reason, why = line.split(None, 3)
                    expected[(d, int(size), reason)] = " ".join(why.split())
    return expected


# swiotlb's high-water mark in bytes: slots (2 KiB each) taken at once,
# and of that the bytes small bounces held in lines of shared slots. The
# two marks may come from different moments.
IO_TLB_SIZE = 2048


def swiotlb_hiwater_bytes(facts):
    slots = facts.get("swiotlb_used_hiwater")
    lines, line = facts.get("swiotlb_lines_hiwater"), facts.get("swiotlb_line_size")
    return (str(int(slots) * IO_TLB_SIZE) if slots is not None else "?",
            str(int(lines) * int(line)) if lines is not None and line is not None else "-")


def kmalloc_kib(facts):
    return int(facts.get("kmalloc_slab_pages", 0)) * 4


def rate(row):
    inbound = int(row["inbound"])
    return 100.0 * int(row["bounces"]) / inbound if inbound else 0.0


def sg_totals(counter):
    """lists, entries, segments, and lists of several entries mapped into
    more than one segment"""
    lists = sum(counter.values())
    entries = sum(n * k for (n, _), k in counter.items())
    segs = sum(e * k for (_, e), k in counter.items())
    split = sum(k for (n, e), k in counter.items() if n > 1 and e > 1)
    return lists, entries, segs, split


def receive(runs, runs_dir, out, problems):
    """Each NIC's frames received beside its device's inbound mappings and
    bounces. A NIC maps a receive buffer per frame (and per ring slot at
    open); under misaligned, a NIC whose buffers come from the skb layer's
    fragment caches must bounce none of them (issue: network receive)."""
    out("network receive (boot, workload and sustained phase)")
    out("%-10s %-14s %-18s %10s %9s %9s  %s" % (
        "driver", "device", "run", "rx frames", "inbound", "bounces",
        "reasons"))
    rows = []
    for name, run in runs.items():
        stats = device_counters(os.path.join(runs_dir, name))
        for device, (driver, frames) in sorted(run.facts.get("rx", {}).items()):
            st = stats.get(device)
            if not st or st["mode"] != "bounce":
                continue
            bounces = sum(int(st.get(r, 0)) for r in REASONS)
            reasons = ",".join("%s:%s" % (r, st[r]) for r in REASONS
                               if int(st.get(r, 0))) or "-"
            rows.append((driver, device, name, frames, int(st["inbound"]),
                         bounces, reasons))
            # virtio-net maps its own buffers (and its control queue's
            # small ones); e1000e and e1000 take theirs from the skb layer
            if (run.facts.get("policy") == "misaligned" and
                    driver != "virtio_net" and bounces):
                problems.append("%s: %s (%s) bounced %d of %d inbound "
                                "mappings for %d received frames (%s)" %
                                (name, driver, device, bounces,
                                 int(st["inbound"]), frames, reasons))
    for r in sorted(rows, key=lambda r: (r[0], r[1], ORDER.index(r[2])
                                         if r[2] in ORDER else 99)):
        out("%-10s %-14s %-18s %10d %9d %9d  %s" % r)
    out()


def map_benchmark(runs, out):
    """The kernel's own benchmark (tools/dma/dma_map_benchmark) on the
    lab's pci-testdev, inbound: a 64-byte mapping that starts a line beside
    an 8-byte one 8 bytes into a line, in microseconds of TCG's emulation
    (only the ratio compares across runs)."""
    out("dma_map_benchmark, DMA_FROM_DEVICE, average us per map and unmap "
        "(TCG time)")
    out("%-18s %-22s %-22s %s" % ("run", "64 bytes at +0", "8 bytes at +8",
                                  "ratio (map+unmap)"))
    for name, run in runs.items():
        rows = {(r.get("offset"), r.get("size")): r
                for r in run.facts.get("map_benchmark", [])}
        a, m = rows.get(("0", "64")), rows.get(("8", "8"))
        if not a or not m:
            out("%-18s %s" % (name, "not run"))
            continue
        ta = float(a["map_us"]) + float(a["unmap_us"])
        tm = float(m["map_us"]) + float(m["unmap_us"])
        out("%-18s %-22s %-22s %s" % (
            name, "%s + %s" % (a["map_us"], a["unmap_us"]),
            "%s + %s" % (m["map_us"], m["unmap_us"]),
            "%.2f" % (tm / ta) if ta else "-"))
    out()


def sustained(runs, out, problems):
    """Refusals and fallbacks of each run (boot, workload and the sustained
    phase), and the DMA segments of the sustained phase's scatterlists;
    checked: misaligned refuses no more than kmalloc on the same machine,
    and under an IOMMU maps each length of list into the same number of
    segments as kmalloc does."""
    out("refusals, fallbacks and scatterlists (boot, workload and %s s of "
        "sustained reads and receive)" % next(
            (r.facts.get("sustain_seconds") for r in runs.values()
             if r.facts.get("sustain_seconds")), "?"))
    out("%-18s %8s %8s %6s %6s %6s %7s %6s %12s %14s" % (
        "run", "refused", "bounces", "large", "full", "sg", "noiotlb",
        "attr", "swiotlb hw B", "of it lines B"))
    for name, run in runs.items():
        c = run.counters.values()
        out("%-18s %8d %8d %6d %6d %6d %7d %6d %12s %14s" % (
            (name, sum(d["refused"] for d in c),
             sum(d["bounces"] for d in c)) +
            tuple(sum(d[f] for d in c) for f in FALLBACKS) +
            swiotlb_hiwater_bytes(run.facts)))
    out()
    out("%-18s %-25s %8s %8s %9s %22s" % (
        "run", "device", "sg lists", "entries", "segments",
        "split over >1 segment"))
    for name, run in runs.items():
        for dev in sorted(run.sg):
            lists, entries, segs, split = sg_totals(run.sg[dev])
            out("%-18s %-25s %8d %8d %9d %22d" % (name, dev, lists, entries,
                                                  segs, split))
    out()
    for name, run in runs.items():
        if run.facts.get("policy") != "misaligned":
            continue
        ref = name.replace("misaligned", "kmalloc", 1)
        if ref not in runs:
            continue
        mine = sum(d["refused"] for d in run.counters.values())
        theirs = sum(d["refused"] for d in runs[ref].counters.values())
        out("%s vs %s: %d vs %d mappings refused" % (name, ref, mine, theirs))
        if mine > theirs:
            problems.append("%s refused %d mappings, %s %d" %
                            (name, mine, ref, theirs))
        if "smmuv3" not in name:
            continue
        # The same list length maps into the same number of segments as
        # under the size rule; lengths seen in one run only are not
        # compared (the workload is not cycle-exact from boot to boot).
        # Only a bounce the size rule would not make can split a list
        # that it maps whole: a device that bounced no more than under
        # the size rule is not compared, as how many segments a list of
        # AHCI or SDHCI takes varies with where its pages lie in IOVA
        # space (both runs map such lists into 2 or 3).
        for dev, hist in sorted(run.sg.items()):
            driver = dev.rsplit("(", 1)[-1].rstrip(")")
            mine_b = run.counters.get(driver, {}).get("bounces", 0)
            theirs_b = runs[ref].counters.get(driver, {}).get("bounces", 0)
            if mine_b <= theirs_b:
                out("  %s: %d bounces, %d under %s: segments not compared"
                    % (dev, mine_b, theirs_b, ref))
                continue
            other = runs[ref].sg.get(dev, collections.Counter())
            worse = []
            for nents in sorted({n for n, _ in hist}):
                mine_e = max(e for n, e in hist if n == nents)
                theirs_e = [e for n, e in other if n == nents]
                if theirs_e and mine_e > max(theirs_e):
                    worse.append("%d entries: %d segments vs %d" %
                                 (nents, mine_e, max(theirs_e)))
            out("  %s: sg lists mapped into %s segments as under %s" %
                (dev, "more" if worse else "no more", ref))
            for w in worse:
                problems.append("%s: %s: %s under %s" % (name, dev, w, ref))
    out()


def is_audit(run):
    """Whether a run audited coherent devices (dma_bounce_audit=on)."""
    return re.search(r"\bdma_bounce_audit=(on|[0-9]*[1-9])",
                     run.facts.get("cmdline", "")) is not None


def has_detector(runs):
    """Whether the lab kernel had dma-debug's hazard detector."""
    return any("dma_debug_hazard_count" in r.facts for r in runs.values())


def detector(runs, out, problems):
    """dma-debug's hazard detector per driver and run: the CPU writes it saw
    next to inbound mappings made in place (hazards: data a non-coherent
    system loses), and whether each bounce protected such a write. Counts,
    not rates: the number of inbound mappings varies from boot to boot."""
    if not has_detector(runs):
        out("hazard detector: not in this lab kernel (no CONFIG_DMA_API_DEBUG)")
        out()
        return
    out("hazard detector (dma-debug), boot and workload: CPU writes next to "
        "inbound mappings made in place, and what each bounce protected")
    out("%-16s %-18s %9s %9s %8s %11s %11s" % (
        "driver", "run", "inbound", "bounces", "hazards", "protective",
        "precaution"))
    for d in sorted({d for run in runs.values() for d in run.counters}):
        for name, run in runs.items():
            r = run.counters.get(d)
            if r:
                out("%-16s %-18s %9d %9d %8d %11d %11d" % (
                    d, name, r["inbound"], r["bounces"], r["hazard"],
                    r["protective"], r["precaution"]))
    out()
    out("%-18s %10s %10s %10s" % ("run", "hazards", "unwatched",
                                  "dma-debug errors"))
    for name, run in runs.items():
        f = run.facts
        out("%-18s %10s %10s %10s" % (
            name, f.get("dma_debug_hazard_count", "?"),
            f.get("dma_debug_unwatched_count", "?"),
            f.get("dma_debug_error_count", "?")))
        # under bounce-on-misalignment no in-place mapping may share a line
        # the CPU writes: a hazard there is a hole in the policy (audit
        # mode maps everything in place: its hazards are its findings)
        hazards = sum(r["hazard"] for r in run.counters.values())
        if f.get("policy") == "misaligned" and hazards and not is_audit(run):
            problems.append("%s: %d hazards under dma_bounce=misaligned"
                            % (name, hazards))
    out()
    for name, run in runs.items():
        if not is_audit(run):
            continue
        # coherent devices, everything in place: a hazard is a CPU write
        # that a non-coherent system would lose, or make the device's data
        # lose, if the mapping were made in place there
        lost = sorted(d for d, r in run.counters.items() if r["hazard"])
        out("%s (coherent devices, audit mode): drivers whose inbound "
            "mappings would lose data on a non-coherent system if made in "
            "place: %s" % (name, ", ".join(
                "%s (%d)" % (d, run.counters[d]["hazard"]) for d in lost)
                or "none"))
        would = sorted(d for d, r in run.counters.items() if r["bounces"])
        out("%s: drivers with inbound mappings a non-coherent system would "
            "bounce under dma_bounce=misaligned: %s" % (name, ", ".join(
                "%s (%d)" % (d, run.counters[d]["bounces"]) for d in would)
                or "none"))
        out()


def main(runs_dir, report_path, chart_path, expected_path=None):
    runs = {}
    for name in sorted(os.listdir(runs_dir),
                       key=lambda n: ORDER.index(n) if n in ORDER else 99):
        runs[name] = load(os.path.join(runs_dir, name))
    lines, problems = [], []
    expected = load_expected(expected_path)

    def out(s=""):
        lines.append(s)

    def table(title, source):
        out(title)
        out("%-16s %-18s %9s %9s %8s %10s  %s" % (
            "driver", "run", "inbound", "bounces", "rate", "bytes", "reasons"))
        drivers = sorted({d for run in runs.values()
                          for d in getattr(run, source)})
        for d in drivers:
            for name, run in runs.items():
                r = getattr(run, source).get(d)
                if r:
                    out("%-16s %-18s %9d %9d %7.1f%% %10s  %s" % (
                        d, name, int(r["inbound"]), int(r["bounces"]),
                        rate(r), r["bytes"], r["reasons"]))
        out()
        return drivers

    drivers = table("the kernel's counters, boot and workload "
                    "(dma_bounce/stats)", "counters")
    detector(runs, out, problems)
    table("perf, during the workload (dma-bounce-report)", "perf")

    # What the policy promises: on the very same mappings, no bounce the
    # size rule would not make, save known ones (lab/expected-extra-bounces).
    # Checked within each misaligned run, from perf, which knows each
    # bounce's size: the same workload maps a different number of sg
    # segments, and polls a USB hub a different number of times, from one
    # boot to the next, so counts compared across boots would be noise.
    for name, run in runs.items():
        facts = run.facts
        if facts.get("policy") != "misaligned":
            continue
        if "cache_line" not in facts or "kmalloc_sizes" not in facts:
            problems.append("%s: no cache line or kmalloc sizes in facts.txt"
                            % name)
            continue
        rule = size_rule(facts)
        found = bounces_of(os.path.join(runs_dir, name))
        extra = {k: n for k, n in found.items() if not rule(k[1])}
        out("%s: %d bounces, %d of them of mappings the size rule maps "
            "in place" % (name, sum(found.values()), sum(extra.values())))
        for (d, size, reason), n in sorted(extra.items()):
            why = expected.get((d, size, reason))
            out("  %s: %d x %d bytes (%s)%s" % (d, n, size, reason,
                                               ", expected: " + why if why
                                               else ", NOT EXPECTED"))
            if not why:
                problems.append("%s: %s bounced %d x %d bytes (%s), which "
                                "the size rule maps in place" %
                                (name, d, n, size, reason))
    out()

    for name, run in runs.items():
        # perf records a window of what the counters count since boot
        for d, r in run.perf.items():
            c = run.counters.get(d)
            if c and int(r["inbound"]) > c["inbound"]:
                problems.append("%s: perf saw %s inbound mappings of %s, "
                                "the counters %d" % (name, r["inbound"], d,
                                                     c["inbound"]))
        if run.paths:
            out("top call paths behind the bounces, %s" % name)
            for line in run.paths:
                out("  " + line)
            out()
    out()
    receive(runs, runs_dir, out, problems)
    sustained(runs, out, problems)
    map_benchmark(runs, out)
    out("per run")
    out("%-18s %10s %12s %12s %10s %10s %12s" % (
        "run", "boot s", "kmalloc KiB", "slab KiB", "swiotlb hw", "checked",
        "mismatches"))
    for name, run in runs.items():
        facts, integ = run.facts, run.integrity
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
            kmalloc_kib(facts), facts.get("slab_kb", "?"),
            swiotlb_hiwater_bytes(facts)[0], checked, bad))
    if "off" in runs:
        off = kmalloc_kib(runs["off"].facts)
        for name, run in runs.items():
            # the SMMUv3 run has another machine's kernel objects
            if name != "off" and "-" not in name:
                kib = kmalloc_kib(run.facts)
                out("kmalloc slab memory, %s vs off: %d KiB vs %d KiB (%+d KiB)"
                    % (name, kib, off, kib - off))
    kept_apart(runs, out)
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
    """Counts, not rates, per driver and run: the bounces, split into those
    that protected a CPU write and precautions (when the kernel has the
    hazard detector), and the hazards of mappings made in place. A rate's
    denominator, the inbound mappings, varies with USB polling from boot to
    boot; the counts of the same workload do not."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no chart: matplotlib is missing", file=sys.stderr)
        return
    names = list(runs)
    shown = [d for d in drivers
             if any(runs[n].counters.get(d, {}).get(k, 0)
                    for n in names for k in ["bounces"] + DETECTOR)]
    if not shown:
        shown = drivers
    width = 0.8 / max(1, len(names))
    fig, ax = plt.subplots(figsize=(max(7, 3.5 * len(shown)), 4.5))
    split = has_detector(runs)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, name in enumerate(names):
        ds = runs[name].counters
        xs = [x + i * width for x in range(len(shown))]
        get = lambda k: [ds.get(d, {}).get(k, 0) for d in shown]
        bounces, protective, hazards = get("bounces"), get("protective"), get("hazard")
        c = colours[i % len(colours)]
        if split:
            rest = [b - p for b, p in zip(bounces, protective)]
            ax.bar(xs, rest, width, color=c, alpha=0.5, label=name)
            ax.bar(xs, protective, width, bottom=rest, color=c, hatch="//")
            ax.bar(xs, hazards, width, bottom=bounces, color="red")
        else:
            ax.bar(xs, bounces, width, color=c, label=name)
        for x, b, p, h in zip(xs, bounces, protective, hazards):
            text = "%d" % b + (" (%d)" % p if split and p else "") + \
                (" !%d" % h if h else "")
            ax.text(x, b, text, ha="center", va="bottom", fontsize=6,
                    rotation=90)
    ax.set_xticks([x + width * (len(names) - 1) / 2
                   for x in range(len(shown))])
    ax.set_xticklabels(shown, rotation=30, ha="right")
    ax.set_ylabel("mappings, boot and workload")
    ax.set_title("DMA bounces per driver and policy, boot and workload "
                 "(QEMU arm64 lab)\ncounts; hatched and in brackets: bounces "
                 "that protected a CPU write;\nred and !N: CPU writes next to "
                 "mappings made in place (hazards)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
