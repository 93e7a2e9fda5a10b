"""Does the engine's judgement follow people? DCH-1, with a split that is never tuned on.

    python -m benchmarks.judgement [--data ../shared/data] [--cache DIR]

DCH-1 English (1,248 real helpdesk dialogues, 19 annotators each) is split once, by a fixed
seed, into dev (998) and held-out test (250). Everything that learns from DCH-1 (the dialogue
model behind the outcome predictions and the nugget signals, and the overall's weights) is
fitted on dev alone; test is only scored. Dev figures are cross-validated (the outcome
predictions of each dev dialogue come from a model trained on the other folds). Prints:

- Spearman of the overall, and of the predicted resolution alone, with the annotators' mean
  judgement (A, S and E averaged), on dev (CV) and test;
- how often each skill is observed, and that every observed score quotes evidence;
- AUC of the overall for "the helpdesk stated a solution" (a turn most annotators labelled
  HNUG*);
- calibration: the overall calibrated with ``servicecraft.calibration`` on half of test, as a
  lead would with their own reviews, then judged on the other half; once to the annotators'
  mean and once to a lead who grades only "was a solution stated" (0 or 100).

The shipped rubric's overall is fitted on all 1,248 dialogues the same way (models build), so
these numbers describe the procedure; the test split is what a newcomer's data would see.
"""

from __future__ import annotations

import argparse
import json
import pickle
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.metrics import roc_auc_score

from servicecraft.calibration import Review, calibrate, fit, spearman
from servicecraft.engine import Engine, load_rubric
from servicecraft.engine.overall import OverallModel, feature_names
from servicecraft.training.overall import card_rows, dch_conversations, out_of_fold_annotations

SPLIT_SEED, N_TEST = 2026, 250


