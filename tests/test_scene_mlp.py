"""MLP: the vectors, neurons and weights drawn are one token's real pass through one real MLP."""

import numpy as np
import pytest

import model
from provenance_check import check_provenance
from scenes.mlp import ENTRIES, FIRE, N_FIRST, N_TOP, gelu, pick_layer, shown_neurons

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


def indices(prov: dict, source: str, transform: str | None = None) -> set[tuple[int, ...]]:
    return {tuple(e["index"]) for e in prov["numbers"]
            if e["source"] == source and e.get("transform") == transform}


def values(prov: dict, source: str) -> dict[tuple[int, ...], float]:
    return {tuple(e["index"]): e["value"] for e in prov["numbers"]
            if e["source"] == source and "transform" not in e}


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_mlp_draws_one_tokens_real_pass(prompt, tmp_path):
    prov = still_provenance("MLP", tmp_path, prompt)
    assert check_provenance(prov) > 0
    trace = model.run(prompt)
    pos = len(trace.tokens) - 1
    layer = pick_layer(trace, pos)
    b = f"blocks.{layer}."
    # one layer, one token: every activation drawn is the last token's row of that layer (the
    # corner parameter counter, recorded under its own source, aside)
    from scenes.components.parameter_counter import SOURCE
    assert {e["source"].split(".")[1] for e in prov["numbers"] if e["source"] != SOURCE} == {str(layer)}
    assert [e["value"] for e in prov["numbers"] if e["source"] == SOURCE][-1] == 4_251_648
    for e in prov["numbers"]:
        if e["source"] in trace.cache:
            assert e["index"][0] == pos, e

    # W_in and W_out: real corner slices, in their stored index order, and the biases
    assert {(i, j) for i in range(4) for j in range(ENTRIES - 1)} <= indices(prov, b + "mlp.W_in")
    assert {(j, o) for j in range(3) for o in range(ENTRIES - 1)} <= indices(prov, b + "mlp.W_out")
    assert {(j,) for j in range(ENTRIES - 1)} <= indices(prov, b + "mlp.b_in")
    assert {(o,) for o in range(ENTRIES - 1)} <= indices(prov, b + "mlp.b_out")
    # the up-projection before its bias, for the rows of the product
    assert {(pos, j) for j in range(ENTRIES - 1)} <= indices(prov, b + "mlp.hook_pre", "minus b_in")

    # the neurons on the GELU curve: the first few and the strongest, before and after GELU
    post = trace.cache[b + "mlp.hook_post"][pos]
    shown = shown_neurons(post)
    assert len(shown) == N_FIRST + N_TOP
    top = [int(j) for j in np.argsort(-post)[:N_TOP]]
    assert all(j in shown for j in top if j >= N_FIRST)
    pre_drawn, post_drawn = values(prov, b + "mlp.hook_pre"), values(prov, b + "mlp.hook_post")
    for j in shown:
        assert (pos, j) in pre_drawn and (pos, j) in post_drawn
        assert post_drawn[(pos, j)] == pytest.approx(float(gelu(pre_drawn[(pos, j)])), abs=1e-5)
    assert any(post_drawn[(pos, j)] > FIRE for j in shown)   # some of them fire

    # the residual stream: vector in + MLP output = vector out, entry by entry as drawn
    mid, out = values(prov, b + "hook_resid_mid"), values(prov, b + "hook_mlp_out")
    resid = values(prov, b + "hook_resid_post")
    rows = {(pos, i) for i in range(ENTRIES)}
    assert rows <= set(mid) and rows <= set(out) and set(resid) == rows
    for k in rows:
        assert mid[k] + out[k] == pytest.approx(resid[k], abs=1e-5)
    assert {(pos, i) for i in range(ENTRIES - 1)} <= indices(prov, b + "ln2.hook_normalized")


def test_mlp_layer_is_the_one_that_changes_the_vector_most():
    """The measurement behind the default layer, as the scene's comment states it."""
    for prompt in PROMPTS:
        trace = model.run(prompt)
        pos = len(trace.tokens) - 1
        grow = [np.linalg.norm(trace.cache[f"blocks.{k}.hook_mlp_out"][pos])
                / np.linalg.norm(trace.cache[f"blocks.{k}.hook_resid_mid"][pos])
                for k in range(trace.config["n_layer"])]
        assert pick_layer(trace, pos) == int(np.argmax(grow)) == 0
        assert grow[0] > 5 and max(grow[1:]) < 1


def test_mlp_gelu_is_the_models():
    trace = model.run(PROMPTS[1])
    pre, post = trace.cache["blocks.0.mlp.hook_pre"], trace.cache["blocks.0.mlp.hook_post"]
    assert np.allclose(gelu(pre), post, atol=1e-5)
