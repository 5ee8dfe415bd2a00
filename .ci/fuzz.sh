#!/usr/bin/env bash
# Builds the libFuzzer binaries and runs every target (or the ones named) for
# FUZZ_SECONDS each. Crashes leave their input under .build-fuzz/crashes/<target>/
# and make the script fail.
#
# Two binaries:
#   pmu-fuzz    the PerfEvents sources + Tests/Fuzz/*.swift + the C shims (parsers, decoders)
#   bench-fuzz  the PMUBenchCore sources + Tests/Fuzz/Bench/*.swift, with Histogram and
#               swift-numerics compiled from .build/checkouts and Sources/PrometheusText (targets named bench-*)
# Everything under test is built with -sanitize=fuzzer,address; the two packages
# pmu-bench depends on are built with address sanitizing only (not fuzzed).
#
# Usage: .ci/fuzz.sh [--smoke | --minimize] [TARGET...]
#   --smoke     FUZZ_SMOKE_SECONDS (default 8) per target: what `make test` runs (8 targets, 64 s in all)
#   --minimize  merge the seeds and .build-fuzz/corpus into Tests/Fuzz/Corpus (make fuzz-minimize)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
minimize=0
if [ "${1:-}" = "--smoke" ]; then seconds=${FUZZ_SMOKE_SECONDS:-8}; shift; fi
if [ "${1:-}" = "--minimize" ]; then minimize=1; shift; fi
out=.build-fuzz
mkdir -p "$out"
# Swift's own crash handler would race ASan's report; libFuzzer prints the stack.
export SWIFT_BACKTRACE=enable=no
quiet() { "$@" 2> >(grep -v "Cannot export local symbol" >&2); }

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(ls Tests/Fuzz/Corpus))
fi
need_bench=0
for target in "${targets[@]}"; do [[ $target == bench-* ]] && need_bench=1; done

# pmu-fuzz: the library sources, the fuzz entry points and the C shims, all instrumented.
# No -D Libpfm: the fuzz targets resolve without libpfm4 (Resolver(libpfm: nil)), so the library
# is built as without its Libpfm trait, and libpfm4 is not linked.
c_objects=()
for source in CModules/CPerfEvents/*.c; do
  object=$out/$(basename "${source%.c}").o
  clang -c -O1 -g -fsanitize=fuzzer-no-link,address "$source" -I CModules/CPerfEvents/include -o "$object"
  c_objects+=("$object")
done
# The system layer first, as a module of its own (PerfEvents imports it), instrumented alike.
quiet swiftc -swift-version 6 -sanitize=fuzzer,address -parse-as-library -O -g -wmo -D SYSTEM_MOCKING -package-name swift_perf_events \
  -module-name LinuxSystem -I CModules/CPerfEvents/include -emit-module -emit-module-path "$out/LinuxSystem.swiftmodule" \
  -c $(find Sources/LinuxSystem -name '*.swift' | sort) -o "$out/LinuxSystem.o"
quiet swiftc -swift-version 6 -sanitize=fuzzer,address -parse-as-library -O -g -package-name swift_perf_events -module-name PerfEvents \
  -I CModules/CPerfEvents/include -I CModules/CLibpfm -I "$out" -use-ld=lld \
  $(find Sources/PerfEvents -name '*.swift' | sort) Tests/Fuzz/*.swift "$out/LinuxSystem.o" "${c_objects[@]}" \
  -o "$out/pmu-fuzz"

if [ $need_bench = 1 ]; then
  checkouts=.build/checkouts
  [ -d $checkouts/hdrhistogram-swift ] || swift package resolve >/dev/null
  numerics=$checkouts/swift-numerics/Sources
  deps=$out/bench-deps
  mkdir -p "$deps"
  clang -c -O1 -fsanitize=address -I $numerics/_NumericsShims/include \
    $numerics/_NumericsShims/_NumericsShims.c -o $deps/_NumericsShims.o
  module() {  # module name, then its sources
    local name=$1; shift
    quiet swiftc -parse-as-library -O -sanitize=address -wmo -module-name "$name" \
      -I $numerics/_NumericsShims/include -I $deps -emit-module -emit-module-path "$deps/$name.swiftmodule" \
      -c "$@" -o "$deps/$name.o"
  }
  module RealModule $numerics/RealModule/*.swift
  module ComplexModule $numerics/ComplexModule/*.swift
  module Numerics $numerics/Numerics/*.swift
  module Histogram $checkouts/hdrhistogram-swift/Sources/Histogram/*.swift
  # PMUBenchCore's --prometheus output uses it (a target of this package, not fuzzed).
  module PrometheusText Sources/PrometheusText/*.swift
  quiet swiftc -swift-version 6 -sanitize=fuzzer,address -parse-as-library -O -g -module-name PMUBenchCore \
    -I $numerics/_NumericsShims/include -I $deps -use-ld=lld \
    Benchmarks/PMUBenchCore/*.swift Tests/Fuzz/Bench/*.swift \
    $deps/_NumericsShims.o $deps/RealModule.o $deps/ComplexModule.o $deps/Numerics.o $deps/Histogram.o \
    $deps/PrometheusText.o -o "$out/bench-fuzz"
fi

if [ $minimize = 1 ]; then
  # What fuzzing found (.build-fuzz/corpus) goes into Tests/Fuzz/Corpus/<target> only where it
  # adds coverage the named seeds lack (libFuzzer's -merge=1 into the first directory), so the
  # corpus kept in the repository grows with what runs find, without duplicates.
  for target in "${targets[@]}"; do
    binary=$out/pmu-fuzz
    [[ $target == bench-* ]] && binary=$out/bench-fuzz
    mkdir -p "$out/corpus/$target"
    before=$(ls "Tests/Fuzz/Corpus/$target" | wc -l)
    FUZZ_TARGET=$target "$binary" -merge=1 "Tests/Fuzz/Corpus/$target" "$out/corpus/$target" \
      >"$out/$target.merge.log" 2>&1 || { echo "merge of $target failed: see $out/$target.merge.log" >&2; exit 1; }
    echo "corpus $target: $before inputs -> $(ls "Tests/Fuzz/Corpus/$target" | wc -l) (what fuzzing found that adds coverage)"
  done
  exit 0
fi

status=0
total=0
for target in "${targets[@]}"; do
  seeds=Tests/Fuzz/Corpus/$target
  [ -d "$seeds" ] || { echo "unknown fuzz target '$target' (no $seeds)" >&2; exit 2; }
  binary=$out/pmu-fuzz
  [[ $target == bench-* ]] && binary=$out/bench-fuzz
  work=$out/corpus/$target crashes=$out/crashes/$target
  mkdir -p "$work" "$crashes"
  log=$out/$target.log
  # Text parsers: event strings, sysfs lines and CPU lists are short; long inputs
  # only slow the search down. Binary layouts (read buffers, pages) keep the default.
  limits=()
  case $target in term-list|cpu-list|format-spec|event-string) limits=(-max_len=256) ;; esac
  if FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -print_final_stats=1 "${limits[@]}" \
      -artifact_prefix="$crashes/" "$work" "$seeds" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    total=$((total + runs))
    echo "fuzz $target: $runs executions in ${seconds}s ($((runs / seconds))/s), no crash"
  else
    echo "fuzz $target: CRASH — see $log and $crashes/" >&2
    grep -m3 -E "Fatal error|Precondition failed|ERROR: AddressSanitizer" "$log" >&2 || true
    status=1
  fi
done
echo "fuzz total: $total executions"
exit $status
