"""TokenStrip, DataVector/VectorArray, EmbeddingSpace/pca_3d, ParameterTally: what each draws,
read back from its mobjects and pixels, equals what it was given; bad input is refused."""
import numpy as np
import pytest
from manim import Animation, ManimColor, tempconfig

from scenes import style
from scenes.components.embedding_space import EmbeddingSpace, pca_3d, turn
from scenes.components.raster import Canvas, unit_to_pixel
from scenes.components.tally import ParameterTally, fmt_count
from scenes.components.text import show_piece
from scenes.components.token_strip import TokenStrip
from scenes.components.vectors import DataVector, VectorArray

TH = style.THEMES["dark"]   # the palette these tests draw in


@pytest.fixture(autouse=True)
def small_frames():
    """Build at 480p, as the previews do; keeps the raster images small and the tests fast."""
    with tempconfig({"pixel_height": 480, "pixel_width": 854}):
        yield


def rgb255(color) -> np.ndarray:
    return np.round(255 * np.array(ManimColor(color).to_rgb())).astype(int)


def is_grey(rgb, tol: int = 2) -> bool:
    r, g, b = (int(v) for v in rgb[:3])
    return max(r, g, b) - min(r, g, b) <= tol


def ink(img) -> np.ndarray:
    """The RGB of an image's fully opaque pixels (the text drawn in it)."""
    px = img.pixel_array
    return px[px[:, :, 3] == 255][:, :3].astype(int)


WORDS = ("Emma| smiled| at| her| father|,| and| said| that| she| would| \\xe2| never|\n|  go| back| to|"
         " the| old| house| on| the| hill| again|.| It| was| too| full| of| memories| of| her| mother|"
         " and| the| summer| they| lost| forever").split("|")


# --- TokenStrip ---------------------------------------------------------------------------------
def test_token_strip_draws_each_piece_and_id():
    pieces, ids = ["The", " cat", "\\xe2", "\n", "  sat"], [464, 3797, 26486, 198, 3332]
    strip = TokenStrip(pieces, ids, theme=TH)
    th = TH
    assert strip.ids == ids and strip.pieces == pieces
    assert strip.texts == [show_piece(p) for p in pieces] == ["The", "␣cat", "\\xe2", "↵", "␣␣sat"]
    assert strip.n_rows == 1 and strip.size == style.BODY_SIZE
    assert len(strip.boxes) == len(strip.piece_images) == len(strip.id_images) == 5
    xs = [strip.box(i).get_center()[0] for i in range(5)]
    assert xs == sorted(xs)
    for i in range(5):
        box = strip.box(i)
        assert np.allclose(strip.piece_images[i].get_center(), box.get_center(), atol=0.02)
        assert strip.id_images[i].get_top()[1] < box.get_bottom()[1]
        # data is grey: the box is stroked in the muted grey, the id drawn in it too
        assert box.get_stroke_color().to_hex() == th.muted.to_hex() and is_grey(rgb255(box.get_stroke_color()))
        assert np.abs(ink(strip.id_images[i]) - rgb255(th.muted)).max() <= 1
        assert np.abs(ink(strip.piece_images[i]) - rgb255(th.text)).max() <= 1
        # the pixels are exactly the piece's visible text, drawn again from scratch
        w, h = box.width, box.height
        again = Canvas(w, h)
        again.text(w / 2, h / 2, strip.texts[i], strip.size / 72, th.text, anchor="mm")
        assert np.array_equal(np.asarray(again.image), strip.piece_images[i].pixel_array)


