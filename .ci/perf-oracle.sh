#!/usr/bin/env bash
# What perf itself makes of an event string on a recorded sysfs tree (or on this host):
# the perf_event_attr blocks and the perf_event_open calls perf 6.1 would make, next to
# what `pmu resolve` says. The same method as Tests/PerfEventsTests/PerfOracle.swift:
# the tree's bus/event_source/devices, dereferenced (cp -rL), is bind-mounted over
# /sys/bus/event_source/devices in a private mount namespace, and perf runs under strace
# with perf_event_open injected to succeed (no fallback retries, group members included).
#
# Usage: .ci/perf-oracle.sh TREE|live EVENT [stat|record]     (as root)
#   TREE: a directory under Tests/PerfEventsTests/Fixtures/sysfs, or a sysfs root
set -euo pipefail
cd "$(dirname "$0")/.."
tree=${1:?usage: $0 TREE|live EVENT [stat|record]}
event=${2:?usage: $0 TREE|live EVENT [stat|record]}
tool=${3:-stat}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
case $tool in
  stat) perf=(perf stat -vv -e "$event" /bin/true) ;;
  record) perf=(perf record -vv -o "$scratch/perf.data" -p $$ -e "$event") ;;
  *) echo "tool must be stat or record" >&2; exit 2 ;;
esac
traced=(timeout -k 2 20 strace -f -qq -o /dev/null -e trace=perf_event_open
        -e inject=perf_event_open:retval=3 "${perf[@]}")
filter() { grep -E '^perf_event_attr|^  [a-z{]|^sys_perf_event_open|event syntax error|\\___|not usable' \
  | grep -vE '^  (size|sample_type|read_format|disabled|inherit|enable_on_exec|mmap|comm|task|sample_id_all|mmap2|comm_exec|ksymbol|bpf_event|text_poke|build_id) ' || true; }
if [ "$tree" = live ]; then
  echo "== perf ($tool), this host"
  PERF_CPUID=none "${traced[@]}" 2>&1 | filter
  root=/sys
else
  root=$tree
  [ -d "$root" ] || root=Tests/PerfEventsTests/Fixtures/sysfs/$tree
  cp -rL "$root/bus/event_source/devices" "$scratch/devices"
  echo "== perf ($tool), $root"
  PERF_CPUID=none unshare -m sh -c 'mount --bind "$0" /sys/bus/event_source/devices && exec "$@"' \
    "$scratch/devices" "${traced[@]}" 2>&1 | filter
fi
echo "== pmu resolve"
pmu=$(swift build --show-bin-path 2>/dev/null)/pmu
if [ -x "$pmu" ]; then "$pmu" resolve --sysfs-root "$root" "$event" || true; else echo "(build pmu first: swift build)"; fi
