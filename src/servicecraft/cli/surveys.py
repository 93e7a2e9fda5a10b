"""`servicecraft surveys create|import|questions`: survey links, answers and wording."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime
from typing import Any

import click

from servicecraft.cli.app import db_option
from servicecraft.service.surveys import CreatedLink, link_url

BASE_URL_ENV = "SERVICECRAFT_BASE_URL"
SHOWN_REJECTIONS = 20


def register(main: click.Group) -> None:
    main.add_command(surveys)


@click.group()
def surveys() -> None:
    """Survey links, answers and questions."""


@surveys.command("create")
@db_option
@click.option("--id", "ids", multiple=True, help="A conversation to survey (repeatable).")
@click.option("--person", help="Only this person's conversations (by name).")
@click.option("--team", help="Only this team's conversations (by name).")
@click.option("--department", help="Only this department's conversations (by name).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Started on or after this day.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Started on or before this day.")
@click.option("--limit", type=click.IntRange(1), help="At most this many links.")
@click.option(
    "--base-url",
    envvar=BASE_URL_ENV,
    required=True,
    help=f"The app's public address the links point to (or ${BASE_URL_ENV}).",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the CSV here."
)
@click.option("--send", is_flag=True, help="Also mail each link (needs SERVICECRAFT_SMTP_HOST).")
def surveys_create(
    url: str | None,
    ids: tuple[str, ...],
    person: str | None,
    team: str | None,
    department: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
    base_url: str,
    output: str | None,
    send: bool,
) -> None:
    """Create a survey link for every matching conversation not surveyed yet; print them as
    CSV (conversation_id, customer, link) for your own mailer."""
    from servicecraft.cli.app import _open
    from servicecraft.service import survey_mail
    from servicecraft.service import surveys as service
    from servicecraft.service.policy import Viewer

    settings = None
    if send:
        try:
            settings = survey_mail.SmtpSettings.from_env()
        except (survey_mail.MailNotConfigured, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    db = _open(url)
    try:
        try:
            found = {
                f"{kind}_id": service.id_of(db, kind, name)
                for kind, name in (("person", person), ("team", team), ("department", department))
                if name
            }
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        selection = service.Selection(
            ids=ids,
            date_from=since.date() if since else None,
            date_to=until.date() if until else None,
            limit=limit,
            **found,
        )
        batch = service.create_links(db, Viewer(role="admin"), selection)
        write_links(batch.created, base_url, output)
        click.echo(
            f"created {len(batch.created)} survey links; skipped {batch.skipped} "
            "conversations surveyed already",
            err=True,
        )
        if settings is not None:
            report = survey_mail.send_links(
                settings, batch.created, base_url, service.LINK_LIFETIME.days
            )
            service.mark_sent(db, report.sent)
            click.echo(f"mailed {len(report.sent)}; not mailed {len(report.not_sent)}", err=True)
            for conversation_id, reason in report.not_sent[:SHOWN_REJECTIONS]:
                click.echo(f"not mailed {conversation_id}: {reason}", err=True)
    finally:
        db.close()


def write_links(links: Sequence[CreatedLink], base_url: str, output: str | None) -> None:
    """The links as CSV (conversation_id, customer, link), to a file or stdout."""
    with ExitStack() as stack:
        handle = (
            stack.enter_context(open(output, "w", newline="", encoding="utf-8"))
            if output
            else sys.stdout
        )
        writer = csv.writer(handle)
        writer.writerow(["conversation_id", "customer", "link"])
        for link in links:
            url = link_url(base_url, link.token)
            writer.writerow([link.conversation_id, link.customer or "", url])


def links_after_import(db: Any, ids: Sequence[str], base_url: str, output: str) -> None:
    """Survey links for the conversations an import stored for the first time."""
    from servicecraft.service.surveys import links_for_new

    created = links_for_new(db, ids)
    write_links(created, base_url, output)
    click.echo(f"created {len(created)} survey links in {output}", err=True)


@surveys.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@db_option
def surveys_import(file: str, url: str | None) -> None:
    """Store survey answers from a CSV keyed by conversation id."""
    from servicecraft.cli.app import _open
    from servicecraft.service.survey_answers import import_answers

    try:
        with open(file, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read file: {exc.strerror}") from None
    db = _open(url)
    try:
        report = import_answers(db, data, file)
    finally:
        db.close()
    for rejection in report.rejections[:SHOWN_REJECTIONS]:
        click.echo(f"rejected {rejection}", err=True)
    if report.rejected > SHOWN_REJECTIONS:
        click.echo(f"... and {report.rejected - SHOWN_REJECTIONS} more rejected", err=True)
    click.echo(
        f"read {report.lines} lines: {report.records} answers "
        f"(stored {report.stored}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {report.rejected}), {report.blank} blank",
        err=True,
    )
    if report.rejected:
        sys.exit(1)


@surveys.command("questions")
@db_option
@click.option("--set", "rewordings", multiple=True, metavar="KEY=TEXT", help="Reword a question.")
@click.option("--off", "off", multiple=True, metavar="KEY", help="Stop asking a question.")
@click.option("--on", "on", multiple=True, metavar="KEY", help="Ask a question again.")
def surveys_questions(
    url: str | None, rewordings: tuple[str, ...], off: tuple[str, ...], on: tuple[str, ...]
) -> None:
    """Show the survey's questions; reword them or turn them on and off."""
    from servicecraft.cli.app import _open
    from servicecraft.service import surveys as service

    db = _open(url)
    try:
        try:
            for pair in rewordings:
                key, sep, text = pair.partition("=")
                if not sep:
                    raise ValueError(f"{pair!r}: use KEY=TEXT")
                service.set_question(db, key.strip(), text=text)
            for key in on:
                service.set_question(db, key, enabled=True)
            for key in off:
                service.set_question(db, key, enabled=False)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        with db.session() as session:
            shown = service.questions(session)
    finally:
        db.close()
    for q in shown:
        scale = f" ({q.scale[0]}-{q.scale[1]})" if q.scale else ""
        click.echo(f"{q.key:<8} {'on ' if q.enabled else 'off'}  {q.text}{scale}")
