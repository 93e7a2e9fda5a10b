"""`servicecraft practice`: play a simulated customer in the terminal, or a scripted session."""

from __future__ import annotations

import sys
from typing import IO, Any

import click
import orjson

from servicecraft.cli.render import render_explanation
from servicecraft.engine import Engine
from servicecraft.practice import (
    PracticeResult,
    PracticeSession,
    Scenario,
    ScenarioError,
    compare,
    load_scenarios,
)

QUIT = ("/quit", "/end", "/q")


class InputError(click.ClickException):
    """Nothing can be played (unknown scenario, broken scenario file): one line, exit 2."""

    exit_code = 2


def register(main: click.Group) -> None:
    main.add_command(practice)


@click.command()
@click.option("--list", "list_only", is_flag=True, help="List the scenarios and exit.")
@click.option("--scenario", "scenario_id", metavar="ID", help="The scenario to play.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for the customer's lines."
)
@click.option(
    "--replies",
    type=click.File("r", encoding="utf-8"),
    help="Play a scripted session: one trainee reply per line ('-' reads stdin).",
)
@click.option(
    "--format",
    "out_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--scenarios",
    "extra",
    multiple=True,
    type=click.Path(exists=True),
    help="Your own scenario file or folder of .yaml files (repeatable).",
)
@click.option("--no-learned", is_flag=True, help="Rules only: skip the learned predictors.")
@click.option(
    "--db",
    "url",
    envvar="SERVICECRAFT_DATABASE_URL",
    help="Database to compare with the person's real conversations (with --person).",
)
@click.option("--person", help="Compare with this person's real conversations (needs --db).")
def practice(
    list_only: bool,
    scenario_id: str | None,
    seed: int,
    replies: IO[str] | None,
    out_format: str,
    extra: tuple[str, ...],
    no_learned: bool,
    url: str | None,
    person: str | None,
) -> None:
    """Practise with a simulated customer, scored by the same engine as real conversations.

    Without --replies, plays in the terminal: type a reply and press Enter; /quit ends the
    session. The customer may end it first (resolved, unresolved, escalated, abandoned).
    """
    try:
        scenarios = load_scenarios(extra)
    except ScenarioError as exc:
        raise InputError(str(exc)) from None
    if list_only:
        _list(scenarios, out_format)
        return
    if scenario_id is None:
        raise click.UsageError("give --scenario ID (or --list to see them)")
    scenario = scenarios.get(scenario_id)
    if scenario is None:
        raise InputError(
            f"unknown scenario {scenario_id!r}; available: {', '.join(sorted(scenarios))}"
        )
    real = _real_means(url, person) if person else None
    session = PracticeSession(scenario, seed, Engine(learned=not no_learned))
    if replies is not None:
        for line in replies:
            if session.ended:
                break
            if line.strip():
                session.reply(line)
    else:
        _interactive(session)
    result = session.finish()
    if real is not None:
        result.feedback.comparison = compare(result.scorecard, real)
    if out_format == "json":
        sys.stdout.buffer.write(orjson.dumps(result.to_dict(), option=orjson.OPT_APPEND_NEWLINE))
    else:
        click.echo(render_result(result, session.engine))


def _real_means(url: str | None, person: str) -> dict[str, float | None]:
    """The person's real skill averages, read before the session so a typo fails first."""
    from servicecraft.cli.app import _open
    from servicecraft.service.practice import real_skill_means_of

    if not url:
        raise click.UsageError("--person needs --db (or $SERVICECRAFT_DATABASE_URL)")
    db = _open(url)
    try:
        with db.session() as session:
            return real_skill_means_of(session, person)
    except LookupError as exc:
        raise InputError(str(exc)) from None
    finally:
        db.close()


def _list(scenarios: dict[str, Scenario], out_format: str) -> None:
    rows = [
        {"id": s.id, "title": s.title, "summary": s.summary, "difficulty": s.difficulty}
        for s in sorted(scenarios.values(), key=lambda s: s.id)
    ]
    if out_format == "json":
        sys.stdout.buffer.write(orjson.dumps(rows, option=orjson.OPT_APPEND_NEWLINE))
        return
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        click.echo(f"{r['id'].ljust(width)}  {r['difficulty']:<6}  {r['summary']}")


def _interactive(session: PracticeSession) -> None:
    s = session.scenario
    click.echo(click.style(f"{s.title}  ({s.difficulty})", bold=True))
    click.echo("What you know:")
    for fact in s.facts:
        click.echo(f"  - {fact}")
    click.echo("Type your reply and press Enter; /quit ends the session.\n")
    click.echo(f"customer: {session.messages[0].text}")
    while not session.ended:
        click.echo("you> ", nl=False)
        line = sys.stdin.readline()
        if not line or line.strip() in QUIT:
            break
        if not line.strip():
            continue
        try:
            turn = session.reply(line)
        except ValueError as exc:
            click.echo(f"({exc})")
            continue
        click.echo(f"customer: {turn.answer}")
    click.echo("")


def render_result(result: PracticeResult, engine: Engine) -> str:
    """The session's outcome, mood, scorecard with evidence and the moment that hurt most."""
    score = "-" if result.scorecard.score is None else f"{result.scorecard.score:.0f}"
    lines = [
        click.style(f"Outcome: {result.outcome}    overall {score}/100", bold=True),
        "Mood by customer turn (-1 furious .. +1 delighted): "
        + " → ".join(f"{m:+.2f}" for m in result.mood),
        "Needs: "
        + ", ".join(f"{label} {'✓' if met else '✗'}" for label, met in result.feedback.needs),
    ]
    worst = result.feedback.worst
    if worst is not None:
        lines += [
            "",
            click.style("The moment that hurt most", bold=True),
            f"  you wrote: “{worst.reply}”",
            f"  mood {worst.mood_before:+.2f} → {worst.mood_after:+.2f}",
            *(f"  - {why}" for why in worst.why),
            *(f"  - {e.reason}: “{e.text}”" for e in worst.evidence),
            f"  a better reply: “{worst.better}”",
        ]
    if result.feedback.comparison:
        lines += ["", click.style("Against your real conversations", bold=True)]
    for row in result.feedback.comparison:
        lines.append(_comparison_line(row))
    lines += ["", render_explanation(result.conversation, result.scorecard, engine.rubric)]
    return "\n".join(lines)


def _comparison_line(row: dict[str, Any]) -> str:
    def cell(v: float | None) -> str:
        return "-" if v is None else f"{v:.0f}"

    return f"  {row['skill']:<12} practice {cell(row['practice'])}  real {cell(row['real'])}"
