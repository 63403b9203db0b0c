#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Render the LAVA device dictionary and job of a lab run (lab/boardwork).

Usage: lava-lab-render.py --out DIR --kernel PATH|URL --ramdisk PATH|URL
                          [--dtb PATH|URL] [--kernel-args ARGS]
                          [--option OPT]... [--job-name NAME]
                          [--boot-minutes N] [--test-minutes N]
                          [--device-template T --job-template T
                           --device-type NAME --device-var KEY=VALUE...]

Writes DIR/device.yaml and DIR/job.yaml. By default the QEMU arm64 lab:
harness/lava/lab-job.yaml.jinja2 on the device harness/lava/qemu-kunit.jinja2
(lava-server's qemu device type, kunit.py's options), with --option the
lab's QEMU options (-smp, -device, -drive, -netdev: one option and its
value each) in the job context's extra_options. A board:
--job-template lab-uboot-job.yaml.jinja2 --device-template rpi4-board.jinja2
--device-type bcm2711-rpi-4-b --dtb ... (--device-var sets the device
dictionary's variables, such as connection_command). The device is
rendered with the job's context, as lava-server does; the job is checked
against LAVA's own job schema (strict) and its monitor patterns are
compiled. This is harness/lava-render.py's way (its jinja2 environment,
its checks), for the lab's job templates, which need a ramdisk and QEMU
options that lava-render.py does not pass. Needs Debian's python3.
"""
import argparse

import lavalib


def main():
    p = argparse.ArgumentParser()
    lavalib.add_arguments(p, 'bounce-lab', 'lab-job.yaml.jinja2',
                          'console=ttyAMA0 lab.run=boardwork', 10, 20)
    p.add_argument('--ramdisk', required=True)
    p.add_argument('--option', action='append', default=[],
                   help="a QEMU option and its value, e.g. '-device nvme,drive=nvme'")
    a = p.parse_args()

    context = lavalib.context(a, a.option)
    try:
        job, device = lavalib.render(
            a.job_template, a.device_template, lavalib.device_vars(a),
            job_name=a.job_name, device_type=a.device_type,
            kernel_url=lavalib.url(a.kernel), ramdisk_url=lavalib.url(a.ramdisk),
            dtb_url=lavalib.url(a.dtb), kernel_args=a.kernel_args,
            boot_minutes=a.boot_minutes, test_minutes=a.test_minutes,
            job_minutes=a.boot_minutes + a.test_minutes + 5, **context)
    except ValueError as err:
        p.error(str(err))
    print(lavalib.write(a.out, job, device))


if __name__ == '__main__':
    main()
