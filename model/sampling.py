"""Turning logits into choices: softmax with temperature, top-k / top-p, seeded generation."""
from __future__ import annotations

import math

import numpy as np


# d_model from which sampling keeps each layer's keys and values instead of re-reading the whole
# window for every new token (GPT-2 small: 50 tokens in ~3 s instead of ~40 s). The shipped models
# stay below it and keep the full pass, so their samples do not move by a rounding.
KEPT_KEYS_WIDTH = 512

# The film's one sampling rule for its demo samples: T (the render's --temperature, 0.8 by default)
# and a cut to the TOP_K likeliest tokens, renormalised. Measured by tests/benchmarks/sampling.py
# (5 prompts x 8 seeds x 24 steps, T = 0.8): with no cut 9.4 % of the probability sits on tokens
# the model gives <= 0.1 %, so 45 % of six-draw runs show one; top-p 0.9 still leaves 3.9 % (21 %
# of runs: a flat distribution keeps its long tail), top-k 40 leaves 0.02 % (0.1 % of runs) with
# 3.3 bits of choice left (top-p 0.8: 1.6 %, 3.3 bits; top-k 100: 0.4 %, 3.8 bits).
TOP_K = 40


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """Probabilities over the last axis of ``logits`` [..., n] at ``temperature``: same shape.

    -inf entries (masked attention scores) get probability 0. T = 0 is greedy: all the mass on
    the (first) largest logit. Raises ValueError for T < 0 or NaN, for NaN or +inf logits, and for
    a row with no finite entry (nothing to give probability to).
    """
    t = float(temperature)
    if math.isnan(t) or t < 0:
        raise ValueError(f"temperature must be a number >= 0, got {temperature!r}")
    x = np.asarray(logits, dtype=np.float64)
    if np.any(np.isnan(x) | (x == np.inf)):
        raise ValueError("logits must be finite or -inf (NaN and +inf have no probability)")
    if x.size and not np.all(np.isfinite(x).any(axis=-1)):
        raise ValueError("a row of logits has no finite entry: every token is masked")
    if t == 0:
        out = np.zeros_like(x)
        np.put_along_axis(out, np.argmax(x, axis=-1)[..., None], 1.0, axis=-1)
        return out
    z = x / t
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)          # exp(-inf) = 0: a masked entry gets nothing
    return e / e.sum(axis=-1, keepdims=True)


def filter_probs(probs: np.ndarray, top_k: int | None = None, top_p: float | None = None) -> np.ndarray:
    """Keep the k most likely tokens and/or the smallest set whose mass reaches p; renormalise."""
    p = np.asarray(probs, dtype=np.float64).copy()
    if top_k is not None:
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        if top_k < p.size:
            cutoff = np.partition(p, -top_k)[-top_k]
            p[p < cutoff] = 0.0
    if top_p is not None:
        if not 0 < top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {top_p}")
        order = np.argsort(-p, kind="stable")
        cumulative = np.cumsum(p[order])
        keep = np.searchsorted(cumulative, top_p * cumulative[-1]) + 1
        p[order[keep:]] = 0.0
    return p / p.sum()


def sampled_distribution(logits, temperature: float, top_k: int | None = None,
                         top_p: float | None = None) -> np.ndarray:
    """The distribution ``generate`` draws from, given one position's ``logits`` [n_vocab]:
    softmax at ``temperature``, cut to the ``top_k`` likeliest tokens and/or the top-``top_p``
    mass, renormalised; [n_vocab], 0 for a cut token. ``top_k`` None or 0 and ``top_p`` None: no
    cut. Raises ValueError as ``softmax`` and ``filter_probs`` do."""
    return filter_probs(softmax(logits, temperature), top_k or None, top_p)


def sample(probs: np.ndarray, rng: np.random.Generator) -> int:
    """Draw one token id from ``probs``."""
    cdf = np.cumsum(probs)
    return int(min(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"), len(probs) - 1))


def generate(text: str, n_tokens: int, temperature: float = 1.0, seed: int = 0,
             top_k: int | None = None, top_p: float | None = None,
             checkpoint: str = "default") -> list[int]:
    """Continue ``text`` by ``n_tokens`` new token ids; the same seed gives the same tokens.

    Each token is drawn from ``sampled_distribution(logits, temperature, top_k, top_p)`` (top_k
    None or 0: no cut). ``checkpoint`` is a shipped name or a GPT-2 folder's path (its own
    tokenizer encodes ``text``). Raises ValueError for n_tokens < 0, a bad temperature, top_k < 0
    or top_p outside (0, 1]; CheckpointError for a bad checkpoint."""
    import torch  # here, so that softmax and sampling stay importable without torch

    from . import checkpoint as ckpt
    from .trace import encode_prompt

    if n_tokens < 0:
        raise ValueError(f"n_tokens must be >= 0, got {n_tokens}")
    # validates temperature, top_k and top_p before any work
    sampled_distribution(np.zeros(2), temperature, top_k, top_p)
    model = ckpt.load(checkpoint)
    context = encode_prompt(text, model.cfg.n_ctx, checkpoint)
    rng = np.random.default_rng(seed)
    new: list[int] = []
    # one sequence: a single thread is faster than several, and far faster when other renders
    # share the cores (measured: 165 tokens in 3-4 s against 15-42 s)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    keep = model.cfg.d_model >= KEPT_KEYS_WIDTH
    past: list[dict] | None = None
    try:
        with torch.no_grad():
            for _ in range(n_tokens):
                window = (context + new)[-model.cfg.n_ctx:]
                if not keep:
                    logits = model(torch.tensor([window]))[0, -1]
                elif past is not None and len(context) + len(new) <= model.cfg.n_ctx:
                    logits = model(torch.tensor([window[-1:]]), last_only=True, past=past)[0, -1]
                else:   # the first step, or the window slid: every position moved, read it anew
                    past = [{} for _ in model.blocks]
                    logits = model(torch.tensor([window]), last_only=True, past=past)[0, -1]
                probs = sampled_distribution(logits.double().numpy(), temperature, top_k, top_p)
                new.append(sample(probs, rng))
    finally:
        torch.set_num_threads(threads)
    return new
