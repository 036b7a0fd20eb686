"""MLPLayer and FlowDiagram: what is drawn, read back from the mobjects, equals what was given."""
import numpy as np
import pytest
from manim import Animation, Dot, ManimColor

import model
from scenes import style
from scenes.components.flow import ORDER, FlowDiagram
from scenes.components.mlp_layer import CELL_W, ROW_H, MLPLayer

TH = style.THEMES["dark"]   # the palette these tests draw in

FRAME_W, FRAME_H = 14.2, 8.0


def hexes(c) -> str:
    return ManimColor(c).to_hex().lower()


def synthetic(d_model=12, d_mlp=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=d_model)
    pre = rng.normal(size=d_mlp) * 2
    post = pre * (pre > 0) + 0.01 * pre          # any real-valued activation will do
    w_in = rng.normal(size=(d_model, d_mlp))
    w_out = rng.normal(size=(d_mlp, d_model))
    out = rng.normal(size=d_model)
    return dict(x_in=x, pre=pre, post=post, w_in=w_in, w_out=w_out, out=out)


@pytest.fixture(scope="module")
def arrays():
    return synthetic()


@pytest.fixture(scope="module")
def layer(arrays):
    return MLPLayer(**arrays, max_neurons=8, n_lines=3, n_entries=6, theme=TH)


# --- MLPLayer: neurons ---------------------------------------------------------------------------
def test_shown_neurons_are_the_top_abs_post_in_original_order(layer, arrays):
    post = np.abs(arrays["post"])
    idx = layer.neuron_index
    assert len(idx) == 8 and np.all(np.diff(idx) > 0)
    hidden = np.setdiff1d(np.arange(post.size), idx)
    assert post[idx].min() >= post[hidden].max()
    np.testing.assert_array_equal(layer.activations, arrays["post"][idx])
    np.testing.assert_array_equal(layer.pre_activations, arrays["pre"][idx])


def test_neuron_brightness_is_its_activation(layer, arrays):
    assert layer.data_vmax == pytest.approx(np.abs(arrays["post"]).max())
    fills = [np.array(c.get_fill_color().to_rgb()) for c in layer.neurons]
    for c, a in zip(layer.neurons, layer.activations):
        assert hexes(c.get_fill_color()) == hexes(style.data_color(a, layer.data_vmax, TH))
    lum = np.array([f.mean() for f in fills])
    order = np.argsort(np.abs(layer.activations))
    assert np.all(np.diff(lum[order]) >= -1e-9)       # larger |activation|, lighter grey


def test_neuron_lookup_and_highlights(layer):
    for k, j in enumerate(layer.neuron_index):
        assert layer.neuron(int(j)) is layer.neurons[k]
    hidden = int(np.setdiff1d(np.arange(40), layer.neuron_index)[0])
    with pytest.raises(ValueError, match="not shown"):
        layer.neuron(hidden)
    top = layer.neuron_index[np.argsort(-layer.activations)[:3]]
    assert sorted(layer.highlighted) == sorted(int(j) for j in top)
    for ring, j in zip(layer.rings, layer.highlighted):
        np.testing.assert_allclose(ring.get_center(), layer.neuron(j).get_center(), atol=1e-6)


def test_true_count_and_ellipsis(layer):
    assert layer.count_text == "40 neurons" and layer.count_label.original_text == "40 neurons"
    assert len(layer.dots) == 3
    assert layer.size_text == "12 numbers"


def test_all_neurons_shown_when_few_and_big_counts_grouped():
    small = MLPLayer(**synthetic(d_model=5, d_mlp=6), max_neurons=16, theme=TH)
    np.testing.assert_array_equal(small.neuron_index, np.arange(6))
    assert len(small.dots) == 0 and small.count_text == "6 neurons"
    big = MLPLayer(**synthetic(d_model=4, d_mlp=3072), max_neurons=10, n_entries=3, theme=TH)
    assert big.count_text == "3,072 neurons" and len(big.neurons) == 10


# --- MLPLayer: weight lines and vectors ----------------------------------------------------------
def test_lines_are_the_real_weights(layer, arrays):
    x_shown = np.abs(arrays["x_in"][:6])
    assert set(layer.input_wired) == set(np.argsort(-x_shown)[:3])
    ins = [ln for ln in layer.line_weights if ln.matrix == "W_in"]
    outs = [ln for ln in layer.line_weights if ln.matrix == "W_out"]
    assert len(ins) == len(outs) == 3 * 8
    for ln in ins:
        assert ln.i in layer.input_wired and ln.j in layer.neuron_index
        assert ln.weight == arrays["w_in"][ln.i, ln.j]
    for ln in outs:
        assert ln.i in layer.neuron_index and ln.j in layer.output_wired
        assert ln.weight == arrays["w_out"][ln.i, ln.j]
    vmax = max(abs(ln.weight) for ln in layer.line_weights)
    assert layer.weight_vmax == pytest.approx(vmax)