def test_token_strip_wraps_a_long_prompt_to_fit_the_frame():
    assert len(WORDS) == 40
    strip = TokenStrip(WORDS, list(range(50_000, 50_040)), theme=TH)
    assert strip.n_rows > 1 and strip.rows == sorted(strip.rows)
    assert style.SMALL_SIZE <= strip.size <= style.BODY_SIZE
    assert strip.width <= 13.0 + 1e-6 and strip.height <= 6.5 + 1e-6
    for i in range(40):  # every box lies inside the 14.2 x 8 frame
        b = strip.box(i)
        assert abs(b.get_left()[0]) < 7.1 and abs(b.get_right()[0]) < 7.1 and abs(b.get_top()[1]) < 4
    # far too many tokens: the text stops shrinking at the readable minimum and wraps instead
    many = TokenStrip(WORDS * 3, list(range(120)), theme=TH)
    assert many.size == style.SMALL_SIZE and many.n_rows > strip.n_rows


def test_token_strip_highlight_surrounds_the_box():
    strip = TokenStrip(["a", " b", " c"], [1, 2, 3], theme=TH)
    hi = strip.highlight(1)
    assert np.allclose(hi.get_center(), strip.box(1).get_center())
    assert hi.width > strip.box(1).width
    assert hi.get_stroke_color().to_hex() == TH.chosen.to_hex()
    assert strip.highlight(2, color=TH.key).get_stroke_color().to_hex() == TH.key.to_hex()


@pytest.mark.parametrize("pieces, ids", [
    (["a", "b"], [1]),                  # mismatched lengths
    (["a", "b"], [1, float("nan")]),
    (["a", "b"], [1, float("inf")]),
    (["a"], [-3]),
    (["a"], [1.5]),
    ([], []),
    (["a", "b"], [[1, 2]]),             # wrong shape
    ([3], [1]),                         # not a string
])
def test_token_strip_refuses_bad_input(pieces, ids):
    with pytest.raises(ValueError):
        TokenStrip(pieces, ids, theme=TH)


def test_token_strip_refuses_unreadable_size():
    with pytest.raises(ValueError, match="readable"):
        TokenStrip(["a"], [1], size=20, theme=TH)


# --- DataVector / VectorArray -------------------------------------------------------------------
def test_data_vector_small_shows_every_entry_on_grey_cells():
    values = np.array([0.5, -1.25, 0.0, 2.0])
    vec = DataVector(values, label=" cat", theme=TH)
    assert np.array_equal(vec.shown, values) and vec.length == 4 and not vec.truncated
    assert vec.texts == ["+0.50", "-1.25", "+0.00", "+2.00"]
    assert vec.vmax == 2.0 and vec.length_text is None
    assert vec.label_shown == "␣cat" and vec.label_image is not None
    assert vec.label_image.get_top()[1] < vec.body.get_bottom()[1]
    for i, v in enumerate(values):
        drawn = np.array(vec.cell_rgb(i))
        assert np.abs(drawn - rgb255(style.data_color(v, 2.0, TH))).max() <= 1
        assert is_grey(drawn)
    # brighter with magnitude, the same for both signs
    assert vec.cell_rgb(3)[0] > vec.cell_rgb(1)[0] > vec.cell_rgb(0)[0] > vec.cell_rgb(2)[0]
    assert DataVector(-values, theme=TH).cell_rgb(3) == vec.cell_rgb(3)


def test_data_vector_too_long_shows_first_entries_ellipsis_and_length():
    values = np.random.default_rng(0).normal(size=192)
    vec = DataVector(values, label="king", max_entries=8, theme=TH)
    assert vec.truncated and vec.length == 192
    assert np.array_equal(vec.shown, values[:8])
    assert vec.texts == [f"{v:+.2f}" for v in values[:8]]
    assert vec.vmax == pytest.approx(np.abs(values).max())  # scale from the whole vector
    assert vec.length_text.original_text == "192 numbers"
    # the ⋮ row: its middle dot is drawn in the muted grey
    x0, y0 = vec.cell_origin(8)
    r, c = unit_to_pixel(vec.body, x0 + vec.cell_w / 2, y0 + vec.cell_h / 2)
    assert np.abs(vec.body.pixel_array[r, c, :3].astype(int) - rgb255(TH.muted)).max() <= 1
    # nothing drawn below the ellipsis row but the bracket
    assert vec.body.height == pytest.approx(9 * (vec.cell_h + 0.04) - 0.04 + 2 * vec.margin, abs=0.02)
    centre = vec.cell_center(0)
    assert vec.body.get_left()[0] < centre[0] < vec.body.get_right()[0]


