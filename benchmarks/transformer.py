"""Accuracy and speed of the transformer tier, with the fast tier's numbers from the same run.

    python -m benchmarks.transformer [--data ../shared/data] [--speed-only]

Trains only on CC BY data (TyDiP, DCH-1), repeating the whole head build inside every outer
fold (C and the L2 penalty chosen on the fold's training part only; the fast logits the
politeness head trains on are out-of-fold within it). Stanford politeness and EPITOME are
evaluation only, with the shipped heads. The fast tier's fold models run in a second process
while this one encodes; every text is encoded once and kept in memory.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks.accuracy.evaluation import epitome_items, epitome_scores
from benchmarks.accuracy.politeness import stanford_quartiles
from servicecraft.engine.learned import LearnedSignals
from servicecraft.engine.learned.transformer import (
    BLEND,
    TransformerSignals,
    blend,
    embed,
    load_encoder,
)
from servicecraft.model import Conversation, Message
from servicecraft.training.models import load_dch, load_tydip, nmd
from servicecraft.training.transformer import (
    dch_turn_texts,
    dialogue_matrix,
    fast_outcome_cv,
    fast_politeness_cv,
    outcome_cv,
    politeness_cv,
    tydip_items,
)

ROWS: list[tuple[str, ...]] = []
DCH_ANCHORS = (
    ("resolution (A)", "fine-tuned MiniLM 0.090 (3 seeds 0.087); TF-IDF+ridge 0.113; prior ~0.14"),
    ("satisfaction (S)", "fine-tuned MiniLM 0.080 (3 seeds 0.078); TF-IDF+ridge 0.107"),
    ("effectiveness (E)", "fine-tuned MiniLM 0.085 (3 seeds 0.083); TF-IDF+ridge 0.099"),
)


def row(task: str, metric: str, ours: str, fast: str, anchors: str) -> None:
    ROWS.append((task, metric, ours, fast, anchors))
    print(f"  {task}: {metric} {ours} (fast tier {fast})   [{anchors}]", flush=True)


def _one_thread() -> None:
    # The fast tier's fits are small sparse problems: one BLAS thread, the other core encodes.
    threadpool_limits(1)


def timed(label: str, fn: Any, *args: Any) -> Any:
    start = time.perf_counter()
    result = fn(*args)
    print(f"    {label}: {time.perf_counter() - start:.0f} s", flush=True)
    return result


def tydip(polite: Any, x: np.ndarray, fast: Any) -> None:
    ours, theirs, chosen = politeness_cv(polite, x, fast)
    labels = polite.labels.astype(bool)
    row(
        "Politeness, TyDiP English, 10-fold CV (C chosen inside each fold: "
        + ", ".join(f"{c:g}" for c in chosen)
        + ")",
        "accuracy",
        f"**{((ours > 0.5) == labels).mean():.3f}**",
        f"{((theirs > 0.5) == labels).mean():.3f} (C = 1)",
        "MiniLM embeddings + TF-IDF + LR 0.857; fine-tuned MiniLM 0.868; XLM-R-large 0.892; goal 0.90",
    )


def stanford(data: Path, signals: TransformerSignals) -> None:
    texts, labels = stanford_quartiles(data)
    ours = np.array(timed("Stanford, shipped heads", signals.politeness, texts)) > 0.5
    fast = np.array(LearnedSignals.load().politeness(texts)) > 0.5
    truth = labels.astype(bool)
    row(
        "Politeness, Stanford Stack Exchange quartiles (evaluation only; shipped heads)",
        "accuracy",
        f"{(ours == truth).mean():.3f}",
        f"{(fast == truth).mean():.3f}",
        "in-domain linguistic features 0.782; human agreement 0.809",
    )


def epitome(data: Path, signals: TransformerSignals) -> None:
    texts, truth = epitome_items(data)
    ours = epitome_scores(timed("EPITOME, shipped heads", signals.empathy, texts), truth)
    fast = epitome_scores(LearnedSignals.load().empathy(texts), truth)
    row(
        "Empathy, EPITOME emotional reactions (evaluation only; cut points 0.5 / 0.75)",
        "accuracy / macro-F1",
        "{:.3f} / {:.3f}".format(*ours),
        "{:.3f} / {:.3f} (heuristic)".format(*fast),
        "RoBERTa bi-encoder 0.794 / 0.745 (supervised on EPITOME)",
    )


def dch(targets: np.ndarray, head: np.ndarray, chosen: list[float], fast: np.ndarray) -> None:
    blended = blend(head, fast, BLEND)
    lams = ", ".join(f"{lam:g}" for lam in chosen)
    for q, (name, anchors) in enumerate(DCH_ANCHORS):
        row(
            f"DCH-1 {name}, 5-fold CV (L2 per fold: {lams})",
            "NMD (lower is better)",
            f"**{nmd(blended, targets, q):.4f}** (head alone {nmd(head, targets, q):.4f})",
            f"{nmd(fast, targets, q):.4f}",
            anchors,
        )


def conversations(data: Path, count: int) -> list[Conversation]:
    dialogues = load_dch(data)
    texts = dch_turn_texts(data)
    return [
        Conversation(
            str(i),
            [
                Message("customer" if r == "c" else "agent", t)
                for r, t in zip(dialogues.roles[i], texts[i], strict=True)
            ],
        )
        for i in range(count)
    ]


def speed(data: Path, device: str, signals: TransformerSignals) -> None:
    """Batches of 256 conversations (all their messages in one encoder call), then one at a time."""
    sample = conversations(data, 512)
    messages = sum(len(c.messages) for c in sample)
    signals.annotate_many(sample[:8])  # warm up
    start = time.perf_counter()
    for k in range(0, len(sample), 256):
        signals.annotate_many(sample[k : k + 256])
    batched = time.perf_counter() - start
    few = sample[:64]
    start = time.perf_counter()
    for c in few:
        signals.annotate(c)
    single = (time.perf_counter() - start) * len(sample) / len(few)
    for label, seconds in (("in batches of 256", batched), ("one at a time", single)):
        row(
            f"Speed on {device}, {label} (DCH-1, ~4 turns, 820 characters)",
            "throughput",
            f"{messages / seconds:,.0f} messages/s, {len(sample) / seconds:,.1f} conversations/s",
            "see docs/models.md",
            "",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument(
        "--speed-only",
        action="store_true",
        help="only the speed rows, CPU and (when present) GPU: about a minute, for a lent GPU",
    )
    args = parser.parse_args()
    import torch

    began = time.perf_counter()
    if args.speed_only:
        speeds(args.data, torch.get_num_threads())
        report(began)
        return
    polite, dialogues = load_tydip(args.data), load_dch(args.data)
    threads = torch.get_num_threads()
    context = multiprocessing.get_context("spawn")
    # The fast tier's DCH-1 folds are the longest single job: a second process runs them on
    # one core while this one does everything else on the other.
    with (
        ProcessPoolExecutor(1, mp_context=context, initializer=_one_thread) as pool,
        threadpool_limits(1),
    ):
        fast_outcomes = pool.submit(fast_outcome_cv, dialogues)
        torch.set_num_threads(1)
        model = load_encoder("cpu")
        texts = tydip_items(polite)[0]
        px = timed(f"encoded TyDiP ({len(texts)} texts)", embed, model, texts)
        turns = dch_turn_texts(args.data)
        label = f"encoded DCH-1 ({sum(map(len, turns)):,} turns)"
        dx = timed(label, dialogue_matrix, model, dialogues, turns)
        fast_polite = timed("fast tier, TyDiP folds", fast_politeness_cv, polite)
        timed("TyDiP heads", tydip, polite, px, fast_polite)
        signals = TransformerSignals.load("cpu")
        stanford(args.data, signals)
        epitome(args.data, signals)
        head, chosen = timed("DCH-1 heads", outcome_cv, dx, dialogues.targets)
        fast = timed("fast tier, DCH-1 folds (waited)", fast_outcomes.result)
        dch(dialogues.targets, head, chosen, fast)
    torch.set_num_threads(threads)
    speeds(args.data, threads)
    report(began)


def speeds(data: Path, threads: int) -> None:
    import torch

    speed(data, f"CPU ({threads} threads)", TransformerSignals.load("cpu"))
    if torch.cuda.is_available():
        speed(data, torch.cuda.get_device_name(), TransformerSignals.load("cuda"))
    else:
        print("  no GPU on this machine", flush=True)


def report(began: float) -> None:
    print(f"\n(whole run {time.perf_counter() - began:.0f} s)\n")
    print("| task | metric | transformer tier | fast tier, same run | published anchors |")
    print("| --- | --- | --- | --- | --- |")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