def test_line_colours_follow_the_sign(layer):
    vmax = layer.weight_vmax
    for ln in layer.line_weights:
        assert hexes(ln.color) == hexes(style.weight_color(ln.weight, vmax, TH))
        if abs(ln.weight) > 0.01 * vmax:
            r, _, b = ln.color.to_rgb()
            assert (b > r) == (ln.weight > 0), ln
    # read back from the image: strongest lines are drawn last, so their pixels are theirs
    for sign in (1, -1):
        k = max(range(len(layer.line_weights)), key=lambda k: sign * layer.line_weights[k].weight)
        px = np.array([layer.line_pixel(k, t) for t in np.linspace(0.25, 0.75, 9)], dtype=int)
        drawn = px[px[:, 3] > 0]
        assert len(drawn) >= 7
        blue = drawn[:, 2] > drawn[:, 0]
        assert blue.all() if sign > 0 else (~blue).all()
        want = np.array(layer.line_weights[k].color.to_rgb()) * 255
        assert np.abs(drawn[:, :3] - want).max() <= 1


def test_vector_cells_are_the_vectors(layer, arrays):
    np.testing.assert_array_equal(layer.input_values, arrays["x_in"][:6])
    np.testing.assert_array_equal(layer.output_values, arrays["out"][:6])
    from scenes.components.raster import unit_to_pixel
    for image, full, shown in ((layer.input_column, arrays["x_in"], layer.input_values),
                               (layer.output_column, arrays["out"], layer.output_values)):
        vmax = np.abs(full).max()
        for r, v in enumerate(shown):
            px = image.pixel_array[unit_to_pixel(image, 0.06, r * ROW_H + 0.06)]
            want = np.array(style.data_color(v, vmax, TH).to_rgb()) * 255
            assert np.abs(px[:3].astype(int) - want).max() <= 1
    assert layer.input_column.width == pytest.approx(CELL_W, abs=0.02)


@pytest.mark.parametrize("change, match", [
    (dict(post=np.r_[np.nan, np.zeros(39)]), "post has 1 NaN"),
    (dict(w_out=np.full((40, 12), np.inf)), "w_out has 480 NaN/inf"),
    (dict(w_in=np.zeros((40, 12))), r"w_in has shape \(40, 12\), expected \(12, 40\)"),
    (dict(x_in=np.zeros((1, 12))), "x_in must be 1-D"),
    (dict(post=np.zeros(39)), r"post has shape \(39,\)"),
    (dict(out=np.zeros(11)), "out has shape"),
    (dict(pre=np.zeros(0)), "pre is empty"),
])
def test_bad_input_raises(arrays, change, match):
    with pytest.raises(ValueError, match=match):
        MLPLayer(**{**arrays, **change}, theme=TH)


def test_bad_options_raise(arrays):
    with pytest.raises(ValueError, match="max_neurons"):
        MLPLayer(**arrays, max_neurons=0, theme=TH)
    with pytest.raises(ValueError, match="weight_vmax"):
        MLPLayer(**arrays, weight_vmax=float("nan"), theme=TH)


def test_real_model_mlp_of_one_token():
    try:
        ckpt = "default" if "default" in model.checkpoint_names() else "small"
    except model.CheckpointError:
        pytest.skip("no checkpoint shipped yet")
    t, w = model.run("Emma smiled", checkpoint=ckpt), model.weights(ckpt)
    c, pos = t.cache, -1
    post = c["blocks.0.mlp.hook_post"][pos]
    layer = MLPLayer(c["blocks.0.ln2.hook_normalized"][pos], c["blocks.0.mlp.hook_pre"][pos], post,
                     w["blocks.0.mlp.W_in"], w["blocks.0.mlp.W_out"], c["blocks.0.hook_mlp_out"][pos], theme=TH)
    d_mlp = t.config["d_mlp"]
    assert layer.count_text == f"{d_mlp:,} neurons"
    np.testing.assert_array_equal(layer.neuron_index, np.sort(np.argsort(-np.abs(post), kind="stable")[:16]))
    np.testing.assert_array_equal(layer.activations, post[layer.neuron_index])
    for ln in layer.line_weights:
        m = w["blocks.0.mlp.W_in"] if ln.matrix == "W_in" else w["blocks.0.mlp.W_out"]
        assert ln.weight == m[ln.i, ln.j]
    assert layer.width <= FRAME_W and layer.height <= FRAME_H


# --- FlowDiagram ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def flow():
    return FlowDiagram(2, theme=TH)


