"""`servicecraft import`, `demo`, `serve` and `users`: the app's commands."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from servicecraft.importers import FORMATS, SourceError, detect_format
from servicecraft.store import ENV_URL, Database, database_url, open_database

SECRET_ENV = "SERVICECRAFT_SECRET_KEY"
DEMO_DB = "servicecraft-demo.db"
SHOWN_REJECTIONS = 20
REUSED_LOGINS = (
    ("admin", "everything"),
    ("reviewer", "every conversation, read-only"),
    ("lead", "the Support department"),
    ("teamlead", "the Billing team"),
    ("agent", "only their own results"),
    ("agent2", "only their own results"),
)


def register(main: click.Group) -> None:
    main.add_command(import_command)
    main.add_command(demo)
    main.add_command(serve)
    main.add_command(users)


def _open(url: str | None) -> Database:
    try:
        return open_database(url)
    except Exception as exc:  # a server that is down or a bad URL: one line, not a traceback
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise click.ClickException(f"cannot open database {database_url(url)}: {reason}") from None


db_option = click.option(
    "--db",
    "url",
    envvar=ENV_URL,
    help=f"Database URL or SQLite path (default: ${ENV_URL} or servicecraft.db).",
)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--from", "fmt", type=click.Choice(FORMATS), help="Input format (default: detect).")
@db_option
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="Conversations per transaction.",
)
@click.option(
    "--survey-links",
    type=click.Path(dir_okay=False, writable=True),
    help="Create a survey link for each new conversation; write them here as CSV.",
)
@click.option(
    "--base-url",
    envvar="SERVICECRAFT_BASE_URL",
    help="The app's public address for --survey-links (or $SERVICECRAFT_BASE_URL).",
)
@click.option(
    "--csv-column",
    "csv_columns",
    multiple=True,
    metavar="FIELD=HEADER",
    help="CSV header name for a field, e.g. role=speaker.",
)
def import_command(
    files: tuple[str, ...],
    fmt: str | None,
    url: str | None,
    batch_size: int,
    survey_links: str | None,
    base_url: str | None,
    csv_columns: tuple[str, ...],
) -> None:
    """Score FILES and store them; re-importing the same file adds nothing."""
    from servicecraft.cli.score import InputError, check_inputs, parse_csv_columns, source_error
    from servicecraft.service.importing import import_files

    for path in files:
        try:
            detect_format(path) if fmt is None else Path(path).open("rb").close()
        except (SourceError, OSError) as exc:
            message = str(exc) if isinstance(exc, SourceError) else f"{path}: cannot read file"
            raise click.ClickException(message) from None
    if survey_links and not base_url:
        raise click.UsageError("--survey-links needs --base-url (the app's public address)")
    columns = parse_csv_columns(csv_columns)
    check_inputs(files, fmt, columns)  # a CSV header without a required column: exit 2
    db = _open(url)
    started = time.perf_counter()
    try:
        report = import_files(db, files, fmt, batch_size=batch_size, csv_columns=columns)
        if survey_links and base_url:
            from servicecraft.cli.surveys import links_after_import

            links_after_import(db, report.new_ids, base_url, survey_links)
    except SourceError as exc:  # found only while streaming: the committed batches stay
        raise InputError(source_error(exc)) from None
    finally:
        db.close()
    elapsed = time.perf_counter() - started
    for rejection in report.rejections[:SHOWN_REJECTIONS]:
        click.echo(f"rejected {rejection}", err=True)
    if report.rejected > SHOWN_REJECTIONS:
        click.echo(f"... and {report.rejected - SHOWN_REJECTIONS} more rejected", err=True)
    click.echo(
        f"read {report.read}: imported {report.imported}, updated {report.updated}, "
        f"unchanged {report.unchanged}, rejected {report.rejected} in {elapsed:.1f}s",
        err=True,
    )
    if report.rejected:
        sys.exit(1)


@click.command()
@click.option(
    "--db",
    "path",
    default=DEMO_DB,
    show_default=True,
    help="SQLite file for the demo organisation.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--conversations",
    type=click.IntRange(1, 1_000_000),
    default=5000,
    show_default=True,
    help="How many conversations to build.",
)
@click.option("--no-serve", is_flag=True, help="Build the demo database and stop.")
def demo(path: str, host: str, port: int, conversations: int, no_serve: bool) -> None:
    """Build a demo organisation (reused if it exists), then serve the app on it."""
    from servicecraft.service.demo import DEMO_PASSWORD, build_demo, demo_state

    url = database_url(path)
    db = _open(url)
    try:
        state = demo_state(db)
        if state == "partial":
            # Never delete it ourselves: --db may point at a real database by mistake.
            raise click.ClickException(
                f"{path} holds an unfinished demo build or is not a demo database; "
                "delete it (or pick another --db) to build the demo afresh"
            )
        if state == "complete":
            click.echo(f"using the demo organisation in {path}", err=True)
            logins = [
                ("admin", DEMO_PASSWORD, "everything"),
                ("lead", DEMO_PASSWORD, "the Support department"),
                ("teamlead", DEMO_PASSWORD, "the Billing team"),
                ("reviewer", DEMO_PASSWORD, "every conversation, read-only"),
                ("agent", DEMO_PASSWORD, "one agent's own results"),
                ("agent2", DEMO_PASSWORD, "another agent's own results"),
            ]
        else:
            click.echo(
                f"building a demo organisation with {conversations:,} conversations in {path} ...",
                err=True,
            )
            started = time.perf_counter()
            info = build_demo(db, conversations=conversations)
            click.echo(f"built in {time.perf_counter() - started:.1f}s", err=True)
            logins = info.logins
    finally:
        db.close()
    click.echo("\nDemo logins (password for all: " + DEMO_PASSWORD + "):")
    for username, _, what in logins:
        click.echo(f"  {username:<10} sees {what}")
    if no_serve:
        return
    click.echo(f"\nservicecraft is running at http://{host}:{port}/  (Ctrl+C to stop)\n")
    from servicecraft.web import serve as run_server

    run_server(url, host=host, port=port, secret_key=os.environ.get(SECRET_ENV), dev=True)


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--secret-key", envvar=SECRET_ENV, help=f"Key that signs session cookies (or ${SECRET_ENV})."
)
@click.option(
    "--dev", is_flag=True, help="Allow plain-HTTP cookies and a random secret key (local use only)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes (default: one per CPU core).",
)
def serve(
    url: str | None, host: str, port: int, secret_key: str | None, dev: bool, workers: int | None
) -> None:
    """Serve the app for a real deployment (behind TLS unless --dev)."""
    if not secret_key and not dev:
        raise click.ClickException(
            f"set --secret-key or ${SECRET_ENV} (or use --dev on your own machine)"
        )
    _open(url).close()  # apply migrations and fail early with one line if the database is down
    from servicecraft.web import serve as run_server
    from servicecraft.web.app import default_workers

    workers = workers or default_workers()
    click.echo(f"servicecraft is running at http://{host}:{port}/ ({workers} workers)", err=True)
    run_server(
        database_url(url), host=host, port=port, secret_key=secret_key, dev=dev, workers=workers
    )


@click.group()
def users() -> None:
    """Manage logins."""


@users.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["admin", "lead", "reviewer", "agent"]),
    required=True,
    help="What the login may see.",
)
@click.option("--person", help="The person an agent login belongs to (by name).")
@click.option("--department", help="The department a lead leads (by name).")
@click.option("--team", help="The team a lead leads (by name).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password (prompted if not given).",
)
@db_option
def users_add(
    username: str,
    role: str,
    person: str | None,
    department: str | None,
    team: str | None,
    password: str,
    url: str | None,
) -> None:
    """Create a login."""
    from servicecraft.service.users import UserError, add_user, check_password

    try:
        check_password(password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    db = _open(url)
    try:
        add_user(db, username, role, password, person=person, department=department, team=team)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
    click.echo(f"created {role} login {username!r}", err=True)


@users.command("list")
@db_option
def users_list(url: str | None) -> None:
    """List logins: username, role, what they are tied to, disabled or not."""
    from servicecraft.service.users import list_users

    db = _open(url)
    try:
        with db.session() as session:
            logins = list_users(session)
    finally:
        db.close()
    click.echo(f"{'username':<20} {'role':<9} {'scope':<28} status")
    for login in logins:
        scope = login.person or login.department or login.team or "everything"
        if login.role == "lead" and login.department and login.team:
            scope = f"{login.department} / {login.team}"
        status = "disabled" if login.disabled else "active"
        click.echo(f"{login.username:<20} {login.role:<9} {scope:<28} {status}")


@users.command("disable")
@click.argument("username")
@db_option
def users_disable(username: str, url: str | None) -> None:
    """Disable a login: it cannot log in, its sessions end, its API tokens stop working."""
    _change(url, username, lambda db: _set_disabled(db, username, True))
    click.echo(f"disabled {username!r}", err=True)


@users.command("enable")
@click.argument("username")
@db_option
def users_enable(username: str, url: str | None) -> None:
    """Enable a disabled login again."""
    _change(url, username, lambda db: _set_disabled(db, username, False))
    click.echo(f"enabled {username!r}", err=True)


@users.command("set-password")
@click.argument("username")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The new password (prompted if not given).",
)
@db_option
def users_set_password(username: str, password: str, url: str | None) -> None:
    """Give a login a new password; its open sessions end."""
    from servicecraft.service.users import set_password

    _change(url, username, lambda db: set_password(db, username, password))
    click.echo(f"changed the password of {username!r}", err=True)


def _set_disabled(db: Database, username: str, disabled: bool) -> None:
    from servicecraft.service.users import set_disabled

    set_disabled(db, username, disabled)


def _change(url: str | None, username: str, change: Callable[[Database], None]) -> None:
    from servicecraft.service.users import UserError

    db = _open(url)
    try:
        change(db)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.close()
