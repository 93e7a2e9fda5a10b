"""Is the evidence right? The engine's quotes on real dialogues, judged one by one.

    python -m benchmarks.evidence [--data ../shared/data]

``benchmarks/data/evidence_audit.yaml`` holds evidence the engine quoted on DCH-1 English
dialogues (drawn at random, up to a fixed number per reason, from the dev and the held-out test
dialogues of ``benchmarks.judgement``'s split), each judged "right", "wrong" or "unsure" by an
annotator who read the whole conversation: does this quote, in this conversation, show what the
reason says? The file records which engine it judged (``engine``), so that its figures stay
reproducible as the engine changes.

The engine of this checkout scores the same dialogues again. Per reason and split it prints:
the judged quotes and how many were right (the precision of the judged engine); of those, the
ones this engine still quotes and their precision; and how many quotes of that reason this
engine makes on the split's dialogues but nobody judged (new since the audit, so not covered).
The total line weighs each reason's precision by how often this engine quotes it on the split,
which estimates the share of quotes a user sees that are right.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from benchmarks.judgement import split
from servicecraft.engine import Engine
from servicecraft.training.overall import dch_conversations

AUDIT = Path(__file__).parent / "data" / "evidence_audit.yaml"

Key = tuple[str, int, int, int]  # reason, message (0-based), start, end


def quotes(engine: Engine, conversation: Any) -> set[Key]:
    card = engine.score(conversation)
    return {(e.reason, e.message, e.start, e.end) for s in card.skills.values() for e in s.evidence}


def precision(right: int, wrong: int) -> str:
    return f"{right / (right + wrong):5.2f}" if right + wrong else "    -"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--audit", default=AUDIT, type=Path)
    args = parser.parse_args()
    audit = yaml.safe_load(args.audit.read_text(encoding="utf-8"))
    conversations, _ = dch_conversations(args.data)
    dev, test = split(len(conversations))
    engine = Engine()
    print(f"evidence judged on the engine of {audit['engine']}; this checkout's engine re-scores")
    for name, rows in (("dev", dev), ("test", test)):
        made: dict[int, set[Key]] = {int(i): quotes(engine, conversations[i]) for i in rows}
        counts = Counter(k[0] for found in made.values() for k in found)
        judged: dict[str, Counter[str]] = defaultdict(Counter)
        covered: set[tuple[int, Key]] = set()
        for item in audit["items"]:
            if item["split"] != name:
                continue
            i = int(item["dialogue"].split("-")[1])
            key = (item["reason"], item["message"] - 1, item["start"], item["end"])
            covered.add((i, key))
            verdict = item["judgement"]
            judged[item["reason"]][verdict] += 1
            if key in made[i]:
                judged[item["reason"]]["kept " + verdict] += 1
        new = Counter(k[0] for i, found in made.items() for k in found if (i, k) not in covered)
        print(f"\n{name}: {len(rows)} dialogues")
        print(
            f"{'reason':52} {'judged':>6} {'right':>5} {'prec.':>5}   {'kept':>4} {'prec.':>5}   "
            f"{'quoted now':>10}"
        )
        weighted = [0.0, 0.0, 0.0, 0.0]  # judged engine: right-weight, total; now: the same
        for reason in sorted(set(judged) | set(counts), key=lambda r: -counts.get(r, 0)):
            j = judged.get(reason, Counter())
            right, wrong = j["right"], j["wrong"]
            kept_right, kept_wrong = j["kept right"], j["kept wrong"]
            kept = sum(v for k, v in j.items() if k.startswith("kept "))
            print(
                f"{reason[:52]:52} {sum(v for k, v in j.items() if not k.startswith('kept ')):6} "
                f"{right:5} {precision(right, wrong)}   {kept:4} {precision(kept_right, kept_wrong)}   "
                f"{counts.get(reason, 0):10}"
                + (f"  ({new[reason]} unjudged)" if new[reason] else "")
            )
            if right + wrong:
                weighted[0] += counts.get(reason, 0) * right / (right + wrong)
                weighted[1] += counts.get(reason, 0)
            if kept_right + kept_wrong:
                weighted[2] += counts.get(reason, 0) * kept_right / (kept_right + kept_wrong)
                weighted[3] += counts.get(reason, 0)
        print(
            f"share of quotes right, weighted by how often each reason is quoted now: judged "
            f"engine {weighted[0] / max(weighted[1], 1):.3f}, this engine {weighted[2] / max(weighted[3], 1):.3f}"
        )


if __name__ == "__main__":
    main()
