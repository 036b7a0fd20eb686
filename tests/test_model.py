"""The Trace tells the truth: shapes, causality, and equality with an independent numpy pass."""
import math
import shutil

import numpy as np
import pytest
import torch

import model
from model import checkpoint as ckpt

PER_LAYER = {
    "hook_resid_pre": ("pos", "d_model"), "ln1.hook_normalized": ("pos", "d_model"),
    "attn.hook_q": ("pos", "n_head", "d_head"), "attn.hook_k": ("pos", "n_head", "d_head"),
    "attn.hook_v": ("pos", "n_head", "d_head"), "attn.hook_z": ("pos", "n_head", "d_head"),
    "attn.hook_attn_scores": ("n_head", "pos", "pos"), "attn.hook_pattern": ("n_head", "pos", "pos"),
    "attn.hook_attn_scores_unmasked": ("n_head", "pos", "pos"),
    "hook_attn_out": ("pos", "d_model"), "hook_resid_mid": ("pos", "d_model"),
    "ln2.hook_normalized": ("pos", "d_model"), "mlp.hook_pre": ("pos", "d_mlp"),
    "mlp.hook_post": ("pos", "d_mlp"), "hook_mlp_out": ("pos", "d_model"),
    "hook_resid_post": ("pos", "d_model"),
}
GLOBAL = {"hook_embed": ("pos", "d_model"), "hook_pos_embed": ("pos", "d_model"),
          "ln_final.hook_normalized": ("pos", "d_model"), "logits": ("pos", "n_vocab")}


def expected_shapes(cfg, n_pos):
    dims = dict(cfg, pos=n_pos)
    shapes = {k: tuple(dims[d] for d in v) for k, v in GLOBAL.items()}
    for i in range(cfg["n_layer"]):
        shapes.update({f"blocks.{i}.{k}": tuple(dims[d] for d in v) for k, v in PER_LAYER.items()})
    return shapes


def test_every_hook_has_its_documented_shape(trace, cfg):
    shapes = expected_shapes(cfg, len(trace.tokens))
    assert set(trace.cache) == set(shapes)
    for name, shape in shapes.items():
        assert trace.cache[name].shape == shape, name
        assert trace.cache[name].dtype == np.float32


def test_config_is_consistent(cfg):
    assert cfg["d_head"] * cfg["n_head"] == cfg["d_model"]
    assert cfg["d_mlp"] == 4 * cfg["d_model"]
    assert cfg["n_vocab"] == 8192


def test_pieces_decode_to_the_prompt(trace):
    assert "".join(trace.pieces) == trace.text
    assert model.get_encoding().decode(trace.tokens) == trace.text


def test_patterns_are_causal_and_sum_to_one(trace, cfg):
    for i in range(cfg["n_layer"]):
        p = trace.cache[f"blocks.{i}.attn.hook_pattern"]
        assert np.allclose(p.sum(-1), 1.0, atol=1e-5)
        assert np.all(p[:, np.triu_indices(p.shape[1], 1)[0], np.triu_indices(p.shape[1], 1)[1]] == 0)
        assert np.all(p >= 0)


def test_cache_logits_equal_the_plain_forward_pass(trace):
    net = ckpt.load("default")
    with torch.no_grad():
        plain = net(torch.tensor([trace.tokens]))[0].numpy()
    np.testing.assert_allclose(trace.cache["logits"], plain, rtol=1e-4, atol=1e-4)


def _layer_norm(x, w, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-5) * w + b


def _gelu(x):
    from math import erf
    return 0.5 * x * (1 + np.vectorize(erf)(x / math.sqrt(2)))


