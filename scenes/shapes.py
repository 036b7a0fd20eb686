"""One orientation for every matrix on screen: the shape each weight matrix is drawn with.

A matrix that maps a vector is drawn with one row per output number and one column per input
number, so it multiplies a column vector from the left (``W_Q``: d_head × d_model, ``W_in``:
d_mlp × d_model, ``W_out``: d_model × d_mlp, ``W_O``: d_model × n_head·d_head per layer). The
token tables are drawn one column per token: ``W_E`` d_model × n_vocab (a token picks its column),
``W_pos`` d_model × n_ctx (a position picks its column) and ``W_U`` d_model × n_vocab (each
token's column is dotted with the last vector to give its logit), as EmbeddingMatrix, Attention,
WeightsAndData, MLP and Unembedding draw them and ParameterCount writes them. (TransformerLens
stores several of these transposed; the recorded provenance keeps the stored order.)
"""
from __future__ import annotations

MATRICES = ("W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O", "W_in", "W_out", "W_U")


def drawn_shape(weight: str, cfg: dict) -> tuple[int, int]:
    """(rows, columns) of ``weight`` as drawn, for a model config with n_vocab, n_ctx, n_head,
    d_model, d_head and d_mlp. ``W_Q``/``W_K``/``W_V`` are one head's, ``W_O`` one layer's (all its
    heads side by side). Raises ValueError for a name not in ``MATRICES``, KeyError for a config
    missing a size."""
    d, dh, H = cfg["d_model"], cfg["d_head"], cfg["n_head"]
    shapes = {"W_E": (d, cfg["n_vocab"]), "W_pos": (d, cfg["n_ctx"]),
              "W_Q": (dh, d), "W_K": (dh, d), "W_V": (dh, d), "W_O": (d, H * dh),
              "W_in": (cfg["d_mlp"], d), "W_out": (d, cfg["d_mlp"]), "W_U": (d, cfg["n_vocab"])}
    if weight not in shapes:
        raise ValueError(f"no drawn shape for {weight!r}; one of {', '.join(MATRICES)}")
    return shapes[weight]


def shape_text(weight: str, cfg: dict) -> str:
    """The shape as written on screen, e.g. "192 × 8,192" (rows × columns, thousands separated)."""
    rows, cols = drawn_shape(weight, cfg)
    return f"{rows:,} × {cols:,}"
