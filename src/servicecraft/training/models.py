"""Train the shipped models from ../shared/data, deterministically.

Only CC BY data trains what ships: TyDiP English (politeness) and DCH-1 English (outcomes,
with its per-turn nugget labels as an auxiliary task). Hyper-parameters are chosen by an
inner cross-validation on the training data only (``choose_*``), so a build is a pure
function of the data, and the benchmark can repeat the whole procedure inside each fold.

The dialogue model has two stages, both soft-label multinomial logistic regressions:

1. nuggets: for every turn, the distribution of the annotators' nugget types (customer:
   states the problem / moves on / confirms it solved / neither; agent: moves on / states
   the solution / neither) from the turn's words, its neighbours' words and its position;
2. outcomes: A, S and E distributions from role-tagged words (all customer turns, all agent
   turns, the first and last customer turns, the last agent turn), the turn count, the last
   speaker and 35 summaries of stage 1 (mean, max, last turn, last customer turn, last agent
   turn). Stage 2 trains on out-of-fold stage-1 predictions, as it will see them in use.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from threadpoolctl import threadpool_limits

from servicecraft.engine.learned.features import (
    AGENT_NUGGETS,
    CUSTOMER_NUGGETS,
    MAX_INDEX,
    MAX_REMAINING,
    MAX_TURNS,
    NUGGETS,
    politeness_features,
    tokens,
)

TYDIP_FILES = ("tydip/en_train_binary.csv", "tydip/en_train.csv")
DCH_FILE = "stc3/dch1_en.json"
QUALITIES = ("A", "S", "E")  # resolution, satisfaction, effectiveness
POLITENESS_GRID = (0.5, 1.0, 2.0)  # C of the logistic regression
NUGGET_LAMBDA = 0.003  # L2 of the nugget model (fixed)
# Settings of the outcome model chosen by inner CV: the weight of the nugget summaries (their
# scale against the word features) and the L2 penalty.
OUTCOME_GRID = tuple((scale, lam) for scale in (3.0, 6.0, 10.0) for lam in (0.01, 0.02))
MIN_DF = 2  # a word must appear in two training dialogues to get weights
SEED = 0
N_POSITION = MAX_INDEX + 1 + 2 + MAX_REMAINING + 1  # one-hot turn index, is-last, remaining
N_DENSE = 5 * len(NUGGETS)


# ---------------------------------------------------------------- politeness (TyDiP)


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
    binary = _rows(data / TYDIP_FILES[0])
    scored = _rows(data / TYDIP_FILES[1])
    seen = {r["sentence"] for r in binary}
    extra = [r for r in scored if r["sentence"] not in seen]
    return Politeness(
        texts=[r["sentence"] for r in binary],
        labels=np.array([1 if float(r["score"]) > 0 else 0 for r in binary]),
        extra_texts=[r["sentence"] for r in extra],
        extra_labels=[1 if float(r["score"]) > 0 else 0 for r in extra],
        extra_weights=[abs(float(r["score"])) for r in extra],
    )


def politeness_training_set(
    data: Politeness, rows: Sequence[int] | np.ndarray | None = None
) -> tuple[list[str], list[int], list[float]]:
    chosen = list(range(len(data.texts)) if rows is None else rows)
    texts = [data.texts[i] for i in chosen] + data.extra_texts
    labels = [int(data.labels[i]) for i in chosen] + data.extra_labels
    weights = [1.0] * len(chosen) + data.extra_weights
    return texts, labels, weights


def fit_politeness(
    texts: list[str], labels: list[int], weights: list[float], c: float = 1.0
) -> tuple[CountVectorizer, LogisticRegression]:
    vectorizer = CountVectorizer(analyzer=politeness_features)
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(vectorizer.fit_transform(texts), labels, sample_weight=weights)
    return vectorizer, model


def choose_politeness_c(data: Politeness, rows: np.ndarray, folds: int = 3) -> float:
    """C with the best inner-CV accuracy on the binary items in ``rows`` (ties: the smaller)."""
    labels = data.labels[rows]
    scores = []
    for c in POLITENESS_GRID:
        correct = 0
        split = StratifiedKFold(folds, shuffle=True, random_state=SEED).split(rows, labels)
        for train, test in split:
            vectorizer, model = fit_politeness(*politeness_training_set(data, rows[train]), c=c)
            x = vectorizer.transform([data.texts[i] for i in rows[test]])
            correct += int((model.predict(x) == labels[test]).sum())
        scores.append(correct)
    return POLITENESS_GRID[int(np.argmax(scores))]


def politeness_arrays(vectorizer: CountVectorizer, model: LogisticRegression) -> dict[str, Any]:
    """Words, word pairs and triples by index into one token list; edge features by name."""
    names = [str(f) for f in vectorizer.get_feature_names_out()]
    coef = model.coef_[0]
    grams: dict[tuple[str, ...], float] = {}
    edges: dict[str, float] = {}
    for name, w in zip(names, coef, strict=True):
        if abs(w) < 1e-4:
            continue
        if name.startswith("^") or name.endswith("$"):
            edges[name] = float(w)
        else:
            grams[tuple(name.split(" "))] = float(w)
    token_list = sorted({t for gram in grams for t in gram})
    index = {t: i for i, t in enumerate(token_list)}
    words = np.zeros(len(token_list), dtype=np.float32)
    pairs, pair_w, triples, triple_w = [], [], [], []
    for gram, w in sorted(grams.items()):
        if len(gram) == 1:
            words[index[gram[0]]] = w
        elif len(gram) == 2:
            pairs.append([index[t] for t in gram])
            pair_w.append(w)
        else:
            triples.append([index[t] for t in gram])
            triple_w.append(w)
    edge_names = sorted(edges)
    return {
        "tokens": _strings(token_list),
        "words": words,
        "pairs": np.array(pairs, dtype=np.int32).reshape(-1, 2),
        "pair_weights": np.array(pair_w, dtype=np.float32),
        "triples": np.array(triples, dtype=np.int32).reshape(-1, 3),
        "triple_weights": np.array(triple_w, dtype=np.float32),
        "edges": _strings(edge_names),
        "edge_weights": np.array([edges[e] for e in edge_names], dtype=np.float32),
        "bias": np.array([model.intercept_[0]], dtype=np.float32),
    }


# ---------------------------------------------------------------- dialogues (DCH-1)


@dataclass(frozen=True)
class Dialogues:
    roles: list[list[str]]  # "c" / "h" per turn
    words: list[list[list[str]]]  # tokens per turn
    targets: np.ndarray  # (n, 15): A, S, E distributions of the 19 judgements
    nuggets: list[np.ndarray]  # per dialogue (turns, 7): share of annotators per nugget type

    def __len__(self) -> int:
        return len(self.roles)

    def texts(self) -> list[str]:
        return [" ".join(" ".join(t) for t in d) for d in self.words]


def load_dch(data: Path, language: str = "en") -> Dialogues:
    dialogues = json.loads((data / "stc3" / f"dch1_{language}.json").read_text(encoding="utf-8"))
    roles = [["c" if t["sender"] == "customer" else "h" for t in d["turns"]] for d in dialogues]
    words = [[tokens("\n".join(t["utterances"])) for t in d["turns"]] for d in dialogues]
    targets = np.zeros((len(dialogues), 15))
    nuggets = []
    for i, d in enumerate(dialogues):
        counts = np.zeros((len(d["turns"]), len(NUGGETS)))
        for a in d["annotations"]:
            for k, q in enumerate(QUALITIES):
                targets[i, 5 * k + a["quality"][q] + 2] += 1
            for j, kind in enumerate(a["nugget"]):
                counts[j, NUGGETS.index(kind)] += 1
        nuggets.append(counts / np.maximum(counts.sum(1, keepdims=True), 1))
    targets /= targets.reshape(len(dialogues), 3, 5).sum(2).repeat(5, 1)
    return Dialogues(roles, words, targets, nuggets)


def fit_softmax(x: sp.csr_matrix, y: np.ndarray, groups: int, lam: float) -> np.ndarray:
    """Soft-label multinomial logistic regression, ``groups`` softmaxes side by side.

    Minimises mean cross-entropy against the target distributions ``y`` (n, groups * k)
    plus lam/2 * |W|^2 (the bias is not penalised). Returns (d + 1, groups * k), bias last.
    """
    n, d = x.shape
    width = y.shape[1]
    k = width // groups
    xt = x.T.tocsr()

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = w[: d * width].reshape(d, width), w[d * width :]
        z = (x @ weights + bias).reshape(n, groups, k)
        z -= z.max(2, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(2, keepdims=True))
        log_p = log_p.reshape(n, width)
        value = -(y * log_p).sum() / n + lam / 2 * float((weights * weights).sum())
        g = (np.exp(log_p) - y) / n
        grad = np.concatenate([(xt @ g + lam * weights).ravel(), g.sum(0)])
        return value, grad

    result = minimize(
        loss, np.zeros(d * width + width), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    return np.vstack([result.x[: d * width].reshape(d, width), result.x[d * width :]])


def _softmax(z: np.ndarray, groups: int) -> np.ndarray:
    n, width = z.shape
    z = z.reshape(n, groups, width // groups)
    p = np.exp(z - z.max(2, keepdims=True))
    p /= p.sum(2, keepdims=True)
    result: np.ndarray = p.reshape(n, width)
    return result


def _apply(weights: np.ndarray, x: sp.csr_matrix, groups: int) -> np.ndarray:
    return _softmax(np.asarray(x @ weights[:-1]) + weights[-1], groups)


def vocabulary(data: Dialogues, rows: Sequence[int]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for i in rows:
        counts.update({w for turn in data.words[i] for w in turn})
    return {w: k for k, w in enumerate(sorted(w for w, c in counts.items() if c >= MIN_DF))}


def _binary(rows: list[list[int]], width: int) -> sp.csr_matrix:
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = np.fromiter((j for r in rows for j in r), dtype=np.int64, count=int(indptr[-1]))
    matrix = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), width))
    matrix.sum_duplicates()
    return matrix


def _position(j: int, n: int) -> list[int]:
    """The one-hot columns of a turn's position: index, is-last, turns remaining."""
    remaining = min(n - 1 - j, MAX_REMAINING)
    return [min(j, MAX_INDEX), MAX_INDEX + 1 + (j == n - 1), MAX_INDEX + 3 + remaining]


