"""Held-out trainee script pairs, never used to tune the simulator (see their READMEs).

The same claims as test_done_means, on wording the simulator was not shaped around:
heldout/ was written before the simulator; heldout2/ after the engine's learned detectors
arrived and before the simulator was adapted to them.
"""

from __future__ import annotations

import pytest

from servicecraft.engine import Engine
from servicecraft.practice import bundled_scenarios, play
from tests.practice.conftest import script


@pytest.mark.parametrize(("folder", "seed"), [("heldout", 11), ("heldout2", 13)])
def test_heldout_scripts(engine: Engine, folder: str, seed: int) -> None:
    good, poor = script(f"{folder}/good.txt"), script(f"{folder}/poor.txt")
    resolved = 0
    for scenario in bundled_scenarios():
        g = play(scenario, good, seed=seed, engine=engine)
        p = play(scenario, poor, seed=seed, engine=engine)
        assert g.scorecard.score is not None and p.scorecard.score is not None
        assert g.scorecard.score >= p.scorecard.score + 15, (scenario.id, g.scorecard.score)
        assert p.outcome != "resolved", scenario.id
        resolved += g.outcome == "resolved"
    assert resolved >= 0.8 * len(bundled_scenarios())
