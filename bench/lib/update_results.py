#!/usr/bin/env python3
"""Replaces the generated part of the "Harness results" section of bench/RESULTS.md.

    update_results.py RESULTS_MD REPORT_MD

Only the text between the markers `<!-- bench/run.sh:begin -->` and `<!-- bench/run.sh:end -->`
changes; the other sections (written by hand or by other benchmarks) are left as they are. A file
without the markers gets the section appended.
"""

import sys
from pathlib import Path

BEGIN = "<!-- bench/run.sh:begin -->"
END = "<!-- bench/run.sh:end -->"


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    results, report = Path(sys.argv[1]), Path(sys.argv[2]).read_text().strip()
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    block = f"{BEGIN}\n{report}\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n## Harness results (bench/run.sh)\n\n" + block + "\n"
    results.write_text(text)


if __name__ == "__main__":
    main()
