#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Count the results of a lava-run job of KUnit suites (harness/lava).

Usage: lava-results.py [--leaves] LAVA-LOG EXPECTED NAME [CONSOLE]

LAVA-LOG is what lava-run printed (one JSON object a line: "lvl" "results"
for results, "target" for the console); EXPECTED the "suite case" lines that
harness/lava-render.py wrote from the kernel's own list of its cases.
Writes the console to CONSOLE if given. Prints on stderr a line per suite
and every case that failed or has no result, and the job's own result; on
stdout "passed failed skipped". A listed case without a result counts as
failed (the monitor lost it, or the kernel never got there); so does a
job that did not finish correctly (an infrastructure error: LAVA's own
"lava" results only report those), once, and each suite whose monitor
timed out.

--leaves (for a job with a result per parameter, harness/lava-kunit
--params): count as kunit.py and harness/kunit-count.py do, the leaves of
the KTAP tree: a parameterised case counts as its parameters, not itself.
A result that is not a listed case is a parameter; a listed case whose
result follows parameters is their parent.
"""
import re
import sys

import lavalib


def main():
    argv = sys.argv[1:]
    leaves = argv[:1] == ['--leaves']
    if leaves:
        argv = argv[1:]
    log, expected_path, name = argv[:3]
    console = argv[3] if len(argv) > 3 else None
    lg = lavalib.Log(log)
    results, lava, errors = lg.results, lg.lava, lg.errors
    timeouts = lg.timeouts
    if console:
        lg.write_console(console)

    expected = []
    with open(expected_path) as f:
        for line in f:
            if line.strip():
                expected.append(tuple(line.split(None, 1)))
    expected = [(s, c.strip()) for s, c in expected]

    # the monitors lowercase a case's name and make \W+ one "_"
    expected = [(s, c, re.sub(r'\W+', '_', c.lower())) for s, c in expected]
    listed = {(s, k) for s, _, k in expected}
    counts = {'pass': 0, 'fail': 0, 'skip': 0}
    suites = {}
    seen = set()
    params = 0	# parameters since the last listed case, in this suite
    last_suite = None
    for r in results:
        suite, case, result = r['definition'], r['case'], r['result']
        if suite != last_suite:
            params, last_suite = 0, suite
        result = result if result in counts else 'fail'
        seen.add((suite, case))
        if result == 'fail':
            print(f'==> {name}: FAILED {suite}.{case}', file=sys.stderr)
        if leaves:
            if (suite, case) not in listed:
                params += 1
            elif params:
                params = 0
                continue	# the parent of the parameters just counted
        suites.setdefault(suite, dict.fromkeys(counts, 0))[result] += 1
        counts[result] += 1
    missing = [(s, c) for s, c, k in expected if (s, k) not in seen]
    for s, c in missing:
        print(f'==> {name}: NO RESULT {s}.{c}', file=sys.stderr)
        suites.setdefault(s, dict.fromkeys(counts, 0))['fail'] += 1
        counts['fail'] += 1
    for suite, c in suites.items():
        print(f'==> {name}: {suite}: {c["pass"]} passed, {c["fail"]} failed, '
              f'{c["skip"]} skipped', file=sys.stderr)
    job = lava.get('job', {})
    if job.get('result') != 'pass':
        print(f'==> {name}: the LAVA job did not finish correctly: '
              f'{job.get("error_type", "no result")}: {job.get("error_msg", "")}',
              file=sys.stderr)
        for e in errors[-5:]:
            print(f'    {e}', file=sys.stderr)
        counts['fail'] += 1
    elif not results and not expected:
        print(f'==> {name}: the job reported no test case', file=sys.stderr)
        counts['fail'] += 1
    # a monitor that saw nothing for the boot action's timeout gives up on
    # its suite and the job goes on (its status is overwritten by the next
    # monitor's): a failure each time, even when no listed case is missing
    if timeouts:
        print(f'==> {name}: {timeouts} suite(s) timed out on a silent console',
              file=sys.stderr)
        counts['fail'] += timeouts
    print(counts['pass'], counts['fail'], counts['skip'])


if __name__ == '__main__':
    main()
