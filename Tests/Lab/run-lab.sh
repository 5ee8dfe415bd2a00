#!/usr/bin/env bash
# `make lab`: prepare the emulated big.LITTLE lab, build the runner (the library as
# Embedded Swift for aarch64), run it in the guest for each kernel and check its
# output on the host with check-lab.py.
#
# Environment: LAB_KERNELS (default "newest 6.12 6.1 5.10"; LAB_KERNEL=X alone picks one; newest is
# the newest arm64 kernel Debian ships, resolved at lab time, its version in every report),
# LAB_PARALLEL (default 1: boot the kernels at once; each QEMU is one TCG thread under
# -icount, so on 2 cores three of them take about half the time they take in turn; 0: in turn),
# LAB_BENCH=1 (also measure per-PMU read and guest-exit latency, the library against its C
# references, and write .build/pmu-bench-lab.json with Tests/Lab/lab-bench.py; first kernel only),
# LAB_BUDGET_KERNEL (default 6.12): when that kernel runs without LAB_BENCH it runs the bench rows
# in short form (LAB_BENCH=short), and on it lab-bench.py checks each row's Swift - C
# instructions per operation against Benchmarks/lab-instructions-baseline.json (make test's
# instruction budget; LAB_BUDGET_KERNEL=none skips it; LAB_BREAK_BENCH_SLOW=N slows the Swift
# user-space read loops by N loop turns per read, to see it fail),
# LAB_TIMEOUT (default 240 s per boot: a ceiling; three boots at once beside make test's other jobs take longer than one alone), LAB_DIR (the cache, see lab.sh).
# The runner and its outputs go to <repo>/.build-lab/runner.
#
# QEMU runs with -icount shift=0: without it QEMU's TCG PMU does not implement
# INST_RETIRED (the guest kernel lists no events/inst_retired and the counter stays 0).
set -euo pipefail
cd "$(dirname "$0")/../.."
kernels=${LAB_KERNELS:-${LAB_KERNEL:-newest 6.12 6.1 5.10}}
parallel=${LAB_PARALLEL:-1}
export LAB_TIMEOUT=${LAB_TIMEOUT:-240}
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
# The device tree the lab patched: check-lab compares the PMUs and CPUs found with it.
eval "$(Tests/Lab/lab.sh paths)"
dts=${LAB_DTB%.dtb}.dts

# boot KERNEL FIRST: run the runner on KERNEL; its status in $out_dir/status-KERNEL.
budget_kernel=${LAB_BUDGET_KERNEL:-6.12}
budget_file=Benchmarks/lab-instructions-baseline.json

# bench_args KERNEL FIRST: the runner's bench environment on KERNEL.
bench_args() {
  if [ "$2" = 1 ] && [ ${#bench_env[@]} -gt 0 ]; then
    printf '%s\n' "${bench_env[@]}"
  elif [ "$1" = "$budget_kernel" ]; then
    printf '%s\n' -E LAB_BENCH=short
  fi
}

# The kernel's PMU attribute names (from its own uapi header, lab.sh prepare) go in as /lab/pmu-attributes.h.
names_of() { (eval "$(LAB_KERNEL=$1 Tests/Lab/lab.sh paths)"; printf '%s\n' "$LAB_PMU_ATTRIBUTE_NAMES"); }
boot() {
  local kernel=$1 first=$2 rc=0 env_args=(-E LIBPFM_FORCE_PMU=arm_ac53)
  local bench
  mapfile -t bench < <(bench_args "$kernel" "$first")
  env_args+=("${bench[@]+"${bench[@]}"}")
  for name in LAB_BREAK_BENCH_SLOW LAB_BREAK_INIT_BEFORE_PIN; do
    [ -n "${!name:-}" ] && env_args+=(-E "$name=${!name}")
  done
  rm -f "$out_dir/output-$kernel.txt"
  LAB_KERNEL=$kernel Tests/Lab/lab.sh run -q -o "$out_dir/output-$kernel.txt" "${env_args[@]}" \
    -f "$(names_of "$kernel"):/lab/pmu-attributes.h" "$runner" || rc=$?
  echo "$rc" > "$out_dir/status-$kernel"
}

first=1
pids=()
for kernel in $kernels; do
  if [ "$parallel" = 1 ]; then
    boot "$kernel" "$first" > "$out_dir/boot-$kernel.log" 2>&1 &
    pids+=($!)
  else
    boot "$kernel" "$first"
  fi
  first=0
done
for pid in "${pids[@]+"${pids[@]}"}"; do wait "$pid" || true; done

first=1
outputs=()
for kernel in $kernels; do
  [ "$parallel" = 1 ] && sed "s/^/[$kernel] /" "$out_dir/boot-$kernel.log" >&2
  rc=$(cat "$out_dir/status-$kernel" 2>/dev/null || echo 2)
  output=$out_dir/output-$kernel.txt
  if [ "$rc" = 2 ] || [ "$rc" = 64 ]; then
    echo "lab: Linux $kernel: the lab itself failed (status $rc, see the messages above)" >&2
    failed+=("$kernel")
    first=0
    continue
  fi
  [ "$rc" = 0 ] || echo "lab: Linux $kernel: the runner exited with status $rc; checking what it printed" >&2
  echo "lab: Linux $kernel: checking $output"
  if ! python3 Tests/Lab/check-lab.py --kernel "$kernel" --dts "$dts" --attribute-names "$(names_of "$kernel")" "$output"; then
    failed+=("$kernel")
  fi
  outputs+=("$output")
  if [ ${#bench_env[@]} -gt 0 ] && [ "$first" = 1 ]; then
    mkdir -p .build
    python3 Tests/Lab/lab-bench.py "$output" .build/pmu-bench-lab.json || failed+=("$kernel(bench)")
  fi
  if [ "$kernel" = "$budget_kernel" ]; then
    echo "lab: Linux $kernel: the instruction budget (Swift - C per operation, $budget_file)"
    python3 Tests/Lab/lab-bench.py --budget "$budget_file" "$output" || failed+=("$kernel(budget)")
  fi
  first=0
done
if [ ${#outputs[@]} -gt 0 ]; then
  echo "lab: kernel x scenario (the LITTLE VM's VCPU thread moved to the big cluster mid-run):"
  python3 Tests/Lab/check-lab.py --table "${outputs[@]}"
fi
echo "lab: $(( $(date +%s) - start ))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "lab: FAILED on Linux ${failed[*]} (runner output in $out_dir/output-<kernel>.txt)" >&2
  exit 1
fi
echo "lab: passed on Linux $kernels"
