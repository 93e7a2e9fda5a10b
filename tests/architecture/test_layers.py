"""The shells go through the service: no store or SQL imports in web/ and cli/ beyond the
two places that open the database, and the engine stays free of web, database and service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "servicecraft"
# The composition roots: where the app and the command line open the database.
OPENS_THE_DATABASE = {"web/app.py", "cli/app.py"}
FORBIDDEN_IN_SHELLS = ("servicecraft.store", "sqlalchemy", "alembic")
FORBIDDEN_IN_ENGINE = (
    "servicecraft.store",
    "servicecraft.service",
    "servicecraft.web",
    "servicecraft.cli",
    "sqlalchemy",
    "fastapi",
    "ray",
)


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, wherever in the file (functions included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def offences(folder: str, forbidden: tuple[str, ...], allowed: set[str]) -> list[str]:
    out = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name in allowed:
            continue
        for line, module in imports(path):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                out.append(f"{name}:{line} imports {module}")
    return out


@pytest.mark.parametrize("shell", ["web", "cli"])
def test_shells_reach_data_only_through_the_service(shell: str) -> None:
    assert offences(shell, FORBIDDEN_IN_SHELLS, OPENS_THE_DATABASE) == []


def test_the_composition_roots_only_open_the_database() -> None:
    for name in OPENS_THE_DATABASE:
        store_names = {
            alias.name
            for node in ast.walk(ast.parse((PACKAGE / name).read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module == "servicecraft.store"
            for alias in node.names
        }
        assert store_names <= {"open_database", "database_url", "Database", "ENV_URL"}, name
    sql = [(n, m) for n in OPENS_THE_DATABASE for _, m in imports(PACKAGE / n) if "sqlalchemy" in m]
    assert sql == []


def test_the_engine_stands_alone() -> None:
    assert offences("engine", FORBIDDEN_IN_ENGINE, set()) == []


def test_the_check_catches_an_offence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from sqlalchemy import select\n    import servicecraft.store\n")
    assert [m for _, m in imports(bad)] == ["sqlalchemy", "servicecraft.store"]
