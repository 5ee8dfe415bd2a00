#!/usr/bin/env bash
# The Prometheus pipeline, for real, on loopback (issue 28): node_exporter's textfile
# collector and a Prometheus server scraping it, then a Pushgateway, each started here with
# its own configuration, data directory and free ports (never the packaged services), and
# stopped at the end. Checks that a query through Prometheus' HTTP API returns the per-PMU
# series `pmu stat -I --prometheus` wrote, with the counts it printed, and the rows a
# `pmu-bench --prometheus` run pushed to the Pushgateway. Every wait is bounded.
#
# Usage: pipeline-test.sh BIN_DIR   (the folder with pmu and pmu-bench; make test passes it)
# Skipped, with the reason, only when the Debian packages are not installed (make deps installs them).
set -euo pipefail

bin=${1:?usage: pipeline-test.sh BIN_DIR}
for tool in prometheus prometheus-node-exporter prometheus-pushgateway curl python3 cc; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "prometheus pipeline: skipped: $tool is not installed (make deps installs prometheus," \
      "prometheus-node-exporter, prometheus-pushgateway and curl from Debian)"
    exit 0
  fi
done
for program in pmu pmu-bench; do
  [ -x "$bin/$program" ] || { echo "prometheus pipeline: FAILED: $bin/$program is not built" >&2; exit 1; }
done

work=$(mktemp -d /tmp/pmu-prometheus.XXXXXX)
pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    # Bounded: 5 s for a clean stop, then SIGKILL.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_all EXIT

