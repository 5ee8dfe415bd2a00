#!/usr/bin/env python3
"""Judges a package-benchmark run of the adapter's example (Benchmarks/PMUBenchmarkMetrics)
against the counters `pmu stat` opened around the whole run (.ci/benchmark-adapter-test.sh).

  RUN_LOG   package-benchmark's text output (its tables, failures)
  STAT_LOG  pmu stat -j's lines (syscalls:sys_enter_getppid and task-clock of the whole run)

Checks, for the getppid and getppid-async benchmarks:
  - the adapter's syscalls:sys_enter_getppid is exactly CALLS in every sample (p0 = p100),
    with as many samples as package-benchmark's own wall clock (no iteration dropped);
  - pmu stat's tracepoint count of the whole run equals (samples + WARMUP) x CALLS summed
    over both: nothing counted outside the measured region is missing or extra;
  - the adapter's task-clock is above 0 in every sample, no sample exceeds NPROC times
    package-benchmark's longest iteration, and the samples' sum is at most the whole run's
    task-clock that pmu stat counted;
and for the cycles benchmark: a cycles and an instructions row per core PMU, or the failure
naming the event and the kernel's reason (never neither). FIXTURE_LOG is the cycles benchmark
run again with PERF_EVENTS_SYSFS_ROOT=FIXTURE_ROOT (the alderlake fixture: cpu_core and
cpu_atom): for each PMU and event, a row, or a failure that names `PMU/event` and shows the
PMU's own type from FIXTURE_ROOT.
Usage: benchmark-adapter-check.py RUN_LOG STAT_LOG CALLS WARMUP NPROC FIXTURE_LOG FIXTURE_ROOT
"""
import json
import re
import sys

