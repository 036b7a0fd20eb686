"""Where a forward pass spends its arithmetic: weight matrices times vectors, against the rest.

Counted for one forward pass over ``n_tokens`` tokens (every position, as ``run`` computes it), in
multiply–adds; an elementwise step (a softmax's exp and divide, a layer norm, GELU) counts one
operation per number it touches per step, as a multiply–add would:

matrix–vector (a weight matrix times a token's vector; per token, so a matrix–matrix product over
the prompt):   per layer W_Q, W_K, W_V: 3 · d_model · n_head·d_head; W_O: n_head·d_head · d_model;
               W_in and W_out: 2 · d_model · d_mlp; once W_U: d_model · n_vocab. (The embedding is
               a look-up: no arithmetic.)
the rest:      attention scores q·k for every key at or before each query: n_head · d_head ·
               T(T+1)/2 per layer, and as many for the weighted sum of values; softmax: 3 per score
               (exp, sum, divide) plus the √d_head scaling, 1 per score; layer norm: 5 per number
               (mean, centre, variance, divide, scale-and-shift), two per layer and one final;
               GELU: 1 per MLP neuron per token; the two residual additions: 2 · d_model per token
               per layer; biases: 1 per output number.
"""
from __future__ import annotations


def multiply_adds(cfg: dict, n_tokens: int) -> dict[str, int]:
    """The forward pass's operation counts by kind for ``n_tokens`` tokens and a config with
    n_layer, n_head, d_model, d_head, d_mlp, n_vocab: keys "matrix-vector", "attention scores and
    values", "softmax", "layer norm", "GELU", "residual and biases". Raises ValueError unless
    ``n_tokens`` is a positive integer."""
    if isinstance(n_tokens, bool) or not isinstance(n_tokens, int) or n_tokens < 1:
        raise ValueError(f"n_tokens must be a positive integer, got {n_tokens!r}")
    T, L = n_tokens, cfg["n_layer"]
    d, hd, m, v = cfg["d_model"], cfg["n_head"] * cfg["d_head"], cfg["d_mlp"], cfg["n_vocab"]
    pairs = T * (T + 1) // 2                       # (query, key) pairs a causal mask keeps
    scores = cfg["n_head"] * pairs                 # per layer
    return {
        "matrix-vector": T * (L * (3 * d * hd + hd * d + 2 * d * m) + d * v),
        "attention scores and values": L * 2 * hd * pairs,
        "softmax": L * 4 * scores,
        "layer norm": (2 * L + 1) * 5 * d * T,
        "GELU": L * m * T,
        "residual and biases": T * L * (2 * d + 3 * hd + d + m + d),
    }


def matvec_share(cfg: dict, n_tokens: int) -> float:
    """The fraction (0..1) of the forward pass's operations that are weight matrices times vectors
    (see ``multiply_adds``). Raises ValueError like it."""
    counts = multiply_adds(cfg, n_tokens)
    return counts["matrix-vector"] / sum(counts.values())
