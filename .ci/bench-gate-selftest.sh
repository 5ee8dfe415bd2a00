#!/usr/bin/env bash
# The benchmark gates must catch what they guard, each with its own verdict:
# - with the Swift read-single loop made slower by injected work
#   (PMU_BENCH_INJECT_READ_WORK, see InjectedWork.swift), `pmu-bench --check` must
#   exit 1 on that row's Swift/C ratio, and .ci/bench-instructions.py must exit 1
#   (a slower loop) naming `swift read-single`, not 2 (a tooling error);
# - with that loop's reads made to throw (PMU_BENCH_INJECT_READ_FAILURE), `--check`
#   must exit 1 naming the row as a failure of the benchmark, not a host condition;
# - unmodified, the instruction gate must pass. (`make bench-check` ran the
#   unmodified time gate just before.)
# Any other exit status, or a failure that names another row or gate, fails this test.
# Usage: .ci/bench-gate-selftest.sh PMU_BENCH
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
# The injected work must be a clear slowdown on any host, not one near the 1.05 limit:
# 80 barrier iterations added about 3% to a 630 ns read(2) and passed the gate (CI,
# 2026-12-07); 2000 add about 1.1 us (Swift/C 2.46 here, where a read costs 800 ns;
# still above 1.5 where one would cost 2 us).
work=${PMU_BENCH_SELFTEST_WORK:-2000}
fail() { echo "bench gate self-test FAILED: $*" >&2; exit 1; }

# expect_failure NAME STATUS OUTPUT PATTERN: STATUS must be exactly 1 and OUTPUT must hold PATTERN.
expect_failure() {
  local name=$1 status=$2 output=$3 pattern=$4
  [ "$status" -eq 1 ] || fail "$name: exit status $status, expected 1 (a gate failure)"
  grep -F -- "$pattern" <<<"$output" >/dev/null \
    || fail "$name: failed, but no line says: $pattern"
}

echo "== instruction gate, unmodified"
set +e
out=$(.ci/bench-instructions.py "$bin" --baseline Benchmarks/instructions-baseline.json 2>&1)
status=$?
set -e
echo "$out"
[ $status -ne 2 ] || fail "the instruction gate could not measure (tooling error, status 2)"
[ $status -eq 0 ] || fail "the instruction gate failed on the unmodified tree (status $status)"

echo "== time gate, read-single slowed by $work injected calls per read"
set +e
out=$(PMU_BENCH_INJECT_READ_WORK=$work "$bin" --quick --only read --pmu software --check 2>&1)
status=$?
set -e
echo "$out" | grep -E "read-single|check failed" || true
expect_failure "pmu-bench --check, read path slowed" $status "$out" \
  "check failed: read software task-clock read-single: Swift/C"

echo "== time gate, read-single's reads throw"
set +e
out=$(PMU_BENCH_INJECT_READ_FAILURE=1 "$bin" --quick --only read --pmu software --check 2>&1)
status=$?
set -e
echo "$out" | grep -E "read-single|check failed" || true
expect_failure "pmu-bench --check, read loop throws" $status "$out" \
  "check failed: unavailable software task-clock read-single (swift): the timed loop failed"
grep -F "(a failure of the benchmark, not a host condition)" <<<"$out" >/dev/null \
  || fail "pmu-bench --check, read loop throws: the failure does not say it is not a host condition"

echo "== instruction gate, read-single slowed"
set +e
out=$(PMU_BENCH_INJECT_READ_WORK=$work .ci/bench-instructions.py "$bin" --samples 500 \
  --baseline Benchmarks/instructions-baseline.json 2>&1)
status=$?
set -e
echo "$out"
[ $status -ne 2 ] || fail "the instruction gate could not measure the slowed loop (tooling error, status 2)"
expect_failure "instruction gate, read path slowed" $status "$out" "check failed: swift read-single:"
echo "bench gate self-test passed: both gates catch the slowed read path, --check catches the throwing one," \
  "and the instruction gate passes the real one"
