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
  # The job runs in a session of its own, so that all of it can be ended at once; a watchdog
  # ends it when the make that started it has gone (a failed make test no longer leaves a
  # build running for minutes). The owner: the nearest make above us, else our parent.
  owner=$PPID; pid=$PPID
  while [ "$pid" -gt 1 ] 2>/dev/null; do
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = make ]; then owner=$pid; break; fi
    pid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null || echo 1)
  done
  setsid bash -c '"$@" > "$0.log" 2>&1; echo $? > "$0.status"' "$dir/$name" "$@" &
  job=$!
  (
    while kill -0 "$job" 2>/dev/null; do
      if ! kill -0 "$owner" 2>/dev/null; then
        kill -TERM -- "-$job" 2>/dev/null; sleep 5; kill -KILL -- "-$job" 2>/dev/null
        echo "background: $name ended: its make (pid $owner) is gone" >> "$dir/$name.log"
        break
      fi
      sleep 2
    done
  ) > /dev/null 2>&1 &
  echo "background: $name started (log $dir/$name.log; ended if make $owner ends first)";;
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
