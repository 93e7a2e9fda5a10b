"""Train the transformer tier's heads (see servicecraft.engine.learned.transformer).

Only CC BY data trains them: TyDiP English (politeness) and DCH-1 English (outcomes); the
empathy direction comes from sentences written for this project. The encoder stays frozen;
its features are rounded to 4 decimals before any fit, every split has a fixed seed and
every solver is deterministic, so the same data gives the same bytes on one machine (and
the same library versions). Hyper-parameters are chosen by an inner cross-validation on the
training rows only, so the benchmark repeats the whole procedure inside each outer fold.

- politeness: logistic regression on [6 layers of MiniLM ; the fast tier's logit]; the fast
  logits of the training items are out-of-fold (3 inner folds), as they will be in use: an
  in-sample n-gram logit is far too sure of itself, and the head would lean on it.
- empathy: a direction between prototype sentences written for this project
  (servicecraft.training.empathy), calibrated on the prototypes alone.
- outcomes: the soft-label softmax of ``fit_softmax`` (the same objective), solved densely in
  the span of the training rows (an L2-penalised linear model's weights lie in that span), so
  11,532 columns cost what 1,000 do; its distributions are blended with the fast tier's at
  inference (fixed equal weights), so no fast predictions are needed here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold

from servicecraft.engine.learned.transformer import (
    BLEND,
    ENCODER,
    LAYERS,
    dialogue_features,
    embed,
    load_encoder,
    softmax3,
)
from servicecraft.training.empathy import COOL, WARM, fit_empathy
from servicecraft.training.models import (
    Dialogues,
    Politeness,
    load_dch,
    load_tydip,
    nmd,
    sources,
    write_arrays,
)

SEED = 0
INNER = 3  # inner folds: out-of-fold fast logits and the choice of C / lambda
POLITENESS_GRID = (0.5, 1.0, 2.0)  # C of the politeness head
OUTCOME_GRID = (0.0003, 0.001, 0.003)  # L2 of the outcome head (fit_softmax's lam)
CLIP = 30.0  # the fast tier clips its politeness logits here


# ---------------------------------------------------------------- data and features


def limited(polite: Politeness, limit: int | None) -> Politeness:
    """The first ``limit`` items of each part (as ``models.build`` does), for quick builds."""
    if limit is None:
        return polite
    return Politeness(
        polite.texts[:limit],
        polite.labels[:limit],
        polite.extra_texts[:limit],
        polite.extra_labels[:limit],
        polite.extra_weights[:limit],
    )


def limited_dialogues(dialogues: Dialogues, limit: int | None) -> Dialogues:
    if limit is None:
        return dialogues
    d = dialogues
    return Dialogues(d.roles[:limit], d.words[:limit], d.targets[:limit], d.nuggets[:limit])


def tydip_items(polite: Politeness) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, labels and sample weights of the binary items, then the extra (middle) ones."""
    texts = polite.texts + polite.extra_texts
    labels = np.concatenate([polite.labels, polite.extra_labels]).astype(int)
    weights = np.concatenate([np.ones(len(polite.texts)), polite.extra_weights])
    return texts, labels, weights


def dch_turn_texts(data: Path, limit: int | None = None) -> list[list[str]]:
    """The raw text of every turn (the encoder reads text, not load_dch's tokens)."""
    path = data / "stc3" / "dch1_en.json"
    dialogues = json.loads(path.read_text(encoding="utf-8"))[:limit]
    return [["\n".join(t["utterances"]) for t in d["turns"]] for d in dialogues]


def dialogue_matrix(model: Any, dialogues: Dialogues, turns: list[list[str]]) -> np.ndarray:
    """(dialogues, N_OUTCOME): every turn of every dialogue through the encoder at once."""
    flat = embed(model, [t for d in turns for t in d])
    rows, start = [], 0
    for roles in dialogues.roles:
        rows.append(dialogue_features(flat[start : start + len(roles)], roles))
        start += len(roles)
    return np.array(rows, dtype=np.float32)


# ---------------------------------------------------------------- politeness head


def fast_logits(
    texts: list[str], labels: np.ndarray, weights: np.ndarray, train: np.ndarray, test: np.ndarray
) -> np.ndarray:
    """The fast tier trained on ``train`` (its own training code), its logits on ``test``."""
    from servicecraft.training.models import fit_politeness

    vectorizer, model = fit_politeness(
        [texts[i] for i in train], labels[train].tolist(), weights[train].tolist()
    )
    z = model.decision_function(vectorizer.transform([texts[i] for i in test]))
    result: np.ndarray = np.clip(z, -CLIP, CLIP)
    return result


def _politeness_lr(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=5000).fit(x, y, sample_weight=w)


def training_items(polite: Politeness, rows: np.ndarray) -> np.ndarray:
    """Indices (into ``tydip_items``) of the binary items ``rows`` and every extra item."""
    return np.concatenate(
        [
            np.asarray(rows),
            np.arange(len(polite.texts), len(polite.texts) + len(polite.extra_texts)),
        ]
    )


