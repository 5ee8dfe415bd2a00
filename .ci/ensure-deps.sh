#!/usr/bin/env bash
# Installs what `make test` / `make bench` need and is missing, then makes sure
# tracefs is mounted. Idempotent: with everything present it changes nothing.
set -euo pipefail

need=()
[ -f /usr/include/perfmon/pfmlib_perf_event.h ] || need+=(libpfm4-dev)
# The Embedded Swift compile for aarch64 needs the arm64 C headers (glibc + kernel UAPI).
[ -f /usr/aarch64-linux-gnu/include/stdio.h ] || need+=(libc6-dev-arm64-cross)
[ -f /usr/aarch64-linux-gnu/include/linux/perf_event.h ] || need+=(linux-libc-dev-arm64-cross)
command -v perf >/dev/null 2>&1 || need+=(linux-perf)
# The benchmark's instruction-count gate (make bench-check) runs callgrind.
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
# The event-string conformance suite runs perf under strace (perf_event_open injected).
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
# The Prometheus pipeline test (Tests/Prometheus/pipeline-test.sh) starts its own node_exporter,
# Prometheus server and Pushgateway on loopback; promtool checks the text `--prometheus` writes.
# Installed, never started as services: see the policy-rc.d below.
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-node-exporter >/dev/null 2>&1 || need+=(prometheus-node-exporter)
command -v prometheus-pushgateway >/dev/null 2>&1 || need+=(prometheus-pushgateway)
command -v curl >/dev/null 2>&1 || need+=(curl)
# `make install`'s check renders the man page (man -l) and loads the bash completion.
command -v man >/dev/null 2>&1 || need+=(man-db)
command -v groff >/dev/null 2>&1 || need+=(groff)
# pmu-bench's peer rows load PAPI at run time (dlopen libpapi.so.7*); never a build dependency.
compgen -G '/usr/lib/*/libpapi.so.7*' >/dev/null || need+=(libpapi-dev)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${need[*]}; run as root or: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "installing: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The prometheus packages' maintainer scripts start their services through invoke-rc.d;
  # a policy-rc.d that answers 101 ("action forbidden") keeps them stopped. One already
  # there (container images ship one) is left as it was.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The conformance suite's second perf (bookworm-backports, 6.12), unpacked under
# .build-perf-backports beside perf 6.1; without it the suite fails and names the reason.
"$(dirname "$0")/ensure-perf-backports.sh" || \
  echo "note: perf from bookworm-backports could not be unpacked; the conformance suite will report it" >&2

# Tracepoint ids come from tracefs; mount it when we may and it is not there.
if [ ! -e /sys/kernel/tracing/events ] && [ "$(id -u)" -eq 0 ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || \
    echo "note: could not mount tracefs on /sys/kernel/tracing; tracepoint tests will report it" >&2
fi
exit 0
