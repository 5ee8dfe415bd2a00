#!/usr/bin/env python3
"""User-space instructions per operation of pmu-bench's timed loops, Swift and C,
counted by callgrind: noise-free where time is not, so CI can gate on them.

Usage: .ci/bench-instructions.py PMU_BENCH_BINARY [--baseline FILE] [--margin PCT]
                                 [--write-baseline FILE]

Runs the binary's software read rows under valgrind twice (N and 2N samples per
row, one repetition) and takes the difference, so warm-up and setup cancel:
instructions per sample of each named loop, clock reads and the libc wrappers
included on both sides. With --baseline, fails (exit 1) when a Swift loop needs
more than MARGIN percent (default 10) over the baseline's count, one line each.
The counts belong to one toolchain and libc: record a new baseline
(--write-baseline) when either changes.

Exit status: 0 passed; 1 a Swift loop got slower (and only that); 2 the gate
could not measure (valgrind or callgrind_annotate missing or failing, a loop
symbol not in callgrind's output, a baseline that cannot be read or lacks a
Swift loop): a tooling error, never to be read as a regression.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REGRESSION = 1
TOOLING_ERROR = 2


class ToolingError(Exception):
    """The gate could not measure: not a verdict on the loops."""


def tooling_error(message):
    raise ToolingError(message)

# Loop name -> (callgrind function pattern, rows that run it per iteration count)
LOOPS = {
    "swift read-single": (r"swiftReadSingleLoop", 1),
    "swift read-group (2 and 4)": (r"swiftGroupReadLoop", 2),
    "swift enable-disable": (r"swiftEnableDisableLoop", 1),
    "c read (single, group 2 and 4)": (r"\?\?\?:cbr_read_loop ", 3),
    "c enable-disable": (r"\?\?\?:cbr_enable_disable_loop ", 1),
}


def inclusive_counts(binary, samples, workdir):
    out = os.path.join(workdir, f"callgrind.{samples}")
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary,
               "--only", "read", "--pmu", "software", "--repetitions", "1",
               "--iterations", str(samples), "--block-size", "500"]
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=600)
    if result.returncode != 0:
        tooling_error(f"valgrind failed ({result.returncode}):\n{result.stderr[-2000:]}")
    annotate = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                              capture_output=True, text=True, timeout=300)
    if annotate.returncode != 0:
        tooling_error(f"callgrind_annotate failed ({annotate.returncode}):\n{annotate.stderr[-2000:]}")
    annotated = annotate.stdout
    counts = {}
    for name, (pattern, _) in LOOPS.items():
        for line in annotated.splitlines():
            if re.search(pattern, line):
                counts[name] = int(line.split()[0].replace(",", ""))
                break
        else:
            tooling_error(f"no '{pattern}' ({name}) in callgrind's output (was the loop inlined or renamed?)")
    return counts


def main():
    try:
        gate()
    except ToolingError as error:
        print(f"bench-instructions: tooling error: {error}", file=sys.stderr)
        sys.exit(TOOLING_ERROR)
    except Exception as error:  # a tool that failed, or output this script did not expect
        print(f"bench-instructions: tooling error: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(TOOLING_ERROR)


def gate():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--baseline")
    parser.add_argument("--margin", type=float, default=10.0)
    parser.add_argument("--write-baseline")
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_annotate", "strip"):
        if shutil.which(tool) is None:
            tooling_error(f"{tool} is not installed (.ci/ensure-deps.sh installs valgrind; strip is in binutils)")
    with tempfile.TemporaryDirectory() as workdir:
        # valgrind 3.19 cannot read the DWARF 5 the Swift toolchain writes: count a stripped copy.
        binary = os.path.join(workdir, "pmu-bench")
        shutil.copy(args.binary, binary)
        subprocess.run(["strip", "-g", binary], check=True)
        small = inclusive_counts(binary, args.samples, workdir)
        large = inclusive_counts(binary, 2 * args.samples, workdir)
    per_op = {name: round((large[name] - small[name]) / (args.samples * rows))
              for name, (_, rows) in LOOPS.items()}
    for name, count in per_op.items():
        if count <= 0:
            tooling_error(f"{name}: {count} instructions per sample (2N samples counted no more than N)")
    for name, count in per_op.items():
        print(f"instructions per sample: {name}: {count}")
    print(f"swift/c: read-single {per_op['swift read-single'] / per_op['c read (single, group 2 and 4)']:.2f}, "
          f"read-group {per_op['swift read-group (2 and 4)'] / per_op['c read (single, group 2 and 4)']:.2f}, "
          f"enable-disable {per_op['swift enable-disable'] / per_op['c enable-disable']:.2f}")
    if args.write_baseline:
        with open(args.write_baseline, "w") as handle:
            json.dump({"instructions_per_sample": per_op,
                       "note": "callgrind, software rows, clock reads and libc wrappers included; "
                               "rewrite with .ci/bench-instructions.py BIN --write-baseline FILE"},
                      handle, indent=2, sort_keys=True)
            handle.write("\n")
    if args.baseline:
        try:
            with open(args.baseline) as handle:
                baseline = json.load(handle)["instructions_per_sample"]
        except (OSError, ValueError, KeyError) as error:
            tooling_error(f"cannot use baseline '{args.baseline}': {error}; write one with --write-baseline")
        failures = []
        for name, count in per_op.items():
            if not name.startswith("swift"):
                continue
            if name not in baseline:
                tooling_error(f"baseline '{args.baseline}' has no '{name}'; rewrite it with --write-baseline")
            limit = baseline[name] * (1 + args.margin / 100)
            if count > limit:
                failures.append(f"{name}: {count} instructions per sample, baseline {baseline[name]} "
                                f"(+{(count / baseline[name] - 1) * 100:.1f}%, margin {args.margin:g}%)")
        for failure in failures:
            print(f"check failed: {failure}", file=sys.stderr)
        if failures:
            sys.exit(REGRESSION)


if __name__ == "__main__":
    main()
