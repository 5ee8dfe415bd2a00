#!/usr/bin/env python3
"""Turn the lab runner's `fact bench` lines (LAB_BENCH=1) into a pmu-bench-lab/1 report,
and print the big/little table: each method on both clusters and their ratio.

The runner (Tests/Lab/Runner/Bench.swift) prints integer nanosecond statistics
per PMU:

    fact bench table=timer n=.. min=.. p50=.. p90=.. p99=.. p999=.. max=.. sum=.. sumsq=..
    fact bench table=read pmu=P cpus=C event=E method=M [how=mrs|read] n=.. ...
    fact bench table=exit pmu=P cpus=C kind=mmio|hvc exits=N n=.. ...
    fact userread pmu=P event=E config1=.. method=user-space|system-call [fallback=..] ...

This writes a JSON close to `pmu-bench --json`'s (its own schema, pmu-bench-lab/1:
summaries only, no block medians, no C rows), with "emulated": true on the report
and on every row: the lab is QEMU TCG (with
-icount the guest clock follows the instruction count), so the rows compare
methods and PMUs within the lab, never with real hardware.  All rows are
implementation "swift" (the library as Embedded Swift); there is no C
reference loop in the lab.

Usage: lab-bench.py RUNNER_OUTPUT OUTPUT_JSON
"""
import json
import math
import sys

sys.path.insert(0, __file__.rsplit('/', 1)[0])
check_lab = __import__('check-lab')


def summary(fields):
    n = int(fields['n'])
    total = int(fields['sum'])
    squares = int(fields['sumsq'])
    mean = total / n
    variance = max(0.0, squares / n - mean * mean)
    return {
        'min': int(fields['min']), 'p50': int(fields['p50']), 'p90': int(fields['p90']),
        'p99': int(fields['p99']), 'p999': int(fields['p999']), 'max': int(fields['max']),
        'mean': round(mean, 3), 'stddev': round(math.sqrt(variance), 3),
    }


