"""Fit the overall score to human judgement (see ``servicecraft.engine.overall``).

DCH-1's 19 annotators judged each dialogue on A (task accomplished), S (satisfaction) and E
(effectiveness), -2..2. The default overall is a ridge regression of their mean judgement on
the scorecard's inputs. The scorecards it is fitted on must look like unseen ones: the outcome
predictions of each dialogue come from a dialogue model trained on the other folds
(``out_of_fold_annotations``), never from the shipped one, which saw them all.

The same ``fit`` serves ``servicecraft calibrate``, with an organisation's reviews as targets.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from servicecraft.engine.overall import features
from servicecraft.model import Conversation, Message, Scorecard

SEED = 0


def dch_conversations(data: Path) -> tuple[list[Conversation], np.ndarray]:
    """DCH-1 English as conversations, and each one's mean judgement (A, S, E averaged)."""
    raw = json.loads((data / "stc3" / "dch1_en.json").read_text(encoding="utf-8"))
    conversations, targets = [], []
    for item in raw:
        messages = [
            Message(
                "customer" if t["sender"] == "customer" else "agent", "\n".join(t["utterances"])
            )
            for t in item["turns"]
        ]
        conversations.append(Conversation(str(item["id"]), messages))
        targets.append(
            statistics.mean(
                statistics.mean(a["quality"][q] for a in item["annotations"]) for q in "ASE"
            )
        )
    return conversations, np.array(targets)


def out_of_fold_annotations(
    data: Path,
    rows: Sequence[int],
    folds: int = 5,
    settings: tuple[float, float] | None = None,
    weights: Path | None = None,
) -> dict[int, Any]:
    """The fast tier's annotation of every dialogue in ``rows``, each from a dialogue model
    trained on the other folds of ``rows`` (politeness, trained on TyDiP, is the one in
    ``weights``: the shipped folder by default); ``settings`` default to the shipped model's."""
    from sklearn.model_selection import KFold

    from servicecraft.engine.learned import LearnedSignals, read_weights, weights_dir
    from servicecraft.training.models import DialogueModel, load_dch

    dialogues = load_dch(data)
    conversations, _ = dch_conversations(data)
    folder = weights or weights_dir()
    if settings is None:
        shipped = read_weights(folder / "outcomes.npz")["settings"]
        settings = (float(shipped[0]), float(shipped[1]))
    politeness = read_weights(folder / "politeness.npz")
    at = np.asarray(rows)
    out: dict[int, Any] = {}
    for train, test in KFold(folds, shuffle=True, random_state=SEED).split(at):
        model = DialogueModel.fit(dialogues, at[train].tolist(), settings=settings)
        signals = LearnedSignals(politeness, model.arrays())
        chosen = [int(i) for i in at[test]]
        for i, a in zip(
            chosen, signals.annotate_turns([conversations[i] for i in chosen]), strict=True
        ):
            out[i] = a
    return out


def card_rows(cards: Sequence[Scorecard]) -> list[dict[str, float | None]]:
    return [features(c.skills, c.metrics, c.outcomes, c.messages) for c in cards]


OVERALL_FILE = "overall.yaml"
MARKER = "# --- overall: written by `servicecraft models build` (training/overall.py) ---"


def build_overall(
    data: Path,
    out: Path,
    settings: tuple[float, float],
    annotations: dict[int, Any] | None = None,
) -> dict[str, Any]:
    """Fit the default overall on all of DCH-1 from out-of-fold scorecards; write it.

    Writes ``out/overall.yaml``, and splices the same block into the default rubric when
    ``out`` is the package's own weights folder. Returns the fit's summary.
    """
    import yaml

    from servicecraft.calibration import fit
    from servicecraft.engine import Engine, load_rubric
    from servicecraft.engine.learned import weights_dir
    from servicecraft.engine.learned.detectors import Detectors
    from servicecraft.engine.overall import feature_names
    from servicecraft.engine.rubric import default_rubric_path

    conversations, y = dch_conversations(data)
    rows = list(range(len(conversations)))
    if annotations is None:
        annotations = out_of_fold_annotations(data, rows, settings=settings, weights=out)
    rubric = load_rubric()
    rubric.overall = None  # the inputs must not depend on the model being fitted
    engine = Engine(rubric, detectors=Detectors.from_arrays(_read(out / "detectors.npz")))
    cards = [engine.score(conversations[i], annotations[i]) for i in rows]
    fitted = fit(
        card_rows(cards),
        y.tolist(),
        feature_names(list(rubric.skills)),
        fitted_on=(
            f"DCH-1 English, {len(y)} real helpdesk dialogues: the mean of 19 annotators' "
            "judgements of resolution, satisfaction and effectiveness"
        ),
    )
    block = {"overall": fitted.model.to_dict()}
    explained = "".join(f"#   {line}\n" for line in fitted.model.explain())
    text = f"{MARKER}\n# What moves it most:\n{explained}" + yaml.safe_dump(block, sort_keys=False)
    (out / OVERALL_FILE).write_text(text, encoding="utf-8")
    if out.resolve() == weights_dir().resolve():
        path = default_rubric_path()
        current = path.read_text(encoding="utf-8")
        head = current.split(MARKER)[0].rstrip("\n")
        path.write_text(f"{head}\n\n{text}", encoding="utf-8")
    return {"alpha": fitted.alpha, "n": fitted.n}


def _read(path: Path) -> dict[str, Any]:
    from servicecraft.engine.learned import read_weights

    return read_weights(path)
