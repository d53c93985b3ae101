"""cnncalc against the peer tools, in one run: whole processes, median wall time and peak RSS.

Each measurement is a fresh Python process that counts one network the way its tool is used:

- ``cnncalc``: ``cnncalc summary NAME --format json`` (no torch imported);
- ``torch-meta`` / ``torch-cpu``: ``torch.utils.flop_counter.FlopCounterMode`` around a forward
  pass of the network's PyTorch twin built on the meta device / on the CPU;
- ``torchinfo``, ``fvcore``, ``ptflops``, ``thop``: each tool's documented call on the CPU twin
  (the twin is cnncalc's ``to_torch``: the same modules torchvision builds, without torchvision).

Peers that are not installed are left out. Speed is measured here, never asserted in tests.
cnncalc's own modules should be byte-compiled, as pip leaves an installed package (an editable
install under ``PYTHONDONTWRITEBYTECODE=1`` compiles them again in every process): run
``python -m compileall -q cnncalc`` first.

    python benchmarks/peers.py                         # resnet18 resnet50 resnet152, 5 runs
    python benchmarks/peers.py --runs 9 mobilenet_v2   # other networks, more runs
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time

BUILD = """
import warnings; warnings.filterwarnings("ignore")
import torch, cnncalc
from cnncalc.torch import to_torch
network = cnncalc.load({name!r})
device = {device!r}
model = to_torch(network, device=device).eval()
x = torch.randn(1, *network.input, device=device)
"""

TOOLS = {
    "torch-meta": ("torch", BUILD.replace("{device!r}", "'meta'") + """
from torch.utils.flop_counter import FlopCounterMode
with torch.no_grad(), FlopCounterMode(display=False) as counter:
    model(x)
print(counter.get_total_flops() // 2)
"""),
    "torch-cpu": ("torch", BUILD.replace("{device!r}", "'cpu'") + """
from torch.utils.flop_counter import FlopCounterMode
with torch.no_grad(), FlopCounterMode(display=False) as counter:
    model(x)
print(counter.get_total_flops() // 2)
"""),
    "torchinfo": ("torchinfo", BUILD.replace("{device!r}", "'cpu'") + """
from torchinfo import summary
print(summary(model, input_data=[x], verbose=0).total_mult_adds)
"""),
    "fvcore": ("fvcore", BUILD.replace("{device!r}", "'cpu'") + """
from fvcore.nn import FlopCountAnalysis
analysis = FlopCountAnalysis(model, (x,))
analysis.unsupported_ops_warnings(False); analysis.uncalled_modules_warnings(False)
print(analysis.total())
"""),
    "ptflops": ("ptflops", BUILD.replace("{device!r}", "'cpu'") + """
from ptflops import get_model_complexity_info
macs, _ = get_model_complexity_info(model, tuple(network.input), as_strings=False,
                                    print_per_layer_stat=False, verbose=False)
print(macs)
"""),
    "thop": ("thop", BUILD.replace("{device!r}", "'cpu'") + """
from thop import profile
macs, _ = profile(model, inputs=(x,), verbose=False)
print(int(macs))
"""),
}


def run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one process (the child's own ru_maxrss)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, _, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if process.returncode not in (0, None) and usage is None:
        raise RuntimeError(f"{command} failed")
    return elapsed, usage.ru_maxrss


def measure(name: str, tool: str, runs: int) -> tuple[float, float]:
    if tool == "cnncalc":
        command = [sys.executable, "-m", "cnncalc", "summary", name, "--format", "json"]
    else:
        command = [sys.executable, "-c", TOOLS[tool][1].replace("{name!r}", repr(name))]
    samples = [run(command) for _ in range(runs)]
    return (statistics.median(s[0] for s in samples),
            statistics.median(s[1] for s in samples) / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("networks", nargs="*", default=["resnet18", "resnet50", "resnet152"])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tools = ["cnncalc"] + [t for t, (module, _) in TOOLS.items()
                           if importlib.util.find_spec(module) is not None]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; median of {args.runs} whole processes")
    floor = [sys.executable, "-c", "import pydantic.main, click, yaml"]
    samples = [run(floor) for _ in range(args.runs)]
    print(f"# the floor: a process importing cnncalc's runtime dependencies (pydantic, click, "
          f"PyYAML) and nothing else: {statistics.median(s[0] for s in samples):.3f} s, "
          f"{statistics.median(s[1] for s in samples) / 1024:.0f} MB")
    print("| network | tool | wall time | × cnncalc | peak RSS |")
    print("|---|---|---|---|---|")
    results = {}
    for name in args.networks:
        base = None
        for tool in tools:
            wall, rss = measure(name, tool, args.runs)
            base = base or wall
            results[(name, tool)] = (wall, rss)
            print(f"| {name} | {tool} | {wall:.3f} s | {wall / base:.1f} | {rss:.0f} MB |",
                  flush=True)
    if os.environ.get("CNNCALC_BENCH_JSON"):
        with open(os.environ["CNNCALC_BENCH_JSON"], "w", encoding="utf-8") as handle:
            json.dump({f"{n}/{t}": v for (n, t), v in results.items()}, handle, indent=1)


if __name__ == "__main__":
    main()
