"""`servicecraft calibrate`: fit the overall score to the organisation's own reviewers."""

from __future__ import annotations

from pathlib import Path

import click

from servicecraft.calibration import Review, calibrate, read_reviews
from servicecraft.cli.score import (
    SHOWN_REJECTIONS,
    InputError,
    check_inputs,
    parse_csv_columns,
)
from servicecraft.engine import Engine, RubricError
from servicecraft.importers import FORMATS, read_conversations
from servicecraft.model import Conversation, Rejection


def register(main: click.Group) -> None:
    main.add_command(calibrate_command)


@click.command("calibrate")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option(
    "--reviews",
    "reviews_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Reviews, one JSON object per line (conversation_id, reviewer, score, skills, comment).",
)
@click.option("--from", "fmt", type=click.Choice(FORMATS), help="Input format (default: detect).")
@click.option(
    "--rubric",
    type=click.Path(dir_okay=False),
    help="The rubric to start from and extend (default: the shipped one).",
)
@click.option(
    "--csv-column",
    "csv_columns",
    multiple=True,
    metavar="FIELD=HEADER",
    help="CSV header name for a field, e.g. role=speaker.",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the calibrated rubric (YAML).",
)
def calibrate_command(
    inputs: tuple[str, ...],
    reviews_path: Path,
    fmt: str | None,
    rubric: str | None,
    csv_columns: tuple[str, ...],
    output: Path,
) -> None:
    """Fit the overall score to REVIEWS of the conversations in INPUTS; write a rubric.

    Prints the agreement with the reviewers before and after (cross-validated: "after" is
    measured on conversations each fit did not see). `score --rubric OUTPUT` and the app
    accept the written rubric.
    """
    columns = parse_csv_columns(csv_columns)
    check_inputs(inputs, fmt, columns)
    try:
        engine = Engine(rubric)
    except RubricError as exc:
        raise InputError(str(exc)) from None
    if not reviews_path.is_file():
        raise InputError(f"{reviews_path}: reviews file not found")
    conversations: list[Conversation] = []
    rejected: list[Rejection] = []
    for item in read_conversations(list(inputs), fmt=fmt, csv_columns=columns):
        (rejected if isinstance(item, Rejection) else conversations).append(item)  # type: ignore[arg-type]
    known = {c.id for c in conversations}
    reviews: list[Review] = []
    for numbered in _numbered(reviews_path):
        if isinstance(numbered, Rejection):
            rejected.append(numbered)
            continue
        number, review = numbered
        if review.conversation_id not in known:
            rejected.append(
                Rejection(
                    str(reviews_path),
                    f"line {number}",
                    f"unknown conversation {review.conversation_id!r} (not in the inputs)",
                )
            )
        else:
            reviews.append(review)
    for r in rejected[:SHOWN_REJECTIONS]:
        click.echo(f"rejected {r}", err=True)
    if len(rejected) > SHOWN_REJECTIONS:
        click.echo(f"... and {len(rejected) - SHOWN_REJECTIONS} more rejected", err=True)
    cards = engine.score_many(conversations)
    base = "default" if rubric is None else str(Path(rubric).resolve())
    result = calibrate(
        cards,
        reviews,
        base_rubric=base,
        name=f"calibrated from {reviews_path.name}",
        base_model=engine.rubric.overall,
    )
    if result.rubric_yaml is None:
        raise InputError(result.message or "nothing to calibrate")
    output.write_text(result.rubric_yaml, encoding="utf-8")
    click.echo(
        f"{len(reviews)} reviews of {result.n_used} conversations ({len(rejected)} lines rejected)"
    )
    b, a = result.before, result.after
    click.echo(
        f"agreement before: Spearman {b['spearman']:.3f}, mean absolute error {b['mae']:.1f}"
    )
    click.echo(
        f"agreement after:  Spearman {a['spearman']:.3f}, mean absolute error {a['mae']:.1f} "
        "(cross-validated)"
    )
    click.echo(f"overall: {result.approach}")
    for sid, offset in result.offsets.items():
        click.echo(f"offset {sid}: {offset:+.1f} points")
    click.echo(f"wrote {output}")


def _numbered(path: Path) -> list[tuple[int, Review] | Rejection]:
    """Reviews with their line numbers (a rejection already carries its own)."""
    out: list[tuple[int, Review] | Rejection] = []
    lines = [n for n, line in enumerate(path.read_bytes().splitlines(), start=1) if line.strip()]
    for number, item in zip(lines, read_reviews(path), strict=True):
        out.append(item if isinstance(item, Rejection) else (number, item))
    return out
