"""The held-out pair (heldout/), written before the simulator and never used to tune it.

The same claims as test_done_means, on wording the simulator was not shaped around.
"""

from __future__ import annotations

from servicecraft.engine import Engine
from servicecraft.practice import bundled_scenarios, play
from tests.practice.conftest import script


def test_heldout_scripts(engine: Engine) -> None:
    good, poor = script("heldout/good.txt"), script("heldout/poor.txt")
    resolved = 0
    for scenario in bundled_scenarios():
        g = play(scenario, good, seed=11, engine=engine)
        p = play(scenario, poor, seed=11, engine=engine)
        assert g.scorecard.score is not None and p.scorecard.score is not None
        assert g.scorecard.score >= p.scorecard.score + 15, (scenario.id, g.scorecard.score)
        assert p.outcome != "resolved", scenario.id
        resolved += g.outcome == "resolved"
    assert resolved >= 0.8 * len(bundled_scenarios())
