"""The per-sentence detectors, on labelled examples they never trained on, and on EPITOME.

    python -m benchmarks.detectors [--data ../shared/data]

1. Each detector's examples (``servicecraft/training/examples``, written for this project)
   are split into dev (trains; the penalty is chosen by 5-fold CV on it) and test (held out,
   never tuned on). Prints dev CV accuracy and test accuracy / macro-F1, for the shipped heads
   (which are fitted on dev alone, so test describes what ships) and, in the same run, for a
   TF-IDF + logistic regression baseline on the same split.
2. EPITOME (Reddit mental-health support; evaluation only, licence forbids training): every
   (seeker post, response) pair scored as a two-message conversation. AUC of what users see,
   the empathy *skill score*, for replies at level 1-2 against level 0 of each mechanism
   (the goal is set on emotional reactions; interpretations, "I understand, I've been
   there", are what servicecraft's "acknowledges how the customer feels" is closest to);
   a pair where empathy is not observed scores as the lowest.
3. The contrasting pairs (``tests/engine/contrast_pairs.yaml``): how many hold, dev and
   held-out test.
4. What the scorers read, on the held-out rows of each source: per detector label, the
   message-level detection (the whole message or its strongest sentence) against the labels:
   AUC, how often it fires at the scorer's bar beside how often the label is true, and the
   precision and recall there. Real replies (``examples/dch1``) show what written ones hide.
5. With ``--bars`` (instead of the rest; a few minutes): the same message-level detection on the
   *dev* rows, out of fold (5-fold: each fold read by heads fitted on the other four, with the
   shipped penalty), per label and source at the bars 0.5 to 0.9: how often it fires, its
   precision and recall. This is what the scorers' bars (``analysis.SURE``, ``SURER``) are
   chosen on; the held-out rows stay out of the choice.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from servicecraft.engine import Engine
from servicecraft.engine.analysis import SURE, SURER
from servicecraft.engine.learned.detectors import Detectors, features
from servicecraft.model import Conversation, Message
from servicecraft.training.detectors import (
    choose_c,
    design,
    fit_head,
    head_of,
    load_examples,
    source_weights,
)


def _head_accuracy(detectors: Detectors, ex: Any, rows: np.ndarray) -> tuple[float, float]:
    """Accuracy and macro-F1 of the shipped head on these rows of ``ex``."""
    head = detectors.heads[ex.detector]
    x = design(features(detectors.embedder, [ex.texts[k] for k in rows]))
    predicted = np.array(head.labels)[(x @ head.weights + head.bias).argmax(1)]
    truth = ex.y[rows]
    return float(np.mean(predicted == truth)), float(f1_score(truth, predicted, average="macro"))


def examples_table() -> None:
    detectors = Detectors.load()
    print(
        f"{'detector':16} {'dev':>4} {'test':>4} {'dev CV acc':>10} {'test acc':>9} {'test F1':>8} {'TF-IDF test acc':>16}"
    )
    for ex in load_examples():
        dev, test = ex.rows("dev"), ex.rows("test")
        _, cv = choose_c(
            design(features(detectors.embedder, [ex.texts[k] for k in dev])),
            ex.y[dev],
            weights=source_weights([ex.source[k] for k in dev]),
        )
        tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        a = tfidf.fit_transform([ex.texts[k] for k in dev])
        base = LogisticRegression(C=4.0, max_iter=2000).fit(a, ex.y[dev])
        # The held-out rows of each source apart too, where there are several: real text is
        # harder than text written for the project.
        sources = sorted(set(ex.source))
        parts = [(ex.detector, "all")] + (
            [(f"  {s}", s) for s in sources] if len(sources) > 1 else []
        )
        for label, source in parts:
            rows = test if source == "all" else ex.rows("test", source)
            n_dev = len(dev) if source == "all" else len(ex.rows("dev", source))
            accuracy, macro = _head_accuracy(detectors, ex, rows)
            baseline = np.mean(
                base.predict(tfidf.transform([ex.texts[k] for k in rows])) == ex.y[rows]
            )
            cv_text = f"{cv:.3f}" if source == "all" else ""
            print(
                f"{label:16} {n_dev:4} {len(rows):4} {cv_text:>10} {accuracy:9.3f} {macro:8.3f} {baseline:16.3f}"
            )


MECHANISMS = ("emotional-reactions", "interpretations", "explorations")


def epitome(data: Path) -> None:
    """The empathy skill (and the detector's own probability) against each of EPITOME's three
    mechanisms; the goal is set on emotional reactions, the others say what the skill tracks."""
    folder = data / "epitome"
    if not (folder / "emotional-reactions.csv").is_file():
        print("EPITOME not found: skipped")
        return
    levels: dict[tuple[str, str], dict[str, Any]] = {}
    for name in MECHANISMS:
        with (folder / f"{name}.csv").open(encoding="utf-8") as handle:
            for r in csv.DictReader(handle):
                row = levels.setdefault((r["sp_id"], r["rp_id"]), dict(r))
                row[name] = int(r["level"])
    rows = [r for r in levels.values() if all(m in r for m in MECHANISMS)]
    conversations = [
        Conversation(
            f"e{k}",
            [Message("customer", r["seeker_post"]), Message("agent", r["response_post"])],
        )
        for k, r in enumerate(rows)
    ]
    engine = Engine()
    cards = engine.score_many(conversations)
    scores = [c.skills["empathy"].score for c in cards]
    observed = np.array([s is not None for s in scores])
    values = np.array([-1.0 if s is None else s for s in scores], dtype=float)
    found = engine.detect([r["response_post"] for r in rows], "agent")
    raw = np.array([f.get("empathy", 0.0) for f in found])
    print(
        f"EPITOME, {len(rows)} (post, reply) pairs (evaluation only); empathy observed in "
        f"{observed.mean():.1%}; AUC of the empathy skill score / the detector's probability:"
    )
    level = {m: np.array([r[m] > 0 for r in rows]) for m in MECHANISMS}
    targets = [(f"{m} > 0", level[m]) for m in MECHANISMS]
    targets.append(
        ("emotional reactions or interpretations", level[MECHANISMS[0]] | level[MECHANISMS[1]])
    )
    for label, truth in targets:
        print(
            f"  {label:40} share {truth.mean():5.1%}   skill {roc_auc_score(truth, values):.3f}   "
            f"detector {roc_auc_score(truth, raw):.3f}"
        )
    none = ~(level[MECHANISMS[0]] | level[MECHANISMS[1]] | level[MECHANISMS[2]])
    bar = max(SURE, SURER.get("empathy", SURE))
    print(
        f"  the detector fires at the scorer's bar ({bar}) on {np.mean(raw[none] >= bar):.1%} "
        f"of replies showing none of the three (at {SURE}: {np.mean(raw[none] >= SURE):.1%})"
    )


def pairs() -> None:
    """How many contrasting pairs (tests/engine/contrast_pairs.yaml) hold, dev and held-out
    test, and which miss."""
    from tests.engine.test_contrast_pairs import PAIRS, outcome

    engine = Engine()
    for split in ("dev", "test"):
        chosen = [p for p in PAIRS if p["split"] == split]
        results = [(p["id"], *outcome(engine, p)) for p in chosen]
        missed = [(pair_id, seen) for pair_id, held, seen in results if not held]
        print(f"contrasting pairs, {split}: {len(chosen) - len(missed)} of {len(chosen)} hold")
        for pair_id, seen in missed:
            print(f"  missed {pair_id}: {seen}")


def at_the_bar() -> None:
    detectors = Detectors.load()
    print("held-out rows, message-level detection at the scorer's bar")
    print(
        f"{'label':18} {'source':8} {'n':>4} {'AUC':>6} {'fires':>6} {'true':>6} {'precision':>9} {'recall':>7}"
    )
    for ex in load_examples():
        for source in sorted(set(ex.source)):
            rows = ex.rows("test", source)
            found = detectors.detect([(ex.role, ex.texts[k]) for k in rows])
            for key, label in ((ex.detector, 1), (ex.detector + "-", -1)):
                if label not in ex.labels:
                    continue
                truth = ex.y[rows] == label
                p = np.array([f[key].probability if key in f else 0.0 for f in found])
                fires = p >= max(SURE, SURER.get(key, SURE))
                auc = roc_auc_score(truth, p) if 0 < truth.sum() < len(truth) else float("nan")
                precision = truth[fires].mean() if fires.any() else float("nan")
                recall = fires[truth].mean() if truth.any() else float("nan")
                print(
                    f"{key:18} {source:8} {len(rows):4} {auc:6.3f} {fires.mean():6.1%} {truth.mean():6.1%} "
                    f"{precision:9.2f} {recall:7.2f}"
                )


BARS = (0.5, 0.6, 0.7, 0.8, 0.9)


def bars() -> None:
    """Out-of-fold message-level detection on the dev rows at each bar (see the module doc)."""
    embedder = Detectors.load().embedder
    print("dev rows, out of fold: fires / precision / recall at each bar (* the scorer's bar)")
    print(f"{'label':17} {'source':8} {'n':>4} {'true':>6}  " + "  ".join(f"{b:^17}" for b in BARS))
    for ex in load_examples():
        dev = ex.rows("dev")
        x, y = design(features(embedder, [ex.texts[k] for k in dev])), ex.y[dev]
        weights = source_weights([ex.source[k] for k in dev])  # as the shipped heads are fitted
        c, _ = choose_c(x, y, weights=weights)
        found: list[dict[str, Any]] = [{} for _ in dev]
        for train, test in StratifiedKFold(5, shuffle=True, random_state=1).split(y, y):
            head = head_of(ex, fit_head(x[train], y[train], c, weights[train]))
            fold = Detectors(embedder, [head])
            read = fold.detect([(ex.role, ex.texts[dev[k]]) for k in test])
            for k, f in zip(test, read, strict=True):
                found[k] = f
        source = np.array([ex.source[k] for k in dev])
        for key, label in ((ex.detector, 1), (ex.detector + "-", -1)):
            if label not in ex.labels:
                continue
            p = np.array([f[key].probability if key in f else 0.0 for f in found])
            bar = max(SURE, SURER.get(key, SURE))
            for name in sorted(set(source)):
                mask = source == name
                truth, cells = y[mask] == label, []
                for b in BARS:
                    fires = p[mask] >= b
                    precision = truth[fires].mean() if fires.any() else float("nan")
                    recall = fires[truth].mean() if truth.any() else float("nan")
                    mark = "*" if b == bar else " "
                    cells.append(f"{mark}{fires.mean():5.1%} {precision:4.2f} {recall:4.2f}")
                print(f"{key:17} {name:8} {mask.sum():4} {truth.mean():6.1%}  " + "  ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--bars", action="store_true", help="only the dev rows' bars table")
    args = parser.parse_args()
    if args.bars:
        bars()
        return
    examples_table()
    at_the_bar()
    epitome(args.data)
    pairs()


if __name__ == "__main__":
    main()
