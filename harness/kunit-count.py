#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the results in the KernelCI JSON that "kunit.py --json" writes.

Usage: kunit-count.py RESULTS.json NAME [SUITE]

Prints "passed failed skipped" on stdout, and on stderr one line per suite
and every case that did not pass or skip. A test case is a leaf of the JSON
tree: a parameterised case is a group whose leaves are its parameters.
With SUITE, the counts on stdout are that suite's alone.
"""
import json
import sys


def leaves(group, path):
    for case in group.get('test_cases', []):
        yield path + [case['name']], case['status']
    for sub in group.get('sub_groups', []):
        yield from leaves(sub, path + [sub['name']])


def main():
    path, name = sys.argv[1:3]
    only = sys.argv[3] if len(sys.argv) > 3 else None
    with open(path) as f:
        top = json.load(f)
    counts = {'PASS': 0, 'FAIL': 0, 'SKIP': 0}
    for sub in top.get('sub_groups', []):
        if only and sub['name'] != only:
            continue
        suite = dict.fromkeys(counts, 0)
        for case, status in leaves(sub, [sub['name']]):
            # ERROR (crashed) and anything unknown count as failures
            status = status if status in counts else 'FAIL'
            suite[status] += 1
            if status == 'FAIL':
                print(f'==> {name}: FAILED {".".join(case)}', file=sys.stderr)
        for k in counts:
            counts[k] += suite[k]
        print(f'==> {name}: {sub["name"]}: {suite["PASS"]} passed, '
              f'{suite["FAIL"]} failed, {suite["SKIP"]} skipped', file=sys.stderr)
    for case in [] if only else top.get('test_cases', []):
        status = case['status'] if case['status'] in counts else 'FAIL'
        counts[status] += 1
    if not any(counts.values()):
        print(f'==> {name}: the results name no test case', file=sys.stderr)
        counts['FAIL'] = 1
    print(counts['PASS'], counts['FAIL'], counts['SKIP'])


if __name__ == '__main__':
    main()
