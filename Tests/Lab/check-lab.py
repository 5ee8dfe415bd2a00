#!/usr/bin/env python3
"""Check the lab runner's output (Tests/Lab/Runner) on the host.

The runner prints what it saw inside the emulated big.LITTLE guest as lines

    fact <name> key=value key=value ... [msg=free text to the end of the line]
    done errors=<n>

This script runs nothing: it parses those lines and checks each claim of the
lab issue on its own terms, recomputing what it can from the other facts
(types from the `pmu` and raw `sysfs` facts, alias configs decoded from the
sysfs `events/` and `format/` texts, CPU lists parsed here).  It prints one
line per check (`ok` or `FAIL` with why) and a final `N passed, M failed`.

Exit status: 0 when every check passed, 1 when one failed or an item is
missing, 64 on a usage error.

Usage: check-lab.py RUNNER_OUTPUT [--kernel 6.12|6.1]
"""
import re
import sys

GUEST_REPORTS = 5          # ARM64Programs.cycleCounterReports(count: 5) in the runner
MMIO_ADDRESS = 0x10000000  # ARM64Programs.mmioAddress
PSCI_SHUTDOWN = 1          # KVM_SYSTEM_EVENT_SHUTDOWN
CPU_UNSUPPORTED = 1        # KVM_EXIT_FAIL_ENTRY_CPU_UNSUPPORTED
INST_RETIRED = 0x08        # Armv8 common event number
PERF_COUNT_HW_CPU_CYCLES = 0


def parse(text):
    """Facts as (name, fields) in order; plus the `done` fields (or None)."""
    facts, done = [], None
    for line in text.splitlines():
        line = line.rstrip('\r')
        if line.startswith('done'):
            done = dict(kv.split('=', 1) for kv in line.split()[1:] if '=' in kv)
            continue
        if not line.startswith('fact '):
            continue
        msg = None
        head = line
        cut = line.find(' msg=')
        if cut >= 0:
            head, msg = line[:cut], line[cut + len(' msg='):]
        parts = head.split()
        fields = {}
        for kv in parts[2:]:
            if '=' in kv:
                k, v = kv.split('=', 1)
                fields[k] = v
        if msg is not None:
            fields['msg'] = msg
        facts.append((parts[1], fields))
    return facts, done


def cpulist(text):
    """'0-1,4' -> {0, 1, 4}; '-' or '' -> empty."""
    cpus = set()
    if text in (None, '', '-'):
        return cpus
    for part in text.split(','):
        if '-' in part:
            a, b = part.split('-', 1)
            cpus.update(range(int(a), int(b) + 1))
        else:
            cpus.add(int(part))
    return cpus


def number(text):
    return int(text, 0)


def decode_alias(alias, formats):
    """A sysfs alias such as 'event=0x0011' packed through format texts such as
    {'event': 'config:0-15'} -> {'config': value, ...}."""
    words = {}
    for term in alias.split(','):
        name, _, value = term.partition('=')
        value = number(value) if value else 1
        spec = formats.get(name)
        if spec is None:
            raise ValueError(f'no format for term {name!r}')
        word, _, bits = spec.partition(':')
        shift = 0
        packed = 0
        for chunk in bits.split(','):
            lo, _, hi = chunk.partition('-')
            lo = int(lo)
            hi = int(hi) if hi else lo
            width = hi - lo + 1
            packed |= ((value >> shift) & ((1 << width) - 1)) << lo
            shift += width
        words[word] = words.get(word, 0) | packed
    return words


