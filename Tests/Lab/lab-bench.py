#!/usr/bin/env python3
"""Turn the lab runner's `fact bench` lines (LAB_BENCH=1) into a pmu-bench-lab/1 report,
and print the big/little table: each method on both clusters and their ratio.

The runner (Tests/Lab/Runner/Bench.swift) prints integer nanosecond statistics
per PMU:

    fact bench table=timer n=.. min=.. p50=.. p90=.. p99=.. p999=.. max=.. sum=.. sumsq=..
    fact bench table=read pmu=P cpus=C event=E method=M [how=mrs|read] implementation=swift|c ops=N n=.. ...
    fact bench table=exit pmu=P cpus=C kind=mmio|hvc exits=N implementation=swift|c ops=N n=.. ...
    fact userread pmu=P event=E config1=.. method=user-space|system-call [fallback=..] ...

Each read and exit sample is one batch: `ops` operations between one clock pair, the
library's loop (swift) and its C reference (c, Tests/Lab/Reference/LabReference.c) in
turn. Per operation = (the batch minimum - the timer row's minimum, the clock pair) / ops:
noise (a timer interrupt) only adds, and with QEMU's -icount shift=0 a nanosecond of guest
time is one guest instruction, so these are instructions per operation (user and kernel).

This writes a JSON close to `pmu-bench --json`'s (its own schema, pmu-bench-lab/2:
summaries only, no block medians), with "emulated": true on the report and on every row:
the lab is QEMU TCG, so the rows compare methods, PMUs and Swift with C within the lab,
never with real hardware.

Usage: lab-bench.py RUNNER_OUTPUT OUTPUT_JSON
       lab-bench.py --budget BASELINE RUNNER_OUTPUT   (the instruction budget: make test)
       lab-bench.py --write-budget BASELINE RUNNER_OUTPUT [MARGIN]
The budget (Benchmarks/lab-instructions-baseline.json) is Swift - C per operation for each
row, plus a margin of a few instructions; a row over it on either cluster, or missing, fails.
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


def row_name(r):
    return ('exit ' + r['kind']) if 'kind' in r else r['method']


def per_op(b, pair):
    """Instructions (ns) per operation of a batch fact: (min batch - clock pair) / ops."""
    return (int(b['min']) - pair) / int(b['ops'])


def comparisons(rows, names):
    """{(row, pmu): {'swift': x, 'c': y}} for the rows measured in both implementations."""
    table = {}
    for r in rows:
        table.setdefault((row_name(r), r['pmu']), {})[r['implementation']] = r['per_op']
    return {k: v for k, v in table.items() if 'swift' in v and 'c' in v and k[1] in names}


def cluster_table(rows, cores, pair):
    """One line per row: Swift, C, Swift - C per operation on each cluster, and Swift/C."""
    names = [p['name'] for p in cores]
    if len(names) < 2:
        return [f'lab-bench: big/little table: {len(names)} core PMU(s), nothing to compare']
    both = comparisons(rows, names)
    order = []
    for r in rows:
        if row_name(r) not in order:
            order.append(row_name(r))
    header = ['row']
    for n in names:
        header += [f'{n} swift', 'c', 'swift-c', 'swift/c']
    table = [header]
    for name in order:
        if not all((name, n) in both for n in names):
            continue
        line = [name]
        for n in names:
            v = both[(name, n)]
            line += [f"{v['swift']:.1f}", f"{v['c']:.1f}", f"{v['swift'] - v['c']:+.1f}",
                     f"{v['swift'] / v['c']:.3f}" if v['c'] > 0 else 'n/a']
        table.append(line)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [f'lab-bench: big/little table, instructions per operation (guest ns under -icount shift=0;'
             f' min batch, the clock pair ({pair} ns) subtracted, divided by the batch\'s operations)']
    for row in table:
        lines.append('lab-bench:   ' + '  '.join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return lines


def collect(facts):
    """The bench rows (per implementation) and the clock pair, from the runner's facts."""
    bench = [f for n, f in facts if n == 'bench']
    timers = [b for b in bench if b['table'] == 'timer']
    pair = int(timers[0]['min']) if timers else None
    rows = []
    for b in bench:
        if b['table'] not in ('read', 'exit') or pair is None:
            continue
        row = {'pmu': b['pmu'], 'implementation': b.get('implementation', 'swift'),
               'ops': int(b.get('ops', 1)), 'batch_ns': summary(b), 'batches': int(b['n']),
               'per_op': round(per_op(b, pair), 2), 'emulated': True}
        if b['table'] == 'read':
            row.update({'event': b['event'], 'method': b['method']})
            if 'how' in b:
                row['read_method'] = 'mrs' if b['how'] == 'mrs' else 'read(2)'
                row['user_space_reads'] = int(b.get('user_space_reads', 0))
        else:
            row.update({'cpus': b['cpus'], 'kind': b['kind'], 'exits': int(b['exits'])})
        rows.append(row)
    return bench, timers, pair, rows


