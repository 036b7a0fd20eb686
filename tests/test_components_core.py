"""Colour maps, weight matrix, attention grid, probability bars: what is drawn is what was given."""
import colorsys

import numpy as np
import pytest

from scenes import style
from scenes.components.attention_grid import AttentionGrid
from scenes.components.bars import ProbabilityBars
from scenes.components.raster import px_per_unit, rgba
from scenes.components.weight_matrix import WeightMatrix

TH = style.THEMES["dark"]   # the palette these tests draw in


@pytest.fixture(params=["dark", "light"])
def theme(request):
    return style.THEMES[request.param]


def hue_rgb(color):
    r, g, b = color.to_rgb()
    return r, g, b


def test_weight_colours_sign_is_hue_magnitude_is_strength(theme):
    for v in (0.2, 0.5, 1.0):
        r, g, b = hue_rgb(style.weight_color(v, 1.0, theme))
        assert b > r, "positive weights are blue"
        r, g, b = hue_rgb(style.weight_color(-v, 1.0, theme))
        assert r > b, "negative weights are red"
    dist = [np.linalg.norm(np.subtract(style.weight_color(v, 1.0, theme).to_rgb(), theme.neutral.to_rgb()))
            for v in (0.0, 0.1, 0.4, 1.0)]
    assert dist[0] == 0 and dist == sorted(dist) and dist[-1] > 0.3


def test_data_colours_are_grey_and_sign_blind(theme):
    for v in (0.0, 0.3, 1.0, 5.0):
        r, g, b = style.data_color(v, 1.0, theme).to_rgb()
        assert abs(r - g) < 1e-6 and abs(g - b) < 1e-6
        assert style.data_color(-v, 1.0, theme) == style.data_color(v, 1.0, theme)
    lo = style.data_color(0.0, 1.0, theme).to_rgb()[0]
    hi = style.data_color(1.0, 1.0, theme).to_rgb()[0]
    bg = theme.background.to_rgb()[0]
    assert abs(hi - bg) > abs(lo - bg), "larger data stands out more from the background"


def test_accents_are_not_blue_red_or_grey(theme):
    for accent in (theme.query, theme.key, theme.value, theme.chosen):
        h, l, s = colorsys.rgb_to_hls(*accent.to_rgb())
        assert s > 0.4, "an accent has a hue (grey is for data)"
        hue = h * 360
        assert not (200 <= hue <= 240), "blue is for positive weights"
        assert not (hue <= 10 or hue >= 350), "red is for negative weights"


def test_colour_maps_reject_nonsense():
    with pytest.raises(ValueError):
        style.weight_color(float("nan"), 1.0, TH)
    with pytest.raises(ValueError):
        style.data_color(1.0, 0.0, TH)
    with pytest.raises(ValueError):
        style.theme_named("neon")


# --- weight matrix --------------------------------------------------------------------------

def test_small_matrix_draws_every_entry_in_its_colour(theme):
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 4))
    m = WeightMatrix(w, theme=theme)
    np.testing.assert_array_equal(m.shown, w)
    assert not m.rows_cut and not m.cols_cut and not hasattr(m, "shape_label")
    vmax = np.abs(w).max()
    for i in range(3):
        for j in range(4):
            want = np.array(rgba(style.weight_color(w[i, j], vmax, theme))[:3])
            assert np.abs(m.cell_rgb(i, j) - want).max() <= 3


def test_big_matrix_shows_a_real_corner_slice_and_its_true_shape():
    w = np.random.default_rng(1).normal(size=(8192, 192))
    m = WeightMatrix(w, max_rows=6, max_cols=5, theme=TH)
    np.testing.assert_array_equal(m.shown, w[:5, :4])
    assert m.rows_cut and m.cols_cut
    assert m.shape_label.text.replace(" ", "") == "8,192×192"
    assert m.vmax == pytest.approx(np.abs(w).max())
    # the ellipsis column is drawn (muted dots), not a coloured cell
    from scenes.components.raster import px_per_unit
    k = px_per_unit()
    y = int(0.5 * m.ch * k)
    x = int((m.pad + 4 * m.cw + m.ew / 2) * k)
    assert m.image.pixel_array[y, x - 2:x + 3, 3].max() > 0
    # and it is no wider than its dots: the closing bracket sits by them, not a cell's width away
    assert m.ew < m.cw and m.image.pixel_array.shape[1] == pytest.approx((2 * m.pad + 4 * m.cw + m.ew) * k, abs=2)


def test_matrix_highlights_sit_on_their_row_and_column():
    m = WeightMatrix(np.arange(12.0).reshape(3, 4) - 6, theme=TH)
    row, col = m.highlight_row(1), m.highlight_column(2)
    assert row.get_center()[1] == pytest.approx(m.cell_center(1, 0)[1])
    assert col.get_center()[0] == pytest.approx(m.cell_center(0, 2)[0])
    assert row.width == pytest.approx(4 * m.cw * m._unit())


@pytest.mark.parametrize("bad", [np.array([1.0, 2.0]), np.array([[np.nan]]), np.zeros((0, 3)),
                                 np.array([[np.inf, 1.0]])])
def test_matrix_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        WeightMatrix(bad, theme=TH)


# --- attention grid ---------------------------------------------------------------------------

