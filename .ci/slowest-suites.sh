#!/usr/bin/env bash
# Prints the slowest suites of a `swift test` log: usage slowest-suites.sh [LOG] [COUNT]
# (defaults .build/test.log and 10). Reads Swift Testing's suite lines,
#   ✔ Suite MachineMatrixCLITests passed after 1.234 seconds.
#   ✘ Suite "A display name" failed after 0.5 seconds with 2 issues.
# with or without colour codes; suites that were skipped have no time and are left out.
set -euo pipefail
log=${1:-.build/test.log}
count=${2:-10}
if [ ! -r "$log" ]; then
    echo "slowest-suites: cannot read $log" >&2
    exit 1
fi
sed -E $'s/\x1b\\[[0-9;]*m//g' "$log" \
    | sed -nE 's/^.*Suite (.+) (passed|failed) after ([0-9]+(\.[0-9]+)?) seconds.*$/\3\t\2\t\1/p' \
    | sort -t $'\t' -k1,1 -g -r \
    | awk -F '\t' -v n="$count" -v file="$log" '
        NR == 1 { printf "slowest suites in %s:\n", file }
        NR <= n { printf "  %9.3f s  %-6s  %s\n", $1, $2, $3 }
        END { if (NR == 0) printf "slowest suites: no suite timings in %s\n", file }'
