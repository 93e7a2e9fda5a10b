"""A progress line on stderr for long runs, shown only on a terminal."""

from __future__ import annotations

import time
from typing import TextIO

# Redraw at most this often: drawing every record would cost more than scoring it.
INTERVAL_SECONDS = 0.25


class Progress:
    def __init__(self, stream: TextIO, enabled: bool | None = None) -> None:
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.done = 0
        self.rejected = 0
        self._started = time.monotonic()
        self._next_draw = self._started + INTERVAL_SECONDS
        self._drawn = False

    def tick(self) -> None:
        self.done += 1
        if self.enabled and self.done % 64 == 0:
            self._maybe_draw()

    def reject(self) -> None:
        self.rejected += 1

    def _maybe_draw(self) -> None:
        now = time.monotonic()
        if now >= self._next_draw:
            self._next_draw = now + INTERVAL_SECONDS
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.done / max(now - self._started, 1e-9)
        line = f"\rscored {self.done:,}  rejected {self.rejected:,}  {rate:,.0f}/s "
        self.stream.write(line)
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