def inner_folds(polite: Politeness, train: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    _, y, _ = tydip_items(polite)
    split = StratifiedKFold(INNER, shuffle=True, random_state=SEED).split(train, y[train])
    return list(split)


def fast_oof(polite: Politeness, rows: np.ndarray) -> np.ndarray:
    """Fast-tier logits of the training items of ``rows``, each from the inner fold without it."""
    texts, y, w = tydip_items(polite)
    train = training_items(polite, rows)
    oof = np.zeros(len(texts))
    for a, b in inner_folds(polite, train):
        oof[train[b]] = fast_logits(texts, y, w, train[a], train[b])
    return oof


def fit_politeness_head(
    polite: Politeness, x: np.ndarray, rows: np.ndarray, oof: np.ndarray | None = None
) -> dict[str, Any]:
    """The head trained on the binary items ``rows`` and every extra item.

    ``x`` holds the encoder features of all items (binary first); ``oof`` the fast tier's
    out-of-fold logits (``fast_oof``, computed when not given). C is the grid value with the
    most correct binary items over the same inner folds (ties: the smaller).
    """
    _, y, w = tydip_items(polite)
    n = len(polite.texts)
    train = training_items(polite, rows)
    inner = inner_folds(polite, train)
    features = np.hstack([x, (fast_oof(polite, rows) if oof is None else oof)[:, None]])
    correct = []
    for c in POLITENESS_GRID:
        hits = 0
        for a, b in inner:
            model = _politeness_lr(features[train[a]], y[train[a]], w[train[a]], c)
            binary = train[b][train[b] < n]
            hits += int((model.predict(features[binary]) == y[binary]).sum())
        correct.append(hits)
    c = POLITENESS_GRID[int(np.argmax(correct))]
    model = _politeness_lr(features[train], y[train], w[train], c)
    coef = model.coef_[0]
    return {"weights": coef[:-1], "fast": coef[-1], "bias": model.intercept_[0], "c": c}


def politeness_probability(head: dict[str, Any], x: np.ndarray, fast: np.ndarray) -> np.ndarray:
    z = x @ head["weights"] + head["fast"] * np.clip(fast, -CLIP, CLIP) + head["bias"]
    result: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return result


def politeness_folds(polite: Politeness, folds: int = 10) -> list[tuple[np.ndarray, np.ndarray]]:
    """The benchmark's split: ``StratifiedKFold(folds, shuffle=True, random_state=0)``."""
    split = StratifiedKFold(folds, shuffle=True, random_state=SEED)
    return list(split.split(np.arange(len(polite.texts)), polite.labels))


def fast_politeness_cv(polite: Politeness, folds: int = 10) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per outer fold: the fast logits the head trains on (``fast_oof``) and the fast tier's
    logits on the test items, from the fast tier trained on the whole training part. Needs
    no encoder, so it can run beside the encoding."""
    texts, y, w = tydip_items(polite)
    out = []
    for train, test in politeness_folds(polite, folds):
        test_z = fast_logits(texts, y, w, training_items(polite, train), test)
        out.append((fast_oof(polite, train), test_z))
    return out


def politeness_cv(
    polite: Politeness, x: np.ndarray, fast: list[tuple[np.ndarray, np.ndarray]] | None = None
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """P(polite) of every binary item from this tier and from the fast tier, out of fold.

    The extra items are always in training. ``fast`` is ``fast_politeness_cv``'s output
    (computed when not given). Also returns each fold's chosen C.
    """
    n = len(polite.texts)
    ours, theirs = np.zeros(n), np.zeros(n)
    chosen = []
    fast = fast if fast is not None else fast_politeness_cv(polite)
    for (train, test), (oof, test_z) in zip(politeness_folds(polite), fast, strict=True):
        head = fit_politeness_head(polite, x, train, oof)
        ours[test] = politeness_probability(head, x[test], test_z)
        theirs[test] = 1.0 / (1.0 + np.exp(-test_z))
        chosen.append(head["c"])
    return ours, theirs, chosen


# ---------------------------------------------------------------- outcome head


def fit_dense_softmax(x: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """``fit_softmax(x, y, 3, lam)`` for a dense x: weights (d, 15) and bias (15,).

    The same objective (mean cross-entropy + lam/2 |W|^2, bias free, L-BFGS-B from zero),
    solved for W = V B in the row space of x (x = U S V'), where |W| = |B|: an n-column
    problem instead of a d-column one, with dense BLAS instead of sparse products.
    """
    u, s, vt = np.linalg.svd(np.asarray(x, dtype=np.float64), full_matrices=False)
    z = u * s
    n, d = z.shape
    width = y.shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = w[: d * width].reshape(d, width), w[d * width :]
        blocks = (z @ weights + bias).reshape(n, 3, width // 3)
        blocks -= blocks.max(2, keepdims=True)
        log_p = (blocks - np.log(np.exp(blocks).sum(2, keepdims=True))).reshape(n, width)
        value = -(y * log_p).sum() / n + lam / 2 * float((weights * weights).sum())
        g = (np.exp(log_p) - y) / n
        return value, np.concatenate([(z.T @ g + lam * weights).ravel(), g.sum(0)])

    result = minimize(
        loss, np.zeros(d * width + width), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    b = result.x[: d * width].reshape(d, width)
    return vt.T @ b, result.x[d * width :]


def outcome_probabilities(head: tuple[np.ndarray, np.ndarray], x: np.ndarray) -> np.ndarray:
    return softmax3(x.astype(np.float64) @ head[0] + head[1])


def mean_nmd(predicted: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([nmd(predicted, truth, q) for q in range(3)]))


def choose_outcome_lambda(x: np.ndarray, targets: np.ndarray, rows: np.ndarray) -> float:
    """The grid value with the best inner-CV NMD (mean of A, S, E) of the head alone."""
    scores = np.zeros(len(OUTCOME_GRID))
    for a, b in KFold(INNER, shuffle=True, random_state=SEED).split(rows):
        for k, lam in enumerate(OUTCOME_GRID):
            head = fit_dense_softmax(x[rows[a]], targets[rows[a]], lam)
            scores[k] += mean_nmd(outcome_probabilities(head, x[rows[b]]), targets[rows[b]])
    return OUTCOME_GRID[int(np.argmin(scores))]


def fit_outcome_head(
    x: np.ndarray, targets: np.ndarray, rows: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, float]:
    at = np.asarray(rows)
    lam = choose_outcome_lambda(x, targets, at)
    weights, bias = fit_dense_softmax(x[at], targets[at], lam)
    return weights, bias, lam


def fast_outcome_cv(dialogues: Dialogues, folds: int = 5) -> np.ndarray:
    """The fast tier's out-of-fold distributions (its own training code), rounded as shipped."""
    from servicecraft.training.models import DialogueModel

    out = np.zeros((len(dialogues), 15))
    for train, test in KFold(folds, shuffle=True, random_state=SEED).split(out):
        out[test] = DialogueModel.fit(dialogues, train).predict(dialogues, test)
    return out.round(4)


def outcome_cv(
    x: np.ndarray, targets: np.ndarray, folds: int = 5
) -> tuple[np.ndarray, list[float]]:
    """Out-of-fold distributions of the head alone on the benchmark's ``KFold(folds,
    shuffle=True, random_state=0)``, and each fold's chosen lambda. The tier's output is
    ``blend(head, fast)`` with the fast tier's out-of-fold distributions (``fast_outcome_cv``).
    """
    head_only = np.zeros_like(targets)
    chosen = []
    for train, test in KFold(folds, shuffle=True, random_state=SEED).split(x):
        weights, bias, lam = fit_outcome_head(x, targets, train)
        head_only[test] = outcome_probabilities((weights, bias), x[test])
        chosen.append(lam)
    return head_only, chosen


# ---------------------------------------------------------------- build


def build_transformer(
    data: Path, out: Path, limit: int | None = None, device: str = "cpu"
) -> dict[str, int]:
    """Train both heads on all their data and write ``transformer.npz``; returns its size.

    Builds on the CPU by default so that any machine reproduces the shipped bytes' numbers
    (a GPU's float sums differ slightly). ``limit`` keeps the first items (quick tests).
    """
    out.mkdir(parents=True, exist_ok=True)
    model = load_encoder(device)
    polite = limited(load_tydip(data), limit)
    texts, _, _ = tydip_items(polite)
    politeness = fit_politeness_head(polite, embed(model, texts), np.arange(len(polite.texts)))
    dialogues = limited_dialogues(load_dch(data), limit)
    x = dialogue_matrix(model, dialogues, dch_turn_texts(data, limit))
    weights, bias, lam = fit_outcome_head(x, dialogues.targets, range(len(dialogues)))
    empathy = fit_empathy(embed(model, WARM), embed(model, COOL))
    arrays = {
        "encoder": np.frombuffer(ENCODER.encode(), dtype=np.uint8),
        "layers": np.array(LAYERS, dtype=np.int32),
        "polite_weights": politeness["weights"].astype(np.float32),
        "polite_fast": np.array([politeness["fast"]], dtype=np.float32),
        "polite_bias": np.array([politeness["bias"]], dtype=np.float32),
        "polite_c": np.array([politeness["c"]], dtype=np.float32),
        "outcome_weights": weights.astype(np.float32),
        "outcome_bias": bias.astype(np.float32),
        "outcome_lambda": np.array([lam], dtype=np.float32),
        "blend": np.array([BLEND], dtype=np.float32),
        "empathy_direction": empathy["direction"].astype(np.float32),
        "empathy_scale": np.array([empathy["scale"]], dtype=np.float32),
        "empathy_bias": np.array([empathy["bias"]], dtype=np.float32),
        "sources": np.frombuffer(
            "\n".join(f"{k} {v}" for k, v in sorted(sources(data).items())).encode(),
            dtype=np.uint8,
        ),
    }
    path = out / "transformer.npz"
    write_arrays(path, arrays)
    return {path.name: path.stat().st_size}
