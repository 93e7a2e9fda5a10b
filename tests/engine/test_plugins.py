"""A user's own scorer plugs in exactly like the built-ins."""

from __future__ import annotations

from servicecraft.engine import Analysis, Engine, Scorer, agent_consistency, percentile
from servicecraft.model import SkillScore

from .conftest import chat


class BrandVoice:
    """Example user scorer: rewards saying the brand name."""

    skill = "brand_voice"

    def score(self, analysis: Analysis) -> SkillScore:
        evidence = []
        for m in analysis.by_role("agent"):
            start = m.message.text.find("Acme")
            if start >= 0:
                evidence.append(
                    analysis.evidence_span(m.index, start, start + 4, "+", "names the brand", 50.0)
                )
        return SkillScore(self.skill, 50.0 + sum(e.weight for e in evidence), evidence)


def test_custom_scorer_is_a_scorer() -> None:
    assert isinstance(BrandVoice(), Scorer)


def test_custom_scorer_adds_a_skill_and_counts_in_overall() -> None:
    engine = Engine(scorers=[BrandVoice()], learned=False)
    card = engine.score(chat("Hi", "Welcome to Acme support!"))
    assert card.skills["brand_voice"].score == 100.0
    assert card.skills["brand_voice"].evidence[0].text == "Acme"
    plain = Engine(learned=False).score(chat("Hi", "Welcome to Acme support!"))
    assert card.score is not None and plain.score is not None and card.score > plain.score


def test_custom_scorer_replaces_a_builtin() -> None:
    class Strict:
        skill = "rapport"

        def score(self, analysis: Analysis) -> SkillScore:
            return SkillScore("rapport", 0.0, [])

    card = Engine(scorers=[Strict()], learned=False).score(chat("Hi", "Hello!"))
    assert card.skills["rapport"].score == 0.0


def test_consistency_better_than_average_every_time() -> None:
    scores = [("ana", "t1", s) for s in (80, 82, 85, 90)] + [
        ("bo", "t1", s) for s in (40, 95, 50, 99)
    ]
    scores.append(("cy", None, None))
    by_agent = {a.agent: a for a in agent_consistency(scores)}
    assert set(by_agent) == {"ana", "bo"}
    team_mean = sum(s for _, _, s in scores if s is not None) / 8
    assert by_agent["ana"].team_mean == round(team_mean, 2)
    # Similar means, different consistency: Ana beats the team average every time, Bo half the time.
    assert by_agent["ana"].above_team_average == 1.0
    assert by_agent["bo"].above_team_average == 0.5
    assert by_agent["ana"].p10 > by_agent["bo"].p10
    assert percentile([1, 2, 3, 4, 5], 50) == 3
