#!/usr/bin/env bash
# The benchmark gate must catch a regression: with the Swift read-single loop made
# slower by injected work (PMU_BENCH_INJECT_READ_WORK, see InjectedWork.swift),
# `pmu-bench --check` must fail on time and .ci/bench-instructions.py must fail on
# instructions; unmodified, the instruction gate must pass. (`make bench-check` ran
# the unmodified time gate just before.) Usage: .ci/bench-gate-selftest.sh PMU_BENCH
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$1
work=${PMU_BENCH_SELFTEST_WORK:-80}
fail() { echo "bench gate self-test FAILED: $*" >&2; exit 1; }

echo "== instruction gate, unmodified"
.ci/bench-instructions.py "$bin" --baseline Benchmarks/instructions-baseline.json \
  || fail "the instruction gate failed on the unmodified tree"

echo "== time gate, read-single slowed by $work injected calls per read"
set +e
out=$(PMU_BENCH_INJECT_READ_WORK=$work "$bin" --quick --only read --pmu software --check 2>&1)
status=$?
set -e
echo "$out" | grep -E "read-single|check failed" || true
[ $status -ne 0 ] || fail "pmu-bench --check passed a read path made slower"
echo "$out" | grep "check failed: read software task-clock read-single" >/dev/null \
  || fail "pmu-bench --check failed, but not on the slowed read-single row"

echo "== instruction gate, read-single slowed"
set +e
PMU_BENCH_INJECT_READ_WORK=$work .ci/bench-instructions.py "$bin" --samples 500 \
  --baseline Benchmarks/instructions-baseline.json
status=$?
set -e
[ $status -eq 1 ] || fail "the instruction gate did not fail on a read path made slower (status $status)"
echo "bench gate self-test passed: both gates catch the slowed read path, and pass the real one"
