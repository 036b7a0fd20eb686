import numpy as np
import pytest

from scenes.components.matvec import MatrixVectorProduct

from scenes import style

TH = style.THEMES["dark"]   # the palette these tests draw in


def test_product_is_real_and_rows_line_up():
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=(40, 30)), rng.normal(size=30)
    mv = MatrixVectorProduct(w, x, max_rows=6, max_cols=5, theme=TH)
    np.testing.assert_allclose(mv.y_values, w @ x)
    np.testing.assert_array_equal(mv.matrix.shown, w[:5, :4])
    np.testing.assert_array_equal(mv.x.shown, x[:4])
    np.testing.assert_array_equal(mv.y.shown, (w @ x)[:5])
    for i in range(5):  # output entry i sits level with matrix row i
        assert mv.y.cell_center(i)[1] == pytest.approx(mv.matrix.cell_center(i, 0)[1], abs=1e-6)


def test_running_sum_ends_on_the_output_entry():
    rng = np.random.default_rng(1)
    w, x = rng.normal(size=(4, 7)), rng.normal(size=7)
    mv = MatrixVectorProduct(w, x, theme=TH)
    for i in range(4):
        sums = mv.partial_sums(i)
        assert len(sums) == 7
        assert sums[-1] == pytest.approx((w @ x)[i])
        assert sums[0] == pytest.approx(w[i, 0] * x[0])


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="needs a vector of 3"):
        MatrixVectorProduct(np.ones((2, 3)), np.ones(4), theme=TH)
    with pytest.raises(ValueError):
        MatrixVectorProduct(np.ones((2, 3)), np.array([1.0, np.nan, 2.0]), theme=TH)


def _ink_columns(img) -> np.ndarray:
    return np.nonzero(img.pixel_array[:, :, 3].max(axis=0) > 0)[0]


@pytest.mark.parametrize("pixels", [(854, 480), (256, 144)])
def test_running_sum_fits_one_image_at_every_value(pixels):
    """Every value the counter shows (one per term of the row) is drawn whole, in one image size
    (a fade blends equal pixel arrays): the widest sum's text never touches the image's edge."""
    from manim import tempconfig
    rng = np.random.default_rng(2)
    x = rng.normal(size=40)
    w = rng.normal(size=(3, 40)) * np.array([[0.02], [0.5], [3.0]])   # sums from ±0.0x to ±xx.x
    with tempconfig({"pixel_width": pixels[0], "pixel_height": pixels[1]}):
        mv = MatrixVectorProduct(w, x, theme=TH)
        for i in range(3):
            images = [mv.counter_image(i, k) for k in range(1, 41)]
            assert len({im.pixel_array.shape for im in images}) == 1
            width_px = images[0].pixel_array.shape[1]
            for im in images:
                assert _ink_columns(im).max() < width_px - 1, im.text
                assert all(box[2] <= mv.counter_width(i) for box in im.text_boxes), im.text


def test_running_sum_redrawn_then_faded_shows_its_own_digits():
    """The counter is redrawn in place each frame (always_redraw → become) and then faded out:
    mid-fade its alpha is the new sum's, not the first sum's (which cut "Σ = +0.180" to the
    glyphs of the first value)."""
    from manim import FadeOut, tempconfig
    w, x = np.array([[0.003, 0.177, 1.0]]), np.array([1.0, 1.0, 0.0])
    with tempconfig({"pixel_width": 854, "pixel_height": 480}):
        mv = MatrixVectorProduct(w, x, theme=TH)
        counter, last = mv.counter_image(0, 1), mv.counter_image(0, 2)
        assert counter.text != last.text
        counter.become(last)
        fade = FadeOut(counter)
        fade.begin()
        fade.interpolate(0.5)
        opacity = counter.opacity
        assert 0 < opacity < 1
        want = last.pixel_array[:, :, 3].astype(float) * opacity
        assert np.abs(counter.pixel_array[:, :, 3] - want).max() <= 1.0


def test_reveal_all_fades_only_the_covers_still_on():
    """A cover already faded by compute_row is not faded again (a FadeOut restores its mobject
    first, which would blank the computed entry for a moment)."""
    rng = np.random.default_rng(3)
    mv = MatrixVectorProduct(rng.normal(size=(8, 5)), rng.normal(size=5), max_rows=6, theme=TH)
    mv.compute_row(0)
    mv.compute_row(1)
    faded = [a.mobject for a in mv.reveal_all().animations]
    assert len(faded) == len(mv.covers) - 2
    assert mv.covers[0] not in faded and mv.covers[1] not in faded
    assert mv.reveal_all().animations == []


def test_running_sum_fades_out_on_the_number_that_lands():
    """When the count ends and the fade begins, the counter shows the whole dot product, the
    entry revealed beside it (an always_redraw counter kept the value of the frame before)."""
    from manim import tempconfig
    rng = np.random.default_rng(4)
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "frame_rate": 15}):
        mv = MatrixVectorProduct(rng.normal(size=(6, 192)), rng.normal(size=192), theme=TH)
        anim = mv.compute_row(0, run_time=1.2)
        anim.scene = None                # a Succession asks for its scene; none is needed here
        anim.begin()
        total = anim.run_time
        for t in np.arange(0, total, 1 / 15):      # the frames a scene would draw
            anim.interpolate(t / total)
            if t > 0.3 + 1.2:                        # the fade-out has begun
                break
        last = mv.counter_image(0, 192)
        assert mv.counter.text == last.text
        fading = anim.animations[2].animations[-1]    # FadeOut(counter), from its first state
        assert np.array_equal(fading.starting_mobject.pixel_array, last.pixel_array)
