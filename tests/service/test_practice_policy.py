"""The practice, coaching and hiring questions of the access policy, role by role.

Same organisation as test_policy: department 1 holds teams 2 and 3, department 9 team 4;
person 5 (login 6) is in team 2.
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa

from servicecraft.service import policy
from tests.service.test_policy import EVERYONE_BUT_AGENTS, VIEWERS, grid, who


def test_a_practice_session_is_its_trainees_and_their_leads() -> None:
    # Agent 5's session, in team 2 of department 1.
    assert grid(lambda v: policy.may_see_practice(v, 6, 2, 1)) == who(
        "admin", "lead of department 1", "lead of team 2", "agent 5"
    )
    # A candidate's session (no login) invited by department 9: admins only here.
    assert grid(lambda v: policy.may_see_practice(v, None, None, 9)) == who("admin")


def test_coaching_plans_and_team_coaching() -> None:
    assert grid(lambda v: policy.may_see_coaching_plan(v, 5, 2, 1)) == who(
        "admin", "lead of department 1", "lead of team 2", "agent 5"
    )
    assert grid(lambda v: policy.may_see_coaching_plan(v, 7, 4, 9)) == who("admin")
    assert grid(lambda v: policy.may_see_team_coaching(v, 2, 1)) == who(
        "admin", "lead of department 1", "lead of team 2"
    )


def test_hiring_and_quiz_results() -> None:
    assert grid(policy.may_hire) == who(
        "admin", "lead of department 1", "lead of team 2", "lead of nothing"
    )
    assert grid(policy.may_see_quiz_results) == who(*EVERYONE_BUT_AGENTS)


def _rows(scope: sa.ColumnElement[bool], rows: list[dict[str, int | None]]) -> list[int]:
    table = sa.table(
        "t",
        sa.column("id"),
        sa.column("user_id"),
        sa.column("team_id"),
        sa.column("department_id"),
        sa.column("created_by"),
    )
    engine = sa.create_engine("sqlite://")
    meta = sa.MetaData()
    real = sa.Table("t", meta, *[sa.Column(c.name, sa.Integer) for c in table.columns])
    meta.create_all(engine)
    with engine.begin() as c:
        c.execute(real.insert(), rows)
        ids = [r[0] for r in c.execute(sa.select(real.c.id).where(scope)).all()]
    engine.dispose()
    return sorted(ids)


ROWS: list[dict[str, int | None]] = [
    {"id": 1, "user_id": 6, "team_id": 2, "department_id": 1, "created_by": 3},
    {"id": 2, "user_id": 99, "team_id": 4, "department_id": 9, "created_by": 99},
    {"id": 3, "user_id": None, "team_id": None, "department_id": 1, "created_by": 4},
]


def test_the_sql_scopes_agree_with_the_questions() -> None:
    table = SimpleNamespace(
        **{n: sa.column(n) for n in ("id", "user_id", "team_id", "department_id", "created_by")}
    )
    for name, viewer in VIEWERS.items():
        expected = [
            r["id"]
            for r in ROWS
            if policy.may_see_practice(viewer, r["user_id"], r["team_id"], r["department_id"])
        ]
        assert _rows(policy.practice_scope(viewer, table), ROWS) == expected, name
    lead = VIEWERS["lead of team 2"]
    assert _rows(policy.candidate_scope(lead, table), ROWS) == [1, 3]  # team 2; made by them
    assert _rows(policy.candidate_scope(VIEWERS["admin"], table), ROWS) == [1, 2, 3]
    assert _rows(policy.candidate_scope(VIEWERS["agent 5"], table), ROWS) == []