def test_cache_equals_an_independent_numpy_forward_from_weights(trace, cfg):
    """Recompute every capture from model.weights() alone: the names and shapes line up."""
    W = model.weights("default")
    c, T = trace.cache, len(trace.tokens)
    x = W["W_E"][trace.tokens] + W["W_pos"][:T]
    np.testing.assert_allclose(c["hook_embed"], W["W_E"][trace.tokens])
    np.testing.assert_allclose(c["hook_pos_embed"], W["W_pos"][:T])
    close = dict(rtol=1e-3, atol=1e-4)
    for i in range(cfg["n_layer"]):
        p = f"blocks.{i}."
        np.testing.assert_allclose(c[p + "hook_resid_pre"], x, **close)
        h = _layer_norm(x, W[p + "ln1.w"], W[p + "ln1.b"])
        np.testing.assert_allclose(c[p + "ln1.hook_normalized"], h, **close)
        q = np.einsum("pd,hde->phe", h, W[p + "attn.W_Q"]) + W[p + "attn.b_Q"]
        k = np.einsum("pd,hde->phe", h, W[p + "attn.W_K"]) + W[p + "attn.b_K"]
        v = np.einsum("pd,hde->phe", h, W[p + "attn.W_V"]) + W[p + "attn.b_V"]
        for name, arr in (("q", q), ("k", k), ("v", v)):
            np.testing.assert_allclose(c[p + f"attn.hook_{name}"], arr, **close)
        scores = np.einsum("qhe,khe->hqk", q, k) / math.sqrt(cfg["d_head"])
        np.testing.assert_allclose(c[p + "attn.hook_attn_scores_unmasked"], scores, **close)
        masked = np.where(np.triu(np.ones((T, T), bool), 1), -np.inf, scores)
        np.testing.assert_allclose(c[p + "attn.hook_attn_scores"], masked, **close)
        pattern = np.exp(masked - masked.max(-1, keepdims=True))
        pattern /= pattern.sum(-1, keepdims=True)
        np.testing.assert_allclose(c[p + "attn.hook_pattern"], pattern, **close)
        z = np.einsum("hqk,khe->qhe", pattern, v)
        np.testing.assert_allclose(c[p + "attn.hook_z"], z, **close)
        attn_out = np.einsum("qhe,hed->qd", z, W[p + "attn.W_O"]) + W[p + "attn.b_O"]
        np.testing.assert_allclose(c[p + "hook_attn_out"], attn_out, **close)
        x = x + attn_out
        np.testing.assert_allclose(c[p + "hook_resid_mid"], x, **close)
        h = _layer_norm(x, W[p + "ln2.w"], W[p + "ln2.b"])
        pre = h @ W[p + "mlp.W_in"] + W[p + "mlp.b_in"]
        np.testing.assert_allclose(c[p + "mlp.hook_pre"], pre, **close)
        post = _gelu(pre)
        np.testing.assert_allclose(c[p + "mlp.hook_post"], post, **close)
        out = post @ W[p + "mlp.W_out"] + W[p + "mlp.b_out"]
        np.testing.assert_allclose(c[p + "hook_mlp_out"], out, **close)
        x = x + out
        np.testing.assert_allclose(c[p + "hook_resid_post"], x, **close)
    final = _layer_norm(x, W["ln_final.w"], W["ln_final.b"])
    np.testing.assert_allclose(c["ln_final.hook_normalized"], final, **close)
    np.testing.assert_allclose(c["logits"], final @ W["W_U"] + W["b_U"], rtol=1e-3, atol=1e-3)


def test_weights_have_transformerlens_shapes(cfg):
    W = model.weights("default")
    H, D, Dh, M, V, N = (cfg[k] for k in ("n_head", "d_model", "d_head", "d_mlp", "n_vocab", "n_ctx"))
    assert W["W_E"].shape == (V, D) and W["W_pos"].shape == (N, D)
    assert W["W_U"].shape == (D, V) and W["b_U"].shape == (V,)
    for i in range(cfg["n_layer"]):
        p = f"blocks.{i}."
        for n in "QKV":
            assert W[p + f"attn.W_{n}"].shape == (H, D, Dh)
            assert W[p + f"attn.b_{n}"].shape == (H, Dh)
        assert W[p + "attn.W_O"].shape == (H, Dh, D) and W[p + "attn.b_O"].shape == (D,)
        assert W[p + "mlp.W_in"].shape == (D, M) and W[p + "mlp.W_out"].shape == (M, D)
        assert W[p + "ln1.w"].shape == W[p + "ln2.b"].shape == (D,)


