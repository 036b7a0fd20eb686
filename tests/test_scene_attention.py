"""Attention: the drawn scores, mask, pattern and values are one real head's, for any prompt."""
import json

import numpy as np
import pytest
from manim import tempconfig

import model
from model.heads import name_heads
from provenance_check import check_provenance
from conftest import render as render_scene
from scenes import style
from scenes.attention import GRID_MAX, HEADS_BOX, HEADS_GAP, heads_layout
from scenes.components import AttentionGrid
from scenes.components.attention_parts import RoleVector, ScoreGrid

from conftest import SCENE_PROMPTS as PROMPTS

TH = style.THEMES["dark"]   # the palette these tests draw in


def render(tmp_path, prompt, **kwargs) -> dict:
    render_scene("Attention", tmp_path, prompt, movie=False, size=(256, 144), **kwargs)
    assert (tmp_path / "Attention.png").exists()
    return json.loads((tmp_path / "Attention.numbers.json").read_text())


def entries(prov, source, head=None):
    """{index tuple: value} of one source, optionally only those of one head (index[0] or [1])."""
    out = {}
    for n in prov["numbers"]:
        if n["source"] != source or n.get("transform"):
            continue
        idx = tuple(n["index"])
        if head is not None:
            h = idx[1] if source.endswith(("hook_q", "hook_k", "hook_v", "hook_z")) else idx[0]
            if h != head:
                continue
        out[idx] = n["value"]
    return out


def heads_drawn(prov, source_suffix):
    """The (layer, head) pairs of every recorded q/k/v/z entry."""
    return {(int(n["source"].split(".")[1]), n["index"][1])
            for n in prov["numbers"] if n["source"].endswith(source_suffix)}


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_attention_draws_the_real_head(prompt, tmp_path):
    prov = render(tmp_path, prompt)
    assert check_provenance(prov) > 0
    best = name_heads()
    L, H = best.layer, best.head
    trace = model.run(prompt)
    T = len(trace.tokens)
    assert prov["tokens"] == trace.tokens

    # the default head is the one measured to look at names
    assert heads_drawn(prov, "attn.hook_q") == {(L, H)}
    assert heads_drawn(prov, "attn.hook_k") == {(L, H)}

    # the whole pattern of the grid's tokens (the last ones), masked zeros included
    g0 = T - min(T, GRID_MAX)
    want = trace.cache[f"blocks.{L}.attn.hook_pattern"][H]
    drawn = entries(prov, f"blocks.{L}.attn.hook_pattern", H)
    window = {(H, q, k) for q in range(g0, T) for k in range(g0, T)}
    assert window <= set(drawn)
    for (_, q, k), v in drawn.items():
        assert v == pytest.approx(float(want[q, k]), abs=1e-7)
        if k > q:
            assert v == 0.0                       # masked: exactly zero in the trace
    for q in range(T):                            # each query's weights sum to 1 over its keys
        assert want[q, : q + 1].sum() == pytest.approx(1.0, abs=1e-5)

    # the scores grid before the mask: every cell of the window, scaled
    raw = entries(prov, f"blocks.{L}.attn.hook_attn_scores_unmasked", H)
    assert {(H, q, k) for q in range(g0, T) for k in range(g0, T)} <= set(raw)
    # after the mask (TransformerLens' hook_attn_scores): every visible cell; masked ones never
    scores = entries(prov, f"blocks.{L}.attn.hook_attn_scores", H)
    assert {(H, q, k) for q in range(g0, T) for k in range(g0, q + 1)} <= set(scores)
    assert not [idx for idx in scores if idx[2] > idx[1]]
    assert all(np.isfinite(v) for v in scores.values())

    # values: the last token's z and the residual stream add up as drawn
    q = T - 1
    z = entries(prov, f"blocks.{L}.attn.hook_z")
    assert z and all(idx[:2] == (q, H) for idx in z)
    pre = entries(prov, f"blocks.{L}.hook_resid_pre")
    out = entries(prov, f"blocks.{L}.hook_attn_out")
    mid = entries(prov, f"blocks.{L}.hook_resid_mid")
    assert set(pre) == set(out) == set(mid) and all(idx[0] == q for idx in pre)
    for idx in pre:
        assert pre[idx] + out[idx] == pytest.approx(mid[idx], abs=1e-5)

    # the closing view: every head of the layer, each over the whole window
    n_head = trace.config["n_head"]
    for h in range(n_head):
        assert {(h, a, b) for a in range(g0, T) for b in range(g0, T)} <= set(
            entries(prov, f"blocks.{L}.attn.hook_pattern", h))


