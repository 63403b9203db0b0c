#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Read the results of a lava-run lab job (lab/boardwork, harness/lava-lab).

Usage: lava-lab-results.py LAVA-LOG NAME [CONSOLE [JSON]]

LAVA-LOG is what lava-run printed (one JSON object a line: "lvl" "results"
for results, "target" for the console). Writes the console to CONSOLE if
given, and the per-driver counts to JSON (for harness/lava-lab's summary
of all policies). Prints a table of the drivers: the bounced mappings LAVA's lab-stat
monitor recorded (its measurement), next to the same counts read from the
console: the "LAB: stat" line, and the sums over the driver's devices of
dma_bounce/stats itself ("LAB: table" lines: head + tail + size +
addressing + forced), with the inbound mappings (seen), the bytes copied,
the refusals and the hazards; then the reads (LAVA's result and bytes,
next to the console's), the NICs and dma-debug. Exits 1 if the job did not
complete, a monitor timed out, a result is fail, or LAVA's counts and the
console's differ (a line lost or misread).
"""
import json
import re
import sys

import lavalib

BOUNCED = ('head', 'tail', 'size', 'addressing', 'forced')
MONITORS = 4	# lab-read, lab-net, lab-stat, lab-dma-debug (lab-monitors.jinja2)
KV = re.compile(r'(\w+)=([^ ]*)')


def main():
    log, name = sys.argv[1:3]
    console = sys.argv[3] if len(sys.argv) > 3 else None
    summary = sys.argv[4] if len(sys.argv) > 4 else None
    lg = lavalib.Log(log)
    results, lava, lines = lg.results, lg.lava, lg.lines
    timeouts, ends = lg.timeouts, lg.ends
    if console:
        lg.write_console(console)

    # the console: boardwork's lines
    policy = '?'
    header = None
    table = {}		# driver -> sums of dma_bounce/stats
    stat = {}		# driver -> the "LAB: stat" line's fields
    reads, nets, dmadebug = {}, {}, None
    done = False
    for line in lines:
        line = line.strip()
        if line.startswith('LAB: policy '):
            policy = line.split()[2]
        elif line.startswith('LAB: table '):
            f = line[len('LAB: table '):].split()
            if f and f[0] == 'device':
                header = f
            elif header and f and not f[0].startswith('#'):
                if len(f) == len(header) - 1:	# no driver
                    f.insert(1, '-')
                if len(f) != len(header):
                    continue
                row = dict(zip(header, f))
                t = table.setdefault(row['driver'], {'devices': 0, 'seen': 0, 'bounced': 0,
                                                     'bytes': 0, 'refused': 0, 'hazards': 0})
                t['devices'] += 1
                t['seen'] += int(row.get('inbound', 0))
                t['bounced'] += sum(int(row.get(k, 0)) for k in BOUNCED)
                t['bytes'] += int(row.get('bytes', 0))
                t['refused'] += int(row.get('refused', 0))
                t['hazards'] += int(row.get('hazard', 0))
        elif line.startswith('LAB: stat driver='):
            kv = dict(KV.findall(line))
            stat[kv['driver']] = kv
        elif line.startswith('LAB: read '):
            kv = dict(KV.findall(line))
            reads[line.split()[2]] = kv
        elif line.startswith('LAB: net ') and 'result=' in line:
            nets[line.split()[2]] = dict(KV.findall(line))
        elif line.startswith('LAB: dma-debug '):
            dmadebug = dict(KV.findall(line))
        elif line.startswith('LAB: boardwork done'):
            done = True

    # LAVA's results, by monitor, by the raw test_case_id
    by = {}
    for r in results:
        case = r.get('extra', {}).get('test_case_id', r.get('case'))
        by.setdefault(r['definition'], {})[case] = r

    bad = []
    job = lava.get('job', {}).get('result', '?')
    if job != 'pass':
        bad.append(f'job result {job}')
    if timeouts:
        bad.append(f'{timeouts} monitor(s) timed out')
    # the last monitor's end is "LAB: boardwork done": the line its match
    # took may not reach the log as console
    if not done and ends < MONITORS:
        bad.append(f'no "LAB: boardwork done" ({ends} of {MONITORS} monitors ended)')

    print(f'== {name}: policy {policy}, LAVA job {job}, '
          f'{len(results)} LAVA results')
    hdr = ('driver', 'devs', 'seen', 'bounced:LAVA', 'bounced:stat-line',
           'bounced:table', 'bytes', 'refused', 'hazards', 'agree')
    rows = []
    drivers = {}
    lava_stat = by.get('lab-stat', {})
    for drv in list(dict.fromkeys(list(table) + list(stat) + list(lava_stat))):
        t = table.get(drv, {})
        s = stat.get(drv, {})
        r = lava_stat.get(drv)
        m = r.get('measurement') if r else None
        m = None if m is None else int(float(m))
        agree = (m is not None and str(m) == s.get('bounced') and
                 t.get('bounced') == m and str(t.get('seen')) == s.get('seen'))
        drivers[drv] = {'lava': m, 'console': t.get('bounced'), 'seen': t.get('seen'),
                        'agree': agree}
        if not agree:
            bad.append(f'driver {drv}: LAVA {m}, stat line {s.get("bounced")}, '
                       f'table {t.get("bounced")}')
        rows.append((drv, t.get('devices', '-'), t.get('seen', s.get('seen', '-')),
                     '-' if m is None else m, s.get('bounced', '-'),
                     t.get('bounced', '-'), t.get('bytes', '-'), t.get('refused', '-'),
                     t.get('hazards', '-'), 'yes' if agree else 'NO'))
    print_table(hdr, rows)

    print()
    rows = []
    lava_read = by.get('lab-read', {})
    for dev in list(dict.fromkeys(list(reads) + list(lava_read))):
        c = reads.get(dev, {})
        r = lava_read.get(dev, {})
        res = r.get('result', 'NO RESULT')
        m = r.get('measurement')
        if res == 'fail' or res == 'NO RESULT' or str(m) != c.get('bytes'):
            bad.append(f'read {dev}: LAVA {res} {m}, console {c.get("bytes")}')
        rows.append((dev, c.get('driver', '-'), c.get('dma_driver', '-'), res,
                     m if m is not None else '-', c.get('bytes', '-')))
    print_table(('read', 'driver', 'dma_driver', 'LAVA', 'bytes:LAVA', 'bytes:console'), rows)

    lava_net = by.get('lab-net', {})
    if nets or lava_net:
        print()
        rows = []
        for nic in list(dict.fromkeys(list(nets) + list(lava_net))):
            c = nets.get(nic, {})
            r = lava_net.get(nic, {})
            res = r.get('result', 'NO RESULT')
            if res in ('fail', 'NO RESULT'):
                bad.append(f'net {nic}: {res}')
            rows.append((nic, c.get('driver', '-'), res, r.get('measurement', '-'),
                         c.get('rx_packets', '-')))
        print_table(('nic', 'driver', 'LAVA', 'rx:LAVA', 'rx:console'), rows)

    r = by.get('lab-dma-debug', {}).get('dma-debug')
    print()
    print(f'dma-debug: LAVA {r.get("result") if r else "NO RESULT"}; console '
          + (' '.join(f'{k}={v}' for k, v in dmadebug.items()) if dmadebug else 'no line'))
    if not r or r.get('result') == 'fail':
        bad.append('dma-debug: ' + (r.get('result') if r else 'no result'))
    for b in bad:
        print(f'  problem: {b}')
    if summary:
        with open(summary, 'w') as f:
            json.dump({'name': name, 'policy': policy, 'job': job, 'drivers': drivers,
                       'problems': bad}, f, indent=1)
    print(f'== {name}: ' + ('ok' if not bad else f'{len(bad)} problem(s)'))
    return 1 if bad else 0


def print_table(hdr, rows):
    w = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
    for row in [hdr] + rows:
        print('  '.join(str(x).rjust(n) if i else str(x).ljust(n)
                        for i, (x, n) in enumerate(zip(row, w))).rstrip())


if __name__ == '__main__':
    sys.exit(main())
