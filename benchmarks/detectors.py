"""The per-sentence detectors, on labelled examples they never trained on, and on EPITOME.

    python -m benchmarks.detectors [--data ../shared/data]

1. Each detector's examples (``servicecraft/training/examples``, written for this project)
   are split into dev (trains; the penalty is chosen by 5-fold CV on it) and test (held out,
   never tuned on). Prints dev CV accuracy and test accuracy / macro-F1, for the shipped heads
   (which are fitted on dev alone, so test describes what ships) and, in the same run, for a
   TF-IDF + logistic regression baseline on the same split.
2. EPITOME emotional reactions (Reddit mental-health support; evaluation only, licence
   forbids training): every (seeker post, response) pair scored as a two-message
   conversation. AUC of what users see, the empathy *skill score*, for empathic (level 1-2)
   against not (0); a pair where empathy is not observed scores as the lowest.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score

from servicecraft.engine import Engine
from servicecraft.engine.learned.detectors import Detectors, features
from servicecraft.model import Conversation, Message
from servicecraft.training.detectors import choose_c, load_examples


def examples_table() -> None:
    detectors = Detectors.load()
    print(
        f"{'detector':16} {'dev':>4} {'test':>4} {'dev CV acc':>10} {'test acc':>9} {'test F1':>8} {'TF-IDF test acc':>16}"
    )
    for ex in load_examples():
        dev, test = ex.rows("dev"), ex.rows("test")
        x_dev = features(detectors.embedder, [ex.texts[k] for k in dev])
        _, cv = choose_c(x_dev, ex.y[dev])
        head = detectors.heads[ex.detector]
        x_test = features(detectors.embedder, [ex.texts[k] for k in test])
        predicted = np.array(head.labels)[(x_test @ head.weights + head.bias).argmax(1)]
        tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        a = tfidf.fit_transform([ex.texts[k] for k in dev])
        base = LogisticRegression(C=4.0, max_iter=2000).fit(a, ex.y[dev])
        b = base.predict(tfidf.transform([ex.texts[k] for k in test]))
        truth = ex.y[test]
        print(
            f"{ex.detector:16} {len(dev):4} {len(test):4} {cv:10.3f} {np.mean(predicted == truth):9.3f} "
            f"{f1_score(truth, predicted, average='macro'):8.3f} {np.mean(b == truth):16.3f}"
        )


def epitome(data: Path) -> None:
    path = data / "epitome" / "emotional-reactions.csv"
    if not path.is_file():
        print("EPITOME not found: skipped")
        return
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    conversations = [
        Conversation(
            f"e{k}",
            [Message("customer", r["seeker_post"]), Message("agent", r["response_post"])],
        )
        for k, r in enumerate(rows)
    ]
    truth = np.array([int(r["level"]) > 0 for r in rows])
    cards = Engine().score_many(conversations)
    scores = np.array([c.skills["empathy"].score for c in cards], dtype=object)
    observed = np.array([s is not None for s in scores])
    values = np.array([-1.0 if s is None else s for s in scores], dtype=float)
    print(
        f"EPITOME emotional reactions, {len(rows)} pairs (evaluation only): empathy skill score "
        f"AUC {roc_auc_score(truth, values):.3f}; observed in {observed.mean():.1%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data", type=Path)
    args = parser.parse_args()
    examples_table()
    epitome(args.data)


if __name__ == "__main__":
    main()