def test_a_chosen_layer_and_head_is_the_one_drawn(tmp_path):
    prompt = PROMPTS[1]
    prov = render(tmp_path, prompt, layer=0, head=2)
    assert check_provenance(prov) > 0
    assert heads_drawn(prov, "attn.hook_q") == {(0, 2)}
    assert heads_drawn(prov, "attn.hook_v") == {(0, 2)}
    trace = model.run(prompt)
    T = len(trace.tokens)
    drawn = entries(prov, "blocks.0.attn.hook_pattern", 2)
    assert {(2, q, k) for q in range(T) for k in range(T)} <= set(drawn)
    want = trace.cache["blocks.0.attn.hook_pattern"][2]
    for (_, q, k), v in drawn.items():
        assert v == pytest.approx(float(want[q, k]), abs=1e-7)
    assert not any(n["source"].startswith("blocks.1.") for n in prov["numbers"])


def test_out_of_range_head_is_refused(tmp_path):
    with pytest.raises(ValueError, match="out of range"):
        render(tmp_path, "Emma", layer=0, head=99)


# --- the scene's own drawing pieces -----------------------------------------------------------
@pytest.fixture
def small_frame():
    with tempconfig({"pixel_width": 854, "pixel_height": 480}):
        yield style.THEMES["dark"]


def test_score_grid_blends_in_place_into_the_attention_grid(small_frame, trace):
    L, H = 1, 5
    n = 6
    scores = trace.cache[f"blocks.{L}.attn.hook_attn_scores_unmasked"][H][:n, :n]
    after = trace.cache[f"blocks.{L}.attn.hook_attn_scores"][H][:n, :n]   # -inf: key > query
    pattern = trace.cache[f"blocks.{L}.attn.hook_pattern"][H][:n, :n]
    labels = trace.pieces[:n]
    plain = ScoreGrid(scores, labels, 5.0, 1.7, theme=TH)
    masked = ScoreGrid(scores, labels, 5.0, 1.7, masked=True, theme=TH)
    attn = AttentionGrid(pattern, labels, 5.0, 1.7, theme=TH)
    # one image each, the same size and cells: a Transform blends pixels in place
    assert plain.image.pixel_array.shape == masked.image.pixel_array.shape == attn.image.pixel_array.shape
    assert plain.cell_box(2, 3) == attn.cell_box(2, 3)
    assert len(plain.get_family()) == 2
    # numbers fit in 5/6-unit cells at readable size; not in a 12-token grid of the same size
    assert plain.numbers
    assert not ScoreGrid(trace.cache[f"blocks.{L}.attn.hook_attn_scores_unmasked"][H], trace.pieces, 5.0,
                         theme=TH).numbers
    # the scores after the mask (-inf cells) draw exactly as the masked raw scores, given its scale
    after_grid = ScoreGrid(after, labels, 5.0, 1.7, masked=True, low=plain.low, high=plain.high,
                           numbers=plain.numbers, theme=TH)
    np.testing.assert_array_equal(after_grid.image.pixel_array, masked.image.pixel_array)
    with pytest.raises(ValueError, match="NaN/inf"):
        ScoreGrid(after, labels, 5.0, 1.7, theme=TH)        # -inf cannot be drawn as a number
    # lighter for a higher score
    q = n - 1
    order = np.argsort(scores[q])
    lum = [sum(plain.cell_rgb(q, int(k))) for k in order]
    assert lum == sorted(lum) and lum[0] < lum[-1]
    # the mask changes exactly the cells whose key comes after the query
    for k in range(n):
        for qq in range(n):
            same = plain.cell_rgb(qq, k) == masked.cell_rgb(qq, k)
            assert same == (k <= qq)


def test_score_grid_rejects_bad_input():
    with pytest.raises(ValueError):
        ScoreGrid(np.zeros((2, 3)), theme=TH)
    with pytest.raises(ValueError):
        ScoreGrid(np.array([[0.0, np.inf], [1.0, 2.0]]), theme=TH)


def test_role_vectors_take_the_accent_brighter_with_magnitude(small_frame):
    th = TH
    vec = RoleVector([0.05, -1.0, 0.5, 2.0], th.query, max_entries=3, vmax=1.0, theme=TH)
    assert vec.truncated and list(vec.shown) == [0.05, -1.0, 0.5]
    big, small = np.array(vec.cell_rgb(1)), np.array(vec.cell_rgb(0))
    assert big.sum() > small.sum()
    # the strongest cell is the accent itself, whatever the sign
    assert np.abs(big - np.array([int(255 * c) for c in th.query.to_rgb()])).max() <= 2
    with pytest.raises(ValueError):
        RoleVector([np.nan, 1.0], th.key, theme=TH)


@pytest.mark.parametrize("n_head", range(1, 13))
def test_heads_fit_the_frame(n_head):
    rows, size = heads_layout(n_head)
    x0, x1, y0, y1 = HEADS_BOX
    cols = -(-n_head // rows)
    assert size >= 1.0
    assert cols * (size + 0.55) + (cols - 1) * HEADS_GAP <= x1 - x0 + 1e-9
    assert rows * (size + 0.55 + 0.5) + (rows - 1) * HEADS_GAP <= y1 - y0 + 1e-9
