"""Unembedding: the W_U columns, the last vector and every logit drawn are the model's."""

import numpy as np
import pytest

import model
from provenance_check import check_provenance
from scenes.unembedding import ROWS, TABLE_ROWS, TOP_K

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_unembedding_draws_every_logit_of_the_last_position(prompt, tmp_path):
    prov = still_provenance("Unembedding", tmp_path, prompt)
    assert check_provenance(prov) > 0
    trace = model.run(prompt)
    n, last = len(trace.tokens), len(trace.tokens) - 1
    logits = trace.cache["logits"][last]
    top = set(int(t) for t in np.argsort(-logits, kind="stable")[:TOP_K])
    plain = {tuple(e["index"]) for e in prov["numbers"] if e["source"] == "logits" and "transform" not in e}
    assert plain == {(last, i) for i in range(len(logits))}      # the whole vocabulary's logits
    columns = {e["index"][1] for e in prov["numbers"] if e["source"] == "W_U"}
    assert columns == top                                           # W_U columns of the top tokens
    w_rows = {e["index"][0] for e in prov["numbers"] if e["source"] == "W_U"}
    assert w_rows == set(range(ROWS))
    vec = [e["index"] for e in prov["numbers"]
           if e["source"] == "ln_final.hook_normalized" and "transform" not in e]
    assert vec == [[last, d] for d in range(ROWS)]
    # the running sum counts through all 192 products and lands on the top token's logit
    running = [e for e in prov["numbers"] if e.get("transform", "").startswith("dot with W_U")]
    assert len(running) == trace.config["d_model"]
    assert running[-1]["value"] == pytest.approx(float(logits.max()), rel=1e-4)
    # the table: each of the last positions' best guess, with its probability
    guesses = [e for e in prov["numbers"] if e.get("transform") == "softmax(T=1)"]
    first = max(0, n - TABLE_ROWS)
    assert [g["index"] for g in guesses] == [[p, int(np.argmax(trace.cache["logits"][p]))]
                                           for p in range(first, n)]


def test_logits_are_the_last_vector_times_w_u():
    trace = model.run("Emma smiled at her father")
    w_u = model.weights()["W_U"]
    got = trace.cache["ln_final.hook_normalized"][-1].astype(np.float64) @ w_u.astype(np.float64)
    assert np.allclose(got, trace.cache["logits"][-1], atol=1e-4)


@pytest.mark.parametrize("prompt", ["He looked at Emma and he spoke with great",
                                    "The cat sat on the mat because it was"])
def test_the_top_logits_labels_stay_in_the_plot_whole(prompt):
    """The labels of the highest logits are drawn inside the plot's image, whole (the Emma
    prompt's top tokens sit far right: their labels once fell off the image)."""
    from manim import tempconfig
    from scenes.components.text import show_piece
    from scenes.context import RenderContext
    from scenes.unembedding import Unembedding
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "dry_run": True}):
        scene = Unembedding(context=RenderContext(prompt=prompt, narration="none"))
        scene.setup()
        scene.logits = scene.trace["logits"][len(scene.trace.tokens) - 1]
        scene.top, scene.top_pieces = scene.top_tokens(scene.logits, TOP_K)
        img = scene.scatter()[0]
        w = img.pixel_array.shape[1] / img.pixel_array.shape[0] * img.height   # canvas units
        boxes = {b[4]: b for b in img.text_boxes}
        for piece in scene.top_pieces:
            box = boxes[show_piece(piece)]                  # drawn whole
            assert 0 <= box[0] and box[2] <= w, (piece, box, w)
