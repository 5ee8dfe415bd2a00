#!/usr/bin/env bash
# `make lab`: prepare the emulated big.LITTLE lab, build the runner (the library as
# Embedded Swift for aarch64), run it in the guest for each kernel and check its
# output on the host with check-lab.py.
#
# Environment: LAB_KERNELS (default "6.12 6.1"; LAB_KERNEL=X alone picks one),
# LAB_BENCH=1 (also measure per-PMU read and guest-exit latency and write
# .build/pmu-bench-lab.json with Tests/Lab/lab-bench.py; first kernel only),
# LAB_TIMEOUT (default 120 s per boot), LAB_DIR (the cache, see lab.sh).
# The runner and its outputs go to <repo>/.build-lab/runner.
#
# QEMU runs with -icount shift=0: without it QEMU's TCG PMU does not implement
# INST_RETIRED (the guest kernel lists no events/inst_retired and the counter stays 0).
set -euo pipefail
cd "$(dirname "$0")/../.."
kernels=${LAB_KERNELS:-${LAB_KERNEL:-6.12 6.1}}
export LAB_TIMEOUT=${LAB_TIMEOUT:-120}
export LAB_QEMU_ARGS=${LAB_QEMU_ARGS:--icount shift=0}
out_dir=.build-lab/runner
start=$(date +%s)

for kernel in $kernels; do
  LAB_KERNEL=$kernel Tests/Lab/lab.sh prepare
done
runner=$(Tests/Lab/build-runner.sh)
echo "lab: runner built: $runner ($(( $(date +%s) - start ))s)"

failed=()
bench_env=()
[ "${LAB_BENCH:-0}" != 0 ] && bench_env=(-E LAB_BENCH=1)
bench_done=0
for kernel in $kernels; do
  output=$out_dir/output-$kernel.txt
  rm -f "$output"
  rc=0
  env_args=(-E LIBPFM_FORCE_PMU=arm_ac53)
  [ "$bench_done" = 0 ] && env_args+=("${bench_env[@]+"${bench_env[@]}"}")
  LAB_KERNEL=$kernel Tests/Lab/lab.sh run -q -o "$output" "${env_args[@]}" "$runner" || rc=$?
  if [ "$rc" = 2 ] || [ "$rc" = 64 ]; then
    echo "lab: Linux $kernel: the lab itself failed (status $rc, see the messages above)" >&2
    failed+=("$kernel")
    continue
  fi
  [ "$rc" = 0 ] || echo "lab: Linux $kernel: the runner exited with status $rc; checking what it printed" >&2
  echo "lab: Linux $kernel: checking $output"
  if ! python3 Tests/Lab/check-lab.py --kernel "$kernel" "$output"; then
    failed+=("$kernel")
  fi
  if [ ${#bench_env[@]} -gt 0 ] && [ "$bench_done" = 0 ]; then
    bench_done=1
    mkdir -p .build
    python3 Tests/Lab/lab-bench.py "$output" .build/pmu-bench-lab.json || failed+=("$kernel(bench)")
  fi
done
echo "lab: $(( $(date +%s) - start ))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "lab: FAILED on Linux ${failed[*]} (runner output in $out_dir/output-<kernel>.txt)" >&2
  exit 1
fi
echo "lab: passed on Linux $kernels"