def test_data_vector_cells_follow_an_explicit_vmax():
    vec = DataVector([1.0, -1.0], vmax=4.0, theme=TH)
    assert np.abs(np.array(vec.cell_rgb(0)) - rgb255(style.data_color(1.0, 4.0, TH))).max() <= 1


@pytest.mark.parametrize("values", [[1.0, float("nan")], [float("inf")], [], [[1.0, 2.0]]])
def test_data_vector_refuses_bad_values(values):
    with pytest.raises(ValueError):
        DataVector(values, theme=TH)


def test_data_vector_refuses_bad_options():
    with pytest.raises(ValueError):
        DataVector([1.0], max_entries=0, theme=TH)
    with pytest.raises(ValueError):
        DataVector([1.0], label=3, theme=TH)
    with pytest.raises(ValueError):
        DataVector([1.0], size=12, theme=TH)
    with pytest.raises(ValueError):
        DataVector([1.0], vmax=float("nan"), theme=TH)


def test_vector_array_small_draws_everything_on_one_scale():
    m = np.array([[0.1, -0.2, 0.3], [1.5, 0.0, -3.0]])
    arr = VectorArray(m, labels=[" the", "cat"], theme=TH)
    assert arr.n_shown == 2 and arr.length == 3 and not arr.truncated
    assert np.array_equal(arr.shown, m) and arr.vmax == 3.0
    assert arr.dots is None and arr.shape_text is None
    assert [v.label_shown for v in arr.vectors] == ["␣the", "cat"]
    for j in range(2):
        assert arr.vector(j).vmax == 3.0
        for i in range(3):
            drawn = np.array(arr.cell_rgb(j, i))
            assert np.abs(drawn - rgb255(style.data_color(m[j, i], 3.0, TH))).max() <= 1 and is_grey(drawn)
    # side by side, tops aligned, labels on one baseline
    a, b = arr.vector(0), arr.vector(1)
    assert a.body.get_right()[0] < b.body.get_left()[0]
    assert a.body.get_top()[1] == pytest.approx(b.body.get_top()[1])
    assert a.label_image.get_top()[1] == pytest.approx(b.label_image.get_top()[1])


def test_vector_array_too_big_cuts_both_ways_and_writes_the_shape():
    m = np.random.default_rng(1).normal(size=(40, 192))
    m[30, 100] = 9.0  # off screen, yet it sets the shared scale
    arr = VectorArray(m, labels=[f" w{i}" for i in range(40)], theme=TH)
    assert arr.n_shown == 8 and arr.truncated and arr.dots is not None
    assert np.array_equal(arr.shown, m[:8, :8]) and arr.vmax == 9.0
    assert arr.shape_text.original_text == "40 vectors × 192 numbers"
    assert all(v.length_text is None for v in arr.vectors)       # one caption, not eight
    assert arr.dots.get_left()[0] > arr.vector(7).body.get_right()[0]
    assert arr.width <= 13.5 + 1e-6 and arr.height < 8
    drawn = np.array(arr.cell_rgb(5, 7))
    assert np.abs(drawn - rgb255(style.data_color(m[5, 7], 9.0, TH))).max() <= 1 and is_grey(drawn)


def test_vector_array_shows_fewer_wide_vectors_rather_than_shrinking_text():
    m = np.full((8, 4), -123.45)
    arr = VectorArray(m, theme=TH)
    assert arr.vector(0).texts[0] == "-123.45"
    assert arr.n_shown < 8 and arr.dots is not None and arr.width <= 13.5 + 1e-6
    assert arr.shape_text.original_text == "8 vectors × 4 numbers"


