"""`servicecraft practice`, end to end through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from servicecraft.cli import main
from servicecraft.practice import bundled_scenarios
from servicecraft.serialize import scorecard_to_dict

SCRIPTS = Path(__file__).resolve().parents[1] / "practice" / "scripts"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_list_as_json_gives_id_title_and_summary() -> None:
    code, out, err = run("practice", "--list", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["id"] for r in rows] == sorted(s.id for s in bundled_scenarios())
    assert all(r["title"] and r["summary"] and "\n" not in r["summary"] for r in rows)


def test_list_as_text() -> None:
    code, out, _ = run("practice", "--list")
    assert code == 0 and "charged-twice" in out and "third-chase" in out


def test_scripted_session_as_json_has_the_documented_shape() -> None:
    code, out, err = run(
        "practice",
        "--scenario",
        "charged-twice",
        "--seed",
        "5",
        "--replies",
        str(SCRIPTS / "good.txt"),
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["scenario"] == "charged-twice" and data["seed"] == 5
    assert data["outcome"] == "resolved"
    roles = [m["role"] for m in data["transcript"]]
    assert roles[0] == "customer" and set(roles) == {"customer", "agent"}
    assert len(data["mood"]) == roles.count("customer")
    assert all(isinstance(m, float) for m in data["mood"])
    # The scorecard has the same shape as `servicecraft score`'s output.
    assert set(data["scorecard"]) == set(json.loads(_score_shape()))
    assert data["scorecard"]["score"] is not None


def _score_shape() -> str:
    from servicecraft.engine import Engine
    from servicecraft.model import Conversation, Message

    card = Engine().score(Conversation("x", [Message("customer", "hi"), Message("agent", "hello")]))
    return json.dumps(scorecard_to_dict(card))


def test_replies_run_out_before_the_customer_ends_it() -> None:
    code, out, _ = run(
        "practice",
        "--scenario",
        "polite-complex",
        "--replies",
        "-",
        "--format",
        "json",
        stdin="Let me check that for you.\n\n",
    )
    assert code == 0
    data = json.loads(out)
    assert data["outcome"] == "unresolved" and len(data["transcript"]) == 3


def test_the_same_seed_replays_identically_from_the_command_line() -> None:
    args = ("practice", "--scenario", "third-chase", "--seed", "9", "--format", "json")
    first = run(*args, "--replies", str(SCRIPTS / "poor.txt"))[1]
    again = run(*args, "--replies", str(SCRIPTS / "poor.txt"))[1]
    assert first == again


def test_interactive_session_prints_the_feedback() -> None:
    code, out, err = run(
        "practice",
        "--scenario",
        "thats-billing",
        "--no-learned",
        stdin="That's billing, you'll need to contact them.\n/quit\n",
    )
    assert code == 0, err
    assert "customer: " in out and "you> " in out
    assert "Outcome: unresolved" in out
    assert "The moment that hurt most" in out and "a better reply:" in out
    assert "== Ownership" in out


def test_unknown_scenario_lists_the_available_ones() -> None:
    code, _, err = run("practice", "--scenario", "angry-wizard")
    assert code == 2
    assert "unknown scenario 'angry-wizard'" in err
    assert all(s.id in err for s in bundled_scenarios())


def test_a_broken_scenario_file_names_file_field_and_problem(tmp_path: Path) -> None:
    broken = tmp_path / "ours.yaml"
    broken.write_text(yaml.safe_dump({"id": "ours", "title": "Ours"}), encoding="utf-8")
    code, _, err = run("practice", "--list", "--scenarios", str(broken))
    assert code == 2
    assert f"{broken}: summary: is missing" in err


@pytest.mark.parametrize("args", [(), ("--seed", "3")])
def test_without_a_scenario_it_says_what_to_give(args: tuple[str, ...]) -> None:
    code, _, err = run("practice", *args)
    assert code == 2 and "--scenario" in err


def test_compared_with_a_persons_real_conversations(database_url: str) -> None:
    from tests.web.conftest import build_org

    build_org(database_url)
    code, out, err = run(
        "practice",
        "--scenario",
        "thats-billing",
        "--replies",
        str(SCRIPTS / "poor.txt"),
        "--format",
        "json",
        "--db",
        database_url,
        "--person",
        "Priya Nair",
    )
    assert code == 0, err
    rows = json.loads(out)["feedback"]["comparison"]
    assert {r["skill"] for r in rows} >= {"empathy", "ownership"}
    assert any(r["real"] is not None and r["difference"] is not None for r in rows)
    code, _, err = run(
        "practice", "--scenario", "thats-billing", "--db", database_url, "--person", "Nobody"
    )
    assert code == 2 and "no person named 'Nobody'" in err
    code, _, err = run(
        "practice", "--scenario", "thats-billing", "--person", "Priya Nair", "--db", ""
    )
    assert code == 2 and "--person needs --db" in err