def split(n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(SPLIT_SEED).permutation(n)
    return np.sort(order[N_TEST:]), np.sort(order[:N_TEST])


def solution_stated(data: Path) -> np.ndarray:
    """Per dialogue: did most annotators mark some helpdesk turn as stating the solution?"""
    raw = json.loads((data / "stc3" / "dch1_en.json").read_text(encoding="utf-8"))
    out = []
    for item in raw:
        turns = len(item["turns"])
        votes = [sum(a["nugget"][j] == "HNUG*" for a in item["annotations"]) for j in range(turns)]
        out.append(max(votes) * 2 > len(item["annotations"]))
    return np.array(out)


def annotations(
    data: Path, dev: np.ndarray, test: np.ndarray, cache: Path | None
) -> tuple[dict[int, Any], dict[int, Any]]:
    if cache is not None and (cache / "dev.pkl").is_file():
        return pickle.loads((cache / "dev.pkl").read_bytes()), pickle.loads(
            (cache / "test.pkl").read_bytes()
        )
    from servicecraft.engine.learned import LearnedSignals, read_weights, weights_dir
    from servicecraft.training.models import DialogueModel, load_dch

    conversations, _ = dch_conversations(data)
    dev_a = out_of_fold_annotations(data, dev)
    settings = tuple(float(x) for x in read_weights(weights_dir() / "outcomes.npz")["settings"])
    model = DialogueModel.fit(load_dch(data), dev, settings=(settings[0], settings[1]))
    signals = LearnedSignals(read_weights(weights_dir() / "politeness.npz"), model.arrays())
    test_a = dict(
        zip(test.tolist(), signals.annotate_turns([conversations[i] for i in test]), strict=True)
    )
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        (cache / "dev.pkl").write_bytes(pickle.dumps(dev_a))
        (cache / "test.pkl").write_bytes(pickle.dumps(test_a))
    return dev_a, test_a


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data", type=Path)
    parser.add_argument("--cache", type=Path, help="keep the slow out-of-fold predictions here")
    args = parser.parse_args()
    conversations, y = dch_conversations(args.data)
    stated = solution_stated(args.data)
    dev, test = split(len(conversations))
    dev_a, test_a = annotations(args.data, dev, test, args.cache)

    base = load_rubric()
    base.overall = None  # the features must not depend on the model being fitted
    engine = Engine(base)
    dev_cards = [engine.score(conversations[i], dev_a[i]) for i in dev]
    test_cards = [engine.score(conversations[i], test_a[i]) for i in test]
    names = feature_names(list(base.skills))
    fitted = fit(card_rows(dev_cards), y[dev], names, fitted_on="DCH-1 dev")
    model = fitted.model
    test_overall = np.array([model.predict(r) for r in card_rows(test_cards)])
    res = lambda cards: np.array([c.outcomes["resolution"]["expected"] for c in cards])  # noqa: E731

    print(
        f"DCH-1 English: dev {len(dev)} (5-fold CV), held-out test {len(test)}; target: mean of A, S, E"
    )
    print(f"{'':44} {'dev (CV)':>9} {'test':>7}")
    print(
        f"{'overall vs annotators, Spearman':44} {spearman(fitted.predictions, y[dev]):9.3f} {spearman(test_overall, y[test]):7.3f}"
    )
    print(
        f"{'predicted resolution alone, Spearman':44} {spearman(res(dev_cards), y[dev]):9.3f} {spearman(res(test_cards), y[test]):7.3f}"
    )
    print(
        f"{'overall as a detector of a stated solution, AUC':44} {roc_auc_score(stated[dev], fitted.predictions):9.3f} {roc_auc_score(stated[test], test_overall):7.3f}"
    )
    solution = np.array(
        [-1.0 if (s := c.skills["solution"].score) is None else s for c in test_cards]
    )
    print(
        f"{'the solution skill, same AUC':44} {'':9} {roc_auc_score(stated[test], solution):7.3f}"
    )
    print(
        f"overall at 50 exactly (test): {np.mean(test_overall == 50.0):.1%}; alpha {fitted.alpha:g}"
    )
    print("\nskill observed (share of dialogues), test; observed scores without evidence")
    for sid in base.skills:
        seen = [c.skills[sid] for c in test_cards if c.skills[sid].score is not None]
        bare = sum(1 for s in seen if not s.evidence)
        scores = np.array(
            [c.skills[sid].score if c.skills[sid].score is not None else np.nan for c in test_cards]
        )
        ok = ~np.isnan(scores)
        rho = spearman(scores[ok], y[test][ok]) if ok.sum() > 2 else float("nan")
        print(
            f"  {sid:12} {len(seen) / len(test_cards):6.1%}   bare {bare}   Spearman with judgement {rho:6.3f}"
        )

    print("\ncalibration on half of test, judged on the other half")
    halves = np.array_split(np.random.default_rng(7).permutation(len(test)), 2)
    fit_half, eval_half = halves
    for label, target in (
        ("annotators' mean", 50 + 25 * y[test]),
        ("lead: solution stated", 100.0 * stated[test]),
    ):
        cards = [replace(test_cards[k], score=float(test_overall[k])) for k in fit_half]
        reviews = [
            Review(cards[j].conversation_id, "lead", float(target[k]))
            for j, k in enumerate(fit_half)
        ]
        result = calibrate(cards, reviews, base_model=model)
        assert result.rubric_yaml is not None
        calibrated = OverallModel.from_dict(yaml.safe_load(result.rubric_yaml)["overall"])
        print(f"    kept: {result.approach}; {result.explanation[:3]}")
        print(
            f"    cross-validated on the fitted half: before {result.before}, after {result.after}"
        )
        rows = card_rows([test_cards[k] for k in eval_half])
        before = test_overall[eval_half]
        after = np.array([calibrated.predict(r) for r in rows])
        truth = target[eval_half]
        if label.startswith("lead"):
            print(
                f"  {label:24} AUC before {roc_auc_score(truth > 50, before):.3f}  after {roc_auc_score(truth > 50, after):.3f}"
            )
        else:
            print(
                f"  {label:24} Spearman before {spearman(before, truth):.3f}  after {spearman(after, truth):.3f}"
            )


if __name__ == "__main__":
    main()
