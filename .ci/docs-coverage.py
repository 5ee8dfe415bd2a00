#!/usr/bin/env python3
"""Every public declaration of the documented modules has a doc comment.

Usage: .ci/docs-coverage.py BUILD_DIR MODULE...

Reads the symbol graphs swift-docc-plugin extracted under BUILD_DIR (`.build/<triple>/
extracted-symbols/<package>/<module>`, the newest when there are several) and lists each public
symbol without a documentation comment, by file and line; exits 1 when there is one. Symbols
the compiler synthesizes (Equatable's !=, an OptionSet's set algebra, ...) are not ours to
document and are left out. Prints the public symbol count per module, which the README quotes.
"""
import glob
import json
import os
import sys


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    root, modules = sys.argv[1], sys.argv[2:]
    missing = 0
    for module in modules:
        directories = glob.glob(os.path.join(root, "*", "extracted-symbols", "*", module))
        newest = max(directories, key=os.path.getmtime) if directories else ""
        files = glob.glob(os.path.join(newest, "*.symbols.json"))
        if not files:
            print(f"docs-coverage: no symbol graph for {module} under {root}: run make docs", file=sys.stderr)
            return 2
        symbols = {}
        for path in files:
            with open(path) as handle:
                for symbol in json.load(handle)["symbols"]:
                    if "::SYNTHESIZED::" in symbol["identifier"]["precise"]:
                        continue
                    if symbol.get("accessLevel") not in ("public", "open"):
                        continue
                    symbols[symbol["identifier"]["precise"]] = symbol
        undocumented = [s for s in symbols.values() if not s.get("docComment")]
        print(f"{module}: {len(symbols)} public symbols, {len(undocumented)} without documentation")
        for symbol in sorted(undocumented, key=lambda s: (s.get("location", {}).get("uri", ""),
                                                          s.get("location", {}).get("position", {}).get("line", 0))):
            location = symbol.get("location", {})
            path = location.get("uri", "?").split("/Sources/")[-1]
            line = location.get("position", {}).get("line", 0) + 1
            name = ".".join(symbol["pathComponents"])
            print(f"  Sources/{path}:{line}: {name} ({symbol['kind']['displayName']}) has no documentation comment")
        missing += len(undocumented)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
