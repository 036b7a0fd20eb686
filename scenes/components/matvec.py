"""A matrix–vector product, row by row: the running dot product lands in the output entry.

The running sum counts through the real partial sums of the whole row (all its columns, shown or
not), so the number that lands is exactly ``(W @ x)[i]``.
"""
from __future__ import annotations

import numpy as np
from manim import (RIGHT, UP, AnimationGroup, FadeIn, FadeOut, Group, Rectangle,
                   Succession, UpdateFromAlphaFunc, linear)

from .. import style
from .text import label
from .raster import IMAGE_PAD, drawn_width, font_em
from .text_image import text_image
from .checks import finite_array
from .vectors import DataVector, fmt
from .weight_matrix import WeightMatrix


def counter_text(value: float) -> str:
    """The running sum as the counter writes it, e.g. "Σ = +0.180"."""
    return f"Σ = {fmt(value, 3)}"


class MatrixVectorProduct(Group):
    """``W [rows, cols] @ x [cols] = y [rows]``: W in weight colours, x and y in data grey.

    ``.y_values`` the real product; ``.partial_sums(i)`` the running sum of row i, term by term.
    """

    def __init__(self, w, x, max_rows: int = 6, max_cols: int = 6, vmax: float | None = None, *, theme: style.Theme):
        """Raises ValueError for a non-finite or empty ``w`` [n_out, n_in] or ``x``, or an ``x`` whose
        length is not n_in."""
        super().__init__()
        self.theme = theme
        w = finite_array("the matrix", w, (None, None))
        x = finite_array("the vector", x, (None,))
        if w.shape[1] != x.size:
            raise ValueError(f"a {w.shape[0]}×{w.shape[1]} matrix needs a vector of {w.shape[1]}, got {x.size}")
        self.w_values, self.x_values = w, x
        self.y_values = w @ x
        n_y = min(w.shape[0], max_rows - 1) if w.shape[0] > max_rows else w.shape[0]
        n_x = min(w.shape[1], max_cols - 1) if w.shape[1] > max_cols else w.shape[1]
        self.x = DataVector(x, max_entries=n_x, show_length=x.size > n_x, theme=theme)
        self.y = DataVector(self.y_values, max_entries=n_y, show_length=self.y_values.size > n_y, theme=theme)
        # the matrix's rows share the output's row pitch, so row i lines up with y[i]
        pitch = self.y.cell_center(1)[1] - self.y.cell_center(0)[1] if n_y > 1 else None
        self.matrix = WeightMatrix(w, max_rows, max_cols, vmax,
                                   **({"cell_height": abs(pitch)} if pitch else {}), theme=theme)
        self.equals = label("=", style.BODY_SIZE, theme=theme)
        self.x.next_to(self.matrix.image, RIGHT, buff=0.3)
        self.x.shift(UP * (self.matrix.image.get_top()[1] - self.x.body.get_top()[1]))
        self.equals.next_to(self.x.body, RIGHT, buff=0.3)
        self.y.next_to(self.equals, RIGHT, buff=0.3)
        self.y.shift(UP * (self.matrix.cell_center(0, 0)[1] - self.y.cell_center(0)[1]))
        self.add(self.matrix, self.x, self.equals, self.y)
        # covers hide the output entries until their row has been computed
        bg = theme.background
        self.covers = [Rectangle(width=self.y.body.width * 0.86, height=self.y.cell_h * 1.04,
                                 stroke_width=0, fill_color=bg, fill_opacity=1).move_to(self.y.cell_center(i))
                       for i in range(len(self.y.shown))]
        self.add(*self.covers)
        self.revealed: set[int] = set()     # rows whose cover has been faded out

    def counter_width(self, i: int) -> float:
        """The width (units) of row ``i``'s running-sum image: its widest value's text, so one
        image size serves every value (a fade blends pixel arrays of equal shape)."""
        em = font_em(style.SMALL_SIZE)
        return max(drawn_width(counter_text(v), em, pad=IMAGE_PAD) for v in self.partial_sums(i))

    def counter_image(self, i: int, k: int, width: float | None = None):
        """Row ``i``'s running sum after its first ``k`` terms (1…n_in) as one image of
        ``width`` (default ``counter_width(i)``), beside y[i]."""
        sums = self.partial_sums(i)
        img = text_image(counter_text(sums[k - 1]), style.SMALL_SIZE, self.theme.text,
                         min_width=self.counter_width(i) if width is None else width)
        return img.next_to(self.y.body, RIGHT, buff=0.3).set_y(self.y.cell_center(i)[1])

    def partial_sums(self, i: int) -> np.ndarray:
        return np.cumsum(self.w_values[i] * self.x_values)

    def compute_row(self, i: int, run_time: float = 1.5):
        """Highlight row i and the vector, count the running dot product, reveal y[i]; the
        counter (``.counter``) ends on ``partial_sums(i)[-1]``, the entry that lands."""
        th = self.theme
        row = self.matrix.highlight_row(i, th.text)
        col = Rectangle(width=self.x.body.width, height=self.x.body.height, color=th.text,
                        stroke_width=4).move_to(self.x.body)
        sums = self.partial_sums(i)
        # the counter is one small image of a fixed width, redrawn per frame (a Pango text per
        # frame would cost more than the frame itself) by the counting animation itself, so its
        # last state is the whole dot product (an always_redraw counter missed the last frame's
        # value: the fade that follows starts from the value before, not the one that lands)
        width = self.counter_width(i)
        counter = self.counter_image(i, 1, width)

        def show(m, a):
            k = int(np.clip(round(a * len(sums)), 1, len(sums)))
            m.become(self.counter_image(i, k, width))
            m.text = counter_text(sums[k - 1])

        self.counter = counter
        count = UpdateFromAlphaFunc(counter, show, rate_func=linear, run_time=run_time)
        return Succession(
            AnimationGroup(FadeIn(row), FadeIn(col), FadeIn(counter), run_time=0.3),
            count,
            AnimationGroup(*self._uncover([i]), FadeOut(row), FadeOut(col), FadeOut(counter),
                           run_time=0.3),
        )

    def _uncover(self, rows) -> list:
        """Fade-outs of the covers of ``rows`` still covering. A cover already faded is left out:
        a FadeOut puts its mobject back at full opacity before fading it (Manim restores a
        removed mobject), so fading it again would blank a computed entry for a moment."""
        rows = [i for i in rows if i not in self.revealed]
        self.revealed.update(rows)
        return [FadeOut(self.covers[i]) for i in rows]

    def reveal_all(self):
        """Fade out every cover not yet faded."""
        fades = self._uncover(range(len(self.covers)))
        return AnimationGroup(*fades)