@dataclass
class DialogueModel:
    """The two-stage dialogue model (see the module docstring)."""

    vocab: dict[str, int]
    nugget_c: np.ndarray  # (3V + N_POSITION + 1, 4)
    nugget_h: np.ndarray  # (3V + N_POSITION + 1, 3)
    outcome: np.ndarray  # (5V + MAX_TURNS + 1 + 3 + N_DENSE + 1, 15)
    scale: float
    lam: float

    @staticmethod
    def turn_ids(data: Dialogues, vocab: dict[str, int], i: int) -> list[list[int]]:
        return [sorted({vocab[w] for w in turn if w in vocab}) for turn in data.words[i]]

    @staticmethod
    def nugget_matrix(
        data: Dialogues, vocab: dict[str, int], rows: Sequence[int], role: str
    ) -> tuple[sp.csr_matrix, list[tuple[int, int]]]:
        v = len(vocab)
        lines, where = [], []
        for i in rows:
            ids = DialogueModel.turn_ids(data, vocab, i)
            n = len(ids)
            for j, r in enumerate(data.roles[i]):
                if r != role:
                    continue
                line = list(ids[j])
                if j > 0:
                    line += [v + k for k in ids[j - 1]]
                if j < n - 1:
                    line += [2 * v + k for k in ids[j + 1]]
                line += [3 * v + k for k in _position(j, n)]
                lines.append(line)
                where.append((i, j))
        return _binary(lines, 3 * v + N_POSITION), where

    @staticmethod
    def fit_nuggets(
        data: Dialogues, vocab: dict[str, int], rows: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        fitted = []
        for role, kinds in (("c", CUSTOMER_NUGGETS), ("h", AGENT_NUGGETS)):
            x, where = DialogueModel.nugget_matrix(data, vocab, rows, role)
            cols = [NUGGETS.index(k) for k in kinds]
            y = np.array([data.nuggets[i][j, cols] for i, j in where]).reshape(-1, len(cols))
            y /= np.maximum(y.sum(1, keepdims=True), 1e-12)
            fitted.append(fit_softmax(x, y, 1, NUGGET_LAMBDA))
        return fitted[0], fitted[1]

    @staticmethod
    def predict_nuggets(
        data: Dialogues,
        vocab: dict[str, int],
        rows: Sequence[int],
        weights: tuple[np.ndarray, np.ndarray],
    ) -> dict[int, np.ndarray]:
        out = {i: np.zeros((len(data.roles[i]), len(NUGGETS))) for i in rows}
        for role, kinds, w in (
            ("c", CUSTOMER_NUGGETS, weights[0]),
            ("h", AGENT_NUGGETS, weights[1]),
        ):
            x, where = DialogueModel.nugget_matrix(data, vocab, rows, role)
            if not where:
                continue
            p = _apply(w, x, 1)
            cols = [NUGGETS.index(k) for k in kinds]
            for (i, j), row in zip(where, p, strict=True):
                out[i][j, cols] = row
        return out

    @staticmethod
    def dense(nuggets: np.ndarray, roles: Sequence[str]) -> np.ndarray:
        zero = np.zeros(len(NUGGETS))
        if not len(roles):
            return np.zeros(N_DENSE)
        customer = [j for j, r in enumerate(roles) if r == "c"]
        agent = [j for j, r in enumerate(roles) if r == "h"]
        return np.concatenate(
            [
                nuggets.mean(0),
                nuggets.max(0),
                nuggets[-1],
                nuggets[customer[-1]] if customer else zero,
                nuggets[agent[-1]] if agent else zero,
            ]
        )

    @staticmethod
    def outcome_matrix(
        data: Dialogues,
        vocab: dict[str, int],
        rows: Sequence[int],
        nuggets: dict[int, np.ndarray],
        scale: float,
    ) -> sp.csr_matrix:
        v = len(vocab)
        counts: list[dict[int, float]] = []
        for i in rows:
            ids, roles = DialogueModel.turn_ids(data, vocab, i), data.roles[i]
            line: Counter[int] = Counter()
            customer = [j for j, r in enumerate(roles) if r == "c"]
            agent = [j for j, r in enumerate(roles) if r == "h"]
            for j in customer:
                line.update(ids[j])
            for j in agent:
                line.update(v + k for k in ids[j])
            if len(customer) > 1:
                line.update(2 * v + k for k in ids[customer[-1]])
            if customer:
                line.update(3 * v + k for k in ids[customer[0]])
            if agent:
                line.update(4 * v + k for k in ids[agent[-1]])
            line[5 * v + min(len(roles), MAX_TURNS)] += 1
            last = 2 if not roles else 0 if roles[-1] == "c" else 1
            line[5 * v + MAX_TURNS + 1 + last] += 1
            counts.append(dict(line))
        base = 5 * v + MAX_TURNS + 4
        indptr = np.cumsum([0] + [len(c) for c in counts])
        indices = np.fromiter((k for c in counts for k in sorted(c)), dtype=np.int64)
        values = np.fromiter((c[k] for c in counts for k in sorted(c)), dtype=np.float64)
        words = sp.csr_matrix((values, indices, indptr), shape=(len(rows), base))
        dense = np.array([scale * DialogueModel.dense(nuggets[i], data.roles[i]) for i in rows])
        return sp.hstack([words, sp.csr_matrix(dense.reshape(len(rows), N_DENSE))]).tocsr()

    @classmethod
    def fit(
        cls, data: Dialogues, rows: Sequence[int], settings: tuple[float, float] | None = None
    ) -> DialogueModel:
        """Both stages on ``rows``; (scale, lam) chosen by inner CV unless given."""
        rows = list(rows)
        vocab = vocabulary(data, rows)
        weights = cls.fit_nuggets(data, vocab, rows)
        oof = out_of_fold_nuggets(data, rows)
        scale, lam = settings or choose_outcome_settings(data, rows, oof)
        x = cls.outcome_matrix(data, vocab, rows, oof, scale)
        outcome = fit_softmax(x, data.targets[rows], 3, lam)
        return cls(vocab, weights[0], weights[1], outcome, scale, lam)

    def predict(self, data: Dialogues, rows: Sequence[int]) -> np.ndarray:
        rows = list(rows)
        nuggets = self.predict_nuggets(data, self.vocab, rows, (self.nugget_c, self.nugget_h))
        x = self.outcome_matrix(data, self.vocab, rows, nuggets, self.scale)
        return _apply(self.outcome, x, 3)

    def arrays(self) -> dict[str, Any]:
        """The weights as inference reads them (see servicecraft.engine.learned)."""
        v = len(self.vocab)
        c, h, o = self.nugget_c, self.nugget_h, self.outcome
        by_word = np.hstack(
            [c[:v], h[:v], c[v : 2 * v], h[v : 2 * v], c[2 * v : 3 * v], h[2 * v : 3 * v]]
            + [o[k * v : (k + 1) * v] for k in range(5)]
        )
        dense = o[5 * v + MAX_TURNS + 4 : -1] * self.scale  # the scale folded in
        return {
            "vocab": _strings(sorted(self.vocab, key=self.vocab.__getitem__)),
            "by_word": by_word.astype(np.float32),
            "nugget_position": np.hstack([c[3 * v : -1], h[3 * v : -1]]).astype(np.float32),
            "nugget_bias": np.concatenate([c[-1], h[-1]]).astype(np.float32),
            "outcome_turns": o[5 * v : 5 * v + MAX_TURNS + 1].astype(np.float32),
            "outcome_last": o[5 * v + MAX_TURNS + 1 : 5 * v + MAX_TURNS + 4].astype(np.float32),
            "outcome_dense": dense.astype(np.float32),
            "outcome_bias": o[-1].astype(np.float32),
        }


def out_of_fold_nuggets(
    data: Dialogues, rows: Sequence[int], folds: int = 5
) -> dict[int, np.ndarray]:
    """Stage-1 predictions for ``rows``, each from a model that did not see its dialogue."""
    at = np.asarray(rows)
    out: dict[int, np.ndarray] = {}
    for train, test in KFold(folds, shuffle=True, random_state=SEED).split(at):
        vocab = vocabulary(data, at[train])
        weights = DialogueModel.fit_nuggets(data, vocab, at[train])
        out.update(DialogueModel.predict_nuggets(data, vocab, at[test], weights))
    return out


def choose_outcome_settings(
    data: Dialogues, rows: Sequence[int], oof: dict[int, np.ndarray], folds: int = 3
) -> tuple[float, float]:
    """The (scale, lam) of OUTCOME_GRID with the best inner-CV NMD (mean of A, S, E)."""
    at = np.asarray(rows)
    scores = np.zeros(len(OUTCOME_GRID))
    for train, test in KFold(folds, shuffle=True, random_state=SEED).split(at):
        vocab = vocabulary(data, at[train])
        for k, (scale, lam) in enumerate(OUTCOME_GRID):
            x = DialogueModel.outcome_matrix(data, vocab, at[train], oof, scale)
            w = fit_softmax(x, data.targets[at[train]], 3, lam)
            p = _apply(w, DialogueModel.outcome_matrix(data, vocab, at[test], oof, scale), 3)
            scores[k] += sum(nmd(p, data.targets[at[test]], q) for q in range(3))
    return OUTCOME_GRID[int(np.argmin(scores))]


def nmd(predicted: np.ndarray, truth: np.ndarray, quality: int | None = None) -> float:
    """Normalised match distance, averaged over dialogues (lower is better).

    With ``quality`` (0 A, 1 S, 2 E) the arrays hold all three side by side (n, 15).
    """
    if quality is not None:
        predicted = predicted[:, 5 * quality : 5 * quality + 5]
        truth = truth[:, 5 * quality : 5 * quality + 5]
    return float(np.abs(np.cumsum(predicted, 1) - np.cumsum(truth, 1)).sum(1).mean() / 4)


# ---------------------------------------------------------------- writing


def _strings(items: list[str]) -> np.ndarray:
    return np.frombuffer("\n".join(items).encode(), dtype=np.uint8)


def write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An .npz (readable by numpy.load) with fixed timestamps: the same arrays, the same bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(arrays[name]))
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def sources(data: Path) -> dict[str, str]:
    """SHA-256 of each data file a build reads, by its path under ``data``."""
    return {
        name: hashlib.sha256((data / name).read_bytes()).hexdigest()
        for name in (*TYDIP_FILES, DCH_FILE)
    }


