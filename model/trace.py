"""One forward pass of a prompt, returned as plain numpy: what every scene draws from."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from . import checkpoint as ckpt
from .tokenizer import get_encoding, piece_text


@dataclass
class Trace:
    text: str                 # the prompt as given
    checkpoint: str
    tokens: list[int]         # the ids that went in (the last n_ctx of the prompt)
    pieces: list[str]         # each token's text
    config: dict              # n_layer n_head d_model d_head d_mlp n_ctx n_vocab
    cache: dict[str, np.ndarray] = field(repr=False)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cache[name]


def encode_prompt(text: str, n_ctx: int, checkpoint: str = "default") -> list[int]:
    """The last ``n_ctx`` token ids of ``text`` in ``checkpoint``'s tokenizer.

    Raises TypeError for a non-string, ValueError for an empty prompt."""
    if not isinstance(text, str):
        raise TypeError(f"the prompt must be text, got {type(text).__name__}")
    tokens = get_encoding(checkpoint).encode(text, allowed_special="all")
    if not tokens:
        raise ValueError("the prompt is empty: give at least one character")
    return tokens[-n_ctx:]


def run(text: str, checkpoint: str = "default") -> Trace:
    """Tokenize ``text``, run the network once, capture every hook as numpy (no batch axis).

    ``checkpoint`` is a shipped name or a GPT-2 folder's path. Raises CheckpointError, ValueError
    for an empty prompt."""
    model = ckpt.load(checkpoint)
    return run_tokens(encode_prompt(text, model.cfg.n_ctx, checkpoint), checkpoint, text)


@torch.no_grad()
def run_tokens(tokens: list[int], checkpoint: str = "default", text: str | None = None) -> Trace:
    """The same forward pass from token ids (e.g. a prompt plus tokens sampled after it)."""
    model = ckpt.load(checkpoint)
    tokens = [int(t) for t in tokens][-model.cfg.n_ctx:]
    if not tokens or min(tokens) < 0 or max(tokens) >= model.cfg.n_vocab:
        raise ValueError(f"token ids must be 1 or more ids in [0, {model.cfg.n_vocab})")
    cache: dict = {}
    model(torch.tensor([tokens]), cache=cache)
    enc = get_encoding(checkpoint)
    return Trace(
        text=enc.decode(tokens) if text is None else text,
        checkpoint=checkpoint,
        tokens=tokens,
        pieces=[piece_text(enc, t) for t in tokens],
        config=model.cfg.as_dict(),
        cache={k: v.numpy() for k, v in cache.items()},
    )