@pytest.mark.parametrize("matrix, labels", [
    ([[1.0, float("nan")]], None),
    ([[float("-inf"), 1.0]], None),
    ([1.0, 2.0], None),                  # 1-D
    ([[1.0], [2.0]], ["only one"]),      # mismatched label count
])
def test_vector_array_refuses_bad_input(matrix, labels):
    with pytest.raises(ValueError):
        VectorArray(matrix, labels, theme=TH)


# --- EmbeddingSpace / pca_3d --------------------------------------------------------------------
def test_pca_3d_matches_numpy_svd():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(20, 16)) @ rng.normal(size=(16, 16))
    p = pca_3d(x)
    assert p.shape == (20, 3)
    centred = x - x.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    for k in range(3):
        # column k is the k-th principal component's scores, up to the sign fixed by the rule
        sign = np.sign(p[:, k] @ (u[:, k] * s[k]))
        assert np.allclose(p[:, k], sign * u[:, k] * s[k], atol=1e-9)
        assert p[np.argmax(np.abs(p[:, k])), k] > 0
    # the rank-3 reconstruction from numpy's SVD is recovered from the coordinates
    signs = np.sign(np.sum(p * (u[:, :3] * s[:3]), axis=0))
    assert np.allclose(p @ (signs[:, None] * vt[:3]), (u[:, :3] * s[:3]) @ vt[:3], atol=1e-9)
    # 3-D data is reproduced exactly up to a rotation: all distances kept
    y = rng.normal(size=(10, 3))
    q = pca_3d(y)
    d = lambda a: np.linalg.norm(a[:, None] - a[None], axis=-1)
    assert np.allclose(d(q), d(y), atol=1e-9)


def test_pca_3d_is_deterministic():
    x = np.random.default_rng(3).normal(size=(12, 8))
    assert np.allclose(pca_3d(x), pca_3d(-x))           # sign flips of the data do not show
    assert np.allclose(pca_3d(x), pca_3d(x + 5.0))      # nor does a shift
    few = pca_3d(np.array([[1.0, 2.0], [3.0, 0.0]]))    # fewer than 3 components: zeros
    assert few.shape == (2, 3) and np.allclose(few[:, 1:], 0)


@pytest.mark.parametrize("x", [np.array([[1.0, np.nan]]), np.array([[np.inf, 1.0]]), np.ones(4), np.zeros((0, 3))])
def test_pca_3d_refuses_bad_input(x):
    with pytest.raises(ValueError):
        pca_3d(x)


def test_embedding_space_places_dots_labels_arrows():
    pts = np.array([[1.0, 2.0, -0.5], [-2.0, 0.5, 1.0], [0.0, 0.0, 4.0], [0.5, -1.0, 0.0]])
    words = ["king", "queen", "man", "woman"]
    sp = EmbeddingSpace(pts, words, arrows=[(2, 3), (0, 1)], theme=TH)
    assert np.array_equal(sp.given, pts) and sp.labels == words
    assert sp.scale_factor == pytest.approx(0.9 / 4.0)
    assert np.allclose(sp.coords, pts * sp.scale_factor)
    for i in range(4):
        assert np.allclose(sp.dot(i).get_center(), sp.axes.c2p(*sp.coords[i]), atol=1e-9)
        assert sp.label(i).original_text == words[i]
        assert np.linalg.norm(sp.label(i).get_center() - sp.dot(i).get_center()) < 1.0
        assert is_grey(rgb255(sp.dot(i).get_fill_color()))       # embeddings are data: grey
    assert sp.arrow_pairs == [(2, 3), (0, 1)] and len(sp.arrows) == 2
    for arrow, (i, j) in zip(sp.arrows, sp.arrow_pairs):
        a, b = sp.dot(i).get_center(), sp.dot(j).get_center()
        unit = (b - a) / np.linalg.norm(b - a)
        assert np.allclose((arrow.end - arrow.start) / np.linalg.norm(arrow.end - arrow.start), unit)
        assert np.linalg.norm(arrow.start - a) < 0.2 and np.linalg.norm(arrow.end - b) < 0.2
    assert len(sp.get_family()) < 250                             # flat and cheap


