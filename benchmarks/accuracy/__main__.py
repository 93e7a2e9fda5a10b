"""Accuracy of the learned tiers against published results, on the shared data.

    python -m benchmarks.accuracy [--data ../shared/data] [--only tydip,dch,...]

Trains only on CC BY data (TyDiP, DCH-1), repeating the whole build inside every
cross-validation fold (hyper-parameters chosen on the fold's training part only). Stanford
politeness, EPITOME and USS are evaluation only, scored with the shipped models. Prints one
table with the published anchors beside our numbers, and the speed of the tier.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from benchmarks.accuracy.dialogues import dch
from benchmarks.accuracy.evaluation import epitome, uss
from benchmarks.accuracy.politeness import stanford, tydip
from benchmarks.accuracy.table import Table
from servicecraft.engine.learned import LearnedSignals
from servicecraft.model import Conversation, Message
from servicecraft.training.models import load_dch


def speed(data: Path, table: Table, signals: LearnedSignals) -> None:
    """The learned tier alone (politeness, empathy and outcomes), one core, best of three."""
    dialogues = load_dch(data)
    conversations = [
        Conversation(
            str(i),
            [
                Message("customer" if r == "c" else "agent", " ".join(w))
                for r, w in zip(roles, words, strict=True)
            ],
        )
        for i, (roles, words) in enumerate(zip(dialogues.roles, dialogues.words, strict=True))
    ]
    messages = sum(len(c.messages) for c in conversations)
    batches = [conversations[i : i + 256] for i in range(0, len(conversations), 256)]
    for label, run in (
        ("one at a time", lambda: [signals.annotate(c) for c in conversations]),
        ("in batches of 256", lambda: [signals.annotate_many(b) for b in batches]),
    ):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        table.add(
            f"Speed of the fast tier alone, one CPU core, {label} (DCH-1, ~4 turns)",
            "throughput",
            f"{messages / best:,.0f} messages/s, {len(conversations) / best:,.0f} conversations/s",
            "end to end with the rules: python -m benchmarks.throughput",
        )


TRAINED = {"tydip": tydip, "dch": dch}
EVALUATED = {"stanford": stanford, "epitome": epitome, "uss": uss, "speed": speed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--only", default=",".join([*TRAINED, *EVALUATED]))
    args = parser.parse_args()
    chosen = args.only.split(",")
    unknown = set(chosen) - set(TRAINED) - set(EVALUATED)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    table = Table()
    signals = LearnedSignals.load()
    with threadpool_limits(1):  # see training.models.build
        for name in chosen:
            if name in TRAINED:
                TRAINED[name](args.data, table)
            else:
                EVALUATED[name](args.data, table, signals)
    print()
    print(table.markdown())


if __name__ == "__main__":
    main()
