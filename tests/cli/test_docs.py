"""Every CLI command and option is documented in docs/cli.md (as sqlite-utils does)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from servicecraft.cli import _COMMAND_MODULES, main, register_all

DOC = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{full} ")
    return found


register_all()
COMMANDS = _commands(main)


def test_there_are_commands() -> None:
    assert {"score", "explain"} <= {name for name, _ in COMMANDS}


def test_every_command_is_found_by_name() -> None:
    """The lazy group finds a command by its name only through its module's entry."""
    assert set(main.commands) == set(_COMMAND_MODULES)


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_is_documented(name: str, command: click.Command) -> None:
    assert f"## {name}" in DOC, f"docs/cli.md has no section '## {name}'"
    section = DOC.split(f"## {name}", 1)[1].split("\n## ", 1)[0]
    for param in command.params:
        if isinstance(param, click.Option):
            assert any(f"`{opt}" in section for opt in param.opts), (
                f"{name}: {param.opts[0]} undocumented"
            )
