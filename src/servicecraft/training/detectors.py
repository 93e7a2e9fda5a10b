"""Train the per-sentence detectors (see ``servicecraft.engine.learned.detectors``).

The labelled examples are whole agent or customer messages, each labelled -1/0/1 or 0/1: written
for this project (``training/examples/*.yaml``, under the project's licence) and real helpdesk
replies labelled for it (``training/examples/dch1/*.yaml``, DCH-1, CC BY 4.0). Each has a
``split``: ``dev`` trains and chooses the penalty by cross-validation, ``test`` is held out
and only ever reported (``benchmarks.detectors``). The shipped heads are fitted on ``dev``
alone, so the held-out figures describe what ships.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from servicecraft.engine.learned.detectors import (
    BUCKETS,
    Detectors,
    Features,
    Head,
    StaticEmbedder,
    features,
)

C_GRID = (1.0, 4.0, 16.0)
SEED = 0


@dataclass(frozen=True)
class Examples:
    detector: str
    role: str
    labels: tuple[int, ...]
    texts: list[str]
    y: np.ndarray
    split: list[str]
    source: list[str]  # "written" for the project, or the folder of real messages ("dch1")

    def rows(self, split: str, source: str | None = None) -> np.ndarray:
        """Indices of the split's examples (of one source, if given)."""
        return np.array(
            [
                k
                for k, (s, o) in enumerate(zip(self.split, self.source, strict=True))
                if s == split and source in (None, o)
            ],
            dtype=np.intp,
        )


def examples_dir() -> Path:
    return Path(str(resources.files("servicecraft.training") / "examples"))


