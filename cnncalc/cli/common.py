"""What the commands share: options, loading a network, reporting errors (exit 2)."""

from __future__ import annotations

import gc
import os
import sys

import click

from cnncalc.errors import CnncalcError, NetworkError


MAX_SHOWN = 200   # problems printed; a longer list is one mistake repeated


class OneLineUsageError(click.UsageError):
    """A usage error shown as one line, ``cnncalc summary: error: ...`` (click shows four)."""

    path: str | None = None   # the command's path when click gave no context

    def show(self, file=None) -> None:
        command = self.ctx.command_path if self.ctx is not None else self.path or "cnncalc"
        message = " ".join(self.format_message().split())
        click.echo(f"{command}: error: {message}", file=file, err=file is None)


class _OneLineErrors:
    """Turns click's usage errors, wherever they arise, into :class:`OneLineUsageError`."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as err:
            path = f"{parent.command_path} {info_name}" if parent else info_name
            raise _one_line(err, path) from None

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.UsageError as err:
            raise _one_line(err) from None


def _message(err: click.UsageError) -> str:
    """click's message, except where click words it differently from one version to another
    (an unknown option), so that cnncalc's output does not depend on the click installed."""
    if isinstance(err, click.NoSuchOption):
        close = sorted(err.possibilities or ())
        hint = (f" Did you mean {' or '.join(repr(p) for p in close)}?" if close else "")
        return f"No such option '{err.option_name}'.{hint}"
    return err.format_message()


def _one_line(err: click.UsageError, path: str | None = None) -> click.UsageError:
    if isinstance(err, OneLineUsageError):
        return err
    one = OneLineUsageError(_message(err), err.ctx)
    one.exit_code = err.exit_code
    one.path = path
    return one


class Command(_OneLineErrors, click.Command):
    """Every cnncalc command: usage errors on one line, exit status 2."""


