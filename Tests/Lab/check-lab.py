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

Usage: check-lab.py RUNNER_OUTPUT [--kernel 6.12|6.1|5.10|newest] [--dts PATCHED.dts]
                     [--attribute-names PMU-ATTRIBUTES.h]  (lab.sh prepare's extract of the kernel's uapi header)
       check-lab.py --table OUTPUT...   (the kernel x scenario table, Markdown)
"""
import re
import sys

GUEST_REPORTS = 5          # ARM64Programs.cycleCounterReports(count: 5) in the runner
MMIO_ADDRESS = 0x10000000  # ARM64Programs.mmioAddress
PSCI_SHUTDOWN = 1          # KVM_SYSTEM_EVENT_SHUTDOWN
CPU_UNSUPPORTED = 1        # KVM_EXIT_FAIL_ENTRY_CPU_UNSUPPORTED
INST_RETIRED = 0x08        # Armv8 common event number
PERF_COUNT_HW_CPU_CYCLES = 0
# Upstream release that added each VCPU PMU attribute (KVM_HAS_DEVICE_ATTR must agree).
FEATURE_SINCE = {'irq': (4, 6), 'init': (4, 6), 'filter': (5, 11), 'set_pmu': (5, 18), 'set_nr_counters': (6, 16)}
# Attributes a distribution kernel may carry before the upstream release (Debian's 5.10
# answers FILTER=yes). From the upstream release on they are required like any other;
# before it, a "yes" must be true: the filter scenario (filter.denied-event-reads-zero-
# others-count) then runs and must filter, so the library's answer is checked by what KVM does.
BACKPORTED = {'filter'}
# The VCPU moved to the other cluster without SET_PMU (before 5.18): KVM's guest PMU
# backs onto the home cluster's host PMU, which does not count on the other CPUs, so
# the guest's counters must stay near zero there. The bound: 1% of what one round
# counts at home (about 40,000), at least 16 (the emulated PMU's own jitter is +1).
MOVED_WITHOUT_SET_PMU_FRACTION = 0.01
MOVED_WITHOUT_SET_PMU_FLOOR = 16
# Linux 6.7 let userspace write PMCR_EL0.N (KVM_SET_ONE_REG) before the first run.
PMCR_N_WRITABLE_SINCE = (6, 7)
# Linux 6.7 chose the default guest PMU (no SET_PMU) from the CPU running KVM_ARM_VCPU_INIT.
DEFAULT_PMU_AT_INIT_SINCE = (6, 7)
# The lab's name for the newest kernel Debian ships (trixie-backports' linux-image-arm64).
NEWEST = 'newest'
# perf_user_access (user-space reads of arm64 PMU counters with mrs) came in 5.17.
USER_ACCESS_SINCE = (5, 17)
# Guest counts (from its enable to its read) against the host's exclude_host counts of
# the whole run on the VCPU thread: the host sees a little more (the guest's set-up,
# the report stores, the interrupt handler), never less.
GUEST_HOST_RELATIVE = 0.02
GUEST_HOST_ABSOLUTE = 2000
# A multiplexed event's scaled value against the same event counted alone over the same work.
MULTIPLEX_TOLERANCE = 0.10


# The attribute numbers of the PMU control group the runner asks KVM_HAS_DEVICE_ATTR about.
PROBED_ATTRIBUTES = range(16)
FIXED_COUNTERS_ONLY = 'KVM_ARM_VCPU_PMU_V3_FIXED_COUNTERS_ONLY'


def header_names(path):
    """The PMU control group's names in lab.sh's extract of the kernel's uapi header (read here,
    not through the library): the indented `#define KVM_ARM_VCPU_PMU_V3_*` lines after
    `#define KVM_ARM_VCPU_PMU_V3_CTRL`. Returns (names by number, first line, or None: unavailable)."""
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    first = text.split('\n', 1)[0]
    if 'unavailable' in first:
        return {}, first, first
    names, group = {}, False
    for line in text.splitlines():
        m = re.match(r'#define([ \t]+)(\w+)[ \t]+(\w+)', line)
        if not m:
            continue
        if m.group(2) == 'KVM_ARM_VCPU_PMU_V3_CTRL':
            group = True
            continue
        if len(m.group(1)) <= 1:
            group = False
            continue
        if group and m.group(2).startswith('KVM_ARM_VCPU_PMU_V3_'):
            names[int(m.group(3), 0)] = m.group(2)
    return names, first, None


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
    def __init__(self, facts, done, kernel=None, dts=None, names=None):
        self.facts = facts
        self.done = done
        self.kernel = kernel
        self.dts = dts
        self.names = names  # header_names(...) of --attribute-names
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
        if self.dts:
            self.check('discovery.matches-patched-device-tree', self.matches_device_tree)
        self.check('kvm.has-device-attr-matches-kernel', self.features_match_kernel)
        if self.names is not None:
            self.check('kvm.attributes-0-15-named-from-the-kernels-headers', self.attributes_named)
            self.check('ladder.answers-follow-the-rule', self.ladder_answers)
            self.check('ladder.all-cpus-answer-counts', self.ladder_counts)
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
            if not self.has_set_pmu():
                self.check(f'vm.{tag}.pin-refused-up-front', lambda: self.pin_refused(pmu))
                continue
            self.check(f'vm.{tag}.set-pmu', lambda: self.vm_prepared(pmu, other))
            self.check(f'vm.{tag}.vcpu-pinned', lambda: self.vcpu_pinned(pmu))
            self.check(f'vm.{tag}.guest-cycles-rise', lambda: self.guest_counts(pmu))
            self.check(f'vm.{tag}.host-counter-counts', lambda: self.host_count(pmu))
            self.check(f'vm.{tag}.other-pmu-not-counted', lambda: self.other_count(pmu, other))
            self.check(f'vm.{tag}.set-pmu-after-init-and-run-ebusy', lambda: self.ebusy(pmu))
            self.check(f'entry.{tag}.moved-fail-entry', lambda: self.fail_entry(pmu, other))
            self.check(f'entry.{tag}.moved-back-runs', lambda: self.moved_back(pmu))
        self.check('migration.scenario', self.migration)
        self.check('migration.recovery-helper', self.recovery)
        self.check('set-pmu.ebusy-after-init-not-run', lambda: self.order_case('set-pmu-after-init', 'EBUSY'))
        self.check('set-pmu.accepted-through-uninitialised-vcpu-before-run',
                   lambda: self.order_case('set-pmu-other-vcpu-before-run', None))
        self.check('set-pmu.ebusy-after-a-run-alone', self.ebusy_after_run)
        self.check('set-pmu.ebusy-after-filter-for-another-pmu',
                   lambda: self.order_case('set-pmu-after-filter-for-another-pmu', 'EBUSY', needs='filter'))
        for pmu in (little, big):
            self.check(f'guestpmu.{pmu["name"]}.vgic-irq-init', lambda: self.guestpmu_vm(f'counters-{pmu["name"]}'))
            if not self.has_set_pmu():
                continue
            self.check(f'guestpmu.{pmu["name"]}.event-counters-and-overflow-irq',
                       lambda: self.guest_event_counters(f'counters-{pmu["name"]}', 0))
            self.check(f'guestpmu.{pmu["name"]}.guest-agrees-with-host',
                       lambda: self.guest_host_agree(f'counters-{pmu["name"]}', 0, pmu))
            self.check(f'guestpmu.{pmu["name"]}.guest-cycles-agree-with-pinned-host-cycles',
                       lambda: self.guest_cycles_agree(f'cycles-{pmu["name"]}', pmu))
        if not self.has_set_pmu():
            self.check('guestpmu.without-set-pmu.one-cluster-counts-the-other-reads-zero', self.unpinned_guest_pmu)
        self.check('filter.denied-event-reads-zero-others-count', self.filter_case)
        self.check('nr-counters.applied-or-refused-with-reason', self.nr_counters_case)
        self.check('nr-counters.ebusy-after-init', lambda: self.nr_counters_refused('nr-counters-after-init', 'EBUSY'))
        self.check('nr-counters.einval-above-the-pmus-counters',
                   lambda: self.nr_counters_refused('nr-counters-above-the-pmus', 'EINVAL'))
        self.check('vcpus.two-on-one-cluster-both-count', self.two_vcpus)
        self.check('default-pmu.init-cpu-chooses-it-vcpu-thread-counts', self.default_pmu)
        self.check('vcpus.both-clusters-refused-naming-both-pmus', self.two_vcpus_straddle)
        for pmu in (little, big):
            self.check(f'exits.{pmu["name"]}.guest-timed-batches-counted-by-kvm-tracepoints',
                       lambda pmu=pmu: self.guest_timed_exits(pmu))
        self.check('multiplex.time-running-below-enabled', self.multiplexed)
        self.check('multiplex.scaled-matches-counted-alone', self.multiplex_scaled)
        self.check('kvmerror.unknown-type-enxio', self.enxio)
        self.check('deadline.spin-returns-within-twice-the-limit', self.deadline)
        self.check('compare.core-pmus', self.compare_core_pmus)
        for pmu in (little, big):
            self.check(f'userread.{pmu["name"]}.mrs-where-the-kernel-allows', lambda pmu=pmu: self.user_space_read(pmu))
            self.check(f'userread.{pmu["name"]}.group-mrs-where-the-kernel-allows',
                       lambda pmu=pmu: self.user_space_group_read(pmu))
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
        if self.kernel == NEWEST:
            # Whatever Debian ships today (the version is reported, never required), but newer
            # than the fixed series: else the lab would not test what came after them.
            if self.release() <= (6, 12):
                return f"the newest kernel is {runner['kernel']}, not newer than 6.12"
        elif self.kernel and not runner['kernel'].startswith(self.kernel + '.'):
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
        k = self.one('kvmerror', case='set-pmu-after-init-and-run', pmu=pmu['name'])
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


    # ------------------------------------------------- kernel features (5.10 / 6.1 / 6.12)

    def release(self):
        """The guest kernel's (major, minor) from the runner fact."""
        m = re.match(r'(\d+)\.(\d+)', self.one('runner')['kernel'])
        if not m:
            raise Missing('the runner fact has no kernel release')
        return int(m.group(1)), int(m.group(2))

    def features(self):
        return self.one('kvm-features')

    def has_set_pmu(self):
        return self.features().get('set_pmu') == 'yes'

    def has(self, attribute):
        return self.features().get(attribute) == 'yes'

    def features_match_kernel(self):
        """KVM_HAS_DEVICE_ATTR against the release each attribute came with upstream."""
        release = self.release()
        problems = []
        for attribute in FEATURE_SINCE:
            # The library's answer against KVM_HAS_DEVICE_ATTR asked by the runner without it.
            library, raw = self.features().get(attribute), self.features().get(f'raw_{attribute}')
            if library != raw:
                problems.append(f"{attribute}: the library says {library}, KVM_HAS_DEVICE_ATTR says {raw}")
        for attribute, since in FEATURE_SINCE.items():
            expected = 'yes' if release >= since else 'no'
            if attribute in BACKPORTED and release < since and self.features().get(attribute) == 'yes':
                print(f"note: {release[0]}.{release[1]} says {attribute}=yes (upstream added it in"
                      f" {since[0]}.{since[1]}; this distribution kernel has it earlier: its scenario must work)")
                continue
            if self.features().get(attribute) != expected:
                problems.append(f"{attribute}={self.features().get(attribute)} on {release[0]}.{release[1]},"
                                f" expected {expected} (added in {since[0]}.{since[1]})")
        return '; '.join(problems) or None

    def offered(self):
        """Attribute number -> 'yes'/'no' from the kvm-attribute facts."""
        return {int(f['number']): f['offered'] for f in self.all('kvm-attribute')}

    def attributes_named(self):
        """Every number 0-15 asked, the library agreeing with the runner's own ioctl, each
        named exactly as this kernel's headers name it (else "unknown attribute N"), and every
        attribute the kernel offers named in its headers."""
        names, origin, unavailable = self.names
        if unavailable:
            return f"no uapi header for this kernel: {unavailable}"
        problems = []
        facts = {int(f['number']): f for f in self.all('kvm-attribute')}
        if sorted(facts) != list(PROBED_ATTRIBUTES):
            return f"attributes asked: {sorted(facts)}, expected 0-15"
        for number, f in facts.items():
            want = names.get(number, f'unknown attribute {number}')
            if f.get('msg') != want:
                problems.append(f"{number} named {f.get('msg')!r}, the headers say {want!r}")
            if f['offered'] != f['raw']:
                problems.append(f"{number}: the library says {f['offered']}, KVM_HAS_DEVICE_ATTR says {f['raw']}")
            if f['offered'] == 'yes' and number not in names:
                problems.append(f"KVM offers attribute {number}, which this kernel's headers do not name")
        named = self.one('kvm-attribute-names')
        if int(named['count']) != len(names) or named.get('msg') != origin.strip()[3:-3].strip():
            problems.append(f"the runner read {named['count']} names from {named.get('msg')!r}, "
                            f"the file has {len(names)} ({origin})")
        return '; '.join(problems) or None

    def ladder_expected(self, cpus):
        """The ladder recomputed here: covering PMU, else fixed counters only (named and offered),
        else the PMU with the most of the CPUs, then the lower type (no caller's PMU in the lab)."""
        names = self.names[0]
        offered = {n for n, v in self.offered().items() if v == 'yes'}
        if 1 not in offered:
            return 'none', '-', set(), []
        cores = [(p['name'], int(p['type']), cpulist(p['cpus'])) for p in (self.little, self.big)]
        set_pmu = lambda t: [f"{names.get(3, 'KVM_ARM_VCPU_PMU_V3_SET_PMU')}={t}"] if 3 in offered else []
        for name, type_, own in cores:
            if cpus <= own:
                return 'covering', name, cpus, set_pmu(type_)
        fixed = [n for n, v in names.items() if v == FIXED_COUNTERS_ONLY]
        if fixed and fixed[0] in offered:
            return 'fixed-counters-only', '-', cpus, [FIXED_COUNTERS_ONLY]
        ranked = sorted(((len(own & cpus), -type_, name, type_, own) for name, type_, own in cores if own & cpus), reverse=True)
        if not ranked:
            return 'none', '-', set(), []
        _, _, name, type_, own = ranked[0]
        return 'restricted', name, own & cpus, set_pmu(type_)

    def ladder_answers(self):
        problems = []
        answers = self.all('ladder')
        if sorted(a['set'] for a in answers) != ['across', 'all', 'big', 'little']:
            return f"ladder sets {[a['set'] for a in answers]}"
        rungs = set()
        for a in answers:
            cpus = cpulist(a['cpus'])
            rung, pmu, on, settings = self.ladder_expected(cpus)
            got = (a['rung'], a['pmu'], cpulist(a['vcpu_cpus']) if a['vcpu_cpus'] != '-' else set(),
                   [x for x in a['settings'].split(',') if x and x != '-'])
            if got != (rung, pmu, on, settings):
                problems.append(f"CPUs {a['cpus']}: {got}, expected {(rung, pmu, on, settings)}")
            if not a.get('msg'):
                problems.append(f"CPUs {a['cpus']}: no reason")
            rungs.add(a['rung'])
        if not problems and not ('covering' in rungs and rungs & {'restricted', 'fixed-counters-only'}):
            problems.append(f"rungs seen {sorted(rungs)}: the lab's clusters should give covering and one of the lower rungs")
        return '; '.join(problems) or None

    def ladder_counts(self):
        """Where the all-CPUs answer sets SET_PMU, a VCPU thread on its CPUs counts."""
        answer = self.one('ladder', set='all')
        if not any(x.startswith('KVM_ARM_VCPU_PMU_V3_SET_PMU=') for x in answer['settings'].split(',')):
            if self.all('guestpmu-vm', case='ladder-all'):
                return 'the all-CPUs answer sets no SET_PMU, yet it ran'
            return None
        vm = self.one('guestpmu-vm', case='ladder-all')
        if vm['result'] != 'ok' or f"KVM_ARM_VCPU_PMU_V3_SET_PMU={vm['set_pmu']}" not in answer['settings'] \
                or vm['pmu'] != answer['pmu']:
            return f"the VM was {vm['result']} with SET_PMU {vm['set_pmu']} on {vm['pmu']}; the answer: {answer['settings']}"
        return self.guest_event_counters('ladder-all', 0)

    def pin_refused(self, pmu):
        """Before 5.18 the library refuses SET_PMU up front, saying what that means."""
        refused = self.all('pin-refused', pmu=pmu['name'])
        if not refused:
            raise Missing(f"no pin-refused fact for {pmu['name']}")
        for r in refused:
            msg = r.get('msg', '')
            want = f"this kernel cannot pin the guest PMU; counters stop when a VCPU leaves {pmu['name']}'s CPUs"
            if r.get('reason') != 'attributeUnsupported' or want not in msg or '5.18' not in msg:
                return f"{r.get('step')}: {r.get('reason')} {msg}"
        return None

    # ------------------------------------------------------------- device tree

    def matches_device_tree(self):
        """The PMUs and CPUs discovery found are the ones the lab's patched device tree declares."""
        declared = dts_pmus(self.dts)
        if len(declared) != 2:
            return f'the device tree {self.dts} declares {len(declared)} PMUs, expected 2: {declared}'
        found = {f['name']: cpulist(f['cpus']) for f in self.all('pmu') if f['kind'] == 'core'}
        problems = []
        for name, cpus in declared.items():
            if name not in found:
                problems.append(f'{name} (CPUs {sorted(cpus)} in the device tree) was not discovered')
            elif found[name] != cpus:
                problems.append(f'{name}: discovered CPUs {sorted(found[name])}, device tree {sorted(cpus)}')
        extra = set(found) - set(declared)
        if extra:
            problems.append(f'discovered core PMUs not in the device tree: {sorted(extra)}')
        return '; '.join(problems) or None

    # ------------------------------------------------------------- migration

    def migration_phase(self, phase):
        return self.one('migration', step='run', phase=phase)

    def migration(self):
        pmu, other = self.little, self.big
        setpmu = self.one('migration', step='set-pmu')
        home, moved, back = (self.migration_phase(p) for p in ('home', 'moved', 'back'))
        if home['kind'] != 'mmio' or int(home['cycles_delta']) <= 0 or int(home['inst_delta']) <= 0:
            return f"at home the guest did not count: {home}"
        if self.has_set_pmu():
            if setpmu['result'] != 'pinned':
                return f"SET_PMU: {setpmu['result']} {setpmu.get('msg', '')}"
            if moved['kind'] != 'fail_entry' or moved.get('cpu_unsupported') != '1':
                return f"moved to {moved['thread_cpus']}: {moved['kind']}, expected fail_entry CPU_UNSUPPORTED"
            if int(moved['cpu']) not in cpulist(other['cpus']):
                return f"failed on CPU {moved['cpu']}, not one of {other['name']}'s"
        else:
            if setpmu['result'] != 'refused' or 'this kernel cannot pin the guest PMU' not in setpmu.get('msg', ''):
                return f"SET_PMU on a kernel without it: {setpmu['result']} {setpmu.get('msg', '')}"
            if moved['kind'] != 'mmio':
                return f"moved to {moved['thread_cpus']} without SET_PMU the guest ended with {moved['kind']}"
            if not cpulist(moved['thread_cpus']) <= cpulist(other['cpus']):
                return f"the moved phase ran on {moved['thread_cpus']}, not on {other['name']}'s CPUs"
            bound = max(MOVED_WITHOUT_SET_PMU_FLOOR,
                        int(MOVED_WITHOUT_SET_PMU_FRACTION * min(int(home['cycles_delta']), int(home['inst_delta']))))
            for name, key in (('PMCCNTR', 'cycles_delta'), ('INST_RETIRED', 'inst_delta')):
                if int(moved[key]) > bound:
                    return (f"moved to {other['name']} without SET_PMU the guest's {name} rose by {moved[key]}"
                            f" (bound {bound}): the home PMU does not count on the other cluster's CPUs")
            print(f"note: {self.kernel}: VCPU moved to {other['name']} mid-run: guest PMCCNTR +{moved['cycles_delta']},"
                  f" INST_RETIRED +{moved['inst_delta']} in one round, within {bound} (at home: +{home['cycles_delta']},"
                  f" +{home['inst_delta']})")
        if back['kind'] != 'mmio' or int(back['cycles_delta']) <= 0:
            return f"moved back the guest did not count: {back}"
        return None

    def recovery(self):
        pmu, other = self.little, self.big
        r = self.migration_phase('moved-recovering')
        if r['kind'] != 'mmio':
            return f"with the recovery helper the guest ended with {r['kind']} {r.get('msg', '')}"
        if self.has_set_pmu():
            if 'recovered_cpu' not in r or int(r['recovered_cpu']) not in cpulist(other['cpus']):
                return f"no FAIL_ENTRY on {other['name']}'s CPUs was recovered: {r}"
            if not cpulist(r['thread_cpus']) <= cpulist(pmu['cpus']):
                return f"after recovery the thread is on {r['thread_cpus']}, not {pmu['name']}'s CPUs {pmu['cpus']}"
            if int(r['cycles_delta']) <= 0:
                return 'after recovery the guest counter did not rise'
        elif 'recovered_cpu' in r:
            return 'a kernel without SET_PMU has no CPU_UNSUPPORTED exit, yet the helper recovered one'
        else:
            home = self.migration_phase('home')
            bound = max(MOVED_WITHOUT_SET_PMU_FLOOR,
                        int(MOVED_WITHOUT_SET_PMU_FRACTION * min(int(home['cycles_delta']), int(home['inst_delta']))))
            if int(r['cycles_delta']) > bound or int(r.get('inst_delta', '0')) > bound:
                return (f"moved again without SET_PMU the guest counted PMCCNTR +{r['cycles_delta']},"
                        f" INST_RETIRED +{r.get('inst_delta')} (bound {bound})")
        return None

    def user_space_read(self, pmu):
        """mrs through the mmap page where the kernel allows it (5.17+), checked against read(2)."""
        u = self.one('userread', pmu=pmu['name'])
        if self.release() >= USER_ACCESS_SINCE:
            if u['method'] != 'user-space':
                return (f"{pmu['name']}: the user-space read fell back ({u.get('fallback')}) on a kernel with"
                        f" perf_user_access (now {u.get('perf_user_access')})")
            if u['ordered'] != '1':
                return f"{pmu['name']}: user-space value {u['value']} then read(2) {u['then_read']}: not 0 < value <= read"
            return None
        if u['method'] == 'user-space':
            return f"{pmu['name']}: a user-space read on a kernel before perf_user_access ({self.kernel})"
        if not u.get('fallback'):
            return f"{pmu['name']}: fell back to read(2) without saying why"
        print(f"note: {self.kernel}: user-space read on {pmu['name']} unavailable: {u['fallback']}"
              f" (perf_user_access came in {USER_ACCESS_SINCE[0]}.{USER_ACCESS_SINCE[1]}); read(2) gave {u['then_read']}")
        return None

    def user_space_group_read(self, pmu):
        """A group's user-space read (each event's page and register) where the kernel allows it,
        every value checked against the group's read(2) right after; a named fallback before 5.17."""
        u = self.one('usergroupread', pmu=pmu['name'])
        if self.release() >= USER_ACCESS_SINCE:
            if u['method'] != 'user-space':
                return f"{pmu['name']}: the group's user-space read fell back ({u.get('fallback')})"
            if u['ordered'] != '1' or u['events'] != '2':
                return (f"{pmu['name']}: group user-space values {u['values']} then read(2) {u['then_read']}:"
                        f" not 0 < value <= read for each of 2 events")
            return None
        if u['method'] == 'user-space':
            return f"{pmu['name']}: a group's user-space read on a kernel before perf_user_access ({self.kernel})"
        if not u.get('fallback'):
            return f"{pmu['name']}: the group fell back to read(2) without saying why"
        return None

    # --------------------------------------------------------- SET_PMU order

    def order_case(self, case, errno, needs='set_pmu'):
        k = self.one('kvmerror', case=case)
        if not self.has(needs) or not self.has_set_pmu():
            if k['result'] != 'refused' or k.get('reason') != 'attributeUnsupported':
                return f"{case} on a kernel without {needs}: {k['result']} {k.get('reason')} {k.get('msg', '')}"
            return None
        if errno is None:
            if k['result'] != 'accepted':
                return f"{case}: {k['result']} {k.get('errno')} {k.get('msg', '')}"
            return None
        if k['result'] != 'refused' or k.get('errno') != errno or k.get('reason') != 'pmuAlreadyFixed':
            return f"{case}: {k['result']} {k.get('errno')} {k.get('reason')}"
        if 'SET_PMU must come first' not in k.get('msg', ''):
            return f"{case}: the message does not say SET_PMU must come first: {k.get('msg')}"
        return None

    def nr_counters_refused(self, case, errno):
        """SET_NR_COUNTERS refused by the kernel with `errno` where it has the attribute (6.16+),
        by the library up front (attributeUnsupported) where it does not."""
        k = self.one('kvmerror', case=case)
        if not self.has('set_nr_counters'):
            if k['result'] != 'refused' or k.get('reason') != 'attributeUnsupported':
                return f"{case} on a kernel without SET_NR_COUNTERS: {k['result']} {k.get('reason')} {k.get('msg', '')}"
            return None
        if k['result'] != 'refused' or k.get('errno') != errno:
            return f"{case}: {k['result']} {k.get('errno')} {k.get('reason')} {k.get('msg', '')}, expected the kernel's {errno}"
        return None

    def ebusy_after_run(self):
        problem = self.order_case('set-pmu-other-vcpu-after-run', 'EBUSY')
        if problem or not self.has_set_pmu():
            return problem
        run = self.one('set-pmu-run', case='set-pmu-other-vcpu-after-run')
        if run['kind'] != 'mmio':
            return f"VCPU 0 did not run (exit {run['kind']}): the EBUSY would not be the run's"
        return None

    # ------------------------------------------------------------- guest PMU

    def guestpmu_vm(self, case, vcpus='1'):
        v = self.one('guestpmu-vm', case=case)
        if v['result'] != 'ok':
            return f"{case}: {v.get('reason')} {v.get('msg', '')}"
        if v['irq'] != '23' or v['vcpus'] != vcpus:
            return f"{case}: irq {v['irq']} vcpus {v['vcpus']}"
        return None

    def reports(self, case, vcpu):
        by = {}
        for r in self.all('guest-report', case=case, vcpu=str(vcpu)):
            key = r['slot'] if r['slot'] != 'counter' else f"counter{r['counter']}:{r['event']}"
            by[key] = r
        return by

    def guest_event_counters(self, case, vcpu, expect_irq=True):
        by = self.reports(case, vcpu)
        if 'exit' in by or 'sync_exception' in by:
            return f"{case} VCPU {vcpu}: the guest stopped early: {by.get('exit') or by.get('sync_exception')}"
        problems = []
        for key in ('counter0:0x8', 'counter1:0x11', 'pmccntr', 'interrupts_taken', 'pmcr', 'vcpu_index', 'enabled_counters'):
            if key not in by:
                problems.append(f'no {key} report')
        if problems:
            return '; '.join(problems)
        # The guest asked for every event counter: KVM keeps exactly those below PMCR_EL0.N.
        n = (int(by['pmcr']['value']) >> 11) & 0x1f
        if int(by['enabled_counters']['value']) != (1 << n) - 1:
            return f"PMCR_EL0.N is {n} but the guest could enable {int(by['enabled_counters']['value']):#x}"
        if int(by['counter0:0x8']['value']) <= 0 or int(by['counter1:0x11']['value']) <= 0:
            return f"INST_RETIRED {by['counter0:0x8']['value']} CPU_CYCLES {by['counter1:0x11']['value']}"
        if int(by['vcpu_index']['value']) != vcpu:
            return f"VCPU {vcpu} reported index {by['vcpu_index']['value']}"
        irq = self.one('guest-interrupts', case=case, vcpu=str(vcpu))
        if expect_irq:
            if int(by['interrupts_taken']['value']) < 1 or int(irq['count']) < 1:
                return f"no overflow interrupt taken ({by['interrupts_taken']['value']} taken, {irq['count']} reported)"
            if set(irq['intids'].split(',')) != {'23'}:
                return f"interrupt INTIDs {irq['intids']}, expected 23 (PPI 7)"
        return None

    def guest_host_agree(self, case, vcpu, pmu):
        """The guest's counters against the host's exclude_host counts of the VCPU thread
        (same PMU type). Counted in full: 0 <= host - guest <= 2% + 2000. The runner pins one
        host event (as KVM pins the events behind the guest's counters): instructions:G, or
        cycles:G in the cycles-PMU cases; the pinned one must be counted in full. The other
        is not pinned (the PMU has no room for a fourth pinned event beside KVM's): when the
        kernel multiplexed it, it is reported, not compared (time scaling cannot estimate a
        guest-only count)."""
        by = self.reports(case, vcpu)
        problems = []
        for event, key in (('instructions:G', 'counter0:0x8'), ('cycles:G', 'counter1:0x11')):
            h = self.one('guest-hostcount', case=case, vcpu=str(vcpu), event=event)
            if h.get('status') not in ('counted', 'multiplexed') or h.get('exclude_host') != '1' \
                    or h.get('type') != pmu['type']:
                problems.append(f"host {event}: {h.get('status')} type {h.get('type')} exclude_host {h.get('exclude_host')}"
                                f" {h.get('msg', '')}")
                continue
            if key not in by:
                problems.append(f'no guest {key}')
                continue
            host, guest = int(h['raw']), int(by[key]['value'])
            if h['status'] == 'multiplexed':
                enabled, running = int(h['enabled']), int(h['running'])
                scaled = host * enabled // max(running, 1)
                print(f"note: {case} VCPU {vcpu} {event}: guest {guest}, host multiplexed ({running * 100 // enabled}% of"
                      f" the time): raw {host}, scaled {scaled}")
                if h.get('pinned') == '1':
                    problems.append(f'{event}: the pinned host count was multiplexed ({running} of {enabled} ns)')
                continue
            slack = GUEST_HOST_RELATIVE * host + GUEST_HOST_ABSOLUTE
            print(f"note: {case} VCPU {vcpu} {event}: guest {guest}, host {host} (difference {host - guest},"
                  f" allowed 0..{int(slack)})")
            if not 0 <= host - guest <= slack:
                problems.append(f'{event}: guest {guest} vs host {host}: host - guest must lie in [0, {int(slack)}]')
        return '; '.join(problems) or None

    def guest_cycles_agree(self, case, pmu):
        """The run with the host's cycles:G pinned: the guest's counters work as in the
        counters case, and its PMCCNTR agrees with a host cycle count that ran throughout."""
        problem = self.guestpmu_vm(case) or self.guest_event_counters(case, 0)
        if problem:
            return problem
        h = self.one('guest-hostcount', case=case, vcpu='0', event='cycles:G')
        if h.get('pinned') != '1' or h.get('status') != 'counted':
            return f"host cycles:G pinned={h.get('pinned')} status={h.get('status')}: not counted in full"
        return self.guest_host_agree(case, 0, pmu)

    def unpinned_guest_pmu(self):
        """Without SET_PMU KVM backs the guest's counters with one host PMU of its choosing:
        the guest counts (and agrees with the host) only while its VCPU thread is on that
        PMU's CPUs; pinned to the other cluster its counters read zero while the host's
        own counter of the thread counts."""
        working, zero = [], []
        for pmu in (self.little, self.big):
            case = f"counters-{pmu['name']}"
            by = self.reports(case, 0)
            if int(by['counter0:0x8']['value']) == 0 and int(by['counter1:0x11']['value']) == 0:
                h = self.one('guest-hostcount', case=case, vcpu='0', event='instructions:G')
                if int(h.get('raw', 0)) <= 0:
                    return f"{pmu['name']}: neither the guest nor the host counted"
                zero.append(pmu)
                print(f"note: {self.kernel}: VCPU on {pmu['name']}'s CPUs: the guest's counters read 0"
                      f" while the host counted {h['raw']} guest instructions")
            else:
                problem = self.guest_event_counters(case, 0) or self.guest_host_agree(case, 0, pmu)
                if problem:
                    return f"{pmu['name']}: {problem}"
                working.append(pmu)
        if len(working) != 1 or len(zero) != 1:
            return (f"expected the guest PMU to work on exactly one cluster: works on {[p['name'] for p in working]},"
                    f" reads zero on {[p['name'] for p in zero]}")
        print(f"note: {self.kernel}: KVM backed the guest PMU with {working[0]['name']}")
        return None

    def default_pmu(self):
        """6.7+ without SET_PMU: KVM_ARM_VCPU_INIT on a big CPU gives the VM the big PMU, so a
        VCPU run on LITTLE counts nothing; INIT on a VCPUThread pinned to LITTLE counts."""
        if self.one('default-pmu').get('broken_on_purpose') == '1':
            print(f"note: {self.kernel}: LAB_BREAK_INIT_BEFORE_PIN=1: the VCPU thread's INIT ran on the big CPUs")
        trap, library = 'default-pmu-init-on-big', 'default-pmu-init-on-vcpu-thread'
        for case in (trap, library):
            v = self.one('guestpmu-vm', case=case)
            if v['result'] != 'ok':
                return f"{case}: the VM was not made: {v.get('reason')} {v.get('msg', '')}"
        by = self.reports(trap, 0)
        zero = int(by['counter0:0x8']['value']) == 0 and int(by['counter1:0x11']['value']) == 0
        if self.release() >= DEFAULT_PMU_AT_INIT_SINCE:
            if not zero:
                return (f"{trap}: INIT on a big CPU, run on LITTLE, yet the guest counted"
                        f" INST_RETIRED {by['counter0:0x8']['value']}: KVM should have given the VM the big PMU")
            problem = self.guest_event_counters(library, 0) or self.guest_host_agree(library, 0, self.little)
            if problem:
                return f"{library}: INIT on the pinned VCPU thread should count on LITTLE: {problem}"
            return None
        print(f"note: {self.kernel}: before 6.7 KVM's default PMU is not the INIT CPU's:"
              f" INIT on big, run on LITTLE {'reads zero' if zero else 'counts'}")
        return None

    def filter_case(self):
        v = self.one('guestpmu-vm', case='filter')
        if not self.has('filter'):
            if v['result'] != 'refused' or v.get('reason') != 'attributeUnsupported' or '5.11' not in v.get('msg', ''):
                return f"FILTER on a kernel without it: {v['result']} {v.get('reason')} {v.get('msg', '')}"
            return None
        if v['result'] != 'ok' or v['filters'] != '1':
            return f"filter VM: {v['result']} {v.get('msg', '')}"
        by = self.reports('filter', 0)
        if 'counter0:0x8' not in by or 'counter1:0x11' not in by:
            return f'missing reports: {sorted(by)}'
        denied, allowed = int(by['counter0:0x8']['value']), int(by['counter1:0x11']['value'])
        if denied != 0 or allowed <= 0:
            return f'INST_RETIRED (denied) {denied}, CPU_CYCLES (allowed) {allowed}: expected 0 and > 0'
        if int(by['interrupts_taken']['value']) != 0:
            return 'the denied overflow counter raised an interrupt'
        return None

    def nr_counters_case(self):
        """Three event counters: through SET_NR_COUNTERS where KVM offers it, else through
        PMCR_EL0.N (KVM_SET_ONE_REG; userspace's to write from 6.7), else refused naming both;
        the library says which. The guest reads PMCR_EL0.N = 3 and can enable counters 0-2 only."""
        fact = self.one('nr-counters')
        route, writable = fact['route'], fact['pmcr_n_writable']
        if writable != ('yes' if self.release() >= PMCR_N_WRITABLE_SINCE else 'no'):
            return f"PMCR_EL0.N writable={writable} on {self.release()} (userspace's from 6.7)"
        want = 'SET_NR_COUNTERS' if self.has('set_nr_counters') else 'PMCR_EL0.N' if writable == 'yes' else 'none'
        if route != want:
            return f"the library chose {route}, expected {want} (SET_NR_COUNTERS={self.features().get('set_nr_counters')})"
        v = self.one('guestpmu-vm', case='nr-counters')
        if route == 'none':
            msg = v.get('msg', '')
            if v['result'] != 'refused' or v.get('reason') != 'attributeUnsupported' or '6.16' not in msg or '6.7' not in msg:
                return f"no way to limit the counters, yet: {v['result']} {v.get('reason')} {msg}"
            return None
        if v['result'] != 'ok':
            return f"refused through {route}: {v.get('reason')} {v.get('msg', '')}"
        by = self.reports('nr-counters', 0)
        n = (int(by['pmcr']['value']) >> 11) & 0x1f
        enabled = int(by['enabled_counters']['value'])
        if n != 3:
            return f'PMCR_EL0.N is {n}, expected 3 (through {route})'
        if enabled != 0b111:
            return f"the guest asked for counters 0-30 and KVM kept {enabled:#x}, expected 0x7 (counters 0-2)"
        return None

    def guest_timed_exits(self, pmu):
        """The exits kvm-unit-tests' micro-bench times, timed by the guest with CNTVCT_EL0 in
        batches on a VCPU thread pinned to `pmu`'s cluster; each batch's exits counted by the kvm
        tracepoints on that thread (from the VCPU's re-entry after the last report to this
        batch's report, itself one user-space MMIO write):
        hvc: kvm_hvc_arm64 = n; mmio_user: n reads completed by the VMM, kvm_userspace_exit = n + 1;
        every read traced twice by kvm_mmio (at the fault and at its completion), the report once;
        eoi: no exit per EOI (kvm_exit well below n). Timing: an in-kernel vGIC read costs less than
        a read completed in user space, and an EOI (no exit) a tenth of an HVC or less."""
        batches = self.all('guest-exit', cluster=pmu['name'])
        if not batches:
            raise Missing(f"no guest-exit facts for {pmu['name']}")
        if any(b['cpu'] == '-' or int(b['cpu']) not in cpulist(pmu['cpus']) for b in batches):
            return f"batches ran on CPUs {sorted({b['cpu'] for b in batches})}, not within {pmu['cpus']}"
        kinds = {}
        problems = []
        for b in batches:
            n = int(b['operations'])
            kind = b['kind']
            kinds.setdefault(kind, []).append(int(b['ticks']) / n)
            reads = n if kind == 'mmio_user' else 0
            want = {'kvm_userspace_exit': 1 + reads, 'kvm_hvc_arm64': n if kind == 'hvc' else 0,
                    'kvm_mmio': 1 + (2 * n if kind in ('mmio_user', 'mmio_vgic') else 0)}
            got = {k: int(b.get(k, -1)) for k in want}
            if int(b['user_reads']) != reads:
                problems.append(f"{kind} batch {b['batch']}: {b['user_reads']} reads reached the VMM, expected {reads}")
            if got != want:
                problems.append(f"{kind} batch {b['batch']}: tracepoints {got}, expected {want}")
            exits = int(b.get('kvm_exit', -1))
            trapped = n if kind in ('hvc', 'mmio_user', 'mmio_vgic') else 0
            if exits < 1 + trapped or (kind == 'eoi' and exits >= 1 + n // 2):
                problems.append(f"{kind} batch {b['batch']}: kvm_exit {exits} for {trapped} trapped operations")
        if sorted(kinds) != ['eoi', 'hvc', 'mmio_user', 'mmio_vgic'] or any(len(v) != 5 for v in kinds.values()):
            problems.append(f"batches per kind: { {k: len(v) for k, v in kinds.items()} }, expected 5 of each of 4")
        elif not problems:
            median = {k: sorted(v)[len(v) // 2] for k, v in kinds.items()}
            if not median['mmio_vgic'] < median['mmio_user']:
                problems.append(f"a vGIC read ({median['mmio_vgic']:.1f} ticks) is not cheaper than one to user space"
                                f" ({median['mmio_user']:.1f})")
            if not median['eoi'] * 10 <= median['hvc']:
                problems.append(f"an EOI ({median['eoi']:.2f} ticks) is not a tenth of an HVC ({median['hvc']:.1f})")
        return '; '.join(problems) or None

    def two_vcpus(self):
        problem = self.guestpmu_vm('two-vcpus', vcpus='2')
        if problem:
            return problem
        t = self.one('two-vcpus')
        if t['set_pmu_calls'] != ('1' if self.has_set_pmu() else '0') or t['init_calls'] != '2':
            return f"SET_PMU {t['set_pmu_calls']} times, INIT {t['init_calls']} times"
        if not cpulist(t['cpus']) <= cpulist(self.little['cpus']):
            return f"VCPUs on {t['cpus']}, not within {self.little['name']}'s CPUs"
        # Each VCPU ran on its own VCPU thread, pinned to its own LITTLE CPU, and stayed there.
        threads = {th['vcpu']: th for th in self.all('vcpu-thread', case='two-vcpus')}
        if sorted(threads) != ['0', '1']:
            return f"VCPU threads reported for VCPUs {sorted(threads)}, not 0 and 1"
        pinned = {th['pinned'] for th in threads.values()}
        if len(pinned) != 2 or not {int(c) for c in pinned} <= cpulist(self.little['cpus']):
            return f"VCPU threads pinned to {sorted(pinned)}: not two different {self.little['name']} CPUs"
        for vcpu, th in sorted(threads.items()):
            if th['started_on'] != th['pinned'] or th['ended_on'] != th['pinned']:
                return f"VCPU {vcpu}'s thread pinned to CPU {th['pinned']} ran on {th['started_on']}..{th['ended_on']}"
        for vcpu in (0, 1):
            problem = self.guest_event_counters('two-vcpus', vcpu)
            if problem:
                return f'VCPU {vcpu}: {problem}'
            problem = self.guest_host_agree('two-vcpus', vcpu, self.little)
            if problem:
                return f'VCPU {vcpu}: {problem}' 
        return None

    def two_vcpus_straddle(self):
        t = self.one('two-vcpus-straddle')
        msg = t.get('msg', '')
        if t['result'] != 'refused' or t.get('reason') != 'straddles':
            return f"{t['result']} {t.get('reason')}"
        if self.little['name'] not in msg or self.big['name'] not in msg:
            return f'the refusal does not name both PMUs: {msg}'
        return None

    def counters_per_pmu(self):
        """PMCR_EL0.N from a guest report: the event counters each lab PMU has."""
        by = self.reports(f"counters-{self.little['name']}", 0)
        if 'pmcr' not in by:
            raise Missing('no guest PMCR_EL0 report to learn the number of counters from')
        return (int(by['pmcr']['value']) >> 11) & 0x1f

    def multiplexed(self):
        rows = self.all('multiplex')
        n = self.counters_per_pmu()
        if len(rows) <= n + 1:
            return f'{len(rows)} events opened, not more than the {n} event counters + cycle counter'
        problems = []
        for r in rows:
            enabled, running = int(r['enabled']), int(r['running'])
            if r['status'] != 'multiplexed' or not 0 < running < enabled:
                problems.append(f"{r['event']}#{r['index']}: {r['status']} running {running} enabled {enabled}")
        print(f"note: {len(rows)} events on a PMU with {n} event counters + the cycle counter: "
              + ', '.join(f"{int(r['running']) * 100 // max(int(r['enabled']), 1)}%" for r in rows))
        return '; '.join(problems) or None

    def multiplex_scaled(self):
        alone = {r['event']: int(r['raw']) for r in self.all('alone')}
        problems = []
        for r in self.all('multiplex'):
            if r['event'] not in alone:
                raise Missing(f"{r['event']} counted alone")
            if r['scaled'] in ('-', None):
                problems.append(f"{r['event']}#{r['index']}: no scaled value")
                continue
            scaled, reference = int(r['scaled']), alone[r['event']]
            if abs(scaled - reference) > MULTIPLEX_TOLERANCE * reference:
                problems.append(f"{r['event']}#{r['index']}: scaled {scaled} vs alone {reference}"
                                f" ({(scaled - reference) * 100 / reference:+.1f}%)")
        return '; '.join(problems) or None

    def enxio(self):
        tried = self.all('kvmerror', case='unknown-type')
        if not tried:
            raise Missing('no SET_PMU with an unknown type')
        core_types = {self.little['type'], self.big['type']}
        problems = []
        for k in tried:
            if not self.has_set_pmu():
                if k['result'] != 'refused' or k.get('reason') != 'attributeUnsupported':
                    problems.append(f"type {k['type']} on a kernel without SET_PMU: {k['result']} {k.get('reason')}")
                continue
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


    def compare_core_pmus(self):
        """CorePMUComparison: one measurement per core PMU, the work on that PMU's CPUs,
        the PMU's own cycles and instructions counted on every run."""
        problems = []
        for pmu in (self.little, self.big):
            found = self.all('compare', pmu=pmu['name'])
            if len(found) != 1:
                raise Missing(f"one 'compare' fact for {pmu['name']}, found {len(found)}")
            c = found[0]
            if c['type'] != pmu['type']:
                problems.append(f"{pmu['name']}: type {c['type']}, sysfs says {pmu['type']}")
            if c['work_cpus'] == '-' or not cpulist(c['work_cpus']) <= cpulist(pmu['cpus']):
                problems.append(f"{pmu['name']}: the work ran on CPUs {c['work_cpus']}, not within {pmu['cpus']}")
            if int(c['runs']) < 2:
                problems.append(f"{pmu['name']}: {c['runs']} runs")
            for quantity in ('task-clock', 'cycles', 'instructions'):
                if c[quantity] == 'none' or int(c[quantity]) <= 0:
                    problems.append(f"{pmu['name']}: {quantity} {c[quantity]} ({c.get('msg', '')})")
            if f"{pmu['name']}/" not in c.get('msg', ''):
                problems.append(f"{pmu['name']}: events not named on the PMU: {c.get('msg', '')}")
        return '; '.join(problems) or None


class Missing(Exception):
    pass


def dts_pmus(path):
    """{perf PMU name: CPU set} from the lab's patched dts: each `arm,cortex-aNN-pmu`
    node's interrupt names a PPI partition (4th cell), whose `affinity` lists CPU
    phandles; a CPU's number is its `reg` (QEMU virt numbers CPUs by reg)."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    nodes = {}   # label or name -> body
    for m in re.finditer(r'(?:(\w+):\s*)?([\w@,.-]+)\s*\{([^{}]*)\};', text):
        label, name, body = m.groups()
        nodes[label or name] = body
    cpu_by_phandle = {}
    for m in re.finditer(r'cpu@[0-9a-f]+\s*\{([^{}]*)\};', text):
        body = m.group(1)
        ph = re.search(r'phandle\s*=\s*<(0x[0-9a-f]+|\d+)>', body)
        reg = re.search(r'reg\s*=\s*<(0x[0-9a-f]+|\d+)>', body)
        if ph and reg:
            cpu_by_phandle[int(ph.group(1), 0)] = int(reg.group(1), 0)
    pmus = {}
    for m in re.finditer(r'compatible\s*=\s*"arm,(cortex-a\d+)-pmu";\s*interrupts\s*=\s*<[^>]*&(\w+)>', text):
        core, partition = m.groups()
        body = nodes.get(partition, '')
        aff = re.search(r'affinity\s*=\s*<([^>]*)>', body)
        phandles = [int(x, 0) for x in aff.group(1).split()] if aff else []
        pmus['armv8_' + core.replace('-', '_')] = {cpu_by_phandle[p] for p in phandles if p in cpu_by_phandle}
    return pmus


def table(paths):
    """The kernel x scenario table from several runner outputs (Markdown)."""
    rows = [('PMU attributes offered, 0-15 (names: the kernel\'s uapi header)', 'attributes'),
            ('PMU choice ladder, all CPUs', 'ladder'),
            ('SET_PMU (KVM_HAS_DEVICE_ATTR)', 'set-pmu'),
            ('VCPU at home (LITTLE), one round', 'home'),
            ('VCPU moved to big mid-run', 'moved'),
            ('moved back to LITTLE', 'back'),
            ('moved again, run through the recovery helper', 'moved-recovering'),
            ('guest vs host instructions (LITTLE)', 'agree'),
            ('guest vs host cycles (LITTLE)', 'agree-cycles'),
            ('FILTER deny INST_RETIRED', 'filter'),
            ('3 event counters (SET_NR_COUNTERS, else PMCR_EL0.N)', 'nr'),
            ('guest-timed exits, ns each (CNTVCT_EL0, median of 5 batches of 64): LITTLE / big', 'exits'),
            ('no SET_PMU: INIT on big, run on LITTLE / INIT on a LITTLE VCPUThread', 'defaultpmu')]
    columns = []
    for path in paths:
        with open(path, encoding='utf-8', errors='replace') as f:
            facts, done = parse(f.read())
        c = Checker(facts, done)
        try:
            kernel = c.one('runner')['kernel']
        except Missing:
            continue
        cells = {}
        offered = [f for f in c.all('kvm-attribute') if f['offered'] == 'yes']
        cells['attributes'] = ', '.join(f"{f['number']} {f.get('msg', '').replace('KVM_ARM_VCPU_PMU_V3_', '')}"
                                        for f in offered) or 'missing'
        try:
            a = c.one('ladder', set='all')
            cells['ladder'] = f"{a['rung']} {a['pmu']} on CPUs {a['vcpu_cpus']}" + (f", {a['settings']}" if a['settings'] != '-' else '')
        except Missing:
            cells['ladder'] = 'missing'
        rates = []
        for cluster in [p['name'] for p in c.all('pmu') if p['kind'] == 'core']:
            clock = c.all('guest-exit-clock', cluster=cluster)
            per = {}
            for b in c.all('guest-exit', cluster=cluster):
                per.setdefault(b['kind'], []).append(int(b['ticks']) / int(b['operations']))
            if clock and per:
                ns = 1e9 / int(clock[0]['cntfrq'])
                rates.append(', '.join(f"{k} {sorted(v)[len(v) // 2] * ns:.0f}" for k, v in sorted(per.items())))
        cells['exits'] = ' / '.join(rates) or 'missing'
        for key in ('set-pmu',):
            try:
                s = c.one('migration', step='set-pmu')
                cells[key] = 'pinned' if s['result'] == 'pinned' else 'refused up front: not available'
            except Missing:
                cells[key] = 'missing'
        for phase in ('home', 'moved', 'back', 'moved-recovering'):
            try:
                r = c.one('migration', step='run', phase=phase)
            except Missing:
                cells[phase] = 'missing'
                continue
            if r['kind'] == 'fail_entry':
                cells[phase] = f"FAIL_ENTRY CPU_UNSUPPORTED, CPU {r['cpu']}"
            elif r['kind'] == 'mmio':
                text = f"runs: PMCCNTR +{r['cycles_delta']}, INST_RETIRED +{r['inst_delta']}"
                if 'recovered_cpu' in r:
                    text = f"FAIL_ENTRY on CPU {r['recovered_cpu']}, re-pinned, " + text
                cells[phase] = text
            else:
                cells[phase] = r['kind']
        try:
            by = c.reports(f"counters-armv8_cortex_a53", 0)
            h = c.one('guest-hostcount', case='counters-armv8_cortex_a53', vcpu='0', event='instructions:G')
            cells['agree'] = f"guest {by['counter0:0x8']['value']}, host {h['raw']}"
        except (Missing, KeyError):
            cells['agree'] = 'missing'
        try:
            by = c.reports("cycles-armv8_cortex_a53", 0)
            h = c.one('guest-hostcount', case='cycles-armv8_cortex_a53', vcpu='0', event='cycles:G')
            cells['agree-cycles'] = f"guest {by['counter1:0x11']['value']}, host {h['raw']}"
        except (Missing, KeyError):
            cells['agree-cycles'] = 'missing'
        for key, case in (('filter', 'filter'), ('nr', 'nr-counters')):
            try:
                v = c.one('guestpmu-vm', case=case)
                if v['result'] != 'ok':
                    cells[key] = ('refused: not in this kernel' if key == 'filter'
                                  else 'refused: neither SET_NR_COUNTERS (6.16) nor a writable PMCR_EL0.N (6.7)')
                elif key == 'filter':
                    by = c.reports('filter', 0)
                    cells[key] = f"INST_RETIRED {by['counter0:0x8']['value']}, CPU_CYCLES {by['counter1:0x11']['value']}"
                else:
                    by = c.reports('nr-counters', 0)
                    n = (int(by['pmcr']['value']) >> 11) & 0x1f
                    cells[key] = (f"set to 3 through {c.one('nr-counters')['route']}: the guest reads PMCR_EL0.N = {n}"
                                  f", can enable {int(by['enabled_counters']['value']):#x}")
            except (Missing, KeyError):
                cells[key] = 'missing'
        try:
            def counted(case):
                by = c.reports(case, 0)
                return f"INST_RETIRED {by['counter0:0x8']['value']}"
            cells['defaultpmu'] = f"{counted('default-pmu-init-on-big')} / {counted('default-pmu-init-on-vcpu-thread')}"
        except (Missing, KeyError):
            cells['defaultpmu'] = 'missing'
        columns.append((kernel, cells))
    lines = ['| scenario | ' + ' | '.join(k for k, _ in columns) + ' |',
             '|---|' + '---|' * len(columns)]
    for title, key in rows:
        lines.append(f'| {title} | ' + ' | '.join(cells.get(key, '') for _, cells in columns) + ' |')
    return '\n'.join(lines)


def main(argv):
    kernel = None
    dts = None
    args = list(argv)
    if args[:1] == ['--table']:
        print(table(args[1:]))
        return 0
    if '--dts' in args:
        at = args.index('--dts')
        if at + 1 >= len(args):
            print(__doc__, file=sys.stderr)
            return 64
        dts = args[at + 1]
        del args[at:at + 2]
    names = None
    if '--attribute-names' in args:
        at = args.index('--attribute-names')
        if at + 1 >= len(args):
            print(__doc__, file=sys.stderr)
            return 64
        try:
            names = header_names(args[at + 1])
        except OSError as error:
            names = ({}, '', f'cannot read {args[at + 1]}: {error}')
        del args[at:at + 2]
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
    checker = Checker(facts, done, kernel, dts, names)
    if not facts:
        print('check runner.output FAIL no fact lines: did the runner start? (see the console log)')
        checker.failed += 1
    else:
        checker.run()
    print(f'{checker.passed} passed, {checker.failed} failed')
    return 0 if checker.failed == 0 and checker.passed > 0 else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
