"""`servicecraft myths`: what goes with satisfaction and effort in your own data."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import click
import orjson

from servicecraft.importers import FORMATS, SourceError, detect_format
from servicecraft.model import Conversation, Scorecard
from servicecraft.myths import MythReport, Observation, check, observation_from, report_to_dict

SHOWN_REJECTIONS = 20


def register(main: click.Group) -> None:
    main.add_command(myths)


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path())
@click.option("--from", "fmt", type=click.Choice(FORMATS), help="Input format (default: detect).")
@click.option("--db", "url", help="Check the stored organisation instead (URL or SQLite path).")
@click.option(
    "--format",
    "out_format",
    type=click.Choice(["json", "table"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here, not stdout."
)
def myths(
    inputs: tuple[str, ...], fmt: str | None, url: str | None, out_format: str, output: str | None
) -> None:
    """Check what goes with customers' satisfaction and effort: scored INPUT files with their
    survey answers, or the stored organisation (--db)."""
    if bool(inputs) == bool(url):
        raise click.UsageError("give INPUT files or --db, not both and not neither")
    rejected = 0
    if url:
        report = _from_database(url)
    else:
        for path in inputs:
            try:
                detect_format(path) if fmt is None else open(path, "rb").close()
            except (SourceError, OSError) as exc:
                message = str(exc) if isinstance(exc, SourceError) else f"{path}: cannot read file"
                raise click.ClickException(message) from None
        counter = [0]
        report = check(_scored(inputs, fmt, counter))
        rejected = counter[0]
    text = (
        orjson.dumps(report_to_dict(report), option=orjson.OPT_INDENT_2).decode() + "\n"
        if out_format == "json"
        else render(report)
    )
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)
    if rejected:
        click.echo(f"{rejected} records rejected; the rest were checked", err=True)
        sys.exit(1)


def _from_database(url: str) -> MythReport:
    from servicecraft.cli.app import _open
    from servicecraft.service.myths import organisation_myths
    from servicecraft.service.policy import Viewer

    db = _open(url)
    try:
        with db.session() as session:
            return organisation_myths(session, Viewer(role="admin"))
    finally:
        db.close()


def _scored(inputs: tuple[str, ...], fmt: str | None, rejected: list[int]) -> Iterator[Observation]:
    from servicecraft.pipeline import Scored, score_files

    for item in score_files(inputs, fmt, mode="card"):
        if isinstance(item, Scored):
            conversation, card = item.output
            assert isinstance(conversation, Conversation) and isinstance(card, Scorecard)
            yield observation_from(conversation, card)
        else:
            rejected[0] += 1
            if rejected[0] <= SHOWN_REJECTIONS:
                click.echo(f"rejected {item}", err=True)


def render(report: MythReport) -> str:
    """The findings as a terminal table, then the response rates and the sources."""
    lines = [
        f"{report.conversations} conversations; answered: "
        + ", ".join(f"{k} {v}" for k, v in report.answered.items()),
        "",
    ]
    header = ("outcome", "factor", "n", "effect", "95% interval", "verdict")
    rows = [
        (
            f.outcome,
            f.factor,
            str(f.n),
            "-" if f.effect is None else f"{f.effect:+.3f}",
            "-" if f.ci is None else f"{f.ci[0]:+.3f} to {f.ci[1]:+.3f}",
            f.verdict,
        )
        for f in report.findings
    ]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    widths[-1] = len(header[-1])
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    lines += ["", "Units: " + "; ".join(sorted({f"{f.factor} {f.unit}" for f in report.findings}))]
    basis = "asked" if report.asked_known else "conversations (who was asked is unknown)"
    lines += ["", f"Response rate by group (answered / {basis}):"]
    for r in report.response_rates:
        rate = "-" if r.rate is None else f"{r.rate:.0%}"
        lines.append(f"  {r.group:<14} {r.value:<20} {r.answered:>6} / {r.asked:<6} {rate}")
    sources = {p.source: p.finding for f in report.findings for p in f.published}
    lines += ["", "What published studies found:"]
    lines += [f"  - {finding} ({source})" for source, finding in sources.items()]
    lines += ["", *report.notes]
    return "\n".join(lines) + "\n"