def budget(path, rows, cores, write_margin=None):
    """Checks (or writes) Swift - C per operation against the baseline: 0 when every row of
    the baseline is within its budget on every cluster."""
    names = [p['name'] for p in cores]
    both = comparisons(rows, names)
    measured = {}
    for (name, pmu), v in both.items():
        measured[name] = max(measured.get(name, float('-inf')), v['swift'] - v['c'])
    if write_margin is not None:
        baseline = {'swift_minus_c_per_op': {k: round(v, 1) for k, v in sorted(measured.items())},
                    'margin': write_margin,
                    'note': 'lab instructions per operation (Linux 6.12 guest, -icount shift=0): Swift - C, the larger'
                            ' of the two clusters; a row may grow by `margin`. Rewrite with Tests/Lab/lab-bench.py'
                            ' --write-budget FILE RUNNER_OUTPUT [MARGIN] after a reviewed change.'}
        with open(path, 'w') as f:
            json.dump(baseline, f, indent=2)
            f.write('\n')
        print(f'lab-bench: wrote the budget {path}')
        return 0
    try:
        with open(path) as f:
            baseline = json.load(f)
    except (OSError, ValueError) as e:
        print(f'lab-bench: budget: no baseline at {path} ({e})')
        return 1
    margin = baseline['margin']
    failed = 0
    for name, allowed in baseline['swift_minus_c_per_op'].items():
        for pmu in names:
            v = both.get((name, pmu))
            if v is None:
                print(f'lab-bench: budget: {name} on {pmu}: not measured (Swift and C rows missing)')
                failed += 1
                continue
            over = v['swift'] - v['c']
            verdict = 'ok' if over <= allowed + margin else 'OVER BUDGET'
            print(f"lab-bench: budget: {name:22} {pmu:18} swift-c {over:+8.1f} per op"
                  f" (budget {allowed:+.1f} + {margin}): {verdict}")
            failed += verdict != 'ok'
    return 1 if failed else 0


def main(argv):
    mode = None
    if argv and argv[0] in ('--budget', '--write-budget'):
        mode, baseline_path, argv = argv[0], argv[1], argv[2:]
        if not argv:
            print(__doc__, file=sys.stderr)
            return 64
        margin = float(argv[1]) if mode == '--write-budget' and len(argv) > 1 else 4
        argv = [argv[0], None]
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    with open(argv[0], encoding='utf-8', errors='replace') as f:
        facts, done = check_lab.parse(f.read())
    bench, timers, pair, rows = collect(facts)
    if not bench or pair is None:
        print('lab-bench: no bench facts (was the runner run with LAB_BENCH=1 or short?)', file=sys.stderr)
        return 1
    runner = next((f for n, f in facts if n == 'runner'), {})
    pmus = [f for n, f in facts if n == 'pmu']
    cores = [p for p in pmus if p['kind'] == 'core']
    if mode is not None:
        for line in cluster_table(rows, cores, pair):
            print(line)
        status = budget(baseline_path, rows, cores, margin if mode == '--write-budget' else None)
        return status if done is not None else 1
    user_reads = {f['pmu']: f for n, f in facts if n == 'userread'}
    errors = [f for n, f in facts if n == 'error' and f.get('step', '').startswith('bench')]

    timer = [{'implementation': 'swift', 'ns': summary(b), 'samples': int(b['n']), 'emulated': True} for b in timers]
    reads = [r for r in rows if 'method' in r]
    exits = [r for r in rows if 'kind' in r]
    unavailable = []
    for r in reads:
        if 'read_method' in r and r['implementation'] == 'swift' and r['read_method'] != 'mrs':
            u = user_reads.get(r['pmu'], {})
            unavailable.append({'pmu': r['pmu'], 'what': r['method'],
                                'reason': f"fell back to read(2): {u.get('fallback', 'unknown')}"})
    for e in errors:
        unavailable.append({'pmu': e.get('pmu', ''), 'what': e.get('step', ''), 'reason': e.get('msg', '')})

    ratios = []
    for (name, pmu), v in sorted(comparisons(rows, [p['name'] for p in cores]).items()):
        ratios.append({'table': 'read_latency' if not name.startswith('exit ') else 'exit_latency', 'pmu': pmu,
                       'subject': name, 'method': 'min batch per op, clock pair subtracted',
                       'swift_per_op': v['swift'], 'c_per_op': v['c'],
                       'swift_minus_c': round(v['swift'] - v['c'], 2),
                       'swift_over_c': round(v['swift'] / v['c'], 4) if v['c'] > 0 else None,
                       'emulated': True})

    report = {
        'schema': 'pmu-bench-lab/2',
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
            'c_reference': 'Tests/Lab/Reference/LabReference.c, aarch64-linux-gnu-gcc -O2',
            'libpfm_version': '4.13',
            'clocksource': None,
        },
        'settings': {
            'batches': max((r['batches'] for r in rows), default=0), 'clock_pair_ns': pair,
            'ops_per_batch': {row_name(r): r['ops'] for r in rows}, 'warmup': 0,
            'read_pmus': [p['name'] for p in cores], 'exit_pmus': [p['name'] for p in cores],
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
    for r in rows:
        print(f"lab-bench: {r['pmu']:18} {row_name(r):22} {r['implementation']:5} {r['per_op']:9.2f} per op"
              f" ({r['batches']} batches of {r['ops']})" + (f"  ({r['read_method']})" if 'read_method' in r else ''))
    for line in cluster_table(rows, cores, pair):
        print(line)
    print(f'lab-bench: wrote {argv[1]} (emulated)')
    return 0 if done is not None else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
