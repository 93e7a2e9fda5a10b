"""Evaluation-only data sets: EPITOME empathy and USS user satisfaction (never trained on)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, recall_score

from benchmarks.accuracy.table import Table
from servicecraft.engine.learned import BINS, LearnedSignals
from servicecraft.model import Conversation, Message
from servicecraft.training.models import load_dch


def epitome_items(data: Path) -> tuple[list[str], list[int]]:
    """EPITOME's responses and their emotional-reaction levels (0 none, 1 weak, 2 strong)."""
    with (data / "epitome" / "emotional-reactions.csv").open(encoding="utf-8", newline="") as f:
        items = [(r["response_post"], int(r["level"])) for r in csv.DictReader(f)]
    return [t for t, _ in items], [y for _, y in items]


def epitome_scores(warmth: list[float], truth: list[int]) -> tuple[float, float]:
    """Accuracy and macro-F1 of levels read off warmth at fixed cut points, never fitted to
    EPITOME: weak from 0.5, strong from 0.75."""
    predicted = [0 if w < 0.5 else 1 if w < 0.75 else 2 for w in warmth]
    accuracy = float(np.mean([p == t for p, t in zip(predicted, truth, strict=True)]))
    return accuracy, float(f1_score(truth, predicted, average="macro"))


def epitome(data: Path, table: Table, signals: LearnedSignals) -> None:
    texts, truth = epitome_items(data)
    accuracy, macro = epitome_scores(signals.empathy(texts), truth)
    table.add(
        "Empathy, EPITOME emotional reactions (evaluation only; heuristic, cut points 0.5 / 0.75)",
        "accuracy / macro-F1",
        f"{accuracy:.3f} / {macro:.3f}",
        "RoBERTa bi-encoder 0.794 / 0.745 (supervised on EPITOME)",
    )


def uss_dialogues(path: Path) -> list[list[tuple[str, str, int | None]]]:
    """(role, text, majority rating or None) per turn; the OVERALL rows are left out.

    The majority vote breaks ties towards the lower rating, as the published task does.
    """
    dialogues: list[list[tuple[str, str, int | None]]] = []
    turns: list[tuple[str, str, int | None]] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if turns:
                dialogues.append(turns)
            turns = []
            continue
        role, text, _action, ratings = [*line.split("\t"), "", "", ""][:4]
        if text == "OVERALL":
            continue
        rating = None
        if role == "USER" and ratings.strip():
            counts = Counter(int(r) for r in ratings.split(","))
            rating = min(counts, key=lambda r: (-counts[r], r))
        turns.append(("customer" if role == "USER" else "agent", text, rating))
    return dialogues


def uss(data: Path, table: Table, signals: LearnedSignals) -> None:
    """Each user turn's satisfaction from the dialogue up to it, by the DCH-1 model, zero-shot.

    The DCH-1 S distribution over -2..2 maps onto ratings 1..5. Two fixed decision rules, neither
    fitted to USS: the bin with the highest probability relative to DCH-1's training prior (the
    rule that maximises average recall when the model is calibrated), and the rounded expectation.
    """
    prior = load_dch(data).targets[:, 5:10].mean(0)
    for name, file, best in (("SGD", "SGD.txt", "0.293"), ("MultiWOZ", "MWOZ.txt", "0.256")):
        truth, balanced, rounded = [], [], []
        for turns in uss_dialogues(data / "uss" / file):
            for j, (_, _, rating) in enumerate(turns):
                if rating is None:
                    continue
                prefix = Conversation("u", [Message(r, t) for r, t, _ in turns[: j + 1]])  # type: ignore[arg-type]
                s = signals.outcomes(prefix)["satisfaction"]
                p = np.array([s["distribution"][b] for b in BINS])  # type: ignore[index]
                truth.append(rating)
                balanced.append(int(np.argmax(p / prior)) + 1)
                rounded.append(int(np.clip(round(float(s["expected"]) + 3), 1, 5)))  # type: ignore[arg-type]
        labels = sorted(set(truth))
        uar = recall_score(truth, balanced, labels=labels, average="macro", zero_division=0)
        uar_rounded = recall_score(truth, rounded, labels=labels, average="macro", zero_division=0)
        per_class = recall_score(truth, balanced, labels=labels, average=None, zero_division=0)
        counts = Counter(truth)
        detail = ", ".join(
            f"{r}: {recall:.2f} of {counts[r]:,}"
            for r, recall in zip(labels, per_class, strict=True)
        )
        table.add(
            f"User satisfaction, USS {name} (evaluation only; zero-shot from DCH-1)",
            "UAR per user turn",
            f"{uar:.3f} prior-corrected argmax, {uar_rounded:.3f} rounded expectation "
            f"(chance 0.200; recall by rating {detail})",
            f"best supervised in the paper (10-fold CV on USS) {best}",
        )
