#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A stand-in board console for harness/lava-lab --board rpi4 --replay LOG.

Usage: lava-lab-fake-uboot.py CONSOLE-LOG COMMANDS-OUT [PROMPT]

LAVA's connection_command: it plays U-Boot on the serial console (the
autoboot countdown, which waits for LAVA's interrupt, then the prompt,
"U-Boot>" by default, after every command), writes each command LAVA sends
to COMMANDS-OUT, and after the boot command (booti/bootm/bootz) prints
"Starting kernel ..." and replays CONSOLE-LOG (a console of the lab, such
as the console.log of a QEMU job), line by line with "\\r\\n" ends, as the
board would print it. It checks nothing itself: harness/lava-lab reads
COMMANDS-OUT (is the ramdisk given to booti, are the kernel arguments in
bootargs) and the job's results.
"""
import os
import sys
import time
import tty


def out(s):
    os.write(1, s.replace('\n', '\r\n').encode())


def main():
    console, commands = sys.argv[1:3]
    prompt = sys.argv[3] if len(sys.argv) > 3 else 'U-Boot>'
    log = open(commands, 'w', buffering=1)
    if os.isatty(0):
        # a serial line: LAVA's ^C is a character, not a signal, and a
        # character is read as it comes
        tty.setraw(0)
    out('\nU-Boot 2023.01 (stand-in of harness/lava-lab-fake-uboot.py)\n\n'
        'DRAM:  7.9 GiB\nRPI 4 Model B (0xd03114)\n')
    out('Hit any key to stop autoboot:  3 ')
    os.read(0, 1)			# LAVA's interrupt character
    out(f'\n{prompt} ')
    buf = b''
    while True:
        data = os.read(0, 4096)
        if not data:
            return
        buf += data
        while b'\n' in buf or b'\r' in buf:
            i = min(j for j in (buf.find(b'\n'), buf.find(b'\r')) if j >= 0)
            line, buf = buf[:i].decode(errors='replace').strip(), buf[i + 1:]
            if not line:
                continue
            log.write(line + '\n')
            if line.split()[0] in ('booti', 'bootm', 'bootz'):
                out('\n## Flattened Device Tree blob at 02400000\nStarting kernel ...\n\n')
                with open(console, errors='replace') as f:
                    for text in f:
                        out(text.rstrip('\r\n') + '\n')
                        time.sleep(0.001)
                time.sleep(5)
                return
            out(f'\n{prompt} ')


if __name__ == '__main__':
    main()
