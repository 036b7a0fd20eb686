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
