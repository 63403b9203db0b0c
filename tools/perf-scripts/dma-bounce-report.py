# SPDX-License-Identifier: GPL-2.0
# dma-bounce-report.py: which drivers make the DMA API bounce, and why.
#
# Run by perf on a recording of the dma_bounce and dma tracepoints (see
# dma-bounce-record):
#
#   perf script -i perf.data -s dma-bounce-report.py -- [options]
#
# Options:
#   --drivers FILE   device-to-driver names written by dma-bounce-record
#                    (default: <input>.drivers when it exists)
#   --top N          call paths to print per driver (default 5)
#   --png FILE       also write a bar chart of the bounce rate per driver
#   --csv FILE       also write the per-driver table as CSV
#
# The denominator of a bounce rate is the inbound mappings a device made:
# dma:dma_map_phys events (dma:dma_map_page on older kernels, 6.12) of memory,
# not MMIO, and every segment of dma:dma_map_sg events, whose direction is
# DMA_FROM_DEVICE or DMA_BIDIRECTIONAL. Bounces are
# dma_bounce:dma_bounce_map events; dma_bounce:dma_bounce_audit events are
# the bounces that audit mode saw on coherent devices, which a non-coherent
# system would make. dma_bounce:dma_bounce_hazard events (dma-debug's hazard
# detector, CONFIG_DMA_API_DEBUG) are CPU writes next to an inbound mapping
# made in place, while the device owned its lines: the data a non-coherent
# system loses. They get a table and call paths of their own.

import argparse
import os
import sys
from collections import Counter, defaultdict

# enum dma_data_direction and enum dma_bounce_reason, as the kernel
# numbers them (include/linux/dma-direction.h, include/linux/dma-bounce.h).
DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE = 0, 1, 2
REASONS = {1: "head", 2: "tail", 3: "size", 4: "addressing", 5: "forced"}
INBOUND = (DMA_BIDIRECTIONAL, DMA_FROM_DEVICE)
DMA_ATTR_MMIO = 1 << 10  # include/linux/dma-mapping.h

# Frames that every bounce goes through: not what a driver developer needs.
PLUMBING = ("dma_bounce_", "trace_", "perf_", "swiotlb_", "dma_direct_",
            "__dma_", "dma_map_", "iommu_dma_", "__iommu_dma_",
            "dma_count", "__traceiter_", "__probestub_",
            # a hazard is reported from dma-debug, as the CPU takes the
            # mapping back: unmap or sync
            "report_hazard", "dma_debug_", "check_unmap", "check_sync",
            "debug_dma_", "dma_unmap_", "dma_sync_")


class Device:
    def __init__(self, name):
        self.name = name
        self.driver = None
        self.inbound = 0
        self.bounces = Counter()    # reason -> bounces
        self.bytes = 0
        self.audit = Counter()      # reason -> would-be bounces
        self.audit_bytes = 0
        self.copied_back = 0
        self.hazards = 0            # dma_bounce_hazard events
        self.hazard_bytes = 0       # bytes the CPU wrote, over them

    @property
    def bounced(self):
        return sum(self.bounces.values())

    @property
    def active(self):
        return self.inbound or self.bounces or self.audit or self.hazards


devices = {}
paths = defaultdict(Counter)        # driver -> call path -> bounces
hazard_paths = defaultdict(Counter) # driver -> call path -> hazards
events = Counter()
opts = None
have_callchains = False


def device(name, driver=None):
    dev = devices.get(name)
    if dev is None:
        dev = devices[name] = Device(name)
    if driver and driver != dev.driver:
        dev.driver = driver
    return dev


def parse_options():
    parser = argparse.ArgumentParser(
        prog="perf script -s dma-bounce-report.py --",
        description="bounce rates per driver and device")
    parser.add_argument("--drivers", metavar="FILE",
                        help="device-to-driver names from dma-bounce-record")
    parser.add_argument("--top", type=int, default=5, metavar="N",
                        help="call paths per driver (default 5)")
    parser.add_argument("--png", metavar="FILE",
                        help="write a bar chart of bounce rate per driver")
    parser.add_argument("--csv", metavar="FILE",
                        help="also write the per-driver table as CSV")
    return parser.parse_args(sys.argv[1:])


def load_drivers(path):
    """Lines of "device driver", as dma-bounce-record writes them."""
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 2 and not line.startswith("#"):
                device(fields[0], fields[1])


def call_path(callchain):
    """The first frames of a callchain that are not DMA API plumbing."""
    global have_callchains
    frames = []
    for frame in callchain or []:
        have_callchains = True
        sym = frame.get("sym", {}).get("name")
        if not sym:
            sym = "%#x" % frame.get("ip", 0)
        if not frames and sym.startswith(PLUMBING):
            continue
        frames.append(sym)
        if len(frames) == 4:
            break
    return " <- ".join(frames)


