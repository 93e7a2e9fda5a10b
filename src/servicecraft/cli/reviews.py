"""`servicecraft reviews import`: human reviews from JSON Lines into the app's database."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from servicecraft.cli.app import _open, db_option

SHOWN_REJECTIONS = 20


def register(main: click.Group) -> None:
    main.add_command(reviews)


@click.group()
def reviews() -> None:
    """Human reviews of stored conversations."""


@reviews.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@db_option
def import_reviews(files: tuple[str, ...], url: str | None) -> None:
    """Store the reviews in FILES (JSON Lines, one review a line).

    A line naming an unknown conversation, or with a bad grade, is rejected with its file
    and line; the rest land. Re-importing the same file changes nothing.
    """
    from servicecraft.service.review_import import ReviewImportReport
    from servicecraft.service.review_import import import_reviews as run

    for path in files:
        if not Path(path).is_file():
            raise click.ClickException(f"{path}: cannot read file")
    db = _open(url)
    started = time.perf_counter()
    total = ReviewImportReport()
    try:
        for path in files:
            report = run(db, path)
            for name in ("lines", "imported", "updated", "unchanged", "blank"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            total.rejections += report.rejections
    finally:
        db.close()
    for rejection in total.rejections[:SHOWN_REJECTIONS]:
        click.echo(f"rejected {rejection}", err=True)
    if total.rejected > SHOWN_REJECTIONS:
        click.echo(f"... and {total.rejected - SHOWN_REJECTIONS} more rejected", err=True)
    click.echo(
        f"read {total.lines} lines: imported {total.imported}, updated {total.updated}, "
        f"unchanged {total.unchanged}, blank {total.blank}, rejected {total.rejected} "
        f"in {time.perf_counter() - started:.1f}s",
        err=True,
    )
    if total.rejected:
        sys.exit(1)
