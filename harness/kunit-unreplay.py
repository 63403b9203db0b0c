# SPDX-License-Identifier: GPL-2.0
"""Drop printk's replayed messages from a KUnit console log (stdin to
stdout): the line "** replaying previous printk message **" and, after it,
the copy of a message already printed. printk replays a message when a CPU
takes the console over from another (after a WARN, say); KTAP then shows a
test result twice, which kunit.py reads as a result out of order."""
import sys

MARK = "** replaying previous printk message **"
seen = []
replay = False
for line in sys.stdin:
    if MARK in line:
        replay = True
        continue
    if replay:
        replay = False
        # the copy repeats a recent message: drop it
        if line.strip() and line.strip() in seen:
            continue
    sys.stdout.write(line)
    seen = (seen + [line.strip()])[-8:]
