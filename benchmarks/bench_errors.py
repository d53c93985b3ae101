"""How fast broken input fails: every case of tests/broken/ and the pathological files.

Run: python benchmarks/bench_errors.py  (issue 5 asks for every bad input to end within a second)
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path

from click.testing import CliRunner

from cnncalc.cli import main

BROKEN = Path(__file__).resolve().parents[1] / "tests" / "broken"


def main_() -> None:
    import os

    os.chdir(BROKEN)
    rows = []
    for expected in sorted(BROKEN.glob("*.expected")):
        args_file = expected.with_suffix(".args")
        args = (shlex.split(args_file.read_text()) if args_file.exists()
                else ["summary", expected.with_suffix(".yaml").name])
        start = time.process_time()
        result = CliRunner().invoke(main, args)
        rows.append((time.process_time() - start, expected.stem, result.exit_code))
    for seconds, name, status in sorted(rows, reverse=True)[:10]:
        print(f"{seconds * 1000:8.1f} ms CPU  exit {status}  {name}")
    print(f"slowest of {len(rows)} cases: {max(rows)[0] * 1000:.1f} ms CPU")


if __name__ == "__main__":
    main_()
