"""How fast cnncalc is on its own: the targets of issue 14, measured (never asserted in tests).

- a warm ``analyze`` of ResNet-152 (the process has analysed it once already);
- rendering the table, per row, at growing sizes (it should stay flat: linear rendering);
- a 10,000-layer network: loaded from its file, analysed and rendered, in-process and as a
  whole ``cnncalc summary`` process;
- whole processes: the start-up (``cnncalc --help``), ``cnncalc summary resnet152``, and the
  floor under every command that reads a network: importing pydantic's ``BaseModel``, click
  and PyYAML.

Run: python benchmarks/bench.py   (medians and minimums of repeated runs; peers.py compares
whole ``summary`` processes with the other tools)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cnncalc


def deep_file(blocks: int) -> str:
    """A residual stack of ``4 · blocks`` leaf layers (conv, batch norm, ReLU, add), written
    with a repeated block as a person would write it."""
    return f"""name: deep{4 * blocks}
input: [16, 32, 32]
blocks:
  Unit:
    layers:
      - Conv2d: {{out_channels: 16, kernel_size: 3, padding: 1, bias: false, name: conv}}
      - BatchNorm2d
      - ReLU
      - Add: {{from: [relu_1, input]}}
layers:
  - Unit: {{repeat: {blocks}}}
"""


def timed(fn, repeat: int) -> tuple[float, float]:
    """(median, minimum) in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    net = cnncalc.load("resnet152")
    cnncalc.analyze(net)
    median, best = timed(lambda: cnncalc.analyze(net), 50)
    print(f"warm analyze, resnet152 (515 layers):  median {median:6.1f} ms, min {best:6.1f} ms")

    for blocks in (250, 500, 1000, 2000):
        report = cnncalc.analyze(cnncalc.loads(deep_file(blocks)))
        median, _ = timed(report.table, 5)
        rows = len(report.layers)
        print(f"table of {rows:5d} rows:                median {median:6.1f} ms, "
              f"{1000 * median / rows:5.1f} µs per row")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deep10000.yaml"
        path.write_text(deep_file(2500))
        median, best = timed(lambda: cnncalc.analyze(cnncalc.load(path)).table(), 5)
        print(f"10,000 layers, load + analyze + table: median {median:6.0f} ms, min {best:6.0f} ms"
              " (in-process)")
        command = [sys.executable, "-m", "cnncalc", "summary", str(path)]
        subprocess.run(command, capture_output=True, check=True)   # warm the file cache
        median, best = timed(lambda: subprocess.run(command, capture_output=True, check=True), 5)
        print(f"10,000 layers, cnncalc summary:        median {median:6.0f} ms, min {best:6.0f} ms"
              " (whole process)")

    for label, args in (("cnncalc --help:", ["-m", "cnncalc", "--help"]),
                        ("cnncalc summary resnet152:", ["-m", "cnncalc", "summary", "resnet152"]),
                        ("the floor (pydantic, click, PyYAML):",
                         ["-c", "import pydantic.main, click, yaml"])):
        command = [sys.executable, *args]
        subprocess.run(command, capture_output=True, check=True)
        median, best = timed(lambda: subprocess.run(command, capture_output=True, check=True), 11)
        print(f"{label:38s} median {median:6.0f} ms, min {best:6.0f} ms (whole process)")


if __name__ == "__main__":
    main()
