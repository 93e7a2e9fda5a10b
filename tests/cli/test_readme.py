"""The README's library example runs as written, on a file with a bad line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def library_example() -> str:
    section = README.split("## As a library", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "the README's library section has no Python block"
    return found.group(1)


def test_library_example_skips_a_bad_line_and_scores_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "chats.jsonl").write_text(
        '{"id": "good", "messages": [{"role": "customer", "text": "Where is my parcel?"},'
        ' {"role": "agent", "author": "Ana", "text": "Sorry for the wait, I have sent a new'
        ' one today."}]}\n'
        "{not json\n"
        '{"id": "also-good", "messages": [{"role": "customer", "text": "Thanks!"}]}\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    exec(compile(library_example(), "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("good ")
    assert lines[1].startswith("skipped chats.jsonl:line 2: invalid JSON")
    assert lines[2].startswith("also-good ")
    assert len(lines) == 3


def test_readme_lists_every_demo_login() -> None:
    from servicecraft.cli.app import REUSED_LOGINS

    for username, _ in REUSED_LOGINS:
        assert f"`{username}`" in README