def cluster_table(reads, exits, cores):
    """One row per method (and exit kind) measured on two or more core PMUs: the
    p50 on each cluster and the ratio of each to the first. The runner reports
    summaries only, so the ratio has no interval here (pmu-bench's own table has one)."""
    names = [p['name'] for p in cores]
    if len(names) < 2:
        return [f'lab-bench: big/little table: {len(names)} core PMU(s), nothing to compare']
    rows = []
    methods = []
    for r in reads:
        if r['method'] not in methods:
            methods.append(r['method'])
    for method in methods:
        by_pmu = {r['pmu']: r for r in reads if r['method'] == method}
        if all(n in by_pmu for n in names):
            rows.append((method, [by_pmu[n]['ns']['p50'] for n in names]))
    kinds = []
    for r in exits:
        if r['kind'] not in kinds:
            kinds.append(r['kind'])
    for kind in kinds:
        by_pmu = {r['pmu']: r for r in exits if r['kind'] == kind}
        if all(n in by_pmu for n in names):
            rows.append(('exit ' + kind, [by_pmu[n]['ns']['p50'] for n in names]))
    header = ['method'] + [f'{n} p50 ns' for n in names] + [f'{n}/{names[0]}' for n in names[1:]]
    table = [header] + [[m] + [str(v) for v in values] + [f'{v / values[0]:.3f}' if values[0] else 'n/a'
                                                          for v in values[1:]] for m, values in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ['lab-bench: big/little table (emulated: QEMU TCG runs both clusters at one speed)']
    for row in table:
        lines.append('lab-bench:   ' + '  '.join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return lines


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    with open(argv[0], encoding='utf-8', errors='replace') as f:
        facts, done = check_lab.parse(f.read())
    bench = [f for n, f in facts if n == 'bench']
    if not bench:
        print('lab-bench: no bench facts (was the runner run with LAB_BENCH=1?)', file=sys.stderr)
        return 1
    runner = next((f for n, f in facts if n == 'runner'), {})
    pmus = [f for n, f in facts if n == 'pmu']
    cores = [p for p in pmus if p['kind'] == 'core']
    user_reads = {f['pmu']: f for n, f in facts if n == 'userread'}
    errors = [f for n, f in facts if n == 'error' and f.get('step', '').startswith('bench')]

    timer, reads, exits, unavailable = [], [], [], []
    for b in bench:
        if b['table'] == 'timer':
            timer.append({'implementation': 'swift', 'ns': summary(b), 'samples': int(b['n']), 'emulated': True})
        elif b['table'] == 'read':
            row = {'pmu': b['pmu'], 'event': b['event'], 'method': b['method'], 'implementation': 'swift',
                   'ns': summary(b), 'samples': int(b['n']), 'emulated': True}
            if b['method'] == 'user-space-read':
                u = user_reads.get(b['pmu'], {})
                row['read_method'] = 'mrs' if u.get('method') == 'user-space' else 'read(2)'
                row['user_space_reads'] = int(b.get('user_space_reads', 0))
                if u.get('method') != 'user-space':
                    unavailable.append({'pmu': b['pmu'], 'what': 'user-space read',
                                        'reason': f"fell back to read(2): {u.get('fallback', 'unknown')}"})
            reads.append(row)
        elif b['table'] == 'exit':
            exits.append({'pmu': b['pmu'], 'cpus': b['cpus'], 'kind': b['kind'], 'implementation': 'swift',
                          'ns': summary(b), 'samples': int(b['n']), 'exits': int(b['exits']),
                          'exits_by_tracepoint': None, 'tracepoint': None, 'emulated': True})
    for e in errors:
        unavailable.append({'pmu': e.get('pmu', ''), 'what': e.get('step', ''), 'reason': e.get('msg', '')})

    ratios = []
    for p in cores:
        def p50(rows, **match):
            for r in rows:
                if all(r.get(k) == v for k, v in match.items()):
                    return r['ns']['p50']
            return None
        single = p50(reads, pmu=p['name'], method='read-single')
        for method in ('read-group-2', 'user-space-read'):
            other = p50(reads, pmu=p['name'], method=method)
            if single and other:
                ratios.append({'table': 'read_latency', 'pmu': p['name'], 'subject': method,
                               'method': 'p50 / read-single p50', 'swift_over_c': None,
                               'swift_over_floor': None, 'over_read_single': round(other / single, 3),
                               'emulated': True})

    report = {
        'schema': 'pmu-bench-lab/1',
        'emulated': True,
        'environment': {
            'kernel': runner.get('kernel', ''),
            'cpu_model': 'QEMU TCG "max" CPU, emulated big.LITTLE lab (Tests/Lab)',
            'online_cpus': len(set().union(*(check_lab.cpulist(p['cpus']) for p in cores))) if cores else 0,
            'pmus': [{'name': p['name'], 'type': int(p['type']), 'kind': p['kind'],
                      'cpus': None if p['cpus'] == '-' else p['cpus']} for p in pmus],
            'perf_event_paranoid': -1,
            'cap_user_rdpmc': any(u.get('method') == 'user-space' for u in user_reads.values()) if user_reads else None,
            'nested': True,
            'swift_version': 'Embedded Swift (aarch64, lab runner)',
            'libpfm_version': '4.13',
            'clocksource': None,
        },
        'settings': {
            'iterations': max((int(b['n']) for b in bench), default=0), 'block_size': 1, 'warmup': 0,
            'quick': False, 'read_pmus': [p['name'] for p in cores], 'exit_pmus': [p['name'] for p in cores],
        },
        'timer': timer,
        'read_latency': reads,
        'exit_latency': exits,
        'ratios': ratios,
        'unavailable': unavailable,
    }
    with open(argv[1], 'w') as f:
        json.dump(report, f, indent=2)
        f.write('\n')
    for r in reads:
        print(f"lab-bench: {r['pmu']:18} {r['method']:16} p50 {r['ns']['p50']:>8} ns"
              + (f"  ({r['read_method']})" if 'read_method' in r else ''))
    for r in exits:
        print(f"lab-bench: {r['pmu']:18} exit {r['kind']:11} p50 {r['ns']['p50']:>8} ns  ({r['exits']} exits)")
    for line in cluster_table(reads, exits, cores):
        print(line)
    print(f'lab-bench: wrote {argv[1]} (emulated)')
    return 0 if done is not None else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
