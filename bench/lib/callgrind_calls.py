#!/usr/bin/env python3
"""Counts the calls to chosen functions in a callgrind output file (the sum over every call arc).

    callgrind_calls.py CALLGRIND_OUT N NAME...

Prints, for each NAME, the calls per request (total / N) summed over the functions whose name
is NAME or starts with `NAME` followed by a space or `(`, e.g. `malloc`, `realloc`, `free`.
"""

import re
import sys
from collections import Counter

NAMED = re.compile(r"^c?fn=\((\d+)\)(?: (.*))?$")


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    path, n, wanted = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    names: dict[str, str] = {}
    calls: Counter[str] = Counter()
    target = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("fn=", "cfn=")):
                m = NAMED.match(line.rstrip("\n"))
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    if line.startswith("cfn="):
                        target = names.get(m.group(1))
            elif line.startswith("calls=") and target is not None:
                calls[target] += int(line.split()[0][len("calls="):])
                target = None
    for name in wanted:
        total = sum(c for fn, c in calls.items() if fn == name or fn.startswith(name + " "))
        print(f"{name}\t{total / n:.1f}")


if __name__ == "__main__":
    main()
