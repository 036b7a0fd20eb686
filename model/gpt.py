"""The network: a compact decoder-only GPT in the nanoGPT mould.

token + learned position embeddings -> n_layer pre-norm blocks
(causal multi-head self-attention, then a 4x GELU MLP) -> final LayerNorm -> W_U.

Choices, stated once:
- W_U is its own matrix (not tied to W_E) and has no bias, so the "embedding" and
  "unembedding" beats each show a real, distinct matrix.
- Linear layers and LayerNorms carry biases, as in GPT-2.
- A GPT-2 folder (model/hf_folder.py) sets the options the shipped checkpoints leave at their
  defaults: ``activation="gelu_new"`` (GPT-2's tanh GELU), ``ln_eps`` and ``tied`` (W_U = W_E^T).

Every activation the scenes draw is captured under its TransformerLens name when
``forward`` is given a ``cache`` dict (batch of one). Training passes ``cache=None`` and
takes the fused attention kernel instead.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class GPTConfig:
    n_vocab: int = 8192
    n_ctx: int = 128
    n_layer: int = 4
    n_head: int = 6
    d_model: int = 192
    dropout: float = 0.0
    activation: str = "gelu"     # "gelu" (erf, the shipped models) or "gelu_new" (GPT-2's tanh)
    ln_eps: float = 1e-5         # every LayerNorm's epsilon
    tied: bool = False           # W_U is W_E transposed (GPT-2) instead of its own matrix
    mlp_width: int = 0           # d_mlp; 0 means 4 * d_model

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_head

    @property
    def d_mlp(self) -> int:
        return self.mlp_width or 4 * self.d_model

    def as_dict(self) -> dict:
        """The sizes the scenes need (the names TransformerLens uses)."""
        d = asdict(self)
        for option in ("dropout", "activation", "ln_eps", "tied", "mlp_width"):
            d.pop(option)
        d.update(d_head=self.d_head, d_mlp=self.d_mlp)
        return d


def _keep(cache: dict | None, name: str, tensor: torch.Tensor) -> None:
    """Store a capture point without the batch dimension."""
    if cache is not None:
        cache[name] = tensor[0].detach()


class Attention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        self.q = nn.Linear(cfg.d_model, cfg.d_model)
        self.k = nn.Linear(cfg.d_model, cfg.d_model)
        self.v = nn.Linear(cfg.d_model, cfg.d_model)
        self.o = nn.Linear(cfg.d_model, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, cache=None, prefix="", past=None):
        B, T, _ = x.shape
        H, Dh = self.cfg.n_head, self.cfg.d_head
        # [B, T, H, Dh]: the TransformerLens layout of hook_q / hook_k / hook_v / hook_z
        q = self.q(x).view(B, T, H, Dh)
        k = self.k(x).view(B, T, H, Dh)
        v = self.v(x).view(B, T, H, Dh)
        if past is not None:   # sampling: the earlier tokens' keys and values are kept, not redone
            P = past["k"].shape[1] if past else 0
            if past:
                k, v = torch.cat([past["k"], k], 1), torch.cat([past["v"], v], 1)
            past["k"], past["v"] = k, v
            visible = torch.ones(T, P + T, dtype=torch.bool, device=x.device).tril(P)
            z = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                               attn_mask=visible).transpose(1, 2)
        elif cache is None:
            z = F.scaled_dot_product_attention(
                q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                is_causal=True, dropout_p=self.cfg.dropout if self.training else 0.0,
            ).transpose(1, 2)
        else:
            # hook_attn_scores_unmasked: q·k/√d_head for every [query, key], before the mask;
            # hook_attn_scores (TransformerLens' meaning): after it, -inf where key > query
            raw = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(Dh)
            future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), 1)
            scores = raw.masked_fill(future, float("-inf"))
            pattern = scores.softmax(dim=-1)
            z = torch.einsum("bhqk,bkhd->bqhd", pattern, v)
            for name, t in (("hook_q", q), ("hook_k", k), ("hook_v", v),
                            ("hook_attn_scores_unmasked", raw), ("hook_attn_scores", scores),
                            ("hook_pattern", pattern), ("hook_z", z)):
                _keep(cache, prefix + name, t)
        return self.drop(self.o(z.reshape(B, T, H * Dh)))


GELU_APPROXIMATION = {"gelu": "none", "gelu_new": "tanh"}


class MLP(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        if cfg.activation not in GELU_APPROXIMATION:
            raise ValueError(f"unknown activation {cfg.activation!r}; known: {', '.join(GELU_APPROXIMATION)}")
        self.approximate = GELU_APPROXIMATION[cfg.activation]
        self.up = nn.Linear(cfg.d_model, cfg.d_mlp)
        self.down = nn.Linear(cfg.d_mlp, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, cache=None, prefix=""):
        pre = self.up(x)
        post = F.gelu(pre, approximate=self.approximate)
        _keep(cache, prefix + "hook_pre", pre)
        _keep(cache, prefix + "hook_post", post)
        return self.drop(self.down(post))


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.d_model, eps=cfg.ln_eps)
        self.attn = Attention(cfg)
        self.ln2 = nn.LayerNorm(cfg.d_model, eps=cfg.ln_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cache=None, prefix="", past=None):
        _keep(cache, prefix + "hook_resid_pre", x)
        h = self.ln1(x)
        _keep(cache, prefix + "ln1.hook_normalized", h)
        attn_out = self.attn(h, cache, prefix + "attn.", past)
        _keep(cache, prefix + "hook_attn_out", attn_out)
        x = x + attn_out
        _keep(cache, prefix + "hook_resid_mid", x)
        h = self.ln2(x)
        _keep(cache, prefix + "ln2.hook_normalized", h)
        mlp_out = self.mlp(h, cache, prefix + "mlp.")
        _keep(cache, prefix + "hook_mlp_out", mlp_out)
        x = x + mlp_out
        _keep(cache, prefix + "hook_resid_post", x)
        return x


class GPT(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.n_vocab, cfg.d_model)      # W_E
        self.pos_embed = nn.Embedding(cfg.n_ctx, cfg.d_model)    # W_pos
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_final = nn.LayerNorm(cfg.d_model, eps=cfg.ln_eps)
        self.unembed = nn.Linear(cfg.d_model, cfg.n_vocab, bias=False)  # W_U
        self.apply(self._init)
        if cfg.tied:   # one matrix: the unembedding reads W_E's rows
            self.unembed.weight = self.embed.weight
        # GPT-2's scaled init of the projections that write into the residual stream
        for name, p in self.named_parameters():
            if name.endswith(("attn.o.weight", "mlp.down.weight")):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, idx: torch.Tensor, cache: dict | None = None, last_only: bool = False,
                past: list[dict] | None = None) -> torch.Tensor:
        """idx [batch, pos] -> logits [batch, pos, n_vocab] ([batch, 1, n_vocab] with ``last_only``:
        sampling needs only the last position, and W_U is the largest matrix); fills ``cache`` if
        given. ``past`` (one dict per block, empty at first) keeps each layer's keys and values so
        that a next call passes only the new tokens, at the positions after the kept ones.
        Raises ValueError past n_ctx tokens, or for a batch of more than one with a cache."""
        B, T = idx.shape
        start = past[0]["k"].shape[1] if past and past[0] else 0
        if start + T > self.cfg.n_ctx:
            raise ValueError(f"{start + T} tokens exceed the context of {self.cfg.n_ctx}")
        if cache is not None and (B != 1 or past is not None):
            raise ValueError("capturing activations needs a batch of one and no kept keys")
        tok = self.embed(idx)
        pos = self.pos_embed(torch.arange(start, start + T, device=idx.device))[None]
        _keep(cache, "hook_embed", tok)
        _keep(cache, "hook_pos_embed", pos)
        x = self.drop(tok + pos)
        for i, block in enumerate(self.blocks):
            x = block(x, cache, f"blocks.{i}.", None if past is None else past[i])
        if last_only:
            x = x[:, -1:]
        x = self.ln_final(x)
        _keep(cache, "ln_final.hook_normalized", x)
        logits = self.unembed(x)
        _keep(cache, "logits", logits)
        return logits
