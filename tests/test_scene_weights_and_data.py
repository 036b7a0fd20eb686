"""WeightsAndData: the embedding, the weight slice, every product and the GELU step are the
model's, for one token's pass through one MLP (not the one the MLP scene shows)."""
import math

import numpy as np
import pytest

import model
from provenance_check import check_provenance
from scenes.mlp import pick_layer
from scenes.weights_and_data import (DATA_ENTRIES, NEURON, PRODUCT_COLS, PRODUCT_ROWS,
                                     SUM_TERMS, gelu, layer_shown)

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


def values(prov: dict, source: str, transform: str | None = None) -> dict[tuple[int, ...], float]:
    return {tuple(e["index"]): e["value"] for e in prov["numbers"]
            if e["source"] == source and e.get("transform") == transform}


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_weights_and_data_draws_the_real_numbers(prompt, tmp_path):
    prov = still_provenance("WeightsAndData", tmp_path, prompt)
    assert (tmp_path / "WeightsAndData.png").exists()
    assert check_provenance(prov) > 0
    trace = model.run(prompt)
    pos = len(trace.tokens) - 1
    layer = layer_shown(trace)
    # never the MLP scene's layer, so the two scenes do not draw the same digits
    assert layer != pick_layer(trace, pos) or trace.config["n_layer"] == 1
    b = f"blocks.{layer}."
    for e in prov["numbers"]:                    # one token: every activation is its row
        if e["source"] in trace.cache:
            assert e["index"][0] == pos, e

    # data: the token's embedding; weights: a corner of W_in (stored d_model × d_mlp) and the
    # weights of the neuron whose weighted sum is worked out
    assert set(values(prov, "hook_embed")) == {(pos, i) for i in range(DATA_ENTRIES)}
    w_in = values(prov, b + "mlp.W_in")
    assert {(j, i) for j in range(PRODUCT_COLS - 1) for i in range(PRODUCT_ROWS - 1)} <= set(w_in)
    assert {(j, NEURON) for j in range(SUM_TERMS)} <= set(w_in)
    x = values(prov, b + "ln2.hook_normalized")
    assert {(pos, j) for j in range(max(SUM_TERMS, PRODUCT_COLS - 1))} <= set(x)

    # every product shown: W_in · x = hook_pre minus the bias, and the weighted sum is row NEURON
    products = values(prov, b + "mlp.hook_pre", "minus b_in")
    assert set(products) == {(pos, i) for i in range(PRODUCT_ROWS - 1)}
    W = model.weights()
    want = W[b + "mlp.W_in"].T.astype(np.float64) @ trace.cache[b + "ln2.hook_normalized"][pos]
    for (_, i), v in products.items():
        assert v == pytest.approx(want[i], abs=1e-4)

    # then + b_in = hook_pre, and GELU(hook_pre) = hook_post, for the entries shown
    bias = values(prov, b + "mlp.b_in")
    pre, post = values(prov, b + "mlp.hook_pre"), values(prov, b + "mlp.hook_post")
    shown = {(pos, i) for i in range(PRODUCT_ROWS - 1)}
    assert set(pre) == set(post) == shown and set(bias) == {(i,) for i in range(PRODUCT_ROWS - 1)}
    for (_, i) in shown:
        assert products[(pos, i)] + bias[(i,)] == pytest.approx(pre[(pos, i)], abs=1e-5)
        assert post[(pos, i)] == pytest.approx(float(gelu(pre[(pos, i)])), abs=1e-5)

    # the share of the pass that is weight matrices times vectors, shown once
    share = values(prov, "W_E", "matrix-vector share of the forward pass")
    assert list(share) == [()] and 0.9 < share[()] < 1.0


def test_layer_shown_avoids_the_mlp_scenes_layer():
    trace = model.run(PROMPTS[1])
    n = trace.config["n_layer"]
    assert layer_shown(trace, mlp_layer=n - 1) == 0
    assert layer_shown(trace, mlp_layer=0) == n - 1


def test_gelu_is_the_models():
    trace = model.run(PROMPTS[1])
    layer = layer_shown(trace)
    pre, post = trace.cache[f"blocks.{layer}.mlp.hook_pre"], trace.cache[f"blocks.{layer}.mlp.hook_post"]
    assert np.allclose(gelu(pre), post, atol=1e-5)
    assert gelu(0.0) == 0.0 and gelu(10.0) == pytest.approx(10.0) and abs(gelu(-10.0)) < 1e-6
    assert math.isclose(float(gelu(1.0)), 0.5 * (1 + math.erf(1 / math.sqrt(2))), rel_tol=1e-12)
