#!/usr/bin/env bash
# background.sh start NAME COMMAND...   runs COMMAND in the background (output in .build/NAME.log)
# background.sh wait NAME SECONDS       waits at most SECONDS for it; its exit status, its log's
#                                       tail when it failed, 124 when it did not end in time
# make test starts the package-benchmark adapter's cold build this way while the Swift tests, the
# leak checks, the Prometheus pipeline, the install check and the docs run (they leave a core
# idle, waiting on perf, child processes and VCPUs), and waits for it before the adapter's run.
set -u
action=${1:?usage: background.sh start NAME COMMAND... | wait NAME SECONDS}; name=${2:?name}; shift 2
dir=.build/background; mkdir -p "$dir"
case $action in
start)
  rm -f "$dir/$name.status"
  ( "$@" > "$dir/$name.log" 2>&1; echo $? > "$dir/$name.status" ) &
  echo "background: $name started (log $dir/$name.log)";;
wait)
  limit=${1:?seconds}; waited=0
  until [ -f "$dir/$name.status" ]; do
    if [ "$waited" -ge "$limit" ]; then echo "background: $name did not end within $limit s" >&2; exit 124; fi
    sleep 1; waited=$((waited + 1))
  done
  status=$(cat "$dir/$name.status")
  if [ "$status" -ne 0 ]; then tail -30 "$dir/$name.log"; echo "background: $name failed (exit $status)" >&2; fi
  echo "background: $name ended (waited $waited s)"
  exit "$status";;
*) echo "background.sh: unknown action $action" >&2; exit 2;;
esac