def build(data: Path, out: Path) -> dict[str, int]:
    """Train every shipped model on all its data and write the weight files; returns their sizes.

    Each file records the hashes of the data it was trained on (``sources``), so a test can
    tell shipped weights from stale ones without retraining.
    """
    out.mkdir(parents=True, exist_ok=True)
    fingerprint = _strings([f"{k} {v}" for k, v in sorted(sources(data).items())])
    # One BLAS thread: the problems are small and sparse, and a second thread fighting another
    # process for two cores made the build ten times slower.
    with threadpool_limits(1):
        polite = load_tydip(data)
        c = choose_politeness_c(polite, np.arange(len(polite.texts)))
        vectorizer, model = fit_politeness(*politeness_training_set(polite), c=c)
        arrays = politeness_arrays(vectorizer, model)
        arrays["c"] = np.array([c], dtype=np.float32)
        write_arrays(out / "politeness.npz", {**arrays, "sources": fingerprint})

        dialogues = load_dch(data)
        fitted = DialogueModel.fit(dialogues, range(len(dialogues)))
        arrays = fitted.arrays()
        arrays["settings"] = np.array([fitted.scale, fitted.lam], dtype=np.float32)
        write_arrays(out / "outcomes.npz", {**arrays, "sources": fingerprint})

        from servicecraft.training.detectors import build_detectors
        from servicecraft.training.overall import build_overall

        build_detectors(out)
        build_overall(data, out, (fitted.scale, fitted.lam))
    return {p.name: p.stat().st_size for p in sorted(out.glob("*.npz"))}
