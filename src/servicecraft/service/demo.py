"""A demo organisation: departments, teams, people, logins, and scored conversations over weeks.

Each department is asked what it would be asked: Support answers customers with the bundled
sample's real helpdesk dialogues (DCH-1), re-attributed to demo people; Billing, Finance,
IT and Logistics conversations are written from their own scripts (``demo_scripts``), with
colleagues and suppliers as well as customers asking. Each person has a skill level that
sets the quality of what they handle, so some people are consistently better than their
team and others are not. Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from servicecraft.engine import Engine
from servicecraft.importers import read_conversations, sample_path
from servicecraft.model import Conversation, Message, Survey
from servicecraft.service.auth import hash_password
from servicecraft.service.demo_scripts import Agent, unfold
from servicecraft.service.importing import ImportReport, import_items
from servicecraft.store import Conversation as ConversationRow
from servicecraft.store import Database, Department, Person, Team, User

DEMO_PASSWORD = "servicecraft-demo"
ORGANISATION = {
    "Support": ["Support North", "Support South", "Support Priority"],
    "Billing": ["Billing"],
    "Finance": ["Finance Operations"],
    "IT": ["IT Service Desk"],
    "Logistics": ["Returns", "Deliveries"],
}
FIRST = [
    "Priya",
    "Tom",
    "Marco",
    "Ana",
    "Jo",
    "Ben",
    "Ivy",
    "Luis",
    "Kim",
    "Raj",
    "Nina",
    "Oscar",
    "Lena",
    "Omar",
    "Dana",
    "Sam",
    "Mia",
    "Leo",
    "Zoe",
    "Ian",
]
LAST = [
    "Nair",
    "Reed",
    "Silva",
    "Costa",
    "Baker",
    "Okafor",
    "Chen",
    "Gomez",
    "Lee",
    "Iyer",
    "Petrova",
    "Lund",
    "Fischer",
    "Haddad",
    "Wu",
    "Ortiz",
    "Novak",
    "Grant",
    "Adams",
    "Ross",
]
PEOPLE_PER_TEAM = 5
SURVEY_SHARE = 0.2
HANDOFF_SHARE = 0.12


@dataclass
class DemoInfo:
    logins: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # username, password, what they see
    report: ImportReport | None = None
    conversations: int = 0


def demo_state(db: Database) -> str:
    """ "empty", "complete" (logins are created last, so they mark a finished build) or
    "partial" (an interrupted build, or a database that is not a demo)."""
    with db.session() as session:
        if session.execute(select(User.id).where(User.username == "agent2")).first():
            return "complete"
        if session.execute(select(Department.id)).first():
            return "partial"
        has_conversations = session.execute(select(func.count()).select_from(ConversationRow))
        return "partial" if has_conversations.scalar() else "empty"


def demo_exists(db: Database) -> bool:
    return demo_state(db) != "empty"


def build_demo(
    db: Database,
    seed: int = 7,
    conversations: int = 5000,
    weeks: int = 12,
    *,
    engine: Engine | None = None,
) -> DemoInfo:
    rng = random.Random(seed)
    engine = engine or Engine()
    people = _organisation(db, rng)
    templates = _ranked_templates(engine)
    # Whole weeks, Monday to Sunday, ending with the last complete one: the dashboards'
    # window of `weeks` weeks then shows every demo conversation.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=today.weekday(), weeks=weeks)
    items = (_conversation(i, rng, people, templates, start, weeks) for i in range(conversations))
    report = import_items(db, items, engine=engine)
    # Logins last: their presence tells `servicecraft demo` the build finished.
    return DemoInfo(logins=_logins(db, people), report=report, conversations=report.imported)


@dataclass
class _DemoPerson:
    id: int
    name: str
    department: str
    team_id: int
    level: float  # 0..1: where in the sample's score range this person's work sits


def _organisation(db: Database, rng: random.Random) -> list[_DemoPerson]:
    names = [f"{f} {last}" for f, last in zip(FIRST * 2, LAST + LAST[::-1], strict=True)]
    rng.shuffle(names)
    people: list[_DemoPerson] = []
    with db.transaction() as session:
        for department_name, teams in ORGANISATION.items():
            department = Department(name=department_name)
            session.add(department)
            session.flush()
            for team_name in teams:
                team = Team(name=team_name, department_id=department.id)
                session.add(team)
                session.flush()
                for seat in range(PEOPLE_PER_TEAM):
                    name = names.pop()
                    email = name.lower().replace(" ", ".") + "@demo.example"
                    role = ("Team lead", "Senior agent")[seat] if seat < 2 else "Agent"
                    person = Person(name=name, email=email, role=role, team_id=team.id)
                    session.add(person)
                    session.flush()
                    level = min(1.0, max(0.0, rng.gauss(0.55, 0.2)))
                    people.append(_DemoPerson(person.id, name, department_name, team.id, level))
    return people


def _logins(db: Database, people: list[_DemoPerson]) -> list[tuple[str, str, str]]:
    password = hash_password(DEMO_PASSWORD)
    with db.transaction() as session:
        support = session.execute(
            select(Department).where(Department.name == "Support")
        ).scalar_one()
        billing = session.execute(select(Team).where(Team.name == "Billing")).scalar_one()
        best = max(people, key=lambda p: p.level)
        weakest = min(people, key=lambda p: p.level)
        users = [
            (User(username="admin", password_hash=password, role="admin"), "everything"),
            (
                User(username="reviewer", password_hash=password, role="reviewer"),
                "every conversation, read-only",
            ),
            (
                User(
                    username="lead", password_hash=password, role="lead", department_id=support.id
                ),
                "the Support department",
            ),
            (
                User(username="teamlead", password_hash=password, role="lead", team_id=billing.id),
                "the Billing team",
            ),
            (
                User(username="agent", password_hash=password, role="agent", person_id=best.id),
                f"only the results of {best.name}",
            ),
            (
                User(username="agent2", password_hash=password, role="agent", person_id=weakest.id),
                f"only the results of {weakest.name}",
            ),
        ]
        session.add_all(u for u, _ in users)
    return [(u.username, DEMO_PASSWORD, what) for u, what in users]


def _ranked_templates(engine: Engine) -> list[tuple[float, Conversation]]:
    """Support's conversations: the bundled sample's real helpdesk dialogues (DCH-1), sorted
    by score, so a person's level picks from the matching part."""
    sample = [
        item
        for item in read_conversations([sample_path()])
        if isinstance(item, Conversation)
        and item.id.startswith("dch1-")
        and any(m.role == "agent" for m in item.messages)
    ]
    scored = [
        (card.score, item)
        for card, item in zip(engine.score_many(sample), sample, strict=True)
        if card.score is not None
    ]
    scored.sort(key=lambda pair: pair[0])
    return scored