class Checker:
    def __init__(self, facts, done, kernel=None):
        self.facts = facts
        self.done = done
        self.kernel = kernel
        self.passed = 0
        self.failed = 0

    def all(self, name, **match):
        return [f for n, f in self.facts if n == name and all(f.get(k) == v for k, v in match.items())]

    def one(self, name, **match):
        found = self.all(name, **match)
        if len(found) != 1:
            desc = ' '.join(f'{k}={v}' for k, v in match.items())
            raise Missing(f"expected one '{name}' fact with {desc or 'any fields'}, found {len(found)}")
        return found[0]

    def check(self, name, body):
        try:
            problem = body()
        except Missing as missing:
            problem = f'missing: {missing}'
        except (KeyError, ValueError) as error:
            problem = f'malformed fact: {error!r}'
        if problem:
            self.failed += 1
            print(f'check {name} FAIL {problem}')
        else:
            self.passed += 1
            print(f'check {name} ok')

    # ------------------------------------------------------------------ setup

    def cores(self):
        cores = [f for f in self.all('pmu') if f['kind'] == 'core']
        little = [f for f in cores if f['name'].endswith('cortex_a53')]
        big = [f for f in cores if f['name'].endswith('cortex_a72')]
        if len(cores) != 2 or len(little) != 1 or len(big) != 1:
            raise Missing('two core PMUs, *cortex_a53 and *cortex_a72: found '
                          + ', '.join(f['name'] for f in cores))
        return little[0], big[0]

    def sysfs(self, pmu, file):
        fact = self.one('sysfs', pmu=pmu, file=file)
        if fact.get('missing') == '1':
            raise Missing(f'{pmu}/{file} is not in the guest sysfs ({fact.get("msg")})')
        return fact['msg']

    def run(self):
        self.check('runner.completed', self.completed)
        try:
            little, big = self.cores()
        except Missing as missing:
            self.check('discovery.core-pmus', lambda: str(missing))
            return
        self.little, self.big = little, big
        self.check('discovery.core-pmus', self.discovery)
        self.check('resolve.a72-alias', lambda: self.alias('cpu_cycles', big))
        self.check('resolve.a53-alias', lambda: self.alias('inst_retired', little))
        self.check('resolve.cycles-extended-type', self.cycles_extended)
        self.check('resolve.libpfm-a53', self.libpfm_resolved)
        self.check('count.libpfm-a53', self.libpfm_counted)
        self.check('count.cycles-per-pmu', self.cycles_counted)
        self.check('choice.big-cpus', lambda: self.choice(big))
        self.check('choice.little-cpus', lambda: self.choice(little))
        self.check('choice.straddle-refused', self.straddle)
        for pmu, other in ((little, big), (big, little)):
            tag = pmu['name']
            self.check(f'vm.{tag}.set-pmu', lambda: self.vm_prepared(pmu, other))
            self.check(f'vm.{tag}.vcpu-pinned', lambda: self.vcpu_pinned(pmu))
            self.check(f'vm.{tag}.guest-cycles-rise', lambda: self.guest_counts(pmu))
            self.check(f'vm.{tag}.host-counter-counts', lambda: self.host_count(pmu))
            self.check(f'vm.{tag}.other-pmu-not-counted', lambda: self.other_count(pmu, other))
            self.check(f'vm.{tag}.set-pmu-after-run-ebusy', lambda: self.ebusy(pmu))
            self.check(f'entry.{tag}.moved-fail-entry', lambda: self.fail_entry(pmu, other))
            self.check(f'entry.{tag}.moved-back-runs', lambda: self.moved_back(pmu))
        self.check('kvmerror.unknown-type-enxio', self.enxio)
        self.check('deadline.spin-returns-within-twice-the-limit', self.deadline)
        for tag, pmu, other in (('a53', little, big), ('a72', big, little)):
            self.check(f'sample.{tag}.own-type-samples-on-its-cpus', lambda: self.sampled(pmu))
            self.check(f'sample.{tag}.other-pmu-never-fires', lambda: self.not_sampled(pmu, other))

    # ----------------------------------------------------------------- checks

    def completed(self):
        errors = self.all('error')
        if errors:
            return '; '.join(f"{e.get('step')}: {e.get('msg')}" for e in errors)
        if self.done is None:
            return "no 'done' line: the runner did not finish (crash, hang or guest timeout)"
        if self.done.get('errors') != '0':
            return f"runner counted {self.done.get('errors')} errors"
        runner = self.one('runner')
        if self.kernel and not runner['kernel'].startswith(self.kernel + '.'):
            return f"guest kernel {runner['kernel']} is not {self.kernel}"
        return None

    def discovery(self):
        little, big = self.little, self.big
        problems = []
        for pmu in (little, big):
            if self.sysfs(pmu['name'], 'type') != pmu['type']:
                problems.append(f"{pmu['name']} type {pmu['type']} != sysfs {self.sysfs(pmu['name'], 'type')}")
            if cpulist(self.sysfs(pmu['name'], 'cpus')) != cpulist(pmu['cpus']) or not cpulist(pmu['cpus']):
                problems.append(f"{pmu['name']} cpus {pmu['cpus']} != sysfs {self.sysfs(pmu['name'], 'cpus')}")
        if little['type'] == big['type']:
            problems.append('both core PMUs have type ' + little['type'])
        if cpulist(little['cpus']) & cpulist(big['cpus']):
            problems.append('the clusters overlap')
        others = {f['type'] for f in self.all('pmu') if f['kind'] != 'core'}
        if {little['type'], big['type']} & others:
            problems.append('a core PMU type is shared with another PMU')
        return '; '.join(problems) or None

    def alias(self, alias, pmu):
        text = f"{pmu['name']}/{alias}/"
        events = self.all('resolve', input=text)
        if len(events) != 1 or events[0]['result'] != 'ok':
            return f"{text}: {events[0].get('msg') if events else 'not resolved'}"
        event = events[0]
        formats = {'event': self.sysfs(pmu['name'], 'format/event')}
        expected = decode_alias(self.sysfs(pmu['name'], f'events/{alias}'), formats)
        if event['pmu'] != pmu['name'] or event['type'] != pmu['type']:
            return f"{text} went to {event['pmu']} type {event['type']}, not {pmu['name']} type {pmu['type']}"
        if number(event['config']) != expected.get('config', 0):
            return f"config {event['config']} != {hex(expected.get('config', 0))} decoded from sysfs"
        return None

    def alias_config(self, pmu, alias):
        """The config word of `pmu`'s sysfs alias, decoded independently of the library."""
        formats = {'event': self.sysfs(pmu['name'], 'format/event')}
        return decode_alias(self.sysfs(pmu['name'], f'events/{alias}'), formats).get('config', 0)

    def cycles_extended(self):
        events = [e for e in self.all('resolve', input='cycles') if e['result'] == 'ok']
        # The runner resolves `cycles` twice (resolution, then counting): judge each.
        by_pmu = {}
        for e in events:
            by_pmu.setdefault(e['pmu'], []).append(e)
        problems = []
        if set(by_pmu) != {self.little['name'], self.big['name']}:
            return f"cycles resolved to {sorted(by_pmu)}, not one event per core PMU"
        for pmu in (self.little, self.big):
            for e in by_pmu[pmu['name']]:
                config = number(e['config'])
                if e['type'] != '0' or config >> 32 != int(pmu['type']) or config & 0xffffffff != PERF_COUNT_HW_CPU_CYCLES:
                    problems.append(f"{pmu['name']}: type {e['type']} config {e['config']}, expected type 0 config "
                                    f"{hex(int(pmu['type']) << 32 | PERF_COUNT_HW_CPU_CYCLES)}")
                if e['of'] != '2':
                    problems.append(f"cycles expanded to {e['of']} events")
        return '; '.join(problems) or None

    def libpfm_resolved(self):
        e = self.one('resolve', input='arm_ac53::INST_RETIRED')
        if e['result'] != 'ok':
            return e.get('msg')
        little = self.little
        if e['pmu'] != little['name'] or e['type'] != little['type']:
            return f"went to {e['pmu']} type {e['type']}, not {little['name']} type {little['type']} (libpfm says PERF_TYPE_RAW)"
        if number(e['config']) != INST_RETIRED:
            return f"config {e['config']} is not INST_RETIRED (0x08)"
        if e['source'] != 'libpfm':
            return f"source {e['source']}"
        return None

    def libpfm_counted(self):
        c = self.one('count', input='arm_ac53::INST_RETIRED')
        little = self.little
        if c['type'] != little['type'] or c['pmu'] != little['name']:
            return f"opened on {c['pmu']} type {c['type']}"
        if not cpulist(c.get('thread_cpus')) or not cpulist(c['thread_cpus']) <= cpulist(little['cpus']):
            return f"thread was on CPUs {c.get('thread_cpus')}, not within {little['cpus']}"
        if c['status'] != 'counted' or int(c['raw']) <= 0:
            return f"status {c['status']} raw {c.get('raw')} ({c.get('msg', '')})"
        return None

    def cycles_counted(self):
        counts = {c['pmu']: c for c in self.all('count', input='cycles')}
        little, big = self.little, self.big
        if set(counts) != {little['name'], big['name']}:
            return f"cycles counted on {sorted(counts)}"
        mine, theirs = counts[little['name']], counts[big['name']]
        # arm_pmu learned PERF_PMU_CAP_EXTENDED_HW_TYPE after 6.1: there the kernel refuses
        # the extended type and the library must open each PMU's own cpu_cycles alias with
        # that PMU's type instead (never a refusal, never the other PMU).
        for c, pmu in ((mine, little), (theirs, big)):
            if c.get('own_type_fallback') == '1':
                if c.get('type') != pmu['type'] or number(c.get('config', '0')) != self.alias_config(pmu, 'cpu_cycles'):
                    return f"{pmu['name']}: own-type fallback opened type {c.get('type')} config {c.get('config')}"
                print(f"note: {pmu['name']}: kernel refused the extended type; counted {pmu['name']}/cpu_cycles/ instead")
            elif self.kernel == '6.1':
                return f"{pmu['name']}: 6.1 cannot take the extended type, yet no own-type fallback was used ({c['status']})"
        if mine['status'] != 'counted' or int(mine['raw']) <= 0:
            return f"the A53 copy on a thread on {mine.get('thread_cpus')}: {mine['status']} {mine.get('raw')} {mine.get('msg', '')}"
        if theirs['status'] != 'notCounted':
            return f"the A72 copy on a thread on {theirs.get('thread_cpus')} is {theirs['status']} {theirs.get('raw')}, not notCounted"
        return None

    def choice(self, pmu):
        wanted = cpulist(pmu['cpus'])
        for c in self.all('choice'):
            if cpulist(c['cpus']) == wanted:
                if c['result'] != 'chosen' or c['pmu'] != pmu['name'] or c['type'] != pmu['type']:
                    return f"CPUs {c['cpus']}: {c['result']} {c.get('pmu')} {c.get('msg', '')}"
                return None
        raise Missing(f"choice for CPUs {pmu['cpus']}")

    def straddle(self):
        both = [c for c in self.all('choice')
                if cpulist(c['cpus']) & cpulist(self.little['cpus']) and cpulist(c['cpus']) & cpulist(self.big['cpus'])]
        if len(both) != 1:
            raise Missing('one choice fact for CPUs of both clusters')
        c = both[0]
        if c['result'] != 'refused' or c.get('reason') != 'straddles':
            return f"CPUs {c['cpus']}: {c['result']} {c.get('pmu', '')}"
        msg = c.get('msg', '')
        if self.little['name'] not in msg or self.big['name'] not in msg:
            return f'the refusal does not name both PMUs: {msg}'
        return None

    def vm_prepared(self, pmu, other):
        v = self.one('vm', step='run', pmu=pmu['name'])
        if v['set_pmu'] != pmu['type']:
            return f"SET_PMU({v['set_pmu']}), expected {pmu['type']}"
        if cpulist(v['prepared_on']) & cpulist(pmu['cpus']):
            return 'the VM was prepared on a CPU of its own PMU: a skipped SET_PMU would go unnoticed'
        return None

    def vcpu_pinned(self, pmu):
        v = self.one('vcpu', pmu=pmu['name'])
        if cpulist(v['pinned']) != cpulist(pmu['cpus']) or not cpulist(v['thread_cpus']) <= cpulist(pmu['cpus']):
            return f"pinned {v['pinned']}, thread on {v['thread_cpus']}; PMU CPUs {pmu['cpus']}"
        return None

    def guest_counts(self, pmu):
        reports = self.all('guest', pmu=pmu['name'])
        exits = self.all('guest-exit', pmu=pmu['name'])
        problems = []
        values = [int(r['pmccntr']) for r in reports]
        if [int(r['report']) for r in reports] != list(range(1, GUEST_REPORTS + 1)):
            problems.append(f'{len(reports)} reports, expected {GUEST_REPORTS}')
        if any(number(r['addr']) != MMIO_ADDRESS or r['len'] != '8' for r in reports):
            problems.append('a report is not an 8-byte MMIO write to 0x10000000')
        if not values or values[0] <= 0 or any(b <= a for a, b in zip(values, values[1:])):
            problems.append(f'PMCCNTR_EL0 values {values} are not positive and strictly increasing')
        if any(not cpulist(r['cpus']) <= cpulist(pmu['cpus']) for r in reports):
            problems.append('a report came while the thread could leave the PMU CPUs')
        if len(exits) != 1 or exits[0]['kind'] != 'system_event' or exits[0].get('type') != str(PSCI_SHUTDOWN):
            problems.append('the guest did not end with SYSTEM_OFF: '
                            + '; '.join(f"{e['kind']} {e.get('msg', '')}" for e in exits))
        return '; '.join(problems) or None

    def host_count(self, pmu):
        h = self.one('hostcount', pmu=pmu['name'])
        if h['type'] != pmu['type']:
            return f"opened with type {h['type']}, not {pmu['type']}"
        if h['status'] != 'counted' or int(h['raw']) <= 0:
            return f"{h['status']} raw {h['raw']} on a thread on {h['thread_cpus']}"
        return None

    def other_count(self, pmu, other):
        o = self.one('othercount', pmu=pmu['name'])
        if o['type'] != other['type'] or o['other'] != other['name']:
            return f"opened with type {o['type']} ({o['other']}), not {other['type']}"
        if o['status'] != 'notCounted':
            return f"status {o['status']} raw {o['raw']}: expected notCounted, never a bare count"
        if int(o['running']) != 0 or int(o['enabled']) <= 0:
            return f"enabled {o['enabled']} running {o['running']}: notCounted needs enabled > 0, running 0"
        if 'count nothing' not in o.get('msg', ''):
            return f"no warning that the thread is outside {other['name']}: {o.get('msg')}"
        return None

    def sampled(self, pmu):
        """Issue #16: PMU/cpu_cycles/ sampled with the PMU's own type on its CPUs."""
        s = self.one('sample', pmu=pmu['name'], thread_on=pmu['name'])
        if s['result'] != 'ok':
            return f"not sampled: {s.get('msg')}"
        if s['type'] != pmu['type']:
            return f"opened with type {s['type']}, not {pmu['type']}"
        if int(s['samples']) <= 0 or int(s['undecodable']) != 0:
            return f"{s['samples']} samples, {s['undecodable']} undecodable"
        outside = cpulist(s['cpus']) - cpulist(pmu['cpus'])
        if outside:
            return f"samples on CPUs {sorted(outside)}, outside {pmu['name']}'s {pmu['cpus']}"
        if s['periods'] != '100000':
            return f"sample periods {s['periods']}, not the 100000 asked"
        return None

    def not_sampled(self, pmu, other):
        """The other PMU's cycles on a thread pinned to this PMU's CPUs: no sample, no fake."""
        s = self.one('sample', pmu=other['name'], thread_on=pmu['name'])
        if s['result'] != 'ok':
            return f"not opened: {s.get('msg')}"
        if s['type'] != other['type']:
            return f"opened with type {s['type']}, not {other['type']}"
        if int(s['samples']) != 0:
            return f"{s['samples']} samples on CPUs {s['cpus']} from {other['name']} on a thread pinned to {pmu['name']}"
        return None

    def ebusy(self, pmu):
        k = self.one('kvmerror', case='set-pmu-after-run', pmu=pmu['name'])
        if k['result'] != 'refused' or k.get('errno') != 'EBUSY' or k.get('reason') != 'pmuAlreadyFixed':
            return f"{k['result']} {k.get('errno')} {k.get('reason')}"
        if 'SET_PMU must come first' not in k.get('msg', ''):
            return f"message does not say SET_PMU must come first: {k.get('msg')}"
        return None

    def fail_entry(self, pmu, other):
        home = self.one('entry', pmu=pmu['name'], phase='home')
        moved = self.one('entry', pmu=pmu['name'], phase='moved')
        if home['kind'] != 'mmio':
            return f"on its own CPUs the VCPU exited with {home['kind']}, not mmio"
        if moved['kind'] != 'fail_entry':
            return f"moved to {moved['thread_cpus']} the VCPU exited with {moved['kind']}, not fail_entry"
        if number(moved['reason']) != CPU_UNSUPPORTED or moved['cpu_unsupported'] != '1':
            return f"hardware_entry_failure_reason {moved['reason']}, expected CPU_UNSUPPORTED (1)"
        cpu = int(moved['cpu'])
        if cpu not in cpulist(other['cpus']) or cpu not in cpulist(moved['thread_cpus']):
            return f"failed on CPU {cpu}, not a CPU of {other['name']} ({other['cpus']}) where the thread was"
        msg = moved.get('msg', '')
        if f'CPU {cpu}' not in msg or pmu['name'] not in msg or 'pin' not in msg:
            return f'the explanation does not name the CPU, the PMU and the fix: {msg}'
        return None

    def moved_back(self, pmu):
        home = self.one('entry', pmu=pmu['name'], phase='home')
        back = self.one('entry', pmu=pmu['name'], phase='back')
        if back['kind'] != 'mmio':
            return f"pinned back the VCPU exited with {back['kind']}"
        if int(back['pmccntr']) <= int(home['pmccntr']):
            return f"guest count {back['pmccntr']} did not rise past {home['pmccntr']}"
        return None

    def enxio(self):
        tried = self.all('kvmerror', case='unknown-type')
        if not tried:
            raise Missing('no SET_PMU with an unknown type')
        core_types = {self.little['type'], self.big['type']}
        problems = []
        for k in tried:
            if k['type'] in core_types:
                problems.append(f"type {k['type']} is a core PMU's")
            elif k['result'] != 'refused' or k.get('errno') != 'ENXIO' or k.get('reason') != 'noSuchPMU':
                problems.append(f"type {k['type']}: {k['result']} {k.get('errno')} {k.get('reason')}")
            elif f"no arm PMU with type {k['type']}" not in k.get('msg', ''):
                problems.append(f"type {k['type']}: message {k.get('msg')}")
        return '; '.join(problems) or None


    def deadline(self):
        runs = self.all('deadline')
        if len(runs) < 2:
            raise Missing(f"two 'deadline' facts (b . under 100 ms and 1 s), found {len(runs)}")
        problems = []
        for run in runs:
            limit, elapsed = int(run['limit_ns']), int(run['elapsed_ns'])
            if run['kind'] != 'timed_out':
                problems.append(f"limit {limit} ns: the spin ended with {run['kind']}, not timed_out")
            elif not limit <= elapsed < 2 * limit:
                problems.append(f'limit {limit} ns: back after {elapsed} ns, outside [limit, 2 x limit)')
        return '; '.join(problems) or None


class Missing(Exception):
    pass


def main(argv):
    kernel = None
    args = list(argv)
    if '--kernel' in args:
        at = args.index('--kernel')
        if at + 1 >= len(args):
            print(__doc__, file=sys.stderr)
            return 64
        kernel = args[at + 1]
        del args[at:at + 2]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 64
    try:
        with open(args[0], encoding='utf-8', errors='replace') as f:
            text = f.read()
    except OSError as error:
        print(f'check-lab: cannot read {args[0]}: {error}', file=sys.stderr)
        return 64
    facts, done = parse(text)
    checker = Checker(facts, done, kernel)
    if not facts:
        print('check runner.output FAIL no fact lines: did the runner start? (see the console log)')
        checker.failed += 1
    else:
        checker.run()
    print(f'{checker.passed} passed, {checker.failed} failed')
    return 0 if checker.failed == 0 and checker.passed > 0 else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
