#!/usr/bin/env python3
"""Turn QEMU's `virt` device tree into a fake big.LITTLE machine with two PMUs.

Input: the text produced by `dtc -I dtb -O dts` from QEMU's own
`-machine virt,...,gic-version=3,dumpdtb=FILE`.  Output: dts text in which

  * the GICv3 node has `#interrupt-cells = <4>` (4th cell = PPI partition
    phandle, 0 = no partition);
  * every `interrupts` specifier routed to the GIC gets a trailing 0 cell;
  * every `interrupt-map` entry whose parent is the GIC gets a trailing 0 cell
    (10 -> 11 cells per entry for QEMU's PCIe host);
  * the GIC gets a `ppi-partitions` child with one partition for the LITTLE
    CPUs and one for the big CPUs;
  * the single `arm,armv8-pmuv3` node is replaced by an `arm,cortex-a53-pmu`
    node (PPI 7 on partition 0) and an `arm,cortex-a72-pmu` node (PPI 7 on
    partition 1).

Every structural assumption is checked; anything unexpected is a hard error
(exit status 1) rather than a silently wrong device tree.

Usage: patch_dts.py IN.dts OUT.dts [--little 0,1] [--big 2,3]
(default: first half of the CPUs is LITTLE, second half big).
"""

import argparse
import re
import sys


class PatchError(Exception):
    pass


def die(msg):
    raise PatchError(msg)


NODE_OPEN = re.compile(r'^(\s*)(?:([A-Za-z_][\w]*):\s*)?([^\s{}=;]+)\s*\{\s*$')
NODE_CLOSE = re.compile(r'^\s*\};\s*$')
PROP = re.compile(r'^(\s*)([#A-Za-z0-9,._+\-?]+)\s*(?:=\s*(.*?))?;\s*$')
CELLS = re.compile(r'^<([^<>]*)>$')


class Node:
    def __init__(self, name, parent, open_line):
        self.name = name
        self.parent = parent
        self.open_line = open_line    # index of "name {" line
        self.close_line = None        # index of "};" line
        self.props = {}               # name -> (line index, raw value or None)
        self.children = []

    @property
    def path(self):
        if self.parent is None:
            return '/'
        pp = self.parent.path
        return (pp if pp.endswith('/') else pp + '/') + self.name

    def cells(self, prop):
        """Return the prop's value as a list of ints (single <...> group)."""
        if prop not in self.props:
            return None
        _, raw = self.props[prop]
        if raw is None:
            die(f'{self.path}: property {prop} has no value')
        m = CELLS.match(raw.strip())
        if not m:
            die(f'{self.path}: property {prop} is not a single <...> cell '
                f'list: {raw!r}')
        toks = m.group(1).split()
        out = []
        for t in toks:
            if t.startswith('&'):
                die(f'{self.path}: property {prop} holds a label reference '
                    f'({t}); input must be raw dtc output')
            out.append(int(t, 0))
        return out

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def parse(lines):
    root = None
    stack = []
    for i, line in enumerate(lines):
        s = line.strip()
        if not s or s.startswith('/dts-v1/') or s.startswith('//') \
                or s.startswith('/memreserve/'):
            continue
        m = NODE_OPEN.match(line)
        if m:
            name = m.group(3)
            parent = stack[-1] if stack else None
            n = Node(name, parent, i)
            if parent is None:
                if name != '/' or root is not None:
                    die(f'line {i + 1}: unexpected top-level node {name!r}')
                root = n
            else:
                parent.children.append(n)
            stack.append(n)
            continue
        if NODE_CLOSE.match(line):
            if not stack:
                die(f'line {i + 1}: unbalanced "}};"')
            stack.pop().close_line = i
            continue
        m = PROP.match(line)
        if m and stack:
            stack[-1].props[m.group(2)] = (i, m.group(3))
            continue
        die(f'line {i + 1}: cannot parse: {line!r}')
    if stack or root is None:
        die('unbalanced braces / no root node')
    return root


def fmt_cells(vals):
    return '<' + ' '.join(f'0x{v:02x}' if isinstance(v, int) else v
                          for v in vals) + '>'


