# SPDX-License-Identifier: GPL-2.0
"""Drop printk's replayed messages from a KUnit console log (stdin to
stdout). printk replays a message when a CPU takes the console over from
another (after a WARN, say): it prints "** replaying previous printk
message **" and the message again, whole, while the first copy may have
been cut short. KTAP then shows a test result twice, or a truncated one,
which kunit.py reads as a result out of order. Keep one whole copy: the
replayed line replaces the recent line it repeats or completes."""
import sys

MARK = "** replaying previous printk message **"
out = []
replay = False
for line in sys.stdin:
    if MARK in line:
        replay = True
        continue
    if replay:
        replay = False
        whole = line.rstrip("\n")
        # the first copy: the same message, or its beginning
        for i in range(len(out) - 1, max(-1, len(out) - 9), -1):
            first = out[i].rstrip("\n")
            if first.strip() and whole.startswith(first):
                del out[i]
                break
    out.append(line)
sys.stdout.write("".join(out))
