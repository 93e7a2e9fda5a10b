"""Practice: simulated customers from YAML scenarios, scored by the same Engine as real work.

Pure code beside the engine: no web, database or Ray imports. See docs/practice.md.
"""

from servicecraft.practice.customer import CustomerState, SimulatedCustomer, Turn
from servicecraft.practice.feedback import Feedback, Moment, compare
from servicecraft.practice.scenario import (
    OUTCOMES,
    Need,
    Scenario,
    ScenarioError,
    bundled_scenarios,
    load_scenario,
    load_scenarios,
    parse_scenario,
    scenarios_for_skill,
)
from servicecraft.practice.session import PracticeResult, PracticeSession, play
from servicecraft.practice.signals import SIGNALS, read_reply

__all__ = [
    "OUTCOMES",
    "SIGNALS",
    "CustomerState",
    "Feedback",
    "Moment",
    "Need",
    "PracticeResult",
    "PracticeSession",
    "Scenario",
    "ScenarioError",
    "SimulatedCustomer",
    "Turn",
    "bundled_scenarios",
    "compare",
    "load_scenario",
    "load_scenarios",
    "parse_scenario",
    "play",
    "read_reply",
    "scenarios_for_skill",
]
