"""`servicecraft score` and `servicecraft explain`, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from servicecraft.cli import main
from servicecraft.importers import sample_path

SAMPLE = sample_path()
SAMPLE_SIZE = sum(
    1 for line in Path(SAMPLE).read_text(encoding="utf-8").splitlines() if line.strip()
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_score_sample_jsonl_is_the_documented_contract() -> None:
    code, out, err = run("score", SAMPLE, "--no-learned")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == SAMPLE_SIZE
    first = records[0]
    assert set(first) >= {"id", "score", "agent", "skills", "metrics", "messages"}
    assert set(first["skills"]) == {
        "rapport",
        "empathy",
        "respect",
        "ownership",
        "honesty",
        "solution",
        "proactivity",
        "clarity",
    }
    evidence = first["skills"]["empathy"]["evidence"][0]
    assert set(evidence) >= {"message", "start", "end", "text", "effect", "reason"}
    assert set(first["metrics"]) == {
        "handoffs",
        "one_touch",
        "customer_messages_before_straight_answer",
        "chasers",
        "first_response_seconds",
        "hindrances",
    }
    assert f"scored {SAMPLE_SIZE} conversation(s), rejected 0" in err


def test_workers_give_identical_output(tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run("score", SAMPLE, "--no-learned", "-o", str(one))[0] == 0
    assert run("score", SAMPLE, "--no-learned", "-o", str(two), "--workers", "2")[0] == 0
    assert one.read_bytes() == two.read_bytes()


def test_rejected_records_are_reported_and_the_rest_scored(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = json.dumps(
        {
            "id": "ok",
            "messages": [{"role": "customer", "text": "hi"}, {"role": "agent", "text": "Hello!"}],
        }
    )
    path.write_text(good + "\n{broken\n" + good.replace('"ok"', '"ok2"') + "\n")
    rejects = tmp_path / "rejects.jsonl"
    code, out, err = run("score", str(path), "--no-learned", "--rejects", str(rejects))
    assert code == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["ok", "ok2"]
    assert f"rejected {path}:line 2: invalid JSON" in err
    assert "scored 2 conversation(s), rejected 1" in err
    assert json.loads(rejects.read_text())["location"] == "line 2"


def test_missing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, out, err = run("score", str(tmp_path / "nope.jsonl"))
    assert code == 2
    assert err.strip() == f"Error: {tmp_path / 'nope.jsonl'}: no such file"
    assert out == ""


def test_csv_and_table_formats(tmp_path: Path) -> None:
    code, out, _ = run("score", SAMPLE, "--no-learned", "--format", "csv")
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert header[:3] == ["id", "agent", "score"] and "one_touch" in header
    assert len(out.splitlines()) == SAMPLE_SIZE + 1
    code, out, _ = run("score", SAMPLE, "--no-learned", "--format", "table")
    assert code == 0 and out.splitlines()[0].startswith("id") and "craft-001" in out


def test_custom_csv_headers(tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(
        "ticket,speaker,body\n1,customer,Where is my parcel?\n1,agent,I've sent a replacement.\n"
    )
    code, out, err = run(
        "score",
        str(path),
        "--no-learned",
        "--csv-column",
        "conversation_id=ticket",
        "--csv-column",
        "role=speaker",
        "--csv-column",
        "text=body",
    )
    assert code == 0, err
    assert json.loads(out)["id"] == "1"
    code, _, err = run("score", str(path), "--csv-column", "colour=red")
    assert code == 2 and "use FIELD=HEADER" in err


def test_bad_rubric_is_one_line(tmp_path: Path) -> None:
    rubric = tmp_path / "r.yaml"
    rubric.write_text("extends: default\ncues:\n  x:\n    effects: {charm: 1}\n    phrases: [hi]\n")
    code, _, err = run("score", SAMPLE, "--rubric", str(rubric))
    assert code == 2
    assert err.strip() == f"Error: {rubric}: cue 'x' affects unknown skill(s): charm"


def test_user_scorer_from_the_command_line() -> None:
    code, out, err = run(
        "score", SAMPLE, "--no-learned", "--scorer", "tests.engine.test_plugins:BrandVoice"
    )
    assert code == 0, err
    assert "brand_voice" in json.loads(out.splitlines()[0])["skills"]
    code, _, err = run("score", SAMPLE, "--scorer", "nope")
    assert code == 2 and "must look like 'package.module:attribute'" in err


def test_explain_highlights_evidence() -> None:
    code, out, err = run(
        "explain", SAMPLE, "--id", "craft-002", "--no-learned", "--skill", "ownership"
    )
    assert code == 0, err
    assert "== Ownership" in out
    assert "passes the customer to someone else instead of helping" in out
    assert "(-28): “not my department”" in out
    code, _, err = run("explain", SAMPLE, "--id", "nope", "--no-learned")
    assert code == 2 and "no conversation with id 'nope'" in err


def test_real_entry_point_in_a_subprocess(tmp_path: Path) -> None:
    out = tmp_path / "scored.jsonl"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "servicecraft.cli",
            "score",
            SAMPLE,
            "--no-learned",
            "--workers",
            "2",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # No progress line off a terminal: only the summary.
    assert result.stderr.strip() == f"scored {SAMPLE_SIZE} conversation(s), rejected 0"
    assert len(out.read_text().splitlines()) == SAMPLE_SIZE


@pytest.mark.parametrize("executor", ["inprocess", "process"])
def test_executors_from_the_command_line(tmp_path: Path, executor: str) -> None:
    code, out, err = run("score", SAMPLE, "--no-learned", "--executor", executor, "--workers", "2")
    assert code == 0, err
    assert len(out.splitlines()) == SAMPLE_SIZE


WRONG_COLUMNS = "ticket,speaker,body\n1,customer,Where is my parcel?\n1,agent,On its way.\n"


@pytest.mark.parametrize("command", ["score", "explain"])
def test_a_csv_with_the_wrong_columns_is_one_line_with_a_hint(tmp_path: Path, command: str) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(WRONG_COLUMNS)
    args = ("--id", "1") if command == "explain" else ()
    code, out, err = run(command, str(path), "--no-learned", *args)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        f"Error: {path}: CSV header has no column 'conversation_id', 'role', 'text' "
        "(it has 'ticket', 'speaker', 'body'); name your columns with --csv-column "
        "FIELD=HEADER, e.g. --csv-column conversation_id=ticket --csv-column role=speaker "
        "(fields: conversation_id, role, author, department, timestamp, text, channel, public)"
    ]


def test_a_conversation_without_messages_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_text(
        '{"id": "empty", "messages": []}\n{"id": "ok", "messages": [{"role": "customer", "text": "hi"}]}\n'
    )
    code, out, err = run("score", str(path), "--no-learned")
    assert code == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["ok"]
    assert f"rejected {path}:line 1: the conversation has no messages" in err


def test_explain_says_not_observed_rather_than_a_number(tmp_path: Path) -> None:
    path = tmp_path / "hi.jsonl"
    path.write_text('{"id": "hi", "messages": [{"role": "customer", "text": "hi"}]}\n')
    code, out, err = run("explain", str(path), "--id", "hi", "--no-learned", "--skill", "empathy")
    assert code == 0, err
    assert "== Empathy: not observed" in out
    assert "no evidence either way: this conversation does not show it" in out
