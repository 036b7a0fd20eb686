"""The geometry of the embedding matrix: which tokens to map, PCA, neighbours, a measured direction.

Everything here reads ``W_E`` only (no prompt): the same map for every render of a checkpoint.

    ids = frequent_word_ids()               # the first 300 word-like tokens by BPE rank
    basis = Pca3(W_E[ids])                  # fitted on those rows; basis.project(W_E[other])
    pair = measured_direction()             # e.g. (" he", " she") and how well it separates
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .checkpoint import weights
from .tokenizer import get_encoding, piece_text

N_FREQUENT = 300

# Candidate pairs (male, female) for the direction: the one the model separates best is used.
GENDER_PAIRS = [(" he", " she"), (" him", " her"), (" man", " woman"), (" father", " mother"),
                (" brother", " sister"), (" son", " daughter"), (" husband", " wife"),
                (" boy", " girl"), (" king", " queen"), (" Mr", " Mrs"), (" gentleman", " lady"),
                (" men", " women"), (" uncle", " aunt"), (" lord", " lady"), (" sons", " daughters")]


def word_like(piece: str) -> bool:
    """A token that starts a word: a space, then letters only (" the", " Emma"; not "iled")."""
    return len(piece) >= 3 and piece[0] == " " and piece[1:].isalpha() and piece[1:].isascii()


@lru_cache(maxsize=4)
def word_ids(checkpoint: str = "default") -> tuple[int, ...]:
    """Every word-like token of ``checkpoint``'s tokenizer, in BPE rank order (earlier ranks were
    merged first: more frequent); special tokens are left out."""
    enc = get_encoding(checkpoint)
    special = {enc.encode_single_token(t) for t in enc.special_tokens_set}
    return tuple(i for i in range(enc.n_vocab)
                 if i not in special and word_like(piece_text(enc, i)))


def frequent_word_ids(n: int = N_FREQUENT, checkpoint: str = "default") -> list[int]:
    return list(word_ids(checkpoint)[:n])


class Pca3:
    """The top three principal directions of ``rows`` [n, d]; ``project`` any [m, d] onto them.

    Each direction's sign is chosen so that the fitted row with the largest |coordinate| on it is
    positive, so the same matrix always gives the same picture.
    """

    def __init__(self, rows):
        x = np.asarray(rows, dtype=np.float64)
        self.mean = x.mean(axis=0)
        _, s, vt = np.linalg.svd(x - self.mean, full_matrices=False)
        self.components = vt[:3].copy()
        coords = (x - self.mean) @ self.components.T
        for c in range(3):
            if coords[np.argmax(np.abs(coords[:, c])), c] < 0:
                self.components[c] *= -1
        self.explained = float((s[:3] ** 2).sum() / (s ** 2).sum())

    def project(self, rows) -> np.ndarray:
        return (np.asarray(rows, dtype=np.float64) - self.mean) @ self.components.T


def cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def nearest(token: int, k: int = 5, checkpoint: str = "default") -> list[tuple[int, float]]:
    """The ``k`` word-like tokens whose embeddings have the highest cosine with ``token``'s."""
    w = weights(checkpoint)["W_E"].astype(np.float64)
    ids = np.array([i for i in word_ids(checkpoint) if i != token])
    rows = w[ids]
    sims = rows @ w[token] / (np.linalg.norm(rows, axis=1) * np.linalg.norm(w[token]))
    order = np.argsort(-sims, kind="stable")[:k]
    return [(int(ids[j]), float(sims[j])) for j in order]


def single_token(word: str, checkpoint: str = "default") -> int | None:
    ids = get_encoding(checkpoint).encode(word)
    return ids[0] if len(ids) == 1 else None


@dataclass(frozen=True)
class Direction:
    a: int                 # the "from" token (e.g. " he")
    b: int                 # the "to" token (e.g. " she")
    others: list[tuple[int, int]]   # the other candidate pairs, all single tokens
    separated: int         # how many of ``others`` have their second word further along

    def along(self, w_e: np.ndarray, token: int) -> float:
        """W_E[token] projected on the unit vector from W_E[a] to W_E[b]."""
        d = w_e[self.b].astype(np.float64) - w_e[self.a].astype(np.float64)
        return float(w_e[token].astype(np.float64) @ d / np.linalg.norm(d))


@lru_cache(maxsize=4)
def measured_direction(checkpoint: str = "default") -> Direction | None:
    """Of GENDER_PAIRS, the difference that puts the most other pairs in order (ties: larger margin).

    None when the checkpoint's tokenizer spells fewer than two of the pairs as single tokens (a
    direction needs other pairs to be measured against)."""
    w = weights(checkpoint)["W_E"]
    pairs = [(single_token(a, checkpoint), single_token(b, checkpoint)) for a, b in GENDER_PAIRS]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
    best = None
    for a, b in pairs:
        others = [p for p in pairs if p != (a, b) and a not in p and b not in p]
        if not others:
            continue
        trial = Direction(a, b, others, 0)
        gaps = [trial.along(w, y) - trial.along(w, x) for x, y in others]
        score = (sum(g > 0 for g in gaps), float(np.mean(gaps)))
        if best is None or score > best[0]:
            best = (score, Direction(a, b, others, score[0]))
    return None if best is None else best[1]
