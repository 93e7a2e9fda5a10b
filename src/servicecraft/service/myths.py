"""The myth check on the stored organisation: the rows a viewer may read, checked."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from servicecraft.myths import MythReport, Observation, check
from servicecraft.service.listings import scope
from servicecraft.service.viewer import PermissionDenied, Viewer
from servicecraft.store import SKILLS, SurveyLink, Team
from servicecraft.store import Conversation as C

CHUNK = 5000


def organisation_myths(session: Session, viewer: Viewer) -> MythReport:
    """The myth check over every conversation the viewer may read (not for agents:
    one person's handful of answers says more about chance than about customers)."""
    if viewer.role == "agent":
        raise PermissionDenied("the myth check is for leads, reviewers and admins")
    return check(observations(session, viewer))


def observations(session: Session, viewer: Viewer) -> Iterator[Observation]:
    linked = exists().where(SurveyLink.conversation_id == C.id)
    columns = (
        C.first_response_seconds,
        C.handoffs,
        C.one_touch,
        C.chasers,
        C.before_straight_answer,
        C.score,
        *(getattr(C, s) for s in SKILLS),
    )
    query = (
        select(*columns, C.csat, C.ces, linked.label("linked"), C.channel, Team.name)
        .outerjoin(Team, Team.id == C.team_id)
        .where(scope(viewer))
        .execution_options(yield_per=CHUNK)
    )
    names = (
        "first_response_seconds",
        "handoffs",
        "one_touch",
        "chasers",
        "customer_messages_before_straight_answer",
        "score",
        *SKILLS,
    )
    for row in session.execute(query):
        values = row[: len(names)]
        csat, ces, link, channel, team = row[len(names) :]
        groups = {"channel": channel} if channel else {}
        if team:
            groups["team"] = team
        yield Observation(
            factors={
                name: None if value is None else float(value)
                for name, value in zip(names, values, strict=True)
            },
            csat=csat,
            ces=ces,
            asked=bool(link) or csat is not None or ces is not None,
            groups=groups,
        )
