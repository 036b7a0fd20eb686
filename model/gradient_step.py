"""One real step of gradient descent on one example, as numpy: the loss before and after, and
the weights that moved most.

    step = gradient_step(ids, checkpoint="small", learning_rate=0.5)
    step.loss_before, step.loss_after          # mean next-token cross-entropy, nats
    step.moved                                 # the k weights with the largest |change|

The step is plain gradient descent, ``w <- w - learning_rate * dloss/dw`` for every trained
weight at once (the training run itself used AdamW over batches of 32; one plain step on one
example is the textbook form of the same idea). Weights are named as everywhere else in the
package (TransformerLens names, ``model.weights``), so a moved weight's ``before`` is
``model.weights(checkpoint)[name][index]``.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class MovedWeight:
    name: str                  # TransformerLens name, e.g. "W_U" or "blocks.0.attn.W_Q"
    index: tuple[int, ...]     # position in that array
    before: float
    after: float
    gradient: float            # dloss/dweight at ``before`` (nats per unit weight)


@dataclass(frozen=True)
class GradientStep:
    tokens: tuple[int, ...]    # the example: token ids; every next token is a target
    learning_rate: float
    loss_before: float         # mean cross-entropy of the targets, nats
    loss_after: float          # the same after the step
    moved: tuple[MovedWeight, ...]   # largest |after - before| first


def next_token_loss(logits, tokens) -> float:
    """Mean cross-entropy (nats) of ``tokens[1:]`` under ``logits`` [n_tokens, n_vocab]."""
    x = np.asarray(logits, dtype=np.float64)[:-1]
    x = x - x.max(axis=-1, keepdims=True)
    logp = x - np.log(np.exp(x).sum(axis=-1, keepdims=True))
    return float(-logp[np.arange(len(tokens) - 1), np.asarray(tokens[1:])].mean())


@lru_cache(maxsize=4)
def _step(tokens: tuple[int, ...], checkpoint: str, learning_rate: float):
    """(loss before, loss after, weights before, weights after) of one plain step."""
    import torch

    from .checkpoint import load, weights_of

    shipped = load(checkpoint)
    if not 2 <= len(tokens) <= shipped.cfg.n_ctx:
        raise ValueError(f"an example needs 2 to {shipped.cfg.n_ctx} tokens, got {len(tokens)}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    net = copy.deepcopy(shipped).eval()
    ids = torch.tensor([tokens])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # one short sequence: one thread is fastest on a shared machine
    try:
        before = weights_of(net)
        loss = torch.nn.functional.cross_entropy(net(ids[:, :-1])[0], ids[0, 1:])
        net.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in net.parameters():
                p -= learning_rate * p.grad
                p.grad = None
            after = weights_of(net)
            loss_after = torch.nn.functional.cross_entropy(net(ids[:, :-1])[0], ids[0, 1:])
    finally:
        torch.set_num_threads(threads)
    return float(loss.item()), float(loss_after.item()), before, after


def weights_after_step(tokens, checkpoint: str = "default", learning_rate: float = 0.5) -> dict:
    """Every weight (TransformerLens names, numpy) after one step of ``gradient_step``."""
    return _step(tuple(int(t) for t in tokens), checkpoint, float(learning_rate))[3]


def gradient_step(tokens, checkpoint: str = "default", learning_rate: float = 0.5,
                  k: int = 6) -> GradientStep:
    """One gradient-descent step of ``checkpoint`` on ``tokens`` (2 to n_ctx ids), all weights
    at once; the ``k`` weights whose value changed most, largest first.

    Raises ValueError for fewer than two tokens, more than the context window or a learning
    rate that is not positive; CheckpointError for an unknown checkpoint. The loaded checkpoint
    itself is not changed.
    """
    tokens = tuple(int(t) for t in tokens)
    loss_before, loss_after, before, after = _step(tokens, checkpoint, float(learning_rate))
    moved = []
    for name, w in before.items():
        delta = after[name].astype(np.float64) - w.astype(np.float64)
        if not delta.any():
            continue
        for f in np.argsort(-np.abs(delta), axis=None, kind="stable")[:k]:
            idx = tuple(int(i) for i in np.unravel_index(f, delta.shape))
            # the gradient in TransformerLens layout: the change of a plain step over -learning_rate
            moved.append(MovedWeight(name, idx, float(w[idx]), float(after[name][idx]),
                                     float(-delta[idx] / learning_rate)))
    moved.sort(key=lambda m: -abs(m.after - m.before))
    return GradientStep(tokens, float(learning_rate), loss_before, loss_after, tuple(moved[:k]))