def load_examples(folder: Path | None = None) -> list[Examples]:
    """Each detector's examples: its hand-written file (``examples/<detector>.yaml``) and, where
    a subfolder holds a file of the same name, real messages labelled for the project
    (``examples/dch1/<detector>.yaml``: DCH-1 helpdesk replies, CC BY 4.0), in that order."""
    found = []
    root = folder or examples_dir()
    for path in sorted(root.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = [(e, "written") for e in raw["examples"]]
        for extra in sorted(root.glob(f"*/{path.name}")):
            more = yaml.safe_load(extra.read_text(encoding="utf-8"))
            if more["detector"] != raw["detector"] or more["labels"] != raw["labels"]:
                raise ValueError(f"{extra}: detector and labels must match {path.name}")
            items += [(e, extra.parent.name) for e in more["examples"]]
        found.append(
            Examples(
                detector=str(raw["detector"]),
                role=str(raw.get("role", "agent")),
                labels=tuple(sorted(int(k) for k in raw["labels"])),
                texts=[str(e["text"]) for e, _ in items],
                y=np.array([int(e["label"]) for e, _ in items]),
                split=[str(e.get("split", "dev")) for e, _ in items],
                source=[source for _, source in items],
            )
        )
    return found


def design(x: Features) -> sp.csr_matrix:
    """The training matrix of what the heads read: dense columns, then the hashed buckets."""
    rows = [r for r, b in enumerate(x.buckets) for _ in b]
    cols = [i for b in x.buckets for i in b]
    values = [1.0 / np.sqrt(len(b)) for b in x.buckets for _ in b]
    sparse = sp.csr_matrix((values, (rows, cols)), shape=(len(x.buckets), BUCKETS))
    return sp.hstack([sp.csr_matrix(x.dense.astype(np.float64)), sparse]).tocsr()


def fit_head(
    x: sp.csr_matrix, y: np.ndarray, c: float, weights: np.ndarray | None = None
) -> LogisticRegression:
    # Classes weigh evenly: real replies are mostly "none of these", and without the weights
    # their share would lower every head's probabilities, so the scorers' fixed bars (SURE)
    # would stop meaning what they meant on the balanced written examples.
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    return model.fit(x, y, sample_weight=weights)


def source_weights(sources: Sequence[str]) -> np.ndarray:
    """Per row, a weight that gives every source (written, each folder of real messages) the same
    total: more real replies must not crowd out what the written examples teach."""
    counts = Counter(sources)
    return np.array([len(sources) / (len(counts) * counts[s]) for s in sources])


def choose_c(
    x: sp.csr_matrix, y: np.ndarray, folds: int = 3, weights: np.ndarray | None = None
) -> tuple[float, float]:
    """The C of C_GRID with the best cross-validated accuracy on these rows, and that accuracy."""
    best = (C_GRID[0], -1.0)
    for c in C_GRID:
        right = 0
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(y, y):
            w = None if weights is None else weights[train]
            right += int((fit_head(x[train], y[train], c, w).predict(x[test]) == y[test]).sum())
        accuracy = right / len(y)
        if accuracy > best[1]:
            best = (c, accuracy)
    return best


def head_of(examples: Examples, model: LogisticRegression) -> Head:
    labels = tuple(int(k) for k in model.classes_)
    if len(labels) == 2:  # sklearn keeps one column for two classes: spell out both
        w = np.hstack([-model.coef_.T / 2, model.coef_.T / 2])
        b = np.array([-model.intercept_[0] / 2, model.intercept_[0] / 2])
    else:
        w, b = model.coef_.T, model.intercept_
    return Head(
        examples.detector, examples.role, labels, w.astype(np.float32), b.astype(np.float32)
    )


def fit_heads(
    embedder: StaticEmbedder, sets: Sequence[Examples]
) -> tuple[list[Head], dict[str, dict[str, float]]]:
    """Heads fitted on each set's dev rows; their CV accuracy and the chosen C."""
    heads, report = [], {}
    for ex in sets:
        dev = ex.rows("dev")
        x = design(features(embedder, [ex.texts[k] for k in dev]))
        weights = source_weights([ex.source[k] for k in dev])
        c, accuracy = choose_c(x, ex.y[dev], weights=weights)
        heads.append(head_of(ex, fit_head(x, ex.y[dev], c, weights)))
        report[ex.detector] = {"c": c, "cv_accuracy": accuracy}
    return heads, report


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and a float32 scale per row (a quarter of the size; cosines move < 0.01)."""
    scales = np.abs(vectors).max(1) / 127.0
    scales[scales == 0] = 1.0
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


def detector_arrays(
    pieces: Sequence[str], vectors: np.ndarray, heads: Sequence[Head]
) -> dict[str, Any]:
    q, scales = quantise(vectors)
    arrays: dict[str, Any] = {
        "pieces": np.frombuffer("\n".join(pieces).encode(), dtype=np.uint8),
        "vectors": q,
        "scales": scales,
        "heads": np.frombuffer("\n".join(h.name for h in heads).encode(), dtype=np.uint8),
    }
    for h in heads:
        arrays[f"{h.name}.role"] = np.frombuffer(h.role.encode(), dtype=np.uint8)
        arrays[f"{h.name}.labels"] = np.array(h.labels, dtype=np.int8)
        arrays[f"{h.name}.weights"] = h.weights.astype(np.float32)
        arrays[f"{h.name}.bias"] = h.bias.astype(np.float32)
    return arrays


def static_table(directory: Path) -> tuple[list[str], np.ndarray]:
    """The shipped static vectors (dequantised), reused when the heads are rebuilt."""
    detectors = Detectors.load(str(directory))
    return detectors.embedder.pieces_in_order(), detectors.embedder.table


def build_detectors(
    out: Path, examples: Path | None = None, distill_again: bool = False
) -> dict[str, dict[str, float]]:
    """Write ``detectors.npz`` into ``out``: the static table and heads fitted on the dev split.

    The static table is reused from the shipped file unless ``distill_again`` (which needs the
    'transformer' extra and runs the encoder over its whole vocabulary, about a minute).
    """
    from servicecraft.engine.learned import weights_dir
    from servicecraft.engine.learned.detectors import FILE

    if distill_again:
        from servicecraft.engine.learned.transformer import load_encoder
        from servicecraft.training.static import distill

        pieces, vectors = distill(load_encoder("cpu"))
    else:
        source = out if (out / FILE).is_file() else weights_dir()
        pieces, vectors = static_table(source)
    q, scales = quantise(vectors)
    embedder = StaticEmbedder(pieces, q.astype(np.float32) * scales[:, None])
    heads, report = fit_heads(embedder, load_examples(examples))
    from servicecraft.training.models import write_arrays

    arrays = detector_arrays(pieces, q.astype(np.float32) * scales[:, None], heads)
    out.mkdir(parents=True, exist_ok=True)
    write_arrays(out / FILE, arrays)
    return report
