#!/usr/bin/python3
"""The report of harness/lab-fixed: guest instructions per part of the
fixed work and kernel, the median of the rounds with the fewest and the
most, and the ratios of the medians to stock's and to kmalloc's. A ratio
whose two kernels' ranges overlap is marked "~": within the spread. The
total leaves out "idle", an idle second counted on its own.

Input lines: KERNEL ROUND PART instructions=N
"""
import statistics
import sys

KERNELS = ["stock", "off", "kmalloc", "misaligned"]


def main(path):
    counts = {}
    parts = []
    for line in open(path):
        kernel, _, part, ins = line.split()[:4]
        if part not in parts:
            parts.append(part)
        counts.setdefault((kernel, part), []).append(int(ins.split("=")[1]))
    work = [p for p in parts if p != "idle"]
    parts.append("total")
    for kernel in KERNELS:
        rounds = [counts[(kernel, p)] for p in work if (kernel, p) in counts]
        if len(rounds) == len(work) and len({len(r) for r in rounds}) == 1:
            counts[(kernel, "total")] = [sum(r) for r in zip(*rounds)]

    def median(kernel, part):
        return statistics.median(counts[(kernel, part)])

    n = max(len(v) for v in counts.values())
    print(f"guest instructions (millions) for the same work, QEMU arm64 -icount shift=0,"
          f" median [fewest-most] of {n} boots each")
    print("ratios of the medians: to stock 7.2.13, and misaligned to kmalloc;"
          " ~: the two kernels' ranges overlap")
    head = f"{'part':16}" + "".join(f"{k:>22}" for k in KERNELS)
    head += f"{'off/stock':>11}{'kmalloc/stock':>15}{'misal/stock':>13}{'misal/kmalloc':>15}"
    print(head)
    for part in parts:
        row = f"{part:16}"
        for kernel in KERNELS:
            v = counts.get((kernel, part))
            cell = "-" if not v else \
                f"{median(kernel, part) / 1e6:.1f} [{min(v) / 1e6:.1f}-{max(v) / 1e6:.1f}]"
            row += f"{cell:>22}"

        def ratio(a, b, width):
            if (a, part) not in counts or (b, part) not in counts:
                return f"{'-':>{width}}"
            va, vb = counts[(a, part)], counts[(b, part)]
            overlap = min(va) <= max(vb) and min(vb) <= max(va)
            cell = f"{'~' if overlap else ''}{median(a, part) / median(b, part):.3f}"
            return f"{cell:>{width}}"
        row += ratio("off", "stock", 11) + ratio("kmalloc", "stock", 15)
        row += ratio("misaligned", "stock", 13) + ratio("misaligned", "kmalloc", 15)
        print(row)


if __name__ == "__main__":
    main(sys.argv[1])
