"""Train the shipped models from ../shared/data, deterministically.

Only CC BY data trains what ships: TyDiP (politeness) and DCH-1 English (outcomes).
Hyper-parameters are fixed here (chosen by 10-fold and 5-fold cross-validation, see
docs/models.md), so a build is a pure function of the data.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from servicecraft.engine.learned.features import conversation_features, politeness_features

POLITENESS_C = 1.0
OUTCOMES_C = 0.1
QUALITIES = ("A", "S", "E")  # resolution, satisfaction, effectiveness


@dataclass(frozen=True)
class Politeness:
    texts: list[str]
    labels: np.ndarray  # 1 polite, 0 impolite (top / bottom quartile)
    extra_texts: list[str]  # the middle quartiles, by the sign of their score
    extra_labels: list[int]
    extra_weights: list[float]  # |score|: the surer the label, the more it counts


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_tydip(data: Path) -> Politeness:
    binary = _rows(data / "tydip" / "en_train_binary.csv")
    scored = _rows(data / "tydip" / "en_train.csv")
    seen = {r["sentence"] for r in binary}
    extra = [r for r in scored if r["sentence"] not in seen]
    return Politeness(
        texts=[r["sentence"] for r in binary],
        labels=np.array([1 if float(r["score"]) > 0 else 0 for r in binary]),
        extra_texts=[r["sentence"] for r in extra],
        extra_labels=[1 if float(r["score"]) > 0 else 0 for r in extra],
        extra_weights=[abs(float(r["score"])) for r in extra],
    )


def fit_politeness(
    texts: list[str], labels: list[int], weights: list[float]
) -> tuple[CountVectorizer, LogisticRegression]:
    vectorizer = CountVectorizer(analyzer=politeness_features, binary=True)
    model = LogisticRegression(C=POLITENESS_C, max_iter=5000)
    model.fit(vectorizer.fit_transform(texts), labels, sample_weight=weights)
    return vectorizer, model


def politeness_training_set(
    data: Politeness, rows: np.ndarray | None = None
) -> tuple[list[str], list[int], list[float]]:
    chosen = range(len(data.texts)) if rows is None else rows
    texts = [data.texts[i] for i in chosen] + data.extra_texts
    labels = [int(data.labels[i]) for i in chosen] + data.extra_labels
    weights = [1.0] * len(chosen) + data.extra_weights
    return texts, labels, weights


@dataclass(frozen=True)
class Dialogues:
    roles: list[list[str]]
    texts: list[list[str]]
    targets: dict[str, np.ndarray]  # quality -> (n, 5) distribution of the 19 judgements

    def features(self, rows: Any = None) -> list[list[str]]:
        chosen = range(len(self.roles)) if rows is None else rows
        return [conversation_features(self.roles[i], self.texts[i]) for i in chosen]


def load_dch(data: Path, language: str = "en") -> Dialogues:
    dialogues = json.loads((data / "stc3" / f"dch1_{language}.json").read_text(encoding="utf-8"))
    roles = [
        ["customer" if t["sender"] == "customer" else "agent" for t in d["turns"]]
        for d in dialogues
    ]
    texts = [["\n".join(t["utterances"]) for t in d["turns"]] for d in dialogues]
    targets = {}
    for q in QUALITIES:
        counts = np.zeros((len(dialogues), 5))
        for i, d in enumerate(dialogues):
            for a in d["annotations"]:
                counts[i, a["quality"][q] + 2] += 1
        targets[q] = counts / counts.sum(axis=1, keepdims=True)
    return Dialogues(roles, texts, targets)


def fit_soft(matrix: sp.csr_matrix, targets: np.ndarray) -> LogisticRegression:
    """Multinomial logistic regression on soft labels: each row once per bin, weighted by share."""
    n = matrix.shape[0]
    stacked = sp.vstack([matrix] * 5).tocsr()
    classes = np.repeat(np.arange(5), n)
    weights = targets.T.reshape(-1)
    keep = weights > 0
    model = LogisticRegression(C=OUTCOMES_C, max_iter=5000)
    return model.fit(stacked[keep], classes[keep], sample_weight=weights[keep])


def predict_soft(model: LogisticRegression, matrix: sp.csr_matrix) -> np.ndarray:
    out = np.zeros((matrix.shape[0], 5))
    out[:, model.classes_] = model.predict_proba(matrix)
    return out


def nmd(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Normalised match distance, averaged over dialogues (lower is better)."""
    return float(np.abs(np.cumsum(predicted, 1) - np.cumsum(truth, 1)).sum(1).mean() / 4)


def _dump(path: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(text.encode())


def build(data: Path, out: Path) -> dict[str, int]:
    """Train every shipped model on all its data and write the weight files; returns their sizes."""
    out.mkdir(parents=True, exist_ok=True)
    polite = load_tydip(data)
    vectorizer, model = fit_politeness(*politeness_training_set(polite))
    names = vectorizer.get_feature_names_out()
    _dump(
        out / "politeness.json.gz",
        {
            "bias": round(float(model.intercept_[0]), 6),
            "weights": {
                str(f): round(float(w), 5)
                for f, w in zip(names, model.coef_[0], strict=True)
                if abs(w) >= 1e-4
            },
        },
    )
    dialogues = load_dch(data)
    vectorizer = CountVectorizer(analyzer=lambda f: f, binary=True, min_df=2)
    matrix = vectorizer.fit_transform(dialogues.features())
    columns, biases = [], []
    for q in QUALITIES:
        fitted = fit_soft(matrix, dialogues.targets[q])
        coef = np.zeros((5, matrix.shape[1]))
        intercept = np.full(5, -30.0)
        coef[fitted.classes_], intercept[fitted.classes_] = fitted.coef_, fitted.intercept_
        columns.append(coef.T)
        biases.extend(intercept)
    weights = np.round(np.hstack(columns), 5)
    _dump(
        out / "outcomes.json.gz",
        {
            "features": [str(f) for f in vectorizer.get_feature_names_out()],
            "weights": weights.tolist(),
            "bias": [round(float(b), 6) for b in biases],
        },
    )
    return {p.name: p.stat().st_size for p in sorted(out.glob("*.json.gz"))}
