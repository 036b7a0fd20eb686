"""Which attention head to show: measured, not guessed.

On a fixed reference passage full of names, each head's *name score* is the share of its
attention (averaged over queries) that lands on capitalised words. Spread evenly over the
visible keys, attention would give those words only their share of the tokens (``baseline``); a
head far above it is visibly "looking back at who the sentence is about", the clearest pattern
the shipped model learned (it has no strong previous-token or induction head: measured, those
scores stay under 0.33 and 0.03).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .trace import run

REFERENCE = ("When the letter came, Emma smiled at her father and said that she would not go. "
             "Then Elizabeth looked at her sister, and Mr. Darcy walked into the room with his "
             "friend, and Jane sat down by the fire.")
FIRST_QUERY = 5   # skip the first few queries: with 1-4 visible keys any head looks focused


@dataclass(frozen=True)
class HeadScores:
    scores: np.ndarray    # [n_layer, n_head] attention share on names
    baseline: float       # the share uniform attention over visible keys would give
    layer: int            # the best head
    head: int


def is_name(piece: str) -> bool:
    word = piece.strip()
    return bool(word) and word[0].isupper()


@lru_cache(maxsize=4)
def name_heads(checkpoint: str = "default") -> HeadScores:
    trace = run(REFERENCE, checkpoint)
    names = np.array([is_name(p) and i > 0 for i, p in enumerate(trace.pieces)])
    n, cfg = len(trace.tokens), trace.config
    queries = range(FIRST_QUERY, n)
    scores = np.zeros((cfg["n_layer"], cfg["n_head"]))
    for layer in range(cfg["n_layer"]):
        pattern = trace[f"blocks.{layer}.attn.hook_pattern"]
        for head in range(cfg["n_head"]):
            scores[layer, head] = np.mean([pattern[head, q, : q + 1][names[: q + 1]].sum()
                                           for q in queries])
    baseline = float(np.mean([names[: q + 1].mean() for q in queries]))
    layer, head = (int(v) for v in np.unravel_index(np.argmax(scores), scores.shape))
    return HeadScores(scores, baseline, layer, head)
