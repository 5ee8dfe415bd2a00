#!/usr/bin/env bash
# The package-benchmark adapter (Benchmarks/PMUBenchmarkMetrics, a package of its own): builds
# it, runs its example benchmarks under `pmu stat`, which counts getppid(2) calls (a tracepoint)
# and task-clock over the whole run, and checks the adapter's per-iteration metrics against
# those counts (.ci/benchmark-adapter-check.py says what exactly).
# Its own scratch path, .build-adapter: `swift package benchmark` builds its tool (debug, then
# release) and the example (release) there: 191 s the first time on 2 busy cores, then seconds.
# Usage: .ci/benchmark-adapter-test.sh BIN_DIR   (the folder with pmu; make test passes it)
#        .ci/benchmark-adapter-test.sh --build-only   (the build alone: make test runs it beside
#        the Swift tests, which leave a core idle while they wait on processes and VCPUs)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build_only=false
if [ "${1:-}" = "--build-only" ]; then build_only=true; shift; set -- "${1:-unused}"; fi
bin=${1:?usage: benchmark-adapter-test.sh BIN_DIR}
swift=${SWIFT:-swift}
package=$repo/Benchmarks/PMUBenchmarkMetrics
scratch=$repo/.build-adapter
$build_only || [ -x "$bin/pmu" ] || { echo "benchmark adapter: FAILED: $bin/pmu is not built" >&2; exit 1; }
mkdir -p "$scratch"
logs=$scratch/logs
mkdir -p "$logs"

# The adapter's README shows the example's `benchmarks` as they are (from `let benchmarks` to the end).
python3 - "$package/Benchmarks/PMUExample/PMUExample.swift" "$package/README.md" <<'PYTHON' || exit 1
import sys
source, readme = (open(path, encoding="utf-8").read() for path in sys.argv[1:3])
example = source[source.index("let benchmarks: @Sendable"):].rstrip("\n")
if "```swift\n" + example + "\n```" not in readme:
    sys.exit("benchmark adapter: FAILED: Benchmarks/PMUBenchmarkMetrics/README.md does not show PMUExample.swift's benchmarks as they are")
print("benchmark adapter: the README shows the example as it is")
PYTHON

# `benchmark list` builds the tool and the example (release); the counted run then builds nothing.
start=$SECONDS
timeout 900 "$swift" package --package-path "$package" --scratch-path "$scratch" \
  benchmark list --target PMUExample >"$logs/build.log" 2>&1 \
  || { tail -30 "$logs/build.log"; echo "benchmark adapter: FAILED: the build (swift package benchmark list)" >&2; exit 1; }
echo "benchmark adapter: built (swift package benchmark list) in $((SECONDS - start)) s"
$build_only && exit 0

# The example's numbers (Benchmarks/PMUExample/PMUExample.swift).
calls=1000
warmup=2
start=$SECONDS
status=0
timeout 300 "$bin/pmu" stat -j -e syscalls:sys_enter_getppid,task-clock -- \
  "$swift" package --package-path "$package" --scratch-path "$scratch" \
  benchmark --target PMUExample --no-progress >"$logs/run.log" 2>"$logs/stat.log" || status=$?
echo "benchmark adapter: swift package benchmark ran in $((SECONDS - start)) s, exit status $status"
if [ "$status" -ne 0 ]; then
  tail -30 "$logs/run.log" "$logs/stat.log"
  echo "benchmark adapter: FAILED: swift package benchmark" >&2
  exit 1
fi
# The cycles benchmark on the alderlake fixture's PMUs (cpu_core and cpu_atom, as sysfs shows
# them there): one metric per PMU and event, each with its PMU's own type, whether this host
# counts them or refuses them.
fixture=$repo/Tests/PerfEventsTests/Fixtures/sysfs/alderlake
PERF_EVENTS_SYSFS_ROOT=$fixture timeout 300 "$swift" package --package-path "$package" --scratch-path "$scratch" \
  benchmark --target PMUExample --filter cycles --no-progress >"$logs/fixture.log" 2>&1 \
  || { tail -30 "$logs/fixture.log"; echo "benchmark adapter: FAILED: the run on the fixture" >&2; exit 1; }
sed -n '/^getppid$/,$p' "$logs/run.log"
grep '^PMUBenchmarkMetrics: ' "$logs/run.log" "$logs/fixture.log" || true
python3 "$repo/.ci/benchmark-adapter-check.py" "$logs/run.log" "$logs/stat.log" "$calls" "$warmup" "$(nproc)" \
  "$logs/fixture.log" "$fixture"