def test_attn_scores_mean_what_transformerlens_means(trace, cfg):
    """hook_attn_scores is after the causal mask: -inf exactly where key > query, so its softmax
    is hook_pattern row by row; hook_attn_scores_unmasked holds the same scores before the mask."""
    T = len(trace.tokens)
    future = np.triu(np.ones((T, T), bool), 1)
    for i in range(cfg["n_layer"]):
        scores = trace.cache[f"blocks.{i}.attn.hook_attn_scores"]
        raw = trace.cache[f"blocks.{i}.attn.hook_attn_scores_unmasked"]
        pattern = trace.cache[f"blocks.{i}.attn.hook_pattern"]
        assert np.all(np.isneginf(scores[:, future])) and np.all(np.isfinite(scores[:, ~future]))
        assert np.all(np.isfinite(raw))
        np.testing.assert_array_equal(scores[:, ~future], raw[:, ~future])
        for h in range(cfg["n_head"]):
            for q in range(T):
                np.testing.assert_allclose(model.softmax(scores[h, q]), pattern[h, q], atol=1e-6)
            np.testing.assert_allclose(model.softmax(scores[h]), pattern[h], atol=1e-6)


def test_softmax_gives_masked_entries_zero_and_refuses_a_fully_masked_row():
    inf = float("inf")
    p = model.softmax([1.0, -inf, 2.0])
    assert p[1] == 0.0
    np.testing.assert_allclose(p[[0, 2]], model.softmax([1.0, 2.0]))
    np.testing.assert_allclose(model.softmax([[0.0, -inf], [-inf, 3.0]]), [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(model.softmax([1.0, -inf, 2.0], 0), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(model.softmax([1.0, -inf, 2.0], 0.5)[[0, 2]], model.softmax([1.0, 2.0], 0.5))
    with pytest.raises(ValueError, match="no finite entry"):
        model.softmax([-inf, -inf])
    with pytest.raises(ValueError, match="no finite entry"):
        model.softmax([[0.0, 1.0], [-inf, -inf]])
    for bad in ([1.0, float("nan")], [1.0, inf]):
        with pytest.raises(ValueError):
            model.softmax(bad)


def test_runs_are_deterministic():
    a = model.run("The same text twice")
    b = model.run("The same text twice")
    for k in a.cache:
        np.testing.assert_array_equal(a.cache[k], b.cache[k])


def test_long_prompt_keeps_its_last_n_ctx_tokens(cfg):
    text = "She walked on and on, " * 200
    full = model.get_encoding().encode(text)
    trace = model.run(text)
    assert len(full) > cfg["n_ctx"]
    assert trace.tokens == full[-cfg["n_ctx"]:]
    assert trace.cache["logits"].shape[0] == cfg["n_ctx"]


def test_empty_prompt_is_a_clear_error():
    with pytest.raises(ValueError, match="empty"):
        model.run("")


def test_run_tokens_matches_run():
    a = model.run("Anne Elliot was")
    b = model.run_tokens(a.tokens)
    np.testing.assert_allclose(a.cache["logits"], b.cache["logits"], atol=1e-5)
    with pytest.raises(ValueError):
        model.run_tokens([8192])


def test_both_checkpoints_ship_and_differ():
    assert {"default", "small"} <= set(model.checkpoint_names())
    big, small = ckpt.load("default"), ckpt.load("small")
    assert sum(p.numel() for p in big.parameters()) > 2 * sum(p.numel() for p in small.parameters())
    card = ckpt.read_card()["checkpoints"]
    assert card["default"]["heldout_prose_bpc"] < card["small"]["heldout_prose_bpc"]


def test_tampered_checkpoint_is_refused(tmp_path):
    entry = ckpt.read_card()["checkpoints"]["small"]
    copy = tmp_path / "small.pt"
    shutil.copy(ckpt.ASSETS / entry["file"], copy)
    ckpt.load_file(copy, entry["sha256"])  # intact: loads
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(ckpt.CheckpointError, match="SHA-256"):
        ckpt.load_file(copy, entry["sha256"])
    copy.write_bytes(copy.read_bytes()[: len(data) // 3])  # truncated: unreadable even unhashed
    with pytest.raises(ckpt.CheckpointError, match="not a readable checkpoint"):
        ckpt.load_file(copy)


def test_unknown_checkpoint_is_a_clear_error():
    with pytest.raises(ckpt.CheckpointError, match="unknown checkpoint"):
        model.run("hello", checkpoint="huge")
