"""Static word-piece embeddings distilled from the frozen all-MiniLM-L6-v2 (model2vec's recipe).

Every word piece of the encoder's vocabulary (Latin script, digits and punctuation) is run
through the encoder alone, ``[CLS] piece [SEP]``, and its output states are mean-pooled. The
vectors are reduced by PCA and weighted by the piece's rank in the vocabulary (a Zipf proxy:
frequent pieces say less), as model2vec's ``distill`` does. The result is a lookup table: a
message's embedding is the mean of its pieces' vectors, computed with NumPy alone at the fast
tier's speed (see ``servicecraft.engine.learned.static``). Apache-2.0, like the encoder.

Needs the 'transformer' extra at build time only.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

DIMENSIONS = 128
BATCH = 1024
_KEEP = re.compile(r"^(##)?[a-z0-9]+$|^[!?.,:;'\"$%&()*+\-/<=>@€£]$")


def _vocabulary(model_path: Path) -> list[str]:
    return (model_path / "vocab.txt").read_text(encoding="utf-8").splitlines()


def kept_pieces(vocab: list[str]) -> list[int]:
    """Indices of the pieces worth a vector: Latin letters, digits, common punctuation."""
    return [i for i, piece in enumerate(vocab) if _KEEP.match(piece) and _ascii(piece)]


def _ascii(piece: str) -> bool:
    return all(unicodedata.category(ch)[0] in "LNPS" and ord(ch) < 128 for ch in piece.lstrip("#"))


def distill(
    encoder: Any, dimensions: int = DIMENSIONS
) -> tuple[list[str], npt.NDArray[np.float32]]:
    """The kept pieces and their (len(pieces), dimensions) float32 vectors."""
    import torch

    from servicecraft.engine.learned.transformer import load_encoder  # noqa: F401 (extra check)

    bert, tokenizer = encoder[0].auto_model, encoder.tokenizer
    vocab = [t for t, _ in sorted(tokenizer.get_vocab().items(), key=lambda kv: kv[1])]
    keep = kept_pieces(vocab)
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    states = np.zeros((len(keep), bert.config.hidden_size), dtype=np.float64)
    with torch.inference_mode():
        for start in range(0, len(keep), BATCH):
            ids = keep[start : start + BATCH]
            batch = torch.tensor([[cls, i, sep] for i in ids])
            out = bert(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
            states[start : start + len(ids)] = out.mean(1).double().numpy()
    centred = states - states.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:dimensions].T
    # Pieces early in the vocabulary are the frequent ones: weight by log rank, as model2vec.
    weights = np.log(np.asarray(keep, dtype=np.float64) + 2.0)
    weights /= weights.mean()
    vectors = (reduced * weights[:, None]).astype(np.float32)
    return [vocab[i] for i in keep], vectors