def _conversation(
    index: int,
    rng: random.Random,
    people: list[_DemoPerson],
    templates: list[tuple[float, Conversation]],
    start: datetime,
    weeks: int,
) -> Conversation:
    person = rng.choice(people)
    position = min(0.999, max(0.0, rng.gauss(person.level, 0.18)))
    # Weekdays only: support is staffed Monday to Friday in the demo organisation.
    day = start + timedelta(weeks=rng.randrange(weeks), days=rng.randrange(5))
    at = day.replace(hour=rng.randrange(8, 18), minute=rng.randrange(60))
    handoff = rng.random() < HANDOFF_SHARE
    # A handoff stays in the department (another team where it has one), so whoever ends
    # up credited with the conversation, it is the department's own kind of work.
    colleagues = [p for p in people if p.department == person.department and p is not person]
    elsewhere = [p for p in colleagues if p.team_id != person.team_id]
    other = rng.choice(elsewhere or colleagues) if handoff else None
    if person.department == "Support":
        messages, channel, tags, quality = _from_sample(rng, person, other, templates, position, at)
    else:
        quality = position
        messages, channel, tags = unfold(
            rng,
            person.department,
            Agent(person.name, person.department),
            Agent(other.name, other.department) if other else None,
            at,
            quality,
        )
    survey = None
    if rng.random() < SURVEY_SHARE:
        csat = round(min(5.0, max(1.0, 1 + 4 * quality + rng.gauss(0, 0.7))))
        survey = Survey(csat=float(csat), nps=min(10, max(0, round(csat * 2 + rng.gauss(0, 1)))))
    return Conversation(
        id=f"demo-{index + 1:05d}",
        messages=messages,
        channel=channel,
        survey=survey,
        tags=tags,
        status="solved",
    )


def _from_sample(
    rng: random.Random,
    person: _DemoPerson,
    other: _DemoPerson | None,
    templates: list[tuple[float, Conversation]],
    position: float,
    at: datetime,
) -> tuple[list[Message], str, list[str], float]:
    """A real dialogue re-attributed to ``person`` (its last agent reply to ``other``)."""
    score, template = templates[int(position * len(templates))]
    agent_turns = [i for i, m in enumerate(template.messages) if m.role == "agent"]
    messages = []
    for i, message in enumerate(template.messages):
        at += timedelta(minutes=rng.randrange(1, 45))
        if message.role == "agent":
            # A handoff: the last agent reply comes from a colleague in another team.
            last = other is not None and len(agent_turns) > 1 and i == agent_turns[-1]
            who = other if last and other is not None else person
            messages.append(
                Message("agent", message.text, who.name, who.department, at, message.public)
            )
        else:
            messages.append(
                Message(message.role, message.text, message.author, None, at, message.public)
            )
    return messages, template.channel or "chat", list(template.tags), score / 100
