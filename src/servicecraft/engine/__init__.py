"""The scoring engine: pure Python, no web, database or distributed-engine imports."""

from servicecraft.engine.analysis import Analysis, MessageAnalysis
from servicecraft.engine.consistency import AgentConsistency, agent_consistency, percentile
from servicecraft.engine.engine import (
    TIERS,
    BatchSignals,
    Engine,
    Signals,
    default_signals,
    tier_signals,
)
from servicecraft.engine.phrases import PhraseError
from servicecraft.engine.rubric import Cue, Rubric, RubricError, Skill, build_rubric, load_rubric
from servicecraft.engine.scorers import CueScorer, Scorer, builtin_scorer

__all__ = [
    "TIERS",
    "AgentConsistency",
    "Analysis",
    "BatchSignals",
    "Cue",
    "CueScorer",
    "Engine",
    "MessageAnalysis",
    "PhraseError",
    "Rubric",
    "RubricError",
    "Scorer",
    "Signals",
    "Skill",
    "agent_consistency",
    "build_rubric",
    "builtin_scorer",
    "default_signals",
    "load_rubric",
    "percentile",
    "tier_signals",
]
