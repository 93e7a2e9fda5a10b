"""A demo organisation: departments, teams, people, logins, and scored conversations over weeks.

Conversations are built from the bundled sample (real DCH-1 dialogues and handwritten
ones), re-attributed to demo people. Each person has a skill level, and draws the
conversations they "handled" from the part of the sample that matches it, so some
people are consistently better than their team and others are not. Deterministic for
a seed.
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
    """The bundled sample, sorted by score: a person's level picks from the matching part."""
    sample = [
        item
        for item in read_conversations([sample_path()])
        if isinstance(item, Conversation) and any(m.role == "agent" for m in item.messages)
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
    score, template = templates[int(position * len(templates))]
    # Weekdays only: support is staffed Monday to Friday in the demo organisation.
    day = start + timedelta(weeks=rng.randrange(weeks), days=rng.randrange(5))
    at = day.replace(hour=rng.randrange(8, 18), minute=rng.randrange(60))
    other = rng.choice([p for p in people if p.department != person.department])
    handoff = rng.random() < HANDOFF_SHARE
    agent_turns = [i for i, m in enumerate(template.messages) if m.role == "agent"]
    messages = []
    for i, message in enumerate(template.messages):
        at += timedelta(minutes=rng.randrange(1, 45))
        if message.role == "agent":
            # A handoff: the last agent reply comes from someone in another department.
            who = other if handoff and len(agent_turns) > 1 and i == agent_turns[-1] else person
            messages.append(
                Message("agent", message.text, who.name, who.department.lower(), at, message.public)
            )
        else:
            messages.append(
                Message(message.role, message.text, message.author, None, at, message.public)
            )
    survey = None
    if rng.random() < SURVEY_SHARE:
        csat = round(min(5.0, max(1.0, 1 + 4 * score / 100 + rng.gauss(0, 0.7))))
        survey = Survey(csat=float(csat), nps=min(10, max(0, round(csat * 2 + rng.gauss(0, 1)))))
    return Conversation(
        id=f"demo-{index + 1:05d}",
        messages=messages,
        channel=template.channel or "chat",
        survey=survey,
        tags=list(template.tags),
        status="solved",
    )