SCALE = {"K": 1e3, "M": 1e6, "G": 1e9, "ns": 1, "μs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
failures = []


def check(condition, message):
    print(("ok: " if condition else "FAILED: ") + message)
    if not condition:
        failures.append(message)


def parse_tables(lines):
    """{benchmark: {metric: {"values": [p0 .. p100 in base units], "samples": n}}}."""
    tables, name, previous = {}, None, ""
    for line in lines:
        if line.startswith("╒"):
            name = previous.strip()
            tables[name] = {}
        elif line.startswith("│") and name is not None:
            cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
            if cells[0] == "Metric":
                continue
            label = cells[0].rstrip(" *")
            scale = 1.0
            unit = re.search(r" \(([^()]+)\)$", label)
            # The unit package-benchmark appends (thousands, μs, #), not a name's own words.
            if unit and (unit.group(1) in SCALE or unit.group(1) == "#"):
                scale = SCALE.get(unit.group(1), 1.0)
                label = label[: unit.start()]
            numbers = [float(cell) * scale for cell in cells[1:-1]]
            tables[name][label] = {"values": numbers, "samples": int(cells[-1])}
        elif line.startswith("╘"):
            name = None
        previous = line
    return tables


def check_cycles(lines, label):
    """The cycles benchmark: per-core-PMU rows, or failures naming the events; {pmu: [events]} failed."""
    tables = parse_tables(lines)
    cycles = tables.get("cycles")
    if cycles is not None:
        pmus = sorted(name[: -len("/cycles")] for name in cycles if name.endswith("/cycles"))
        check(bool(pmus), f"{label}: a cycles row per core PMU: {pmus}")
        for pmu in pmus:
            check(f"{pmu}/instructions" in cycles, f"{label}: {pmu}/instructions is there")
        check(any(cycles[f"{pmu}/cycles"]["values"][-1] > 0 for pmu in pmus), f"{label}: some core PMU counted cycles")
        return cycles, []
    refused = [line for line in lines if re.match(r"PMUBenchmarkMetrics: \S*cycles: cannot open ", line)]
    check(bool(refused), f"{label}: no table, so the failure names the event and the reason: "
          + (refused[0] if refused else "(none printed)"))
    return {}, [line for line in lines if line.startswith("PMUBenchmarkMetrics: ")]


def check_fixture(lines, root):
    """Every event on each of the fixture's core PMUs: a row, or a failure with that PMU's own type."""
    rows, refused = check_cycles(lines, "cycles on the alderlake fixture")
    for pmu in ("cpu_core", "cpu_atom"):
        own_type = open(f"{root}/bus/event_source/devices/{pmu}/type", encoding="utf-8").read().strip()
        for event in ("cycles", "instructions"):
            name = f"{pmu}/{event}"
            pattern = rf"PMUBenchmarkMetrics: {re.escape(name)}: cannot open {re.escape(name)}/ \(type (\d+),"
            types = [match.group(1) for match in map(lambda line: re.match(pattern, line), refused) if match]
            check(name in rows or types == [own_type],
                  f"{name}: a row, or its failure with {pmu}'s own type {own_type} (printed: {types or 'none'})")


def main():
    run_log, stat_log, calls, warmup, nproc, fixture_log, fixture_root = sys.argv[1:8]
    calls, warmup, nproc = int(calls), int(warmup), int(nproc)
    lines = open(run_log, encoding="utf-8").read().splitlines()
    tables = parse_tables(lines)
    stat = {}
    for line in open(stat_log, encoding="utf-8"):
        if line.startswith('{"counter-value"'):
            row = json.loads(line)
            stat[row["event"]] = row
    check("syscalls:sys_enter_getppid" in stat and "task-clock" in stat,
          f"pmu stat counted the run: {sorted(stat)}")
    if failures:
        return
    run_getppid = round(float(stat["syscalls:sys_enter_getppid"]["counter-value"]))
    run_task_clock_ns = float(stat["task-clock"]["counter-value"]) * 1e6  # msec

    expected_calls, task_clock_sum = 0, 0.0
    for benchmark in ("getppid", "getppid-async"):
        table = tables.get(benchmark)
        check(table is not None, f"{benchmark}: package-benchmark printed its table")
        if table is None:
            continue
        rows = ("syscalls:sys_enter_getppid", "task-clock", "Time (wall clock)")
        for metric in rows:
            check(metric in table, f"{benchmark}: row {metric!r} is there")
        if any(metric not in table for metric in rows):
            continue
        getppid, clock, wall = table["syscalls:sys_enter_getppid"], table["task-clock"], table["Time (wall clock)"]
        check(all(value == calls for value in getppid["values"]),
              f"{benchmark}: syscalls:sys_enter_getppid is {calls} in every sample: {getppid['values']}")
        check(getppid["samples"] == wall["samples"],
              f"{benchmark}: {getppid['samples']} samples, as many as the wall clock's {wall['samples']}")
        expected_calls += (getppid["samples"] + warmup) * calls
        # Printed in thousands: one printed unit of slack where the bound compares rounded numbers.
        check(clock["values"][0] > 0, f"{benchmark}: task-clock p0 {clock['values'][0]:.0f} ns > 0")
        longest = nproc * wall["values"][-1] + 1e3
        check(clock["values"][-1] <= longest,
              f"{benchmark}: task-clock p100 {clock['values'][-1]:.0f} ns <= {nproc} x the longest iteration"
              f" ({longest:.0f} ns)")
        task_clock_sum += clock["samples"] * clock["values"][0]
    check(run_getppid == expected_calls,
          f"pmu stat's getppid calls of the whole run ({run_getppid}) = (samples + {warmup} warmup) x {calls}"
          f" over both benchmarks ({expected_calls})")
    check(task_clock_sum <= run_task_clock_ns,
          f"the adapter's task-clock (at least {task_clock_sum:.0f} ns in all) is within the run's"
          f" ({run_task_clock_ns:.0f} ns)")

    check_cycles(lines, "cycles")
    check_fixture(open(fixture_log, encoding="utf-8").read().splitlines(), fixture_root)

if __name__ == "__main__":
    main()
    if failures:
        print(f"benchmark adapter: {len(failures)} check(s) FAILED")
        sys.exit(1)
    print("benchmark adapter: OK")