def trace_begin():
    global opts
    opts = parse_options()
    drivers = opts.drivers
    if drivers is None:
        default = os.environ.get("DMA_BOUNCE_INPUT", "perf.data") + ".drivers"
        drivers = default if os.path.exists(default) else None
    if drivers:
        load_drivers(drivers)


def bounce_event(kind, device_name, driver, size, reason, callchain):
    """A bounce ("bounce"), or one that audit mode saw ("audit")."""
    events[kind] += 1
    dev = device(device_name, driver)
    if kind == "audit":
        dev.audit[REASONS.get(reason, "?")] += 1
        dev.audit_bytes += size
    else:
        dev.bounces[REASONS.get(reason, "?")] += 1
        dev.bytes += size
    path = call_path(callchain)
    if path:
        paths[dev.driver][path] += 1


def dma_bounce__dma_bounce_map(event_name, context, common_cpu, common_secs,
                               common_nsecs, common_pid, common_comm,
                               common_callchain, device_name, driver, orig,
                               slot, size, dir, reason):
    bounce_event("bounce", device_name, driver, size, reason,
                 common_callchain)


def dma_bounce__dma_bounce_audit(event_name, context, common_cpu,
                                 common_secs, common_nsecs, common_pid,
                                 common_comm, common_callchain, device_name,
                                 driver, orig, *fields):
    # (slot,) size, dir, reason: the event has the fields of its class
    # dma_bounce_mapping, with slot 0, since the series made it one
    size, dir, reason = fields[-3:]
    bounce_event("audit", device_name, driver, size, reason,
                 common_callchain)


def dma_bounce__dma_bounce_copy_back(event_name, context, common_cpu,
                                     common_secs, common_nsecs, common_pid,
                                     common_comm, common_callchain,
                                     device_name, driver, orig, slot, size,
                                     *fields):
    # (dir, reason): the fields of its class dma_bounce_mapping, since the
    # series made it one; recordings from before have none
    events["copy_back"] += 1
    device(device_name, driver).copied_back += size


def dma_bounce__dma_bounce_hazard(event_name, context, common_cpu,
                                  common_secs, common_nsecs, common_pid,
                                  common_comm, common_callchain, device_name,
                                  driver, orig, size, dir, offset, length):
    # one event per side of the mapping whose lines changed; the call path
    # is where the CPU took the mapping back (sync_for_cpu or unmap)
    events["hazard"] += 1
    dev = device(device_name, driver)
    dev.hazards += 1
    dev.hazard_bytes += length
    path = call_path(common_callchain)
    if path:
        hazard_paths[dev.driver][path] += 1


def dma__dma_map_phys(event_name, context, common_cpu, common_secs,
                      common_nsecs, common_pid, common_comm, common_callchain,
                      device_name, phys_addr, dma_addr, size, dir, attrs):
    events["map"] += 1
    # MMIO (dma_map_resource()) is no memory to bounce, nor counted
    if dir in INBOUND and not attrs & DMA_ATTR_MMIO:
        device(device_name).inbound += 1


# the same event on older kernels (6.12)
dma__dma_map_page = dma__dma_map_phys


def dma__dma_map_sg(event_name, context, common_cpu, common_secs,
                    common_nsecs, common_pid, common_comm, common_callchain,
                    device_name, full_nents, full_ents, truncated, phys_addrs,
                    dma_addrs, lengths, dir, attrs):
    events["map"] += 1
    if dir in INBOUND:
        device(device_name).inbound += full_nents


def trace_unhandled(event_name, context, event_fields_dict):
    events["other"] += 1


def process_event(param_dict):
    events["other"] += 1


def rate(bounced, inbound):
    if not inbound:
        return "-"
    return "%.1f%%" % (100.0 * bounced / inbound)


def reasons(counter):
    return ",".join("%s:%d" % (r, n) for r, n in sorted(counter.items())) or "-"


def by_driver():
    drivers = defaultdict(lambda: Device(None))
    for dev in devices.values():
        agg = drivers[dev.driver or "?"]
        agg.name = dev.driver or "?"
        agg.inbound += dev.inbound
        agg.bounces.update(dev.bounces)
        agg.bytes += dev.bytes
        agg.audit.update(dev.audit)
        agg.audit_bytes += dev.audit_bytes
        agg.copied_back += dev.copied_back
        agg.hazards += dev.hazards
        agg.hazard_bytes += dev.hazard_bytes
    return sorted((d for d in drivers.values() if d.active),
                  key=lambda d: (-d.bounced - sum(d.audit.values()), d.name))


