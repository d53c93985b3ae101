"""How fast cnncalc is: analysis of a 500-layer network, a zoo network, and CLI start-up.

Run: python benchmarks/bench.py  (prints medians; no assertions — speed is measured, not tested)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import cnncalc


def deep_network(blocks: int = 125) -> cnncalc.Network:
    """A plain stack of 4 * blocks = 500 leaf layers (conv, batch norm, ReLU, residual add)."""
    layers = []
    for i in range(blocks):
        layers += [{"Conv2d": {"out_channels": 64, "kernel_size": 3, "padding": 1,
                               "bias": False, "name": f"c{i}"}},
                   "BatchNorm2d", "ReLU",
                   {"Add": {"from": [f"c{i}", "input" if i == 0 else f"add_{i}"]}}]
    return cnncalc.Network(input=[64, 56, 56], layers=layers, name="deep500")


def median_ms(fn, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    net = deep_network()
    report = cnncalc.analyze(net)
    assert len(report.layers) == 500
    print(f"analyze, 500 layers (built network): {median_ms(lambda: cnncalc.analyze(net)):.1f} ms")
    print(f"build + analyze, 500 layers:         "
          f"{median_ms(lambda: cnncalc.analyze(deep_network())):.1f} ms")
    runs = [subprocess.run([sys.executable, "-m", "cnncalc", "--help"], capture_output=True)
            for _ in range(3)]  # warm the file cache
    start_ms = median_ms(lambda: subprocess.run([sys.executable, "-m", "cnncalc", "--help"],
                                                capture_output=True, check=True), repeat=10)
    print(f"CLI start-up (cnncalc --help):        {start_ms:.0f} ms")
    example = "examples/resnet50.yaml"
    summary_ms = median_ms(lambda: subprocess.run(
        [sys.executable, "-m", "cnncalc", "summary", example], capture_output=True, check=True),
        repeat=5)
    print(f"CLI summary {example}: {summary_ms:.0f} ms")
    del runs


if __name__ == "__main__":
    main()
