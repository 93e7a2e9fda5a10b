"""The access policy, question by question and role by role.

The organisation: department 1 holds teams 2 and 3, department 9 holds team 4.
Person 5 is in team 2, person 6 in team 3, person 7 in team 4.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from servicecraft.service import policy
from servicecraft.service.policy import PermissionDenied, Viewer

VIEWERS = {
    "admin": Viewer("admin", user_id=1),
    "reviewer": Viewer("reviewer", user_id=2),
    "lead of department 1": Viewer("lead", department_id=1, user_id=3),
    "lead of team 2": Viewer("lead", team_id=2, user_id=4),
    "lead of nothing": Viewer("lead", user_id=5),
    "agent 5": Viewer("agent", person_id=5, user_id=6),
    "agent of no one": Viewer("agent", user_id=7),
}
PEOPLE = {5: (2, 1), 6: (3, 1), 7: (4, 9)}  # person → (team, department)


def grid(question: Callable[[Viewer], bool]) -> dict[str, bool]:
    return {name: question(v) for name, v in VIEWERS.items()}


def who(*names: str) -> dict[str, bool]:
    return {name: name in names for name in VIEWERS}


EVERYONE_BUT_AGENTS = (
    "admin",
    "reviewer",
    "lead of department 1",
    "lead of team 2",
    "lead of nothing",
)


def test_organisation() -> None:
    assert grid(policy.may_see_organisation) == who("admin", "reviewer")


def test_department() -> None:
    assert grid(lambda v: policy.may_see_department(v, 1)) == who(
        "admin", "reviewer", "lead of department 1"
    )
    assert grid(lambda v: policy.may_see_department(v, 9)) == who("admin", "reviewer")


def test_team() -> None:
    assert grid(lambda v: policy.may_see_team(v, 2, 1)) == who(
        "admin", "reviewer", "lead of department 1", "lead of team 2"
    )
    assert grid(lambda v: policy.may_see_team(v, 3, 1)) == who(
        "admin", "reviewer", "lead of department 1"
    )
    assert grid(lambda v: policy.may_see_team(v, 4, 9)) == who("admin", "reviewer")


def test_person() -> None:
    def sees(person: int) -> Callable[[Viewer], bool]:
        return lambda v: policy.may_see_person(v, person, *PEOPLE[person])

    assert grid(sees(5)) == who(
        "admin", "reviewer", "lead of department 1", "lead of team 2", "agent 5"
    )
    assert grid(sees(6)) == who("admin", "reviewer", "lead of department 1")
    assert grid(sees(7)) == who("admin", "reviewer")


def test_conversation() -> None:
    assert grid(lambda v: policy.may_see_conversation(v, 5, 2, 1)) == who(
        "admin", "reviewer", "lead of department 1", "lead of team 2", "agent 5"
    )
    # A conversation no one is attributed to: only those who see everything.
    assert grid(lambda v: policy.may_see_conversation(v, None, None, None)) == who(
        "admin", "reviewer"
    )


def test_hindrances_and_group_filters() -> None:
    assert grid(policy.may_see_hindrances) == who(*EVERYONE_BUT_AGENTS)
    assert grid(policy.may_filter_by_group) == who(*EVERYONE_BUT_AGENTS)


def test_review() -> None:
    assert grid(lambda v: policy.may_review(v, 5, 2, 1)) == who(
        "admin", "reviewer", "lead of department 1", "lead of team 2"
    )
    assert grid(lambda v: policy.may_review(v, 7, 4, 9)) == who("admin", "reviewer")


def test_assign_practice() -> None:
    assert grid(lambda v: policy.may_assign_practice(v, 5, 2, 1)) == who(
        "admin", "lead of department 1", "lead of team 2"
    )
    assert grid(lambda v: policy.may_assign_practice(v, 7, 4, 9)) == who("admin")


def test_tokens_users_and_import() -> None:
    assert grid(policy.may_import) == who("admin")
    assert grid(policy.may_manage_all_tokens) == who("admin")
    assert grid(policy.may_manage_users) == who("admin")
    # One's own tokens, always; someone else's (user 6's) only as admin.
    assert all(policy.may_manage_tokens(v, v.user_id) for v in VIEWERS.values())
    assert grid(lambda v: policy.may_manage_tokens(v, 6)) == who("admin", "agent 5")
    assert grid(lambda v: policy.may_manage_tokens(v, None)) == who("admin")


def test_capabilities_match_the_questions() -> None:
    for viewer in VIEWERS.values():
        can = policy.capabilities(viewer)
        assert can.organisation == policy.may_see_organisation(viewer)
        assert can.hindrances == policy.may_see_hindrances(viewer)
        assert can.users == policy.may_manage_users(viewer)
        assert can.import_ == policy.may_import(viewer)
        assert can.tokens_in_menu == (viewer.role != "agent")
    assert policy.capabilities(VIEWERS["agent 5"]).home == "/people/5"
    assert policy.capabilities(VIEWERS["lead of team 2"]).home_label == "My team"
    assert policy.capabilities(VIEWERS["lead of department 1"]).home == "/departments/1"
    assert policy.capabilities(VIEWERS["lead of nothing"]).home == ""


def test_landing_and_viewer_for() -> None:
    assert policy.landing_path(VIEWERS["admin"]) == "/"
    assert policy.landing_path(VIEWERS["reviewer"]) == "/"
    assert policy.landing_path(VIEWERS["lead of team 2"]) == "/teams/2"
    assert policy.landing_path(VIEWERS["agent 5"]) == "/people/5"
    for unlinked in ("lead of nothing", "agent of no one"):
        with pytest.raises(PermissionDenied):
            policy.landing_path(VIEWERS[unlinked])
    login = SimpleNamespace(id=9, role="lead", person_id=None, department_id=1, team_id=None)
    assert policy.viewer_for(login) == Viewer("lead", None, 1, None, 9)
    with pytest.raises(PermissionDenied):
        policy.viewer_for(
            SimpleNamespace(
                id=1, role="superuser", person_id=None, department_id=None, team_id=None
            )
        )


ROWS = [  # (person, team, department) of each row in the scope table
    (5, 2, 1),
    (6, 3, 1),
    (7, 4, 9),
    (None, 2, 1),
]


def visible(
    clause_for: Callable[[Viewer, sa.Table], sa.ColumnElement[bool]],
) -> dict[str, list[int]]:
    """Which rows (by index) each viewer's clause selects, in a real SQLite table."""
    meta = sa.MetaData()
    table = sa.Table(
        "t",
        meta,
        sa.Column("i", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer),
        sa.Column("team_id", sa.Integer),
        sa.Column("department_id", sa.Integer),
    )
    engine = sa.create_engine("sqlite://")
    try:
        meta.create_all(engine)
        with engine.begin() as c:
            c.execute(
                table.insert(),
                [
                    {"i": i, "person_id": p, "team_id": t, "department_id": d}
                    for i, (p, t, d) in enumerate(ROWS)
                ],
            )
            return {
                name: list(
                    c.execute(
                        sa.select(table.c.i).where(clause_for(v, table.c)).order_by(table.c.i)
                    ).scalars()
                )
                for name, v in VIEWERS.items()
            }
    finally:
        engine.dispose()


def test_row_scope_agrees_with_may_see_conversation() -> None:
    seen = visible(policy.row_scope)
    for name, viewer in VIEWERS.items():
        expected = [i for i, row in enumerate(ROWS) if policy.may_see_conversation(viewer, *row)]
        assert seen[name] == expected, name
    assert seen["lead of nothing"] == [] and seen["agent of no one"] == []


def test_group_scope_is_rows_without_people() -> None:
    seen = visible(policy.group_scope)
    assert seen["lead of team 2"] == [0, 3] and seen["lead of department 1"] == [0, 1, 3]
    assert seen["agent 5"] == [] and seen["admin"] == [0, 1, 2, 3]


def test_filter_scopes() -> None:
    teams = visible(lambda v, c: policy.team_scope(v, c.team_id, c.department_id))
    assert teams["lead of team 2"] == [0, 3] and teams["agent 5"] == []
    people = visible(lambda v, c: policy.person_scope(v, c.person_id, c.team_id, c.department_id))
    assert people["agent 5"] == [0] and people["lead of department 1"] == [0, 1, 3]
    departments = visible(lambda v, c: policy.department_scope(v, c.department_id))
    assert departments["lead of department 1"] == [0, 1, 3] and departments["lead of team 2"] == []
