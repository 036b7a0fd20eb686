"""DataFlow: the shapes are the model's, the vectors are the last token's at every stage, the
distribution is the softmax of the real logits."""

import numpy as np
import pytest

import model
from provenance_check import check_provenance
from scenes.data_flow import ENTRIES, LAYER_ENTRIES, MAX_VECTORS, TOP_K, shown_layers, tail_text
from scenes.components.raster import font_em, text_width

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


def plain(prov: dict, source: str) -> set[tuple[int, ...]]:
    return {tuple(e["index"]) for e in prov["numbers"] if e["source"] == source and "transform" not in e}


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_data_flow_follows_the_real_pass(prompt, tmp_path):
    prov = still_provenance("DataFlow", tmp_path, prompt)
    assert (tmp_path / "DataFlow.png").exists()
    assert check_provenance(prov) > 0
    trace = model.run(prompt)
    T, L = len(trace.tokens), trace.config["n_layer"]
    last = T - 1

    # the vectors entering the first layer: the last few tokens' rows of the T × d_model array
    # (as many as fit with each token's whole name beneath its vector: at most MAX_VECTORS)
    positions = sorted({p for p, _ in plain(prov, "blocks.0.hook_resid_pre")})
    n = len(positions)
    assert min(T, 4) <= n <= min(T, MAX_VECTORS) and positions == list(range(T - n, T))
    rows = {(p, d) for p in positions for d in range(ENTRIES)}
    assert plain(prov, "blocks.0.hook_resid_pre") == rows

    # the last token's vector at every stage shown: the start, after the layers, normalised
    for i in shown_layers(L):
        assert plain(prov, f"blocks.{i}.hook_resid_post") == {(last, d) for d in range(LAYER_ENTRIES)}
    assert {f"blocks.{i}.hook_resid_post" for i in shown_layers(L)} == {
        e["source"] for e in prov["numbers"] if e["source"].endswith("hook_resid_post")}
    assert shown_layers(L)[-1] == L - 1                    # the last layer's output is among them
    assert plain(prov, "ln_final.hook_normalized") == {(last, d) for d in range(ENTRIES)}
    for e in prov["numbers"]:
        if e["source"] != "blocks.0.hook_resid_pre":
            assert e["index"][0] == last, e                # nothing but the last token after the start

    # the distribution: the top next tokens, softmax at T = 1, and what the rest share
    probs = model.softmax(trace.cache["logits"][last], 1.0)
    top = [int(k) for k in np.argsort(-probs, kind="stable")[:TOP_K]]
    drawn = [e for e in prov["numbers"] if e.get("transform") == "softmax(T=1)"]
    assert [tuple(e["index"]) for e in drawn] == [(last, k) for k in top]
    rest = [e for e in prov["numbers"] if e.get("transform") == f"softmax(T=1) outside top {TOP_K}"]
    assert len(rest) == 1
    assert rest[0]["value"] + sum(e["value"] for e in drawn) == pytest.approx(1.0, abs=1e-5)


def test_shown_layers_end_on_the_last():
    assert shown_layers(6) == list(range(6))
    assert shown_layers(2) == [0, 1]
    many = shown_layers(24)
    assert len(many) <= 6 and many[0] == 0 and many[-1] == 23


def test_tail_text_fits_and_keeps_the_end():
    em = font_em(30)
    text = " ".join(["She walked on through the long wet fields."] * 10) + "\nEnd"
    shown = tail_text(text, em, 8.0)
    assert shown.startswith("…") and shown.endswith("↵End")
    assert text_width(shown, em, mono=False) <= 8.0
    assert tail_text("Emma", em, 8.0) == "Emma"
