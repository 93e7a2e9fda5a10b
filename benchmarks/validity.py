"""How the rubric's scores relate to human judgements, on DCH-1 (1,248 English dialogues).

    python -m benchmarks.validity [--data ../shared/data]

Prints Spearman's rho between each skill (and the overall score) and the mean of 19
annotators' A (task accomplished), S (satisfaction) and E (effectiveness) ratings.
The rubric measures service behaviours, not outcomes, so this is a sanity check of
direction and a record of where the two part ways; the learned outcome predictors
(benchmarks/accuracy) are the ones built to predict A, S and E.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from scipy.stats import spearmanr

from servicecraft.engine import Engine
from servicecraft.model import Conversation, Message


def load_dch(path: Path) -> list[tuple[Conversation, dict[str, float]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for item in data:
        messages = [
            Message(
                "customer" if t["sender"] == "customer" else "agent", "\n".join(t["utterances"])
            )
            for t in item["turns"]
        ]
        labels = {q: statistics.mean(a["quality"][q] for a in item["annotations"]) for q in "ASE"}
        out.append((Conversation(str(item["id"]), messages), labels))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data", type=Path)
    args = parser.parse_args()
    dialogues = load_dch(args.data / "stc3" / "dch1_en.json")
    engine = Engine(learned=False)
    start = time.perf_counter()
    cards = [engine.score(c) for c, _ in dialogues]
    elapsed = time.perf_counter() - start
    print(
        f"DCH-1 English: {len(cards)} dialogues, rules only, {len(cards) / elapsed:,.0f} conv/s on one core"
    )
    names = ["overall", *engine.rubric.skills]
    print(f"{'skill':<12} {'shown':>6}  {'rho A':>7} {'rho S':>7} {'rho E':>7}")
    for name in names:
        pairs = [
            (card.score if name == "overall" else card.skills[name].score, labels)
            for card, (_, labels) in zip(cards, dialogues, strict=True)
        ]
        shown = [(s, labels) for s, labels in pairs if s is not None]
        rhos = [
            spearmanr([s for s, _ in shown], [lab[q] for _, lab in shown]).statistic for q in "ASE"
        ]
        print(f"{name:<12} {len(shown):>6}  " + " ".join(f"{r:>7.3f}" for r in rhos))


if __name__ == "__main__":
    main()
