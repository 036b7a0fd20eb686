"""ColumnMatrix: chosen columns of a big matrix, in index order, with gaps where columns are skipped."""
import numpy as np
import pytest

from scenes import style
from scenes.components.column_matrix import ColumnMatrix
from scenes.components.raster import rgba

TH = style.THEMES["dark"]   # the palette these tests draw in


def test_columns_are_drawn_in_index_order_in_their_weight_colours():
    w = np.random.default_rng(0).normal(size=(192, 8192))
    m = ColumnMatrix(w, [4052, 17, 311, 17], ["c", "a", "b", "a"], n_rows=4, theme=TH)
    assert m.ids == [17, 311, 4052] and m.headers == ["a", "b", "c"]
    np.testing.assert_array_equal(m.shown, w[:4][:, [17, 311, 4052]])
    vmax = np.abs(w).max()
    for j, i in enumerate(m.ids):
        for r in range(4):
            want = np.array(rgba(style.weight_color(w[r, i], vmax, TH))[:3])
            assert np.abs(m.cell_rgb(r, i) - want).max() <= 3
    xs = [m.column_center(i)[0] for i in m.ids]
    assert xs == sorted(xs)


def test_gaps_mark_skipped_columns_only():
    w = np.ones((3, 10))
    neighbours = ColumnMatrix(w, [0, 1, 2], ["a", "b", "c"], theme=TH)
    assert neighbours._gap_xs() != [] and len(neighbours._gap_xs()) == 1   # only the columns after 2
    whole = ColumnMatrix(w[:, :3], [0, 1, 2], ["a", "b", "c"], theme=TH)
    assert whole._gap_xs() == []
    spread = ColumnMatrix(w, [3, 7], ["a", "b"], theme=TH)
    assert len(spread._gap_xs()) == 3    # before 3, between 3 and 7, after 7


def test_highlight_sits_on_its_column():
    m = ColumnMatrix(np.arange(40.0).reshape(4, 10) - 20, [2, 5], ["x", "y"], n_rows=3, theme=TH)
    box = m.highlight_column(5)
    assert box.get_center()[0] == pytest.approx(m.column_center(5)[0])
    assert m.rows_cut


@pytest.mark.parametrize("matrix, ids, headers", [
    (np.ones((3, 4)), [], []),
    (np.ones((3, 4)), [4], ["x"]),
    (np.ones((3, 4)), [1, 2], ["x"]),
    (np.array([[np.nan, 1.0]]), [0], ["x"]),
])
def test_bad_input_is_refused(matrix, ids, headers):
    with pytest.raises(ValueError):
        ColumnMatrix(matrix, ids, headers, theme=TH)


def test_staggered_names_stay_whole_and_apart():
    """``stagger=True``: long token names alternate between two lines, each whole, and no two
    names on one line overlap; the columns stay narrower than unstaggered ones."""
    names = ["␣pleasure", "␣surprise", "␣satisfaction", "␣compassion", "␣civility"]
    w = np.linspace(-1, 1, 8 * 40).reshape(8, 40)
    plain = ColumnMatrix(w, [3, 9, 10, 20, 31], names, theme=TH)
    staggered = ColumnMatrix(w, [3, 9, 10, 20, 31], names, stagger=True, theme=TH)
    assert staggered.cw < plain.cw
    boxes = sorted(staggered.header_image.text_boxes, key=lambda b: b[0])
    drawn = [b for b in boxes if b[4] in names]
    assert sorted(b[4] for b in drawn) == sorted(names)              # every name whole
    for line in ({b[1] for b in drawn}):
        row = sorted((b for b in drawn if b[1] == line), key=lambda b: b[0])
        assert all(a[2] <= b[0] for a, b in zip(row, row[1:]))       # apart on each line
    assert len({round(b[1], 3) for b in drawn}) == 2                 # two lines