def test_blocks_and_labels(flow):
    for name in ORDER:
        box, text = flow.block(name)
        assert text.original_text == flow.labels[name]
    assert flow.block("attn").submobjects[1].original_text == "Attention"
    with pytest.raises(ValueError, match="unknown block"):
        flow.block("decoder")


def test_repetition_mark():
    assert FlowDiagram(2, theme=TH).repeat_label.original_text == "×2"
    assert FlowDiagram(12, theme=TH).repeat_text == "×12"


def test_layer_blocks_are_told_apart_without_an_accent(flow):
    """No block borrows the query/key/value (or chosen) accents: attention and MLP share a neutral
    fill and a text-coloured outline, told apart by the fill's strength."""
    th = TH
    attn, mlp = flow.block("attn")[0], flow.block("mlp")[0]
    accents = {hexes(c) for c in (th.query, th.key, th.value, th.chosen, th.positive, th.negative)}
    for box in (attn, mlp):
        assert not {hexes(box.get_fill_color()), hexes(box.get_stroke_color())} & accents
    assert attn.get_fill_opacity() != mlp.get_fill_opacity()


@pytest.mark.parametrize("n_layer, labels", [(1, None), (2, None), (12, None), (96, None),
                                             (4, {"tokens": "the prompt's tokens"}),
                                             (2, {"probs": "next-token probabilities for every entry"})])
def test_fits_the_frame_and_reads_left_to_right(n_layer, labels):
    f = FlowDiagram(n_layer, labels=labels, theme=TH)
    assert f.width <= FRAME_W - 0.5 and f.height <= FRAME_H - 0.5
    assert abs(f.get_center()).max() < 1e-6
    if f.scale_factor == 1.0:
        assert min(t.font_size for t in f.texts()) >= style.SMALL_SIZE - 0.01
    for row in f.rows:
        xs = [it.get_center()[0] for it in row]
        assert xs == sorted(xs)
    assert f.block("attn").get_center()[0] < f.block("mlp").get_center()[0]


def test_default_text_is_readable(flow):
    assert flow.scale_factor == 1.0
    assert min(t.font_size for t in flow.texts()) >= style.SMALL_SIZE


def test_pass_through_visits_every_block_in_order():
    f = FlowDiagram(3, theme=TH).shift([0.5, -0.3, 0])      # paths follow the diagram when it moves
    legs = f.waypoints()
    ends = [leg[-1] for leg in legs]
    names = ["embed", "attn", "mlp", "attn", "mlp", "attn", "mlp", "unembed", "probs"]
    assert len(ends) == len(names)
    for end, name in zip(ends, names):
        np.testing.assert_allclose(end, f.block(name).get_center(), atol=1e-6)
    assert len(f.waypoints(layers=1)) == 5
    dot = Dot()
    anim = f.pass_through(dot, step_time=0.2)
    np.testing.assert_allclose(dot.get_center(), f.block("tokens").get_center(), atol=1e-6)
    assert anim.run_time == pytest.approx(0.2 * len(names))
    assert len(anim.animations) == len(names)
    for move, leg in zip(anim.animations, legs):
        move.begin()
        for a in np.linspace(0, 1, 5):
            move.interpolate(a)
        move.finish()
        np.testing.assert_allclose(dot.get_center(), leg[-1], atol=1e-6)
    np.testing.assert_allclose(dot.get_center(), f.block("probs").get_center(), atol=1e-6)


def test_highlight_and_marker(flow):
    anim = flow.highlight("mlp")
    assert isinstance(anim, Animation) and anim.mobject is flow.block("mlp")
    box = flow.marker("attn")
    assert box.width > flow.block("attn").width
    with pytest.raises(ValueError):
        flow.highlight("nope")


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_layer=0), "n_layer"), (dict(n_layer=2.5), "n_layer"), (dict(n_layer=True), "n_layer"),
    (dict(n_layer="3"), "n_layer"), (dict(n_layer=2, labels={"decoder": "x"}), "unknown block"),
    (dict(n_layer=2, labels={"mlp": ""}), "non-empty"), (dict(n_layer=2, size=12), "size"),
])
def test_flow_bad_input_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FlowDiagram(**kwargs, theme=TH)


def test_gelu_step_goes_from_pre_to_post_fill(arrays):
    layer = MLPLayer(**arrays, max_neurons=8, theme=TH).show_pre()
    for c, v in zip(layer.neurons, layer.pre_activations):
        assert hexes(c.get_fill_color()) == hexes(style.data_color(v, layer.data_vmax, TH))
    anim = layer.apply_gelu()
    anim.begin()
    anim.interpolate(1.0)
    anim.finish()
    for c, v in zip(layer.neurons, layer.activations):
        assert hexes(c.get_fill_color()) == hexes(style.data_color(v, layer.data_vmax, TH))
