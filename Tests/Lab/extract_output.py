#!/usr/bin/env python3
"""Extract the payload's output from a lab console log.

The guest /init prints on the serial console

    @@LAB:BEGIN@@
    @@O@@ <payload stdout line>
    @@E@@ <payload stderr line>
    @@LAB:GUEST-TIMEOUT <secs>@@      (only if the guest watchdog killed it)
    @@LAB:END rc=<status>@@

Other lines between the markers (e.g. emergency kernel messages) are ignored.
The stdout lines go to STDOUT_FILE, the stderr lines to STDERR_FILE (tags
removed, every line newline-terminated).  On success this prints
"<exit status> <guest timeout: 0|1>" on stdout.

Exit status: 0 = both markers found, 3 = BEGIN marker missing (boot failed /
init never ran the payload), 4 = END marker missing (the payload or the guest
hung or crashed, or the lab timed out); partial output is still written.

Usage: extract_output.py CONSOLE_LOG STDOUT_FILE STDERR_FILE
"""
import re
import sys

BEGIN = '@@LAB:BEGIN@@'
END = re.compile(r'@@LAB:END rc=(-?\d+)@@')
GUEST_TIMEOUT = re.compile(r'@@LAB:GUEST-TIMEOUT (\d+)@@')
TAG = re.compile(r'@@([OE])@@ ?')


def main(log_path, out_path, err_path):
    with open(log_path, 'rb') as f:
        data = f.read().decode('utf-8', errors='replace')
    # Serial consoles turn \n into \r\n; tolerate both.
    lines = data.replace('\r\n', '\n').replace('\r', '\n').split('\n')
    out, err = [], []
    state = 'pre'
    rc = None
    timed_out = 0
    for line in lines:
        if state == 'pre':
            if line.endswith(BEGIN):
                state = 'in'
            continue
        m = END.search(line)
        if m:
            rc = int(m.group(1))
            state = 'done'
            break
        if GUEST_TIMEOUT.search(line):
            timed_out = 1
            continue
        # A tag is normally at the start of the line; search anyway in case an
        # unterminated console write (kernel message) precedes it.
        m = TAG.search(line)
        if m:
            (out if m.group(1) == 'O' else err).append(line[m.end():] + '\n')
    with open(out_path, 'w') as f:
        f.writelines(out)
    with open(err_path, 'w') as f:
        f.writelines(err)
    if state == 'pre':
        return 3
    if state == 'in':
        return 4
    print(rc, timed_out)
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    sys.exit(main(*sys.argv[1:]))