def test_embedding_space_fits_any_cloud_inside_its_axes():
    pts = np.random.default_rng(4).normal(size=(60, 3)) * 1e3
    sp = EmbeddingSpace(pts, [str(i) for i in range(60)], theme=TH)
    assert np.abs(sp.coords).max() == pytest.approx(0.9)
    lo, hi = sp.axes.c2p(-1, -1, -1), sp.axes.c2p(1, 1, 1)
    for d in sp.dots:
        assert np.all(d.get_center() >= lo - 1e-9) and np.all(d.get_center() <= hi + 1e-9)


@pytest.mark.parametrize("points, labels, arrows", [
    (np.array([[0.0, np.nan, 1.0]]), ["a"], ()),
    (np.array([[0.0, np.inf, 1.0]]), ["a"], ()),
    (np.zeros((2, 2)), ["a", "b"], ()),                  # not 3-D
    (np.ones((2, 3)), ["a"], ()),                        # label count
    (np.eye(3), ["a", "b", "c"], [(0, 3)]),              # arrow to no point
    (np.eye(3), ["a", "b", "c"], [(1, 1)]),              # arrow to itself
    (np.eye(3), ["a", "b", "c"], [(0, 1, 2)]),
])
def test_embedding_space_refuses_bad_input(points, labels, arrows):
    with pytest.raises(ValueError):
        EmbeddingSpace(points, labels, arrows, theme=TH)


class FakeScene:
    def __init__(self):
        self.calls = []

    def begin_ambient_camera_rotation(self, rate):
        self.calls.append(("begin", rate))

    def wait(self, t):
        self.calls.append(("wait", t))

    def stop_ambient_camera_rotation(self):
        self.calls.append(("stop",))

    def add_fixed_orientation_mobjects(self, mob, center_func=None):
        self.calls.append(("fixed", mob, center_func))

    def play(self, *anims):
        self.calls.append(("play",) + anims)


def test_turn_and_face_camera_drive_the_scene():
    scene = FakeScene()
    turn(scene, angle=0.6, run_time=3.0)
    assert scene.calls == [("begin", pytest.approx(0.2)), ("wait", 3.0), ("stop",)]
    with pytest.raises(ValueError):
        turn(scene, 0.5, 0)
    sp = EmbeddingSpace(np.eye(3), ["a", "b", "c"], theme=TH)
    scene = FakeScene()
    sp.face_camera(scene)
    fixed = [c for c in scene.calls if c[0] == "fixed"]
    assert len(fixed) == 6
    labels = [c for c in fixed if c[1] in list(sp.label_mobs)]
    assert all(np.allclose(c[2](), sp.dot(i).get_center()) for i, c in enumerate(labels))


# --- ParameterTally -----------------------------------------------------------------------------
N_VOCAB, D, D_HEAD, HEADS, LAYERS = 50_257, 12_288, 128, 96, 96
GPT3 = [("Embedding", 617_558_016), ("Key", 14_495_514_624), ("Query", 14_495_514_624),
        ("Value-down", 14_495_514_624), ("Value-up", 14_495_514_624),
        ("Up-projection", 57_982_058_496), ("Down-projection", 57_982_058_496),
        ("Unembedding", 617_558_016)]


def test_gpt3_figures_follow_from_its_sizes():
    neurons = 4 * D
    assert neurons == 49_152
    from_sizes = {
        "Embedding": N_VOCAB * D,
        "Key": D_HEAD * D * HEADS * LAYERS, "Query": D_HEAD * D * HEADS * LAYERS,
        "Value-down": D_HEAD * D * HEADS * LAYERS, "Value-up": D * D_HEAD * HEADS * LAYERS,
        "Up-projection": neurons * D * LAYERS, "Down-projection": D * neurons * LAYERS,
        "Unembedding": D * N_VOCAB,
    }
    assert dict(GPT3) == from_sizes
    assert sum(from_sizes.values()) == 175_181_291_520


