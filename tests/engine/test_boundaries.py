"""The engine is pure scoring: importing it must not drag in web, database or Ray code."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "fastapi",
    "starlette",
    "uvicorn",
    "ray",
    "jinja2",
    "servicecraft.store",
    "servicecraft.web",
    "servicecraft.service",
)


def imported_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


def test_engine_imports_no_web_database_or_ray() -> None:
    modules = imported_after("from servicecraft.engine import Engine; Engine()")
    leaked = sorted(m for m in modules if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN))
    assert leaked == []


def test_model_imports_nothing_of_ours() -> None:
    modules = imported_after("import servicecraft.model")
    ours = sorted(
        m
        for m in modules
        if m.startswith("servicecraft") and m not in ("servicecraft", "servicecraft.model")
    )
    assert ours == []