class Group(_OneLineErrors, click.Group):
    """The cnncalc group; its commands and subgroups get the same one-line usage errors."""

    command_class = Command

    def main(self, *args, **kwargs):
        # pydantic scans every installed distribution for plugins when it builds the first
        # layer's validator; the command line uses none (set the variable to load them)
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        # a command is one short process that frees little: collect cycles rarely (a tenth
        # of `summary resnet152` was the collector walking the pydantic classes again and
        # again); the Python API leaves the collector as the program set it
        gc.set_threshold(200_000, 30, 30)
        return super().main(*args, **kwargs)

    def resolve_command(self, ctx, args):
        # click 8.2.0 gives no "Did you mean" and newer releases do; cnncalc words it itself
        name = click.utils.make_str(args[0]) if args else ""
        if args and self.get_command(ctx, name) is None and not name.startswith("-"):
            from difflib import get_close_matches

            close = get_close_matches(name, self.list_commands(ctx), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise click.UsageError(f"No such command {name!r}.{hint}", ctx)
        return super().resolve_command(ctx, args)
    group_class = type   # subgroups (``cnncalc zoo ...``) are Groups like this one


def parse_shape(text: str) -> tuple[int, ...]:
    """``3x224x224`` (or ``3,224,224``) as a tuple of positive ints (:func:`cnncalc.spec.
    parse_sizes`), click's ``BadParameter`` otherwise.

    >>> parse_shape("3x224x224"), parse_shape("3,32,32"), parse_shape(" 16 ")
    ((3, 224, 224), (3, 32, 32), (16,))
    """
    from cnncalc.errors import UsageError
    from cnncalc.spec import parse_sizes

    try:
        return parse_sizes(text)
    except UsageError as err:
        raise click.BadParameter(str(err)) from None


class PositiveIntType(click.ParamType):
    """A whole number ≥ 1 (``--batch``), with a plain message otherwise."""

    name = "N"

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        text = str(value).strip()
        if len(text) <= 20 and text.isascii() and text.isdigit() and int(text) >= 1:
            return int(text)
        self.fail(f"expected a whole number ≥ 1, got {str(value)[:40]!r}", param, ctx)


class UsingType(click.ParamType):
    """A value read by a cnncalc function; its UsageError becomes click's ``Invalid value``."""

    def __init__(self, name: str, read) -> None:
        self.name = name
        self.read = read

    def convert(self, value, param, ctx):
        from cnncalc.errors import UsageError

        try:
            return self.read(value)
        except UsageError as err:
            self.fail(str(err), param, ctx)


class ShapeType(click.ParamType):
    name = "CxHxW"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            return parse_shape(value)
        except click.BadParameter as err:
            self.fail(err.message, param, ctx)


def fail(error: CnncalcError) -> None:
    """Every problem on standard error, one per line; exit status 2."""
    lines = [str(p) for p in error.problems] if isinstance(error, NetworkError) else [str(error)]
    for line in lines[:MAX_SHOWN]:
        click.echo(line, err=True)
    if len(lines) > MAX_SHOWN:
        more = len(lines) - MAX_SHOWN
        click.echo(f"… and {more:,} more problem{'s' if more > 1 else ''}", err=True)
    sys.exit(2)


input_option = click.option("--input", "input_shape", type=ShapeType(), default=None,
                            help="One sample's shape, batch excluded, e.g. 3x224x224 "
                                 "(default: the file's input).")
convention_option = click.option(
    "--convention", type=click.Choice(("torch", "torchinfo", "fvcore", "ptflops", "thop", "full")),
    default="torch", show_default=True,
    help="Counting convention of MACs and FLOPs: torch (the default), a peer tool's headline "
         "number, or full (every operation); `cnncalc conventions FILE` compares them.")
batch_option = click.option("--batch", type=PositiveIntType(), default=1, show_default=True,
                            help="Batch size; shapes, MACs and FLOPs cover the whole batch.")
dtype_option = click.option(
    "--dtype", type=click.Choice(("float32", "float16", "bfloat16", "float64")),
    default="float32", show_default=True,
    help="Element size of parameters and activations (buffers keep their own).")
optimizer_option = click.option(
    "--optimizer", type=click.Choice(("sgd", "momentum", "adam", "adamw")), default="adam",
    show_default=True, help="Optimizer whose state the training memory counts.")


def load_network(file: str):
    """A network file, or the zoo network of that name when no such file exists: the same
    rules as :func:`cnncalc.load`, which this is; the command's ``--set NAME=VALUE`` options
    (:data:`set_option`) set the file's args."""
    import cnncalc

    ctx = click.get_current_context(silent=True)
    settings = ctx.meta.get(_SETTINGS) if ctx is not None else None
    return cnncalc.load(file, args=settings) if settings else cnncalc.load(file)


_SETTINGS = "cnncalc.settings"


def _settings(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict:
    """``--set NAME=VALUE`` options as a mapping, each VALUE read as a YAML scalar (``0.5``,
    ``8``, ``true``, ``Hardswish``); kept in the context for :func:`load_network`."""
    import yaml

    settings: dict = {}
    for text in values:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {text[:60]!r}", ctx, param)
        if name in settings:
            raise click.BadParameter(f"{name} is given twice", ctx, param)
        try:
            parsed = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError:
            parsed = value
        if isinstance(parsed, (dict, list)) or parsed is None:
            raise click.BadParameter(f"{name}={value[:40]}: expected one value (a number, "
                                     "true/false or a word)", ctx, param)
        settings[name] = parsed
    ctx.meta[_SETTINGS] = settings
    return settings


set_option = click.option(
    "--set", "settings", multiple=True, metavar="NAME=VALUE", callback=_settings,
    expose_value=False, is_eager=True,
    help="Set one of the file's own args (its top-level args:), e.g. --set width_mult=0.5; "
         "may be repeated.")


def _language(value):
    from cnncalc.errors import UsageError
    from cnncalc.i18n import check_language, default_language

    try:
        return default_language() if value is None else check_language(value)
    except UsageError as err:
        raise click.UsageError(str(err)) from None


lang_option = click.option(
    "--lang", "lang", type=click.Choice(("en", "zh")), default=None,
    callback=lambda ctx, param, value: _language(value),
    help="Language of the headings and messages: en or zh (default: $CNNCALC_LANG, else the "
         "locale, else en). The numbers are the same in every language.")


def analysis_options(command):
    """The options of a command that analyses one network and reports its memory: --input,
    --set, --batch, --convention, --dtype, --optimizer (``summary``, ``report``)."""
    for option in reversed((input_option, set_option, batch_option, convention_option,
                            dtype_option, optimizer_option)):
        command = option(command)
    return command