def test_tally_counts_up_to_the_gpt3_total():
    tally = ParameterTally(GPT3, "GPT-3", theme=TH)
    assert tally.values == [v for _, v in GPT3] and tally.names == [n for n, _ in GPT3]
    assert tally.total == 175_181_291_520 and fmt_count(tally.total) == "175,181,291,520"
    assert tally.shown() == [0] * 9
    blank = tally.numbers_image.pixel_array.copy()
    anim = tally.count_up(None, run_time=2.0)
    assert isinstance(anim, Animation)
    anim.begin()
    previous = [0] * 9
    for alpha in (0.2, 0.5, 0.8):
        anim.interpolate(alpha)
        now = tally.shown()
        assert now[-1] == sum(now[:-1])                         # the total is the rows' sum as drawn
        assert all(p <= n <= v for p, n, v in zip(previous, now, tally.values + [tally.total]))
        previous = now
    assert 0 < previous[-1] < tally.total
    anim.finish()
    assert tally.shown() == tally.values + [tally.total]
    # the pixels are those of a tally built at its final counts
    final = ParameterTally(GPT3, "GPT-3", start_at_zero=False, theme=TH)
    assert np.array_equal(tally.numbers_image.pixel_array, final.numbers_image.pixel_array)
    assert not np.array_equal(blank, final.numbers_image.pixel_array)
    assert is_grey(ink(final.numbers_image).mean(axis=0), tol=3)
    assert len(tally.get_family()) < 40


def test_tally_count_up_plays_when_given_a_scene():
    scene = FakeScene()
    tally = ParameterTally([("a", 5), ("b", 7)], "t", theme=TH)
    anim = tally.count_up(scene, run_time=1.0)
    assert scene.calls == [("play", anim)]
    assert tally.total == 12


def test_tally_rows_are_laid_out_top_to_bottom():
    tally = ParameterTally(GPT3, "GPT-3", start_at_zero=False, theme=TH)
    ys = [tally.row_center(i)[1] for i in range(len(GPT3) + 1)]
    assert ys == sorted(ys, reverse=True)
    assert tally.rule.get_center()[1] < ys[-2] and tally.rule.get_center()[1] > ys[-1]
    assert tally.title.get_bottom()[1] > tally.names_image.get_top()[1]
    assert tally.width < 14.2 and tally.height < 8


@pytest.mark.parametrize("groups", [
    [("a", float("nan"))], [("a", float("inf"))], [("a", -1)], [("a", 1.5)], [],
    [(3, 4)], [("a", 1, 2)], [("a", "12")],
])
def test_tally_refuses_bad_input(groups):
    with pytest.raises(ValueError):
        ParameterTally(groups, "t", theme=TH)


def test_control_characters_are_written_as_escapes_pango_can_draw():
    """A sampled token may be a control character (C1 U+009A from a GPT-2 folder's bytes): shown as
    \\xNN, like a loose byte, in pieces and in the prompt text; line breaks and tabs stay glyphs."""
    from scenes.components.prompt_text import PromptText
    assert show_piece("a\x9a\r\x00") == "a\\x9a\\x0d\\x00"
    assert show_piece(" \n\t") == "␣↵⇥"
    text = PromptText(["Emma", " said", "\x9a\xaf", " no"], 2, theme=TH)
    assert len(text) > 0 and "\\x9a" in text.original_text
    import unicodedata
    controls = [chr(i) for i in range(0x110) if unicodedata.category(chr(i)) == "Cc"]
    assert len(PromptText(["Emma", *controls, "<b>&", " no"], 1, theme=TH)) > 0   # every one, and markup
