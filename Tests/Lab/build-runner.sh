#!/usr/bin/env bash
# Builds the lab runner: the project's own PerfEvents, KVM and KVMGuestPrograms sources
# (the very files of the host build) compiled as Embedded Swift for aarch64, plus the
# runner's main module (Tests/Lab/Runner), the CPerfEvents shims cross-compiled,
# the lab bench's C references (Tests/Lab/Reference), and libpfm4 for arm64, linked statically.
# Usage: Tests/Lab/build-runner.sh [OUTPUT]   (default .build-lab/runner/pmu-lab-runner)
# The arm64 libpfm comes from the lab cache ($LAB_DIR, see `lab.sh paths`); the objects and
# the runner always go to <repo>/.build-lab/runner, wherever LAB_DIR points.
set -euo pipefail
cd "$(dirname "$0")/../.."
eval "$(Tests/Lab/lab.sh paths)"
out_dir=.build-lab/runner
output=${1:-$out_dir/pmu-lab-runner}
mkdir -p "$out_dir"

[ -f "$LAB_LIBPFM_A" ] || { echo "no arm64 libpfm at $LAB_LIBPFM_A: run Tests/Lab/lab.sh prepare" >&2; exit 2; }

# A warm build: every input (the compiler, this script, the Embedded build script, the
# library and runner sources, the C shims, libpfm) hashed; the same key as the last
# successful build reuses its runner (LAB_REBUILD=1 forces a build).
key=$( { swiftc --version 2>&1; cat "$0" .ci/embedded-build.sh;
         find Sources/LinuxSystem Sources/PerfEvents Sources/KVM Sources/KVMGuestPrograms CModules/CPerfEvents CModules/CLibpfm Tests/Lab/Runner Tests/Lab/Reference \
              -type f | LC_ALL=C sort | xargs sha256sum; sha256sum "$LAB_LIBPFM_A"; } | sha256sum | cut -c1-16)
if [ "${LAB_REBUILD:-0}" = 0 ] && [ -x "$output" ] && [ "$(cat "$output.key" 2>/dev/null)" = "$key" ]; then
  echo "embedded aarch64 + runner: unchanged inputs (key $key), reusing $output" >&2
  echo "$output"
  exit 0
fi
rm -f "$output.key"
# The Embedded compile `make embedded` checks, on stderr (stdout is the runner's path).
.ci/embedded-build.sh "$out_dir/modules" >&2

# -D Libpfm: the package's default trait, as in .ci/embedded-build.sh.
swift_flags=(-target aarch64-none-none-elf -enable-experimental-feature Embedded -wmo -parse-as-library -Osize -D Libpfm -package-name swift_perf_events
  -Xcc --sysroot=/usr/aarch64-linux-gnu -Xcc -D__linux__ -Xcc -D__gnu_linux__ -Xcc -D_GNU_SOURCE
  -Xcc -I"$out_dir/modules/include" -I CModules/CPerfEvents/include -I CModules/CLibpfm -I Tests/Lab/Reference/include -I "$out_dir/modules")
swiftc "${swift_flags[@]}" -module-name PMULabRunner -c -o "$out_dir/Runner.o" $(find Tests/Lab/Runner -name '*.swift' | sort)

c_objects=()
for source in CModules/CPerfEvents/*.c; do
  object=$out_dir/$(basename "${source%.c}").o
  aarch64-linux-gnu-gcc -O2 -Wall -c "$source" -I CModules/CPerfEvents/include -o "$object"
  c_objects+=("$object")
done
# The bench rows' C references, compiled as the library's C shims are.
aarch64-linux-gnu-gcc -O2 -Wall -c Tests/Lab/Reference/LabReference.c -I Tests/Lab/Reference/include -o "$out_dir/LabReference.o"
c_objects+=("$out_dir/LabReference.o")

toolchain_bin=$(dirname "$(command -v swiftc)")
toolchain_lib=$toolchain_bin/../lib/swift/embedded/aarch64-none-none-elf
objects=("$out_dir/Runner.o" "$out_dir/modules/LinuxSystem.o" "$out_dir/modules/PerfEvents.o" "${c_objects[@]}")
[ -f "$out_dir/modules/KVM.o" ] && objects+=("$out_dir/modules/KVM.o")
[ -f "$out_dir/modules/KVMGuestPrograms.o" ] && objects+=("$out_dir/modules/KVMGuestPrograms.o")
# GNU ld rejects Embedded Swift objects with a copy-relocation error: link with the toolchain's lld.
aarch64-linux-gnu-gcc -static -fuse-ld=lld -B"$toolchain_bin" "${objects[@]}" \
  "$toolchain_lib/libswiftUnicodeDataTables.a" "$LAB_LIBPFM_A" -lm -o "$output"
echo "$key" > "$output.key"
echo "$output"
