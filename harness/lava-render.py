#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Render the LAVA device dictionary and job of a KUnit run on QEMU.

Usage: lava-render.py --out DIR --kernel PATH|URL (--suites A,B,... | --list FILE)
                      [--kernel-args ARGS] [--params] [--job-name NAME]
                      [--boot-minutes N] [--test-minutes N]
                      [--device-template T --job-template T --device-type NAME
                       --dtb PATH|URL --device-var KEY=VALUE...]

Writes DIR/device.yaml (harness/lava/qemu-kunit.jinja2 over lava-server's
device-type templates, rendered with the job's context, as a LAVA server
does), DIR/job.yaml (harness/lava/kunit-job.yaml.jinja2) and DIR/expected
("suite case" lines: what the run must report, from --list). --list FILE is
the console of a boot with kunit.action=list ("suite.case" lines, in the
order the kernel runs them); --suites names the suites without it. The job
is checked against LAVA's own job schema and its monitor patterns are
compiled. The templates come from harness/lava/ and $BOUNCE_LAVA
(lava-server's device types, unpacked by harness/lava-fetch). By default
the QEMU device (--arch arm64 or riscv64) and job; a board: --device-template rpi4-board.jinja2
--job-template kunit-uboot-job.yaml.jinja2 --device-type bcm2711-rpi-4-b
--dtb ... (--device-var sets the device dictionary's variables, such as
connection_command or power_on_command).
Needs Debian's python3 (/usr/bin/python3), where the LAVA packages' python
dependencies are installed.
"""
import argparse
import os
import re

import lavalib

LISTED = re.compile(r'^([A-Za-z0-9_]+)\.(\S+)$')


def read_list(path):
    """(suite, case) pairs of a kunit.action=list console, in order."""
    cases = []
    with open(path, errors='replace') as f:
        for line in f:
            m = LISTED.match(line.strip())
            if m:
                cases.append(m.groups())
    return cases


def main():
    p = argparse.ArgumentParser()
    lavalib.add_arguments(p, 'bounce-kunit', 'kunit-job.yaml.jinja2',
                          'kunit.enable=1 console=ttyAMA0 kunit_shutdown=reboot', 15, 30)
    p.add_argument('--suites', help='comma-separated, in the order the kernel runs them')
    p.add_argument('--list', help='console of a kunit.action=list boot')
    p.add_argument('--params', action='store_true',
                   help='a result per parameter of parameterised cases too')
    p.add_argument('--smp', default='2')
    p.add_argument('--extra-option', action='append', default=[],
                   help='one more QEMU option of the device (riscv64: -bios FILE)')
    a = p.parse_args()

    expected = []
    if a.list:
        expected = read_list(a.list)
        suites = list(dict.fromkeys(s for s, _ in expected))
    elif a.suites:
        suites = [s for s in a.suites.split(',') if s]
    else:
        p.error('--suites or --list')
    if not suites:
        p.error('no suite to run')
    # LAVA's job schema allows only its own context variables: -smp goes
    # into extra_options
    context = lavalib.context(a, [f'-smp {a.smp}'] + a.extra_option)
    try:
        job, device = lavalib.render(
            a.job_template, a.device_template, lavalib.device_vars(a),
            job_name=a.job_name, device_type=a.device_type,
            kernel_url=lavalib.url(a.kernel), dtb_url=lavalib.url(a.dtb),
            kernel_args=a.kernel_args, suites=suites, params=a.params,
            boot_minutes=a.boot_minutes, test_minutes=a.test_minutes,
            job_minutes=a.boot_minutes + a.test_minutes + 5, **context)
    except ValueError as err:
        p.error(str(err))

    path = lavalib.write(a.out, job, device)
    with open(os.path.join(a.out, 'expected'), 'w') as f:
        for s, c in expected:
            f.write(f'{s} {c}\n')
    print(path)


if __name__ == '__main__':
    main()
