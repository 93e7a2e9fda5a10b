"""The options that choose where scoring runs, shared by `score` and `import`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from servicecraft.executors import EXECUTORS, RAY_HINT, Executor, make_executor

executor_options: list[Callable[[Any], Any]] = [
    click.option(
        "--workers",
        type=click.IntRange(1, 4096),
        help="Workers (default 1; with --executor ray, one per CPU of the Ray cluster).",
    ),
    click.option(
        "--executor",
        type=click.Choice(EXECUTORS),
        help="Where to run (default: inprocess, or process with workers, or ray with an address).",
    ),
    click.option("--ray-address", help="Ray cluster address (implies --executor ray)."),
]


def with_executor_options(fn: Any) -> Any:
    """Add --workers, --executor and --ray-address to a command."""
    for option in reversed(executor_options):
        fn = option(fn)
    return fn


def open_executor(kind: str | None, workers: int | None, address: str | None) -> Executor:
    """The executor, or one line saying why it cannot start (no traceback)."""
    try:
        return make_executor(kind, workers, address)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except Exception as exc:  # Ray missing, a cluster that is down: one line
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise click.ClickException(
            message if message == RAY_HINT else f"cannot start executor: {message}"
        ) from None
