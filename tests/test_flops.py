"""model/flops.py: the share of a forward pass that is weight matrices times vectors."""
import pytest

import model
from model.flops import matvec_share, multiply_adds
from scenes import derivations

TINY = {"n_layer": 1, "n_head": 2, "d_model": 4, "d_head": 2, "d_mlp": 8, "n_vocab": 10}


def test_counts_by_hand_for_a_tiny_model():
    c = multiply_adds(TINY, 3)
    # per token: W_Q, W_K, W_V 3 × (4 × 4) = 48, W_O 4 × 4 = 16, W_in + W_out 2 × 4 × 8 = 64,
    # W_U 4 × 10 = 40: 168 per token, 3 tokens
    assert c["matrix-vector"] == 504
    # causal pairs for 3 tokens: 1 + 2 + 3 = 6; q·k and the value sum: 2 × (2 heads × 2) × 6
    assert c["attention scores and values"] == 48
    # 12 scores (2 heads × 6 pairs), 4 operations each
    assert c["softmax"] == 48
    # 3 norms (2 per layer + the final one) × 5 × 4 numbers × 3 tokens
    assert c["layer norm"] == 180
    assert c["GELU"] == 24
    # per token: residual 2 × 4, biases b_Q b_K b_V 3 × 4, b_O 4, b_in 8, b_out 4
    assert c["residual and biases"] == 108
    assert matvec_share(TINY, 3) == pytest.approx(504 / (504 + 48 + 48 + 180 + 24 + 108))


def test_long_prompts_shift_work_to_attention():
    cfg = model.config()
    assert matvec_share(cfg, 1) > matvec_share(cfg, 12) > matvec_share(cfg, cfg["n_ctx"]) > 0.5


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_token_counts(bad):
    with pytest.raises(ValueError):
        multiply_adds(TINY, bad)


def test_the_checker_recomputes_the_same_share():
    trace = model.run("Emma smiled at her father, and said that she would")
    w = model.weights()
    s = derivations.Sources(array=lambda n, o=None: trace.cache[n] if n in trace.cache else w[n],
                            softmax=model.softmax, frequent_word_ids=lambda n: [],
                            tokens=tuple(trace.tokens))
    share = derivations.expected(derivations.MATVEC_SHARE, "W_E", [], s)
    assert share == pytest.approx(matvec_share(trace.config, len(trace.tokens)), rel=1e-12)
    assert derivations.expected(derivations.summed_size(["W_E", "W_Q"]), "W_Q", [], s) == \
        w["W_E"].size + sum(w[f"blocks.{i}.attn.W_Q"].size for i in range(trace.config["n_layer"]))