def causal_pattern(n, seed=0):
    rng = np.random.default_rng(seed)
    s = rng.normal(size=(n, n)) * 2
    s[np.triu_indices(n, 1)] = -np.inf
    p = np.exp(s - s.max(1, keepdims=True))
    return p / p.sum(1, keepdims=True)


def test_grid_ink_follows_the_real_weights(trace):
    p = trace.cache["blocks.0.attn.hook_pattern"][0]
    g = AttentionGrid(p, trace.pieces, theme=TH)
    n = p.shape[0]
    q = n - 1  # the last query sees every key
    weights = p[q, :]
    inks = np.array([g.ink(q, k) for k in range(n)])
    # area ∝ weight: each visible square covers (0.92·cell·√w)² pixels, give or take its rim
    cell_px = g.cell * px_per_unit()
    for k in range(n):
        side = 0.92 * cell_px * np.sqrt(weights[k])
        if side >= 2:
            assert abs(inks[k] - side ** 2) <= 4 * side + 8, (k, inks[k], side ** 2)
    assert inks[np.argmax(weights)] == inks.max()


def test_grid_marks_masked_cells_and_labels_axes():
    p = causal_pattern(6)
    g = AttentionGrid(p, ["a", " b", "c", "d", "e", "f"], theme=TH)
    assert g.show_labels
    for q in range(6):
        for k in range(q + 1, 6):
            assert 0 < g.ink(q, k) < 0.25 * (g.cell * px_per_unit()) ** 2  # a small cross, not a square
    np.testing.assert_array_equal(g.pattern, p)


def test_big_grid_drops_labels_but_stays_one_mobject():
    g = AttentionGrid(causal_pattern(64), [f"t{i}" for i in range(64)], theme=TH)
    assert not g.show_labels
    assert len(g.get_family()) == 2  # the group and its one image


@pytest.mark.parametrize("bad, labels", [
    (np.ones((3, 4)) / 4, None), (np.full((2, 2), np.nan), None), (np.eye(3) * 2, None),
    (np.eye(3), ["a", "b"]),
])
def test_grid_rejects_bad_input(bad, labels):
    with pytest.raises(ValueError):
        AttentionGrid(bad, labels, theme=TH)


def test_grid_retarget_keeps_size_and_swaps_values():
    a, b = causal_pattern(8, 1), causal_pattern(8, 2)
    g = AttentionGrid(a, theme=TH)
    anim = g.retarget(b)
    np.testing.assert_array_equal(g.pattern, b)
    assert anim.target_mobject.pixel_array.shape == g.image.pixel_array.shape


# --- probability bars -------------------------------------------------------------------------

def test_bar_lengths_are_proportional_to_probabilities():
    probs = np.array([0.5, 0.25, 0.125, 0.01])
    bars = ProbabilityBars(["a", " b", "\n", "d"], probs, max_width=4.0, theme=TH)
    np.testing.assert_allclose(bars.bar_widths(), 4.0 * probs, rtol=1e-6)
    assert [t.text for t in bars.percents] == ["50.0%", "25.0%", "12.5%", "1.00%"]
    # each label carries an invisible leading "H" that puts every piece on one baseline
    assert [t.text[1:] for t in bars.labels] == ["a", "␣b", "↵", "d"]
    assert all(t[0].get_fill_opacity() == 0 and t[1].get_fill_opacity() > 0 for t in bars.labels)
    for bar in bars.bars:
        r, g, b = bar.get_fill_color().to_rgb()
        assert abs(r - g) < 1e-6 and abs(g - b) < 1e-6  # probabilities are data: grey


@pytest.mark.parametrize("labels, probs", [(["a"], [1.5]), (["a", "b"], [0.5]), (["a"], [np.nan]),
                                           ([], [])])
def test_bars_reject_bad_input(labels, probs):
    with pytest.raises(ValueError):
        ProbabilityBars(labels, probs, theme=TH)


def test_percentages_are_images_of_one_size_so_any_two_can_blend():
    from scenes.components.bars import percent_image
    shapes = {percent_image(p, TH.muted).pixel_array.shape
              for p in (1.0, 0.5, 0.0123, 0.00088, 8.8e-7, 1.1e-12, 0.0)}
    assert len(shapes) == 1


# --- shorten: the one cut with … -----------------------------------------------------------

def test_shorten_cuts_at_a_word_or_token_boundary():
    from scenes.components.raster import font_em, shorten, text_width
    text = "Emma smiled at her father and said"
    assert shorten(text, 100) == text and shorten(text, None) == text
    assert shorten(text, 12) == "Emma smiled…"
    assert shorten(text, 12, keep="end") == "…and said"
    assert shorten(["Em", "ma", " smiled"], 5) == "Emma…"
    assert shorten("x" * 20, 8) == "x" * 7 + "…" and shorten("x" * 20, 8, keep="end") == "…" + "x" * 7
    em = font_em(style.SMALL_SIZE)
    cut = shorten(text, 3.0, em)
    assert cut.endswith("…") and text.startswith(cut[:-1]) and text_width(cut, em, mono=False) <= 3.0
    assert text.split(" ")[len(cut[:-1].split(" ")) - 1] == cut[:-1].split(" ")[-1]   # a whole word
    with pytest.raises(ValueError):
        shorten(text, 5, keep="middle")
