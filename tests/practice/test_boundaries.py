"""Practice is pure code beside the engine: no web, database or Ray imports."""

from __future__ import annotations

from tests.engine.test_boundaries import FORBIDDEN, imported_after


def test_practice_imports_no_web_database_or_ray() -> None:
    modules = imported_after(
        "from servicecraft.practice import bundled_scenarios, play; "
        "play(bundled_scenarios()[0], ['Sorry, let me check.'])"
    )
    leaked = sorted(m for m in modules if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN))
    assert leaked == []
