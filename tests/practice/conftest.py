from __future__ import annotations

from pathlib import Path

import pytest

from servicecraft.engine import Engine

HERE = Path(__file__).parent


def script(name: str) -> list[str]:
    """A trainee script: one reply per line."""
    return (HERE / name).read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine()
