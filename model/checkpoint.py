"""Shipped checkpoints: saving, verified loading, and the weights under TransformerLens names.

A checkpoint is data, never code: ``torch.load(weights_only=True)`` of a dict holding the config
and an fp16 state dict (half the size in git; the network computes in fp32). Its SHA-256 is
recorded in model/assets/model_card.json and checked at every load.

Names: a shipped checkpoint (``"small"``, ``"default"``) or one of its training snapshots,
``"<name>@step<N>"`` (e.g. ``"small@step0"``, the random initial weights), listed under the
checkpoint's ``snapshots`` in the model card. Every function taking a name takes either.
"""
from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from . import hf_folder
from .errors import CheckpointError
from .gpt import GPT, GPTConfig
from .tokenizer import ASSETS

CARD_FILE = ASSETS / "model_card.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_card() -> dict:
    """The model card (model/assets/model_card.json) as a dict. Raises CheckpointError when the card
    file is missing."""
    if not CARD_FILE.exists():
        raise CheckpointError(f"model card missing: {CARD_FILE}; the package is incomplete: "
                              "reinstall gpt-explainer, or in a checkout restore model/assets/ "
                              "from git (git checkout -- model/assets)")
    return json.loads(CARD_FILE.read_text())


def checkpoint_names() -> list[str]:
    """Every loadable name: the shipped checkpoints, then each one's snapshots in step order."""
    entries = read_card()["checkpoints"]
    return list(entries) + [s["name"] for e in entries.values() for s in e.get("snapshots", [])]


def snapshot_names(checkpoint: str) -> list[str]:
    """The snapshots of shipped checkpoint ``checkpoint``, in step order ([] if it has none)."""
    return [s["name"] for s in card_entry(checkpoint).get("snapshots", [])]


def card_entry(checkpoint: str) -> dict:
    """The model-card entry of a name: a shipped checkpoint's own, or for a snapshot its parent's
    with the snapshot's fields (file, sha256, step, tokens_seen, held-out bpc) on top and
    ``parent`` naming the shipped checkpoint. Raises CheckpointError for an unknown name."""
    entries = read_card()["checkpoints"]
    if checkpoint in entries:
        return entries[checkpoint]
    parent = checkpoint.partition("@")[0]
    for snap in entries.get(parent, {}).get("snapshots", []):
        if snap["name"] == checkpoint:
            return {**{k: v for k, v in entries[parent].items() if k != "snapshots"}, **snap,
                    "parent": parent, "steps": snap["step"]}
    raise CheckpointError(f"unknown checkpoint {checkpoint!r}; shipped: {', '.join(checkpoint_names())}")


def save(model: GPT, path: Path) -> str:
    """Write the shipped form of ``model``; return its SHA-256."""
    state = {k: v.detach().to(torch.float16) for k, v in model.state_dict().items()}
    cfg = model.cfg.as_dict()
    config = {k: cfg[k] for k in ("n_vocab", "n_ctx", "n_layer", "n_head", "d_model")}
    torch.save({"config": config, "state_dict": state}, path)
    return sha256(path)


def load_file(path: Path, expected_sha256: str | None = None) -> GPT:
    """The GPT stored in ``path`` (float32 on the CPU). Raises CheckpointError when the file is
    missing, does not match ``expected_sha256``, or cannot be read as a checkpoint."""
    if not path.exists():
        raise CheckpointError(f"checkpoint file missing: {path}")
    if expected_sha256 is not None and sha256(path) != expected_sha256:
        raise CheckpointError(
            f"{path.name} does not match the SHA-256 in the model card: the file is corrupt or "
            "was changed; restore it from git or retrain with python -m model.train")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        model = GPT(GPTConfig(**blob["config"]))
        model.load_state_dict({k: v.float() for k, v in blob["state_dict"].items()})
    except CheckpointError:
        raise
    except Exception as err:  # unpickling or shape errors: say what, not how
        raise CheckpointError(f"{path.name} is not a readable checkpoint: {err}") from None
    return model.eval()


def checkpoint_file(checkpoint: str = "default") -> Path:
    """Where a shipped checkpoint's (or snapshot's) file is.
    Raises CheckpointError for a name the model card does not list."""
    return ASSETS / card_entry(checkpoint)["file"]


def load(checkpoint: str = "default") -> GPT:
    """A shipped checkpoint or snapshot by name (verified against the model card) or a GPT-2
    folder's path (model/hf_folder.py). Raises CheckpointError (one line) for an unknown name or
    a bad folder."""
    if hf_folder.is_folder(checkpoint):
        return hf_folder.load(checkpoint)
    return load_shipped(checkpoint)


@functools.lru_cache(maxsize=12)
def load_shipped(checkpoint: str = "default") -> GPT:
    """A shipped checkpoint or snapshot by name, verified against the model card.
    Raises CheckpointError for an unknown name, a missing or changed file."""
    entry = card_entry(checkpoint)
    return load_file(ASSETS / entry["file"], entry["sha256"])


def config(checkpoint: str = "default") -> dict:
    """A checkpoint's shape (n_layer, n_head, d_model, d_head, d_mlp, n_ctx, n_vocab), from a
    shipped name (verified by its hash) or a GPT-2 folder. Raises CheckpointError."""
    return load(checkpoint).cfg.as_dict()


def weights_of(model: GPT) -> dict[str, np.ndarray]:
    """Every parameter as numpy, in TransformerLens names and shapes."""
    c = model.cfg
    H, D, Dh = c.n_head, c.d_model, c.d_head

    def np_(t):
        return t.detach().cpu().numpy().copy()

    def per_head_in(lin):   # Linear(d_model -> H*Dh) as W [H, d_model, Dh], b [H, Dh]
        return np_(lin.weight.T.reshape(D, H, Dh).permute(1, 0, 2)), np_(lin.bias.reshape(H, Dh))

    w = {"W_E": np_(model.embed.weight), "W_pos": np_(model.pos_embed.weight)}
    for i, b in enumerate(model.blocks):
        p = f"blocks.{i}."
        w[p + "ln1.w"], w[p + "ln1.b"] = np_(b.ln1.weight), np_(b.ln1.bias)
        w[p + "ln2.w"], w[p + "ln2.b"] = np_(b.ln2.weight), np_(b.ln2.bias)
        for n, lin in (("Q", b.attn.q), ("K", b.attn.k), ("V", b.attn.v)):
            w[f"{p}attn.W_{n}"], w[f"{p}attn.b_{n}"] = per_head_in(lin)
        w[p + "attn.W_O"] = np_(b.attn.o.weight.T.reshape(H, Dh, D))
        w[p + "attn.b_O"] = np_(b.attn.o.bias)
        w[p + "mlp.W_in"], w[p + "mlp.b_in"] = np_(b.mlp.up.weight.T), np_(b.mlp.up.bias)
        w[p + "mlp.W_out"], w[p + "mlp.b_out"] = np_(b.mlp.down.weight.T), np_(b.mlp.down.bias)
    w["ln_final.w"], w["ln_final.b"] = np_(model.ln_final.weight), np_(model.ln_final.bias)
    w["W_U"] = np_(model.unembed.weight.T)
    w["b_U"] = np.zeros(c.n_vocab, dtype=np.float32)  # the unembedding has no bias
    return w


def weights(checkpoint: str = "default") -> dict[str, np.ndarray]:
    """Every parameter of a shipped checkpoint or GPT-2 folder as numpy, TransformerLens names:
    W_E [n_vocab, d_model], W_Q [n_head, d_model, d_head], W_U [d_model, n_vocab] ... (see
    ``weights_of``). Raises CheckpointError."""
    return weights_of(load(checkpoint))
