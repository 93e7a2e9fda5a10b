"""`servicecraft score` and `servicecraft explain`."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import IO, Any, TypeVar

import click

from servicecraft import plugins
from servicecraft.cli.progress import Progress
from servicecraft.cli.render import render_explanation, render_table
from servicecraft.engine import TIERS, RubricError, load_rubric, tier_signals
from servicecraft.executors import EXECUTORS, RAY_HINT, make_executor
from servicecraft.importers import (
    FORMATS,
    CsvColumns,
    MissingColumns,
    SourceError,
    detect_format,
    iter_raw,
)
from servicecraft.model import Conversation, Rejection, Scorecard
from servicecraft.pipeline import (
    EngineSpec,
    Mode,
    Scored,
    engine_for,
    load_scorer,
    score_files,
)

# Rejections printed to stderr before the rest are only counted (all go to --rejects).
SHOWN_REJECTIONS = 20


class InputError(click.ClickException):
    """Nothing can be processed (unreadable input, bad rubric): one line, exit 2."""

    exit_code = 2


def register(main: click.Group) -> None:
    main.add_command(score)
    main.add_command(explain)


def parse_csv_columns(pairs: tuple[str, ...]) -> CsvColumns | None:
    if not pairs:
        return None
    names = {}
    for pair in pairs:
        field, sep, header = pair.partition("=")
        if not sep or field not in CsvColumns.__dataclass_fields__:
            fields = ", ".join(CsvColumns.__dataclass_fields__)
            raise click.BadParameter(f"{pair!r}: use FIELD=HEADER with FIELD one of {fields}")
        names[field] = header
    return CsvColumns(**names)


def check_inputs(
    inputs: tuple[str, ...], fmt: str | None, columns: CsvColumns | None = None
) -> None:
    """Fail before scoring anything when a file cannot be read, or a CSV file lacks a
    required column: one line, no traceback, exit 2."""
    for path in inputs:
        try:
            found = detect_format(path) if fmt is None else _readable(path, fmt)
            if found == "csv":
                # The header and the first conversation only; the dropped generator
                # closes its file.
                next(iter_raw(path, found, csv_columns=columns), None)
        except SourceError as exc:
            raise InputError(source_error(exc)) from None


def source_error(exc: SourceError) -> str:
    """The error's one line, with how to name CSV columns when that is what went wrong."""
    if isinstance(exc, MissingColumns):
        fields = ", ".join(CsvColumns.__dataclass_fields__)
        return (
            f"{exc}; name your columns with --csv-column FIELD=HEADER, e.g. "
            f"--csv-column conversation_id=ticket --csv-column role=speaker (fields: {fields})"
        )
    return str(exc)


def _readable(path: str, fmt: str) -> str:
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read file: {exc.strerror}") from None
    return fmt


def _spec(
    rubric: str | None,
    no_learned: bool,
    tier: str,
    requested: tuple[str, ...],
    no_plugins: bool = False,
) -> EngineSpec:
    try:
        scorers = plugins.resolve(requested, with_plugins=not no_plugins)
        if not no_plugins and (installed := plugins.installed_scorers()):
            names = ", ".join(f"{p.name} ({p.distribution or p.target})" for p in installed)
            click.echo(f"scorer plugins: {names} (--no-plugins to leave out)", err=True)
        if rubric:
            load_rubric(rubric)  # report a bad rubric once, here, not from every worker
        for path in scorers:
            load_scorer(path)
        if tier != "fast" and not no_learned:
            tier_signals(tier)  # a missing extra is one line here, not a failure per batch
    except (RubricError, ValueError, ImportError) as exc:
        raise InputError(str(exc)) from None
    learned: bool | str = False if no_learned else True if tier == "fast" else tier
    return EngineSpec(rubric=rubric, learned=learned, scorers=scorers)


common_options = [
    click.option(
        "--from", "fmt", type=click.Choice(FORMATS), help="Input format (default: detect)."
    ),
    click.option("--rubric", type=click.Path(dir_okay=False), help="Rubric YAML file."),
    click.option(
        "--scorer",
        "scorers",
        multiple=True,
        metavar="MODULE:ATTR|NAME",
        help="Add your own scorer, or an installed plugin by name.",
    ),
    click.option(
        "--no-plugins",
        is_flag=True,
        help=f"Do not load the scorers installed as plugins ({plugins.GROUP}).",
    ),
    click.option("--no-learned", is_flag=True, help="Rules only: skip the learned predictors."),
    click.option(
        "--tier",
        type=click.Choice(TIERS),
        default="fast",
        show_default=True,
        help="Learned tier: fast (shipped) or transformer (the extra).",
    ),
    click.option(
        "--csv-column",
        "csv_columns",
        multiple=True,
        metavar="FIELD=HEADER",
        help="CSV header name for a field, e.g. role=speaker.",
    ),
]


F = TypeVar("F", bound=Callable[..., Any])


def _apply(options: list[Any]) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


