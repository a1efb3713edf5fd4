#!/usr/bin/env python3
"""Writes a lookup bundle with a large passenger table, for the /lookup benchmark (issue 5, item 8).

    gen_lookup_dataset.py SOURCE_CSV OUT_BUNDLE_DIR [ROWS]

The table repeats the rows of SOURCE_CSV (the Titanic training set of examples/lookup_svc) with
PassengerId renumbered 1..ROWS (default 1,000,000), so every id in that range matches exactly one
row. The bundle is service `lookup_1m`, endpoint `passenger_info` (key PassengerId; Name, Age,
Fare), the same shape as the lookup_svc example. Deterministic: same input, same bytes.
"""

import csv
import sys
from pathlib import Path

MANIFEST = """[service]
id = "lookup_1m"
description = "Benchmark: {rows} passengers by PassengerId (Titanic rows repeated, ids renumbered)"
public = true

[[endpoint]]
id = "passenger_info"
kind = "lookup"
dataset = "data/passengers.csv"
keys = ["PassengerId"]
columns = ["Name", "Age", "Fare"]
"""


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    rows = int(sys.argv[3]) if len(sys.argv) == 4 else 1_000_000
    with source.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        body = list(reader)
    key = header.index("PassengerId")
    (out / "data").mkdir(parents=True, exist_ok=True)
    with (out / "data" / "passengers.csv").open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for i in range(rows):
            row = list(body[i % len(body)])
            row[key] = str(i + 1)
            writer.writerow(row)
    (out / "plinth.toml").write_text(MANIFEST.format(rows=f"{rows:,}"))


if __name__ == "__main__":
    main()
