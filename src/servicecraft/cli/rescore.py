"""`servicecraft rescore`: bring stored scorecards up to date with the current engine."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import click

from servicecraft.cli.app import _open, db_option
from servicecraft.engine import Engine, RubricError, load_rubric

SHOWN_FAILURES = 20


class InputError(click.ClickException):
    """A rubric that cannot be used: one line, exit 2, nothing touched."""

    exit_code = 2


def register(main: click.Group) -> None:
    main.add_command(rescore)


@click.command()
@db_option
@click.option("--rubric", type=click.Path(dir_okay=False), help="Rubric YAML file.")
@click.option(
    "--rubric-version",
    type=click.IntRange(1),
    help="A rubric version saved in the app (recorded as a rescoring run).",
)
@click.option(
    "--batch",
    "batch_size",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="Conversations per transaction.",
)
def rescore(
    url: str | None, rubric: str | None, rubric_version: int | None, batch_size: int
) -> None:
    """Score every stored conversation again with the current engine (and RUBRIC).

    Only conversations scored by another version, rubric or set of models are touched,
    so running it again does nothing, and an interrupted run continues where it stopped.
    """
    from servicecraft.service.rescoring import RescoreReport
    from servicecraft.service.rescoring import rescore as run

    if rubric and rubric_version:
        raise InputError("give --rubric or --rubric-version, not both")
    try:
        engine = Engine(load_rubric(rubric) if rubric else None)
    except RubricError as exc:
        raise InputError(str(exc)) from None
    started = time.perf_counter()

    def progress(report: RescoreReport) -> None:
        done = report.rescored + report.failed
        click.echo(f"rescored {done:,} of {report.stale:,}", err=True)

    db = _open(url)
    try:
        if rubric_version is not None:
            from servicecraft.service.rubric_versions import rescore_with_version

            report = _with_version(
                partial(rescore_with_version, db), rubric_version, batch_size, progress
            )
        else:
            report = run(db, engine=engine, batch_size=batch_size, on_progress=progress)
    finally:
        db.close()
    for cid, reason in report.failures[:SHOWN_FAILURES]:
        click.echo(f"failed {cid}: {reason}", err=True)
    if report.failed > SHOWN_FAILURES:
        click.echo(f"... and {report.failed - SHOWN_FAILURES} more failed", err=True)
    click.echo(
        f"rescored {report.rescored}, already up to date {report.up_to_date}, "
        f"failed {report.failed} in {time.perf_counter() - started:.1f}s "
        f"(scored with: {report.scored_with})",
        err=True,
    )
    if report.failed:
        sys.exit(1)


def _with_version(
    rescore_with_version: Callable[..., tuple[int, Any]],
    version: int,
    batch_size: int,
    progress: Callable[[Any], None],
) -> Any:
    """Rescore with a stored rubric version, recorded in the app's rescoring runs."""
    try:
        run_id, report = rescore_with_version(
            version, actor="command line", batch_size=batch_size, on_progress=progress
        )
    except LookupError as exc:
        raise InputError(str(exc).strip("'\"")) from None
    except RubricError as exc:
        raise InputError(f"rubric version {version}: {exc}") from None
    click.echo(f"rubric version {version}; recorded as rescoring run {run_id}", err=True)
    return report