def set_prop(lines, node, prop, value_text):
    idx, _ = node.props[prop]
    indent = re.match(r'^(\s*)', lines[idx]).group(1)
    lines[idx] = f'{indent}{prop} = {value_text};'


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('input')
    ap.add_argument('output')
    ap.add_argument('--little', help='comma list of LITTLE cpu ids (a53)')
    ap.add_argument('--big', help='comma list of big cpu ids (a72)')
    args = ap.parse_args(argv)

    with open(args.input) as f:
        lines = f.read().split('\n')
    root = parse(lines)
    nodes = list(root.walk())
    by_phandle = {}
    for n in nodes:
        ph = n.cells('phandle')
        if ph is not None:
            if len(ph) != 1:
                die(f'{n.path}: bad phandle')
            by_phandle[ph[0]] = n

    # --- the GIC -----------------------------------------------------------
    gics = [n for n in nodes if 'compatible' in n.props
            and '"arm,gic-v3"' in n.props['compatible'][1]]
    if len(gics) != 1:
        die(f'expected exactly one arm,gic-v3 node, found {len(gics)}')
    gic = gics[0]
    gic_ph = gic.cells('phandle')
    if not gic_ph:
        die(f'{gic.path}: GIC has no phandle')
    gic_ph = gic_ph[0]
    if gic.cells('#interrupt-cells') != [3]:
        die(f'{gic.path}: #interrupt-cells is '
            f'{gic.cells("#interrupt-cells")}, expected [3] '
            '(already patched?)')
    gic_addr_cells = gic.cells('#address-cells')
    gic_addr_cells = gic_addr_cells[0] if gic_addr_cells else 0
    if any(c.name.startswith('ppi-partitions') for c in gic.children):
        die(f'{gic.path}: already has ppi-partitions')

    # --- CPUs --------------------------------------------------------------
    cpus_node = [n for n in root.children if n.name == 'cpus']
    if len(cpus_node) != 1:
        die('no /cpus node')
    cpus = {}
    for c in cpus_node[0].children:
        m = re.fullmatch(r'cpu@([0-9a-fA-F]+)', c.name)
        if m:
            cpus[int(m.group(1), 16)] = c
    if len(cpus) < 2:
        die(f'need >= 2 cpu@N nodes, found {sorted(cpus)}')
    ids = sorted(cpus)
    half = len(ids) // 2

    def parse_list(s, default):
        if s is None:
            return default
        return [int(x, 0) for x in s.split(',') if x.strip()]

    little = parse_list(args.little, ids[:half])
    big = parse_list(args.big, ids[half:])
    for cid in little + big:
        if cid not in cpus:
            die(f'cpu@{cid:x} not found in /cpus (have {ids})')
    if not little or not big or set(little) & set(big):
        die(f'bad partition split little={little} big={big}')

    used = set(by_phandle)
    next_ph = [max(used | {0x8000}) + 1]

    def phandle_of(cid):
        n = cpus[cid]
        ph = n.cells('phandle')
        if ph:
            return ph[0]
        # dtc output normally has one; add one if not.
        v = next_ph[0]
        next_ph[0] += 1
        indent = re.match(r'^(\s*)', lines[n.open_line]).group(1) + '\t'
        lines[n.open_line] += f'\n{indent}phandle = <0x{v:x}>;'
        return v

    little_ph = [phandle_of(c) for c in little]
    big_ph = [phandle_of(c) for c in big]

    # --- effective interrupt parent of each node -----------------------------
    def int_parent(n):
        while n is not None:
            v = n.cells('interrupt-parent')
            if v is not None:
                if len(v) != 1:
                    die(f'{n.path}: bad interrupt-parent')
                return v[0]
            n = n.parent
        return None

    # --- interrupts: append a 0 cell to every GIC specifier -----------------
    n_irq_nodes = 0
    for n in nodes:
        if 'interrupts-extended' in n.props:
            die(f'{n.path}: interrupts-extended is not supported')
        if 'interrupts' not in n.props:
            continue
        if int_parent(n) != gic_ph:
            continue
        v = n.cells('interrupts')
        if not v or len(v) % 3:
            die(f'{n.path}: interrupts has {len(v)} cells, '
                'not a multiple of 3')
        if 'compatible' in n.props and \
                '"arm,armv8-pmuv3"' in n.props['compatible'][1]:
            continue  # node is replaced below
        out = []
        for k in range(0, len(v), 3):
            out += v[k:k + 3] + [0]
        set_prop(lines, n, 'interrupts', fmt_cells(out))
        n_irq_nodes += 1
    if n_irq_nodes == 0:
        die('no interrupts properties routed to the GIC found')

    # --- interrupt-map: append a 0 cell to every entry whose parent is GIC --
    n_maps = 0
    for n in nodes:
        if 'interrupt-map' not in n.props:
            continue
        v = n.cells('interrupt-map')
        child_addr = n.cells('#address-cells')
        child_int = n.cells('#interrupt-cells')
        if child_addr is None or child_int is None:
            die(f'{n.path}: interrupt-map without #address-cells/'
                '#interrupt-cells')
        head = child_addr[0] + child_int[0]
        entry = head + 1 + gic_addr_cells + 3
        if len(v) % entry:
            die(f'{n.path}: interrupt-map has {len(v)} cells, not a multiple '
                f'of the expected entry size {entry}')
        out = []
        for k in range(0, len(v), entry):
            e = v[k:k + entry]
            if e[head] != gic_ph:
                die(f'{n.path}: interrupt-map entry {k // entry} has parent '
                    f'0x{e[head]:x}, expected the GIC 0x{gic_ph:x}')
            out += e + [0]
        set_prop(lines, n, 'interrupt-map', fmt_cells(out))
        n_maps += 1
        print(f'patch_dts: {n.path}: interrupt-map {len(v) // entry} entries '
              f'{entry} -> {entry + 1} cells', file=sys.stderr)

    # --- GIC: 4 cells + ppi-partitions ---------------------------------------
    set_prop(lines, gic, '#interrupt-cells', '<0x04>')
    ind = re.match(r'^(\s*)', lines[gic.open_line]).group(1) + '\t'
    part = (
        f'\n{ind}ppi-partitions {{\n'
        f'{ind}\tlab_part0: interrupt-partition-0 {{\n'
        f'{ind}\t\taffinity = {fmt_cells(little_ph)};\n'
        f'{ind}\t}};\n'
        f'{ind}\tlab_part1: interrupt-partition-1 {{\n'
        f'{ind}\t\taffinity = {fmt_cells(big_ph)};\n'
        f'{ind}\t}};\n'
        f'{ind}}};'
    )
    lines[gic.close_line] = part + '\n' + lines[gic.close_line]

    # --- PMU: one node -> two -------------------------------------------------
    pmus = [n for n in nodes if 'compatible' in n.props
            and '"arm,armv8-pmuv3"' in n.props['compatible'][1]]
    if len(pmus) != 1:
        die(f'expected exactly one arm,armv8-pmuv3 node, found {len(pmus)}')
    pmu = pmus[0]
    pv = pmu.cells('interrupts')
    if pv is None or len(pv) != 3 or pv[0] != 1:
        die(f'{pmu.path}: expected a single PPI specifier, got {pv}')
    ppi, flags = pv[1], pv[2]
    ind = re.match(r'^(\s*)', lines[pmu.open_line]).group(1)
    new = (
        f'{ind}pmu-a53 {{\n'
        f'{ind}\tcompatible = "arm,cortex-a53-pmu";\n'
        f'{ind}\tinterrupts = <0x01 0x{ppi:02x} 0x{flags:02x} &lab_part0>;\n'
        f'{ind}}};\n'
        f'{ind}pmu-a72 {{\n'
        f'{ind}\tcompatible = "arm,cortex-a72-pmu";\n'
        f'{ind}\tinterrupts = <0x01 0x{ppi:02x} 0x{flags:02x} &lab_part1>;\n'
        f'{ind}}};'
    )
    for k in range(pmu.open_line, pmu.close_line + 1):
        lines[k] = None
    lines[pmu.open_line] = new

    with open(args.output, 'w') as f:
        f.write('\n'.join(l for l in lines if l is not None))
    print(f'patch_dts: GIC {gic.path} (phandle 0x{gic_ph:x}); '
          f'{n_irq_nodes} interrupts props, {n_maps} interrupt-maps patched; '
          f'a53 cpus {little}, a72 cpus {big}; PMU PPI {ppi}',
          file=sys.stderr)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv[1:]))
    except PatchError as e:
        print(f'patch_dts: ERROR: {e}', file=sys.stderr)
        sys.exit(1)
