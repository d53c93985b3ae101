"""``cnncalc sweep``: a grid of variants, the same rows in-process, on local processes and on a
real Dask cluster; the Pareto front."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor

import pytest
from cli_runner import runner
from hypothesis import given, strategies as st

import cnncalc
from cnncalc.cli import main
from cnncalc.errors import UsageError
from cnncalc.sweeps import Variant, grid, mark_front, parse_axis, sweep

INPUTS = [(3, 64, 64), (3, 96, 96), (3, 128, 128)]


def rows(result):
    return [(v.settings, v.params, v.macs, v.flops, v.activation_peak_bytes, v.training_bytes,
             v.error) for v in result.variants]


def test_each_variant_is_the_analysis_of_its_settings():
    result = sweep("resnet18", {"input": INPUTS, "batch": [1, 4]})
    assert [v.settings for v in result.variants] == grid({"input": INPUTS, "batch": [1, 4]})
    for v in result.variants:
        report = cnncalc.analyze(cnncalc.load("resnet18"), input=v.settings["input"],
                                 batch=v.settings["batch"])
        assert (v.params, v.macs, v.flops, v.buffers) == (
            report.totals.params, report.totals.macs, report.totals.flops,
            report.totals.buffers)
        assert v.activation_peak_bytes == report.memory.activation_peak_bytes
        assert v.training_bytes == report.memory.training.total_bytes


def test_local_processes_give_the_same_rows():
    axes = {"input": INPUTS, "batch": [1, 2]}
    with ProcessPoolExecutor(2) as pool:
        assert rows(sweep("mobilenet_v2", axes, executor=pool)) == rows(
            sweep("mobilenet_v2", axes))


def test_a_dask_cluster_gives_the_same_rows():
    import distributed
    axes = {"input": INPUTS, "batch": [1, 3]}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = sweep("squeezenet1_1", axes, executor=client.get_executor())
    assert rows(on_dask) == rows(sweep("squeezenet1_1", axes))


def brute_front(points):
    return {i for i, p in enumerate(points)
            if not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in points)}


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=40))
def test_the_pareto_front_is_the_set_nothing_beats(points):
    variants = [Variant({"i": i}, params=a, macs=b) for i, (a, b) in enumerate(points)]
    marked = mark_front(variants, ("params", "macs"))
    assert {v.settings["i"] for v in marked if v.pareto} == brute_front(points)
    larger = mark_front(variants, ("params", "-macs"))
    assert {v.settings["i"] for v in larger if v.pareto} == brute_front(
        [(a, -b) for a, b in points])


def test_axes_are_read_as_the_cli_gives_them():
    assert parse_axis("input=3x160x160,3x224x224") == ("input", [(3, 160, 160), (3, 224, 224)])
    assert parse_axis("batch=1,8") == ("batch", [1, 8])
    with pytest.raises(UsageError, match="whole number"):
        parse_axis("batch=0")
    with pytest.raises(UsageError, match="NAME=VALUE"):
        parse_axis("width_mult")


def test_the_cli_prints_one_row_per_variant_and_marks_the_front():
    result = runner().invoke(main, ["sweep", "resnet18", "--set", "input=3x64x64,3x128x128",
                                    "--set", "batch=1,2", "--pareto", "macs,training_bytes"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == 'Sweep of "ResNet-18": 4 variants (batch 1, torch convention, float32)'
    assert sum(line.startswith("3x") for line in lines) == 4
    assert lines[4].split()[:2] == ["3x64x64", "1"] and lines[4].endswith("*")
    data = json.loads(runner().invoke(main, ["sweep", "resnet18", "--set",
                                             "input=3x64x64,3x128x128", "--format",
                                             "json"]).stdout)
    assert data["schema"] == "cnncalc-sweep/1" and len(data["variants"]) == 2
    assert data["variants"][0]["macs"] == cnncalc.analyze(
        cnncalc.load("resnet18"), input=(3, 64, 64)).totals.macs


@pytest.mark.parametrize("args, message", [
    (["--set", "depth=1,2"], "the file has no argument 'depth'"),
    (["--set", "input=3x64x64", "--set", "input=3x32x32"], "given twice"),
    (["--set", "input=3x64x64", "--pareto", "macs"], "two columns"),
    (["--set", "input=3x64x64", "--pareto", "macs,speed"], "unknown column 'speed'"),
    (["--set", "input=3x64x64", "--jobs", "2", "--dask", "tcp://x:1"], "choose one"),
])
def test_bad_sweeps_are_usage_errors(args, message):
    result = runner().invoke(main, ["sweep", "resnet18", *args])
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output


def test_a_misspelt_file_argument_gets_a_did_you_mean_as_load_gives_it():
    result = runner().invoke(main, ["sweep", "mobilenet_v2", "--set", "widht_mult=0.5"])
    assert result.exit_code == 2
    assert ("--set widht_mult: the file has no argument 'widht_mult'; did you mean "
            "'width_mult'? (expected one of width_mult, input, batch)") in result.stderr


def test_a_variant_that_does_not_fit_is_a_row_with_its_error():
    result = sweep("resnet18", {"input": [(3, 16, 16), (3, 64, 64)]})
    small, fine = result.variants
    assert fine.error is None and small.error is None   # ResNet takes 16x16 down to 1x1
    tiny = sweep("alexnet", {"input": [(3, 32, 32), (3, 224, 224)]})
    assert tiny.variants[0].error and "output" in tiny.variants[0].error
    assert tiny.variants[1].error is None


def test_a_file_argument_is_an_axis_and_the_api_is_cnncalc_sweep():
    result = cnncalc.sweep("mobilenet_v2", {"width_mult": [0.5, 1.0], "input": INPUTS[:2]})
    for v in result.variants:
        expected = cnncalc.analyze(cnncalc.load("mobilenet_v2", args={
            "width_mult": v.settings["width_mult"]}), input=v.settings["input"])
        assert (v.params, v.macs) == (expected.totals.params, expected.totals.macs)
    # torchvision's MobileNet_V2_Weights.IMAGENET1K_V1: num_params 3,504,872 at width 1.0
    assert [v.params for v in result.variants][2:] == [3_504_872, 3_504_872]
    assert result.variants[0].params < result.variants[2].params
