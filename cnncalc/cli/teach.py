"""``cnncalc explain``, ``check`` and ``quiz``: the working shown, answers marked, exercises made.

Exit status: 0 success (every answer right, for ``check``); 1 some answer wrong; 2 bad input.
"""

from __future__ import annotations

import click

from cnncalc.cli import main
from cnncalc.cli.common import (PositiveIntType, batch_option, convention_option, fail,
                                input_option, lang_option, load_network, set_option)
from cnncalc.errors import CnncalcError


@main.command()
@click.argument("file")
@click.option("--layer", "layers", multiple=True, metavar="NAME",
              help="Only this layer (or every layer of this block); may be repeated.")
@input_option
@set_option
@batch_option
@convention_option
@lang_option
def explain(file: str, layers: tuple[str, ...], input_shape, batch: int,
            convention: str, lang: str) -> None:
    """Each layer's formulas with the numbers substituted, step by step.

    Output sizes, parameters, MACs and FLOPs, with divisions that drop input rows flagged and
    the receptive field's growth; the numbers are those of `cnncalc summary`. Under another
    --convention, each layer's MACs and FLOPs are that convention's, with its rule and the
    working of its formula.
    """
    from cnncalc.i18n import use
    from cnncalc.teach import explain as run_explain

    with use(lang):
        try:
            explanation = run_explain(load_network(file), batch=batch, input=input_shape,
                                      layers=layers or None, convention=convention)
        except CnncalcError as err:
            fail(err)
        click.echo(explanation.text())


@main.command()
@click.argument("file")
@click.argument("answers")
@input_option
@set_option
@batch_option
@convention_option
@click.option("--key", metavar="KEY.yaml", default=None,
              help="Grade the questions of this key (cnncalc quiz writes one): every question "
                   "counts, an unanswered one is wrong.")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "gradescope")),
              default="text", show_default=True,
              help="text marks each field ✓ or ✗ with the working; json (schema "
                   "cnncalc-check/1) is for autograders; gradescope writes Gradescope's "
                   "results.json.")
@lang_option
def check(file: str, answers: str, input_shape, batch: int, convention: str, fmt: str,
          key: str | None, lang: str) -> None:
    """Mark the answers in ANSWERS against the network in FILE, field by field.

    ANSWERS is a YAML mapping from layer name to any of output_shape, params, macs, flops
    (and totals: params, macs, flops). Shapes are lists, channels first ([10, 32, 32]), or
    textbook strings read H×W×C (32x32x10); counts may carry separators and unit words
    (117,600 MACs). An unreadable answer is marked wrong with the reason; unknown layers are
    listed as not graded. With --key, the key's questions are graded and an unanswered one is
    wrong. MACs and FLOPs are marked against --convention's counts. Exit status 0 when every
    answer is right, 1 when any is wrong, 2 when the files cannot be graded (with --format json
    or gradescope, JSON is written on stdout in every case).
    """
    from cnncalc.i18n import use
    from cnncalc.teach import check as run_check, load_answers
    from cnncalc.teach.check import error_dict

    with use(lang):
        _check(file, answers, input_shape, batch, convention, fmt, key, run_check,
               load_answers, error_dict)


def _check(file, answers, input_shape, batch, convention, fmt, key, run_check, load_answers,
           error_dict) -> None:
    try:
        network = load_network(file)
        result = run_check(network, load_answers(answers), batch=batch, input=input_shape,
                           source=answers, convention=convention,
                           key=None if key is None else load_answers(key), key_source=key)
    except CnncalcError as err:
        if fmt != "text":
            from cnncalc.report.json import dumps

            data = error_dict(err, answers)
            click.echo(dumps(data if fmt == "json" else {
                "score": 0, "max_score": 0, "tests": [],
                "output": "\n".join(e["message"] for e in data["errors"])}))
            raise SystemExit(2)
        fail(err)
    if fmt == "gradescope":
        from cnncalc.report.json import dumps

        click.echo(dumps(result.gradescope()))
    else:
        click.echo(result.to_json() if fmt == "json" else result.text())
    if not result.all_correct:
        raise SystemExit(1)


@main.command()
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Makes the quiz reproducible (default: a random seed, printed).")
@click.option("--count", type=PositiveIntType(), default=5, show_default=True,
              help="How many layers to work through (at most 50).")
@click.option("--level", type=click.Choice(("basic", "advanced")), default="basic",
              show_default=True, help="advanced adds groups, dilation, transposed "
              "convolutions and ceil_mode pooling.")
@click.option("--out", "out", required=True, metavar="DIR",
              help="Where to write the sheet (quiz.md, quiz.html, answers.yaml) and the "
                   "teacher's network and key (teacher/) (created if need be).")
@click.option("--dims", type=click.Choice(("1", "2", "3")), default="2", show_default=True,
              help="The data: 1 a signal [C, L] (Conv1d, pools), 2 an image [C, H, W], 3 a clip "
                   "or volume [C, D, H, W] (Conv3d, pools).")
@click.option("--ask", multiple=True, type=click.Choice(("receptive_field", "output_bytes")),
              help="Also ask every layer's receptive field or its output's bytes (float32); "
                   "may be repeated.")
@lang_option
def quiz(seed: int | None, count: int, level: str, out: str, dims: str, ask: tuple[str, ...],
         lang: str) -> None:
    """Write a random exercise: a question sheet for the students (DIR/quiz.md, DIR/quiz.html
    and DIR/answers.yaml to fill in) and, for the teacher, the network and its key
    (DIR/teacher/network.yaml, DIR/teacher/key.yaml)."""
    import random
    from pathlib import Path

    from cnncalc.errors import NetworkError, Position, Problem
    from cnncalc.teach.quiz import MAX_COUNT, make_quiz

    if count > MAX_COUNT:
        raise click.BadParameter(f"at most {MAX_COUNT}, got {count}", param_hint="'--count'")
    if seed is None:
        seed = random.SystemRandom().randrange(1_000_000)
    from cnncalc.i18n import _, use

    exercise = make_quiz(seed, count, level, int(dims), ask)
    try:
        with use(lang):
            paths = exercise.write(out)
    except OSError as err:
        fail(NetworkError([Problem(f"cannot write the quiz: {err.strerror or err}",
                                   Position(str(Path(out))))]))
    with use(lang):
        click.echo(_("wrote {sheet}, {printable} and {answers} for the students ({count} layers, "
                     "seed {seed}, {level}), and {network} and {key} for the teacher").format(
            count=count, seed=seed, level=level, **paths))
        click.echo(_("grade with: cnncalc check {network} ANSWERS --key {key}").format(**paths))
