# SPDX-License-Identifier: GPL-2.0
"""What harness/lava-render.py, lava-lab-render.py, lava-results.py and
lava-lab-results.py share: LAVA unpacked by harness/lava-fetch on the path,
the templates (harness/lava/, then lava-server's device types), a job and
its device rendered and checked as a LAVA server would, and lava-run's log
read back. Needs Debian's python3 (/usr/bin/python3), where the LAVA
packages' python dependencies are installed.
"""
import json
import os
import re
import sys

LAVA_ROOT = os.environ.get('BOUNCE_LAVA', '/var/cache/bounce-lava')
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [LAVA_ROOT + '/stubs', LAVA_ROOT + '/root/usr/lib/python3/dist-packages']

import jinja2  # noqa: E402
import yaml  # noqa: E402

DEVICE_TYPES = LAVA_ROOT + '/server/usr/share/lava-server/device-types'
try:
    YAML_LOADER = yaml.CSafeLoader
except AttributeError:
    YAML_LOADER = yaml.SafeLoader


def add_arguments(p, job_name, job_template, kernel_args, boot, test):
    """The arguments both renderers take: where the job goes, what it
    boots, the device (its template, type, context and variables), the
    timeouts in minutes."""
    p.add_argument('--out', required=True)
    p.add_argument('--kernel', required=True, help='a path or a file:// or http:// URL')
    p.add_argument('--dtb', help='a path or URL')
    p.add_argument('--kernel-args', default=kernel_args)
    p.add_argument('--job-name', default=job_name)
    p.add_argument('--job-template', default=job_template)
    p.add_argument('--device-template', default='qemu-kunit.jinja2')
    p.add_argument('--device-type', default='qemu')
    p.add_argument('--device-var', action='append', default=[], metavar='KEY=VALUE')
    p.add_argument('--arch', default='arm64')
    p.add_argument('--machine', default='virt')
    p.add_argument('--cpu', default='max')
    p.add_argument('--memory', default='1024')
    p.add_argument('--boot-minutes', type=int, default=boot)
    p.add_argument('--test-minutes', type=int, default=test)


def context(a, extra_options):
    """The job's context (LAVA's own variables only) from add_arguments()'s."""
    return {'arch': a.arch, 'machine': a.machine, 'cpu': a.cpu,
            'memory': a.memory, 'extra_options': extra_options}


def device_vars(a):
    return dict(v.split('=', 1) for v in a.device_var)


def url(path):
    """A path as the file:// URL LAVA fetches; a URL as it is."""
    return path if not path or '://' in path else 'file://' + os.path.abspath(path)


def render(job_template, device_template, device_vars, **job_vars):
    """The job and its device dictionary, as texts, checked.

    The device is rendered with the job's context, as lava-server does; the
    job is checked against LAVA's own schema (strict) and its monitor
    patterns are compiled. Values are put into single-quoted YAML by the
    templates: one with a quote is refused.
    """
    for k, v in job_vars.items():
        for s in (v if isinstance(v, list) else [v]):
            if isinstance(s, str) and "'" in s:
                raise ValueError(f'{k} has a quote: {s}')
    e = jinja2.Environment(
        loader=jinja2.FileSystemLoader([os.path.join(HERE, 'lava'), DEVICE_TYPES]),
        trim_blocks=True, autoescape=False, undefined=jinja2.Undefined)
    e.filters['re_escape'] = re.escape
    job = e.get_template(job_template).render(**job_vars)
    job_data = yaml.safe_load(job)
    device = e.get_template(device_template).render(
        **{**device_vars, **job_data.get('context', {})})
    yaml.safe_load(device)

    from lava_common.schemas import validate
    validate(job_data, strict=True)
    monitors = 0
    for action in job_data['actions']:
        for m in action.get('test', {}).get('monitors', []):
            for k in ('start', 'end', 'pattern'):
                re.compile(m[k])
            monitors += 1
    if not monitors:
        raise ValueError('the job has no monitor')
    return job, device


def write(out, job, device):
    """DIR/job.yaml and DIR/device.yaml; returns the job's path."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'job.yaml'), 'w') as f:
        f.write(job)
    with open(os.path.join(out, 'device.yaml'), 'w') as f:
        f.write(device)
    return os.path.join(out, 'job.yaml')


class Log:
    """What lava-run printed, one object a line: the results of the tests
    (results), LAVA's own (lava, by case: infrastructure errors), the
    errors, the console's lines, how many monitors timed out and how many
    found their end."""

    def __init__(self, path):
        self.results, self.lava, self.errors, self.lines = [], {}, [], []
        self.timeouts = self.ends = 0
        with open(path, errors='replace') as f:
            for raw in f:
                entry = self._entry(raw)
                if entry:
                    self._add(entry.get('lvl'), entry.get('msg'))

    @staticmethod
    def _entry(raw):
        try:
            return json.loads(raw)
        except ValueError:
            pass
        # lava-run's lines are YAML flow mappings: a result's measurement
        # is dumped as ! "72.0", which JSON refuses
        try:
            entry = yaml.load(raw, Loader=YAML_LOADER)
        except yaml.YAMLError:
            return None
        return entry if isinstance(entry, dict) else None

    def _add(self, lvl, msg):
        if lvl == 'target':
            self.lines.append(msg if isinstance(msg, str) else str(msg))
        elif lvl == 'results' and isinstance(msg, dict):
            if msg.get('definition') == 'lava':
                self.lava[msg.get('case')] = msg
            else:
                self.results.append(msg)
        elif lvl == 'error':
            self.errors.append(msg)
        elif lvl == 'warning' and msg == 'err: lava test monitoring has timed out':
            self.timeouts += 1
        elif lvl == 'info' and msg == 'ok: end string found, lava test monitoring stopped':
            self.ends += 1

    def write_console(self, path):
        with open(path, 'w') as f:
            f.writelines(line + '\n' for line in self.lines)
