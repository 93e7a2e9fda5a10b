from __future__ import annotations

import io

from servicecraft.cli import progress
from servicecraft.cli.progress import Progress


def test_progress_draws_counts_and_rate_on_a_terminal(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(progress, "INTERVAL_SECONDS", 0.0)
    stream = io.StringIO()
    bar = Progress(stream, enabled=True)
    for _ in range(128):
        bar.tick()
    bar.reject()
    bar.finish()
    text = stream.getvalue()
    assert "scored 128" in text and "rejected 1" in text and "/s" in text
    assert text.endswith("\n")


def test_progress_is_silent_off_a_terminal() -> None:
    stream = io.StringIO()  # isatty() is False
    bar = Progress(stream)
    for _ in range(1000):
        bar.tick()
    bar.finish()
    assert stream.getvalue() == "" and bar.done == 1000
