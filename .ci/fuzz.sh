#!/usr/bin/env bash
# Builds the libFuzzer binary over the PerfEvents sources and runs every target
# (or the ones named) for FUZZ_SECONDS each. Crashes leave their input under
# .build-fuzz/crashes/<target>/ and make the script fail.
# Usage: .ci/fuzz.sh [--smoke] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
if [ "${1:-}" = "--smoke" ]; then seconds=${FUZZ_SMOKE_SECONDS:-3}; shift; fi
out=.build-fuzz
mkdir -p "$out"

# One binary: the library sources, the fuzz entry point and the C shims, all instrumented.
c_objects=()
for source in CModules/CPerfEvents/*.c; do
  object=$out/$(basename "${source%.c}").o
  clang -c -O1 -g -fsanitize=fuzzer-no-link,address "$source" -I CModules/CPerfEvents/include -o "$object"
  c_objects+=("$object")
done
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name PerfEvents \
  -I CModules/CPerfEvents/include -I CModules/CLibpfm -use-ld=lld \
  $(find Sources/PerfEvents -name '*.swift' | sort) Tests/Fuzz/*.swift "${c_objects[@]}" \
  -o "$out/pmu-fuzz" 2> >(grep -v "Cannot export local symbol" >&2)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(ls Tests/Fuzz/Corpus))
fi
status=0
total=0
for target in "${targets[@]}"; do
  seeds=Tests/Fuzz/Corpus/$target
  [ -d "$seeds" ] || { echo "unknown fuzz target '$target' (no $seeds)" >&2; exit 2; }
  work=$out/corpus/$target crashes=$out/crashes/$target
  mkdir -p "$work" "$crashes"
  log=$out/$target.log
  if FUZZ_TARGET=$target "$out/pmu-fuzz" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$crashes/" "$work" "$seeds" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    total=$((total + runs))
    echo "fuzz $target: $runs executions in ${seconds}s, no crash"
  else
    echo "fuzz $target: CRASH — see $log and $crashes/" >&2
    status=1
  fi
done
echo "fuzz total: $total executions"
exit $status
