"""Politeness: TyDiP English cross-validated (trained on), Stanford Stack Exchange (evaluation only)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from benchmarks.accuracy.table import Table
from servicecraft.engine.learned import LearnedSignals
from servicecraft.training.models import (
    SEED,
    choose_politeness_c,
    fit_politeness,
    load_tydip,
    politeness_training_set,
)


def tydip(data: Path, table: Table) -> None:
    """10-fold CV over the binary items; each fold repeats the whole build, C chosen inside it."""
    polite = load_tydip(data)
    correct = 0
    chosen = []
    for train, test in StratifiedKFold(10, shuffle=True, random_state=SEED).split(
        polite.texts, polite.labels
    ):
        c = choose_politeness_c(polite, train)
        chosen.append(c)
        vectorizer, model = fit_politeness(*politeness_training_set(polite, train), c=c)
        predicted = model.predict(vectorizer.transform([polite.texts[i] for i in test]))
        correct += int((predicted == polite.labels[test]).sum())
    table.add(
        "Politeness, TyDiP English (10-fold CV, C chosen inside each fold)",
        "accuracy",
        f"{correct / len(polite.texts):.3f} (C per fold: {', '.join(f'{c:g}' for c in chosen)})",
        "TF-IDF+LR 0.821; MiniLM+TF-IDF+LR 0.857; fine-tuned MiniLM 0.868; XLM-R-large 0.892; goal 0.90",
    )


def stanford_quartiles(data: Path) -> tuple[list[str], np.ndarray]:
    """The published binary task: top vs bottom quartile of the normalised score."""
    path = data / "stanford_politeness" / "stack-exchange.annotated.csv"
    with path.open(encoding="utf-8", newline="") as f:
        items = [(r["Request"], float(r["Normalized Score"])) for r in csv.DictReader(f)]
    scores = np.array([s for _, s in items])
    low, high = np.quantile(scores, [0.25, 0.75])
    chosen = [(t, 1) for t, s in items if s >= high] + [(t, 0) for t, s in items if s <= low]
    return [t for t, _ in chosen], np.array([y for _, y in chosen])


def stanford(data: Path, table: Table, signals: LearnedSignals) -> None:
    texts, labels = stanford_quartiles(data)
    predicted = np.array(signals.politeness(texts)) > 0.5
    table.add(
        "Politeness, Stanford Stack Exchange quartiles (evaluation only; shipped model)",
        "accuracy",
        f"{float((predicted == labels.astype(bool)).mean()):.3f}",
        "in-domain linguistic features 0.782; human agreement 0.809",
    )
