#!/usr/bin/env bash
# timed.sh NAME COMMAND...: runs COMMAND, then records "NAME SECONDS status" in
# $TIMES_FILE (default .build/step-times.txt) and prints it; keeps COMMAND's exit status.
# make test prints the whole table at its end, so the note and the README can quote each step.
name=$1; shift
file=${TIMES_FILE:-.build/step-times.txt}
start=$(date +%s.%N)
"$@"; status=$?
end=$(date +%s.%N)
mkdir -p "$(dirname "$file")"
line=$(awk -v n="$name" -v s="$start" -v e="$end" -v st="$status" 'BEGIN { printf "%-22s %7.1f s%s\n", n, e - s, (st == 0 ? "" : "  (exit " st ")") }')
echo "$line" >> "$file"
echo "step: $line"
exit $status
