"""The myth check on the stored organisation: the rows a viewer may read, checked."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from servicecraft.myths import MythReport, Observation, check
from servicecraft.service.policy import PermissionDenied, Viewer, may_see_myths, row_scope
from servicecraft.store import SKILLS, SurveyLink, Team
from servicecraft.store import Conversation as C

CHUNK = 5000


def organisation_myths(session: Session, viewer: Viewer) -> MythReport:
    """The myth check over every conversation the viewer may read (not for agents:
    one person's handful of answers says more about chance than about customers)."""
    if not may_see_myths(viewer):
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
        .where(row_scope(viewer, C))
        .execution_options(yield_per=CHUNK)
    )
    any_link = select(SurveyLink.id).join(C, C.id == SurveyLink.conversation_id).limit(1)
    if session.execute(any_link.where(row_scope(viewer, C))).first() is not None:
        # Who was asked is known: the rest (neither asked nor answered) add nothing, and
        # leaving them in the database keeps a large organisation's check small.
        query = query.where(C.csat.is_not(None) | C.ces.is_not(None) | linked)
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
            # Who was asked is known only through links: an answer that came with its
            # source says nothing about how many were asked and did not answer.
            asked=True if link else None,
            groups=groups,
        )