HEADER = "%-16s %-22s %9s %9s %7s %11s  %s"


def print_row(driver, dev_name, d):
    print(HEADER % (driver, dev_name, d.inbound, d.bounced,
                    rate(d.bounced, d.inbound), d.bytes, reasons(d.bounces)))
    would = sum(d.audit.values())
    if would:
        print(HEADER % ("", "  audit: would bounce", "", would,
                        rate(would, d.inbound), d.audit_bytes,
                        reasons(d.audit)))


def print_tables():
    print("DMA bounces per driver (inbound mappings: dma:dma_map_phys/_sg, "
          "bounces: dma_bounce:dma_bounce_map)\n")
    print(HEADER % ("driver", "", "inbound", "bounces", "rate", "bytes",
                    "reasons"))
    for d in by_driver():
        print_row(d.name, "", d)

    print("\nper device\n")
    print(HEADER % ("driver", "device", "inbound", "bounces", "rate", "bytes",
                    "reasons"))
    for dev in sorted((d for d in devices.values() if d.active),
                      key=lambda d: (d.driver or "?", d.name)):
        print_row(dev.driver or "?", dev.name, dev)


def print_paths():
    if not have_callchains:
        print("\nno call graphs in this recording: record with "
              "dma-bounce-record -g to see the call paths behind the bounces")
        return
    print("\ntop call paths behind the bounces (innermost first)")
    for driver in sorted(paths, key=lambda d: -sum(paths[d].values())):
        print("\n%s:" % (driver or "?"))
        for path, n in paths[driver].most_common(opts.top):
            print("  %7d  %s" % (n, path))


def print_hazards():
    """dma-debug's hazards per driver, and the call paths that took the
    mappings back; nothing if the recording has none."""
    if not events["hazard"]:
        return
    print("\nhazards: CPU writes next to inbound mappings made in place "
          "(dma_bounce:dma_bounce_hazard)\n")
    print("%-16s %9s %11s" % ("driver", "hazards", "bytes"))
    for d in sorted((d for d in by_driver() if d.hazards),
                    key=lambda d: (-d.hazards, d.name)):
        print("%-16s %9d %11d" % (d.name, d.hazards, d.hazard_bytes))
    if not have_callchains:
        return
    print("\ntop call paths that took those mappings back (innermost first)")
    for driver in sorted(hazard_paths,
                         key=lambda d: -sum(hazard_paths[d].values())):
        print("\n%s:" % (driver or "?"))
        for path, n in hazard_paths[driver].most_common(opts.top):
            print("  %7d  %s" % (n, path))


def write_png(path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("--png needs matplotlib (Debian: python3-matplotlib)",
              file=sys.stderr)
        return
    rows = [d for d in by_driver() if d.inbound]
    names = [d.name for d in rows]
    rates = [100.0 * d.bounced / d.inbound for d in rows]
    audit = [100.0 * sum(d.audit.values()) / d.inbound for d in rows]
    fig, ax = plt.subplots(figsize=(max(4, 1 + 0.8 * len(rows)), 3.5))
    ax.bar(names, rates, label="bounced")
    if any(audit):
        ax.bar(names, audit, bottom=rates, label="audit: would bounce")
    ax.set_ylabel("% of inbound mappings")
    ax.set_title("DMA bounce rate per driver")
    ax.legend()
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print("\nbar chart written to %s" % path)


def write_csv(path):
    import csv
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["driver", "inbound", "bounces", "bytes", "reasons",
                      "audit", "audit_bytes"])
        for d in by_driver():
            out.writerow([d.name, d.inbound, d.bounced, d.bytes,
                          reasons(d.bounces), sum(d.audit.values()),
                          d.audit_bytes])


def trace_end():
    ours = (events["bounce"] + events["audit"] + events["copy_back"] +
            events["hazard"])
    if not ours and not events["map"]:
        print("no dma_bounce or dma events in this recording (%d other "
              "samples): record them with dma-bounce-record, on a kernel "
              "with the dma_bounce tracepoints" % events["other"],
              file=sys.stderr)
        return
    if not ours:
        print("note: dma:* events but no dma_bounce:* events: nothing was "
              "bounced, or the kernel has no dma_bounce tracepoints",
              file=sys.stderr)
    print_tables()
    unknown = sorted(d.name for d in devices.values()
                     if d.active and not d.driver)
    if unknown:
        print("\nunknown devices (no driver name in the recording): %s\n"
              "  the dma:* events do not name drivers: give --drivers FILE "
              "(written by dma-bounce-record)" % " ".join(unknown))
    print_paths()
    print_hazards()
    if opts.png:
        write_png(opts.png)
    if opts.csv:
        write_csv(opts.csv)
