"""servicecraft: measure, teach and improve customer service.

The public API is what this module exports; everything else is internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

from servicecraft.model import (
    Conversation,
    Evidence,
    Hindrance,
    Message,
    Metrics,
    Rejection,
    Scorecard,
    SkillScore,
    Survey,
)

__all__ = [
    "Conversation",
    "Evidence",
    "Hindrance",
    "Message",
    "Metrics",
    "Rejection",
    "Scorecard",
    "SkillScore",
    "Survey",
    "__version__",
]
