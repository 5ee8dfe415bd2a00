#!/usr/bin/env bash
# Compiles the library targets as Embedded Swift for aarch64, as the arm64 lab
# does, so the rule "no Foundation, no Glibc, typed throws, no any" cannot rot.
# Usage: .ci/embedded-build.sh [OUTPUT_DIR]   (default .build-embedded)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build-embedded}
mkdir -p "$out/include"
# libpfm4's headers are architecture-neutral; expose only perfmon/ beside the arm64 sysroot.
ln -sfn /usr/include/perfmon "$out/include/perfmon"

# -D Libpfm: the package's default trait (SwiftPM passes it; swiftc here must too), so the
# libpfm4 code is the code compiled, and the lab keeps its libpfm4 checks.
flags=(-target aarch64-none-none-elf -enable-experimental-feature Embedded -wmo -parse-as-library -Osize -D Libpfm -package-name swift_perf_events
       -Xcc --sysroot=/usr/aarch64-linux-gnu -Xcc -D__linux__ -Xcc -D__gnu_linux__ -Xcc -D_GNU_SOURCE
       -Xcc -I"$out/include" -I CModules/CPerfEvents/include -I CModules/CLibpfm -I "$out")

build() {  # module-name source-dir
  local module=$1 dir=$2
  swiftc "${flags[@]}" -module-name "$module" -emit-module -emit-module-path "$out/$module.swiftmodule" \
    -c -o "$out/$module.o" $(find "$dir" -name '*.swift' | sort)
  echo "embedded aarch64: $module OK ($(stat -c %s "$out/$module.o") bytes)"
}

build LinuxSystem Sources/LinuxSystem
build PerfEvents Sources/PerfEvents
if [ -d Sources/KVM ]; then build KVM Sources/KVM; fi
if [ -d Sources/KVMGuestPrograms ]; then build KVMGuestPrograms Sources/KVMGuestPrograms; fi