@click.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@_apply(common_options)
@click.option(
    "--format",
    "out_format",
    type=click.Choice(["jsonl", "csv", "table"]),
    default="jsonl",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here, not stdout."
)
@click.option(
    "--workers", type=click.IntRange(1, 256), default=1, show_default=True, help="Worker processes."
)
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    help="Where to run (default: inprocess, or process with workers).",
)
@click.option("--ray-address", help="Ray cluster address for --executor ray.")
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, writable=True),
    help="Write every rejected record here (JSONL).",
)
def score(
    inputs: tuple[str, ...],
    fmt: str | None,
    rubric: str | None,
    scorers: tuple[str, ...],
    no_plugins: bool,
    no_learned: bool,
    tier: str,
    csv_columns: tuple[str, ...],
    out_format: str,
    output: str | None,
    workers: int,
    executor: str | None,
    ray_address: str | None,
    rejects: str | None,
) -> None:
    """Score every conversation in INPUTS against the rubric, with evidence.

    Exits 1 when any record was rejected (each is reported with file, line and
    reason); the valid records are still scored and written.
    """
    columns = parse_csv_columns(csv_columns)
    check_inputs(inputs, fmt, columns)
    spec = _spec(rubric, no_learned, tier, scorers, no_plugins)
    try:
        runner = make_executor(executor, workers, ray_address)
    except RuntimeError as exc:
        raise click.ClickException(
            str(exc) if str(exc) == RAY_HINT else f"cannot start executor: {exc}"
        ) from None
    mode: Mode = "json" if out_format == "jsonl" else "row"
    scored = rejected = 0
    shown: list[Rejection] = []
    progress = Progress(sys.stderr)
    with ExitStack() as stack, _one_line_source_errors():
        stack.callback(runner.close)
        out = stack.enter_context(open(output, "wb")) if output else sys.stdout.buffer
        reject_file = stack.enter_context(open(rejects, "w", encoding="utf-8")) if rejects else None
        results = score_files(
            inputs, fmt, spec=spec, executor=runner, mode=mode, csv_columns=columns
        )
        accepted = _sift(results, shown, reject_file, progress)
        if out_format == "jsonl":
            for item in accepted:
                out.write(item.output)  # type: ignore[arg-type]
                scored += 1
        else:
            rows = [item.output for item in accepted]
            scored = len(rows)
            _write_rows(rows, out_format, out)
        out.flush()
        rejected = progress.rejected
    progress.finish()
    _summarise(scored, rejected, shown, rejects)


@contextmanager
def _one_line_source_errors() -> Iterator[None]:
    """A file found unreadable only while streaming it: one line and exit 2 as well."""
    try:
        yield
    except SourceError as exc:
        raise InputError(source_error(exc)) from None


def _sift(
    results: Iterator[Scored | Rejection],
    shown: list[Rejection],
    reject_file: IO[str] | None,
    progress: Progress,
) -> Iterator[Scored]:
    import orjson

    for item in results:
        if isinstance(item, Rejection):
            progress.reject()
            if len(shown) < SHOWN_REJECTIONS:
                shown.append(item)
            if reject_file is not None:
                record = {"source": item.source, "location": item.location, "reason": item.reason}
                reject_file.write(orjson.dumps(record).decode() + "\n")
            continue
        progress.tick()
        yield item


def _write_rows(rows: list[Any], out_format: str, out: IO[bytes]) -> None:
    if out_format == "table":
        out.write(render_table(rows).encode())
        return
    if not rows:
        return
    header: list[str] = []
    for row in rows:
        header += [k for k in row if k not in header]
    text = _TextSink(out)
    writer = csv.DictWriter(text, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


class _TextSink:
    def __init__(self, out: IO[bytes]) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(text.encode())


def _summarise(scored: int, rejected: int, shown: list[Rejection], rejects: str | None) -> None:
    for item in shown:
        click.echo(f"rejected {item}", err=True)
    if rejected > len(shown):
        where = f"; all are in {rejects}" if rejects else "; use --rejects FILE to keep them all"
        click.echo(f"... and {rejected - len(shown)} more rejected{where}", err=True)
    click.echo(f"scored {scored} conversation(s), rejected {rejected}", err=True)
    if rejected:
        sys.exit(1)


@click.command()
@click.argument("input_file", metavar="INPUT", type=click.Path())
@click.option("--id", "conversation_id", required=True, help="The conversation to explain.")
@_apply(common_options)
@click.option("--skill", "skills", multiple=True, help="Only these skills (default: all).")
@click.option(
    "--color/--no-color", default=None, help="Colour the evidence (default: on a terminal)."
)
def explain(
    input_file: str,
    conversation_id: str,
    fmt: str | None,
    rubric: str | None,
    scorers: tuple[str, ...],
    no_plugins: bool,
    no_learned: bool,
    tier: str,
    csv_columns: tuple[str, ...],
    skills: tuple[str, ...],
    color: bool | None,
) -> None:
    """Show one conversation with each skill's evidence highlighted."""
    columns = parse_csv_columns(csv_columns)
    check_inputs((input_file,), fmt, columns)
    spec = _spec(rubric, no_learned, tier, scorers, no_plugins)
    engine = engine_for(spec)
    for item in score_files([input_file], fmt, spec=spec, mode="card", csv_columns=columns):
        if isinstance(item, Scored) and item.conversation_id == conversation_id:
            output = item.output
            assert isinstance(output, tuple)  # mode="card" yields (conversation, scorecard)
            conversation, card = output
            assert isinstance(conversation, Conversation) and isinstance(card, Scorecard)
            unknown = [s for s in skills if s not in card.skills]
            if unknown:
                raise InputError(f"unknown skill(s): {', '.join(unknown)}")
            text = render_explanation(conversation, card, engine.rubric, skills or None)
            click.echo(text, color=color)
            return
    raise InputError(f"no conversation with id {conversation_id!r} in {input_file}")