fail() {
  echo "prometheus pipeline: FAILED: $*" >&2
  for log in "$work"/*.log; do echo "--- $log" >&2; tail -5 "$log" >&2; done
  exit 1
}

# Three free loopback ports (the kernel picks them; nothing else here binds them meanwhile).
read -r node_port push_port prom_port < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
PY
)

mkdir -p "$work/textfile" "$work/tsdb"
cat > "$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: node
    static_configs: [{targets: ["127.0.0.1:$node_port"]}]
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{targets: ["127.0.0.1:$push_port"]}]
YAML

prometheus-node-exporter --web.listen-address="127.0.0.1:$node_port" --collector.disable-defaults \
  --collector.textfile --collector.textfile.directory="$work/textfile" > "$work/node-exporter.log" 2>&1 &
pids+=($!)
prometheus-pushgateway --web.listen-address="127.0.0.1:$push_port" --persistence.file="$work/pushgateway.data" \
  > "$work/pushgateway.log" 2>&1 &
pids+=($!)
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
pids+=($!)

wait_for() {  # URL SECONDS: until it answers 200
  local deadline=$((SECONDS + $2))
  until curl -sf --max-time 1 -o /dev/null "$1"; do
    [ $SECONDS -lt $deadline ] || fail "$1 did not answer within $2 s"
    sleep 0.2
  done
}
wait_for "http://127.0.0.1:$node_port/metrics" 20
wait_for "http://127.0.0.1:$push_port/-/ready" 20
wait_for "http://127.0.0.1:$prom_port/-/ready" 30

# query_until PROMQL EXPECTED SECONDS: polls the instant-query API until the answer's values,
# sorted, equal EXPECTED (a space-separated list); prints the answer's JSON.
query_until() {
  local deadline=$((SECONDS + $3)) answer values
  while :; do
    answer=$(curl -sf --max-time 2 --get --data-urlencode "query=$1" "http://127.0.0.1:$prom_port/api/v1/query" || true)
    values=$(printf '%s' "$answer" | python3 -c '
import json, sys
try:
    result = json.load(sys.stdin)["data"]["result"]
except Exception:
    sys.exit(0)
print(" ".join(sorted(r["value"][1] for r in result)))')
    if [ "$values" = "$2" ]; then printf '%s\n' "$answer"; return 0; fi
    [ $SECONDS -lt $deadline ] || fail "query $1 answered '$values', not '$2', within $3 s: $answer"
    sleep 0.5
  done
}

# Both targets scraped once (Prometheus' first scrape waits for target discovery, a few s).
query_until 'up{job=~"node|pushgateway"}' "1 1" 30 > /dev/null

# --- pmu stat -I: node_exporter's textfile collector, scraped by Prometheus.
cat > "$work/getppid-rounds.c" <<'C'
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
int main(int argc, char **argv) {
    long n = atol(argv[1]), rounds = atol(argv[2]);
    for (long r = 0; r < rounds; r++) {
        for (long i = 0; i < n; i++) syscall(SYS_getppid);
        usleep(250000);
    }
    return 0;
}
C
cc -O1 -o "$work/getppid-rounds" "$work/getppid-rounds.c"
timeout 60 "$bin/pmu" stat -I 300 -x, --prometheus "$work/textfile/pmu.prom" \
  -e syscalls:sys_enter_getppid,task-clock -- "$work/getppid-rounds" 1500 8 2> "$work/pmu-stat.out" \
  || fail "pmu stat exited with $?: $(tail -3 "$work/pmu-stat.out")"
printed=$(awk -F, '$4 == "syscalls:sys_enter_getppid" && $2 ~ /^ *[0-9]+$/ { sum += $2 } END { print sum + 0 }' \
  "$work/pmu-stat.out")
intervals=$(awk -F, '$4 == "syscalls:sys_enter_getppid"' "$work/pmu-stat.out" | wc -l)
[ "$intervals" -ge 4 ] || fail "pmu stat -I printed $intervals intervals, not several: $(cat "$work/pmu-stat.out")"
query='pmu_event_count_total{job="node",pmu="tracepoint",event="syscalls:sys_enter_getppid"}'
answer=$(query_until "$query" "$printed" 20)
echo "prometheus pipeline: pmu stat -I printed $printed getppid calls in $intervals intervals"
echo "  PromQL: $query"
echo "  answer: $answer"
# The file was rewritten while Prometheus scraped it: it stored a smaller value before the last.
growth="max_over_time(${query}[5m]) > min_over_time(${query}[5m])"
query_until "$growth" "$printed" 10 > /dev/null
stored=$(curl -sf --max-time 2 --get --data-urlencode "query=${query}[5m]" "http://127.0.0.1:$prom_port/api/v1/query" \
  | python3 -c 'import json,sys; print(" ".join(v[1] for v in json.load(sys.stdin)["data"]["result"][0]["values"]))')
echo "  values scraped while it ran: $stored"
query_until "pmu_event_clock_seconds_total{job=\"node\",pmu=\"software\",event=\"task-clock\"} > 0" \
  "$(grep '^pmu_event_clock_seconds_total' "$work/textfile/pmu.prom" | awk '{ print $NF }')" 10 > /dev/null

# --- pmu-bench: the file pushed to the Pushgateway, scraped by Prometheus.
timeout 120 "$bin/pmu-bench" --quick --only read --repetitions 1 --iterations 1000 --block-size 100 \
  --prometheus "$work/bench.prom" > "$work/pmu-bench.out" 2>&1 || fail "pmu-bench exited with $?"
curl -sf --max-time 5 --data-binary @"$work/bench.prom" \
  "http://127.0.0.1:$push_port/metrics/job/pmu-bench/instance/$(uname -n)" || fail "the Pushgateway refused the push"
# Every read row's sample count, as the file has them, comes back through Prometheus.
expected=$(grep '^pmu_bench_read_latency_seconds_count{' "$work/bench.prom" | awk '{ print $NF }' | sort | tr '\n' ' ' | sed 's/ $//')
[ -n "$expected" ] || fail "pmu-bench wrote no read rows: $(tail -5 "$work/pmu-bench.out")"
query='pmu_bench_read_latency_seconds_count{job="pmu-bench",implementation="swift",pmu="software"}'
swift_expected=$(grep '^pmu_bench_read_latency_seconds_count{' "$work/bench.prom" \
  | grep 'pmu="software"' | grep 'implementation="swift"' | awk '{ print $NF }' | sort | tr '\n' ' ' | sed 's/ $//')
answer=$(query_until "$query" "$swift_expected" 20)
query_until 'pmu_bench_read_latency_seconds_count{job="pmu-bench"}' "$expected" 5 > /dev/null
rows=$(printf '%s' "$answer" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]["result"]))')
echo "prometheus pipeline: pmu-bench pushed $(echo "$expected" | wc -w) read rows; $rows Swift rows on the software PMU"
echo "  PromQL: $query"
echo "  answer: $answer"
echo "prometheus pipeline: passed"
