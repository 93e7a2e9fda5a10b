"""What scored a stored conversation: one line kept in ``conversations.scored_with``.

A row whose line differs from the current engine's was scored by another version, rubric
or set of learned models, and `servicecraft rescore` brings it up to date.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from servicecraft import __version__
from servicecraft.engine import Engine, Rubric

# Bumped whenever the engine's scores change meaning without a new release: 2 is the
# engine that leaves a skill it did not observe as None instead of a default number.
SCORING_REVISION = 2
_NAME_LENGTH = 60  # the column holds 200 characters; a rubric's name is free text


def scored_with(engine: Engine) -> str:
    """The provenance line of scorecards this engine produces."""
    tier = "rules only"
    if engine.signals is not None:
        tier = f"{type(engine.signals).__name__} {_weights_digest()}"
    return (
        f"servicecraft {__version__}; scoring {SCORING_REVISION}; "
        f"rubric {engine.rubric.name[:_NAME_LENGTH]} {rubric_digest(engine.rubric)}; {tier}"
    )


def rubric_digest(rubric: Rubric) -> str:
    """Eight hex digits that change whenever anything the rubric scores with changes."""
    content = repr(
        (rubric.skills, rubric.cues, rubric.critical_threshold, rubric.critical_cap)
    ).encode()
    return hashlib.sha256(content).hexdigest()[:8]


@cache
def _weights_digest() -> str:
    """The shipped learned models' files, hashed once per process (about 2.5 MB)."""
    digest = hashlib.sha256()
    weights = resources.files("servicecraft.engine").joinpath("weights")
    for item in sorted(weights.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".npz"):
            digest.update(item.name.encode())
            digest.update(item.read_bytes())
    return digest.hexdigest()[:8]
