"""Resolution, satisfaction and effectiveness on DCH-1 English: 5-fold CV against baselines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold

from benchmarks.accuracy.table import Table
from servicecraft.training.models import SEED, DialogueModel, load_dch, nmd

NAMES = ("resolution (A)", "satisfaction (S)", "effectiveness (E)")
PUBLISHED = (
    "published held-out: prior ~0.14, TF-IDF+ridge {0}, fine-tuned MiniLM {1}; goal <= {2}, aim {3}"
)
ANCHORS = (("0.113", "0.090", "0.100", "0.085"), ("0.107", "0.080", "0.095", "0.080"))
ANCHORS += (("0.099", "0.085", "0.088", "0.075"),)


def ridge_baseline(texts: list[str], targets: np.ndarray, train: np.ndarray, test: np.ndarray):  # type: ignore[no-untyped-def]
    """TF-IDF + ridge regression of the 15 bin shares, clipped and renormalised per scale."""
    tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2)
    x = tfidf.fit_transform([texts[i] for i in train])
    p = Ridge(alpha=1.0).fit(x, targets[train]).predict(tfidf.transform([texts[i] for i in test]))
    p = np.clip(p, 0, None).reshape(len(test), 3, 5)
    p /= np.maximum(p.sum(2, keepdims=True), 1e-9)
    return p.reshape(len(test), 15)


def dch(data: Path, table: Table) -> None:
    """Each fold repeats the whole build on its training part (nugget weight chosen inside)."""
    dialogues = load_dch(data)
    texts = dialogues.texts()
    n = len(dialogues)
    ours, prior, ridge = np.zeros((n, 15)), np.zeros((n, 15)), np.zeros((n, 15))
    for train, test in KFold(5, shuffle=True, random_state=SEED).split(np.arange(n)):
        model = DialogueModel.fit(dialogues, train)
        ours[test] = model.predict(dialogues, test)
        prior[test] = dialogues.targets[train].mean(0)
        ridge[test] = ridge_baseline(texts, dialogues.targets, train, test)
        print(f"    fold done (nugget weight {model.scale:g}, L2 {model.lam:g})", flush=True)
    truth = dialogues.targets
    for q, (name, anchors) in enumerate(zip(NAMES, ANCHORS, strict=True)):
        table.add(
            f"DCH-1 {name}, 5-fold CV",
            "NMD (lower is better)",
            f"**{nmd(ours, truth, q):.4f}** (prior {nmd(prior, truth, q):.4f}, "
            f"TF-IDF+ridge {nmd(ridge, truth, q):.4f}, in this run)",
            PUBLISHED.format(*anchors),
        )
