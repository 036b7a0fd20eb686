"""Chosen columns of a big weight matrix, each under its name, with … where columns are skipped.

W_E has one column per vocabulary entry (8,192 of them); a prompt uses a handful spread over
the whole range. This draws just those columns, in index order, with a ⋯ gap wherever
columns were skipped, a header (the token and its id) over each, the first ``n_rows`` entries,
a ⋮ row for the rest, and the true shape beneath. Cells are weights: blue (+) / red (−).
One image for the cells and one for the headers, whatever the number of columns.

    cols = ColumnMatrix(W_E.T, ids=[17, 311, 4052], headers=["Emma", "␣smiled", "␣at"])
    self.play(Create(cols.highlight_column(1)))
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, UL, Group, Rectangle

from .. import style
from .raster import Canvas, px_per_unit, shorten, text_width
from .text import label
from .vectors import contrast_text, fmt
from .checks import finite_array
from .weight_matrix import TEXT_EM

GAP_W = 0.45      # a skipped run of columns
HEAD_H = 0.8      # two header lines: the name, the index
PAD = 0.18        # room for the brackets
MAX_CELL_W = 2.0  # a column widens to fit its header up to this (units); beyond it is cut with …
STAGGER_H = 0.38  # the second line of staggered names


class ColumnMatrix(Group):
    """Columns ``ids`` of ``matrix`` [rows, cols], drawn in increasing order of index.

    ``.ids``          the columns drawn, sorted, without repeats
    ``.shown``        the drawn values, [n_rows, len(ids)]
    ``.vmax``         the colour scale (max |value| of the whole matrix unless given)
    ``.column_center(id)``, ``.highlight_column(id)``  where a column sits on screen
    ``.cell_rgb(i, id)`` the drawn colour of entry i of column ``id``
    """

    def __init__(self, matrix, ids, headers: list[str], n_rows: int = 4, cell_width: float = 1.3,
                 cell_height: float = 0.46, vmax: float | None = None, shape_text: str | None = None,
                 digits: int = 2, stagger: bool = False, *, theme: style.Theme):
        """``stagger``: the names on two alternating lines, so a long token may reach over its
        neighbours' columns instead of widening every column (or being cut).

        Raises ValueError for a non-finite or empty ``matrix``, no ``ids``, ids out of its column
        range, not one header per id, or ``n_rows`` < 1."""
        super().__init__()
        self.theme = theme
        full = finite_array("the matrix", matrix, (None, None))
        ids = [int(i) for i in ids]
        if not ids:
            raise ValueError("choose at least one column")
        if len(headers) != len(ids):
            raise ValueError(f"{len(headers)} headers for {len(ids)} columns")
        if min(ids) < 0 or max(ids) >= full.shape[1]:
            raise ValueError(f"column ids must lie in 0..{full.shape[1] - 1}")
        if n_rows < 1:
            raise ValueError(f"n_rows must be at least 1, got {n_rows}")
        named = dict(zip(ids, headers))
        self.ids = sorted(named)
        self.headers = [named[i] for i in self.ids]
        self.full_shape = full.shape
        self.vmax = float(vmax) if vmax is not None else float(np.abs(full).max()) or 1.0
        self.rows_cut = full.shape[0] > n_rows
        self.n_rows = min(n_rows, full.shape[0])
        self.shown = full[: self.n_rows][:, self.ids].copy()
        # a column as wide as its header needs (a token is never cut mid-token), up to MAX_CELL_W
        need = max(text_width(h, TEXT_EM, mono=True) + 0.1 for h in self.headers)
        self.stagger = bool(stagger)
        if self.stagger:     # a name may span two columns' width: its neighbours' names are a line away
            need = need / 2 + 0.05
        cell_width = max(cell_width, min(MAX_CELL_W, need))
        self.cw, self.ch = cell_width, cell_height

        # x of each column's left edge: a gap before it when columns were skipped
        self.col_x: dict[int, float] = {}
        x, prev = PAD, -1
        for i in self.ids:
            if i != prev + 1:
                x += GAP_W
            self.col_x[i] = x
            x += cell_width
            prev = i
        self.trailing_gap = prev != full.shape[1] - 1
        width = x + (GAP_W if self.trailing_gap else 0.0) + PAD
        height = (self.n_rows + self.rows_cut) * cell_height
        self.canvas_width = width
        self.image = self._draw_cells(width, height, digits)
        self.header_image = self._draw_headers(width)
        self.header_image.next_to(self.image, np.array([0, 1, 0]), buff=0.05)
        self.header_image.align_to(self.image, np.array([-1, 0, 0]))
        self.header_image.shift(np.array([-self.head_margin * self.image.width / width, 0, 0]))
        self.add(self.header_image, self.image)
        self.shape_label = None
        if shape_text:
            self.shape_label = label(shape_text, style.SMALL_SIZE, color=theme.muted)
            self.shape_label.next_to(self.image, DOWN, buff=0.15)
            self.add(self.shape_label)

    def _draw_cells(self, width: float, height: float, digits: int):
        th = self.theme
        c = Canvas(width, height)
        gap = 0.03
        for j, i in enumerate(self.ids):
            x0 = self.col_x[i]
            for r in range(self.n_rows):
                fill = style.weight_color(self.shown[r, j], self.vmax, self.theme)
                y0 = r * self.ch
                c.rect(x0 + gap, y0 + gap, x0 + self.cw - gap, y0 + self.ch - gap, fill)
                c.text(x0 + self.cw / 2, y0 + self.ch / 2, fmt(self.shown[r, j], digits), TEXT_EM,
                       contrast_text(fill, theme=self.theme))
            if self.rows_cut:
                c.dots(x0 + self.cw / 2, (self.n_rows + 0.5) * self.ch, 0, 0.11, 0.035, th.muted)
        for x_gap in self._gap_xs():
            for r in range(self.n_rows):
                c.dots(x_gap, (r + 0.5) * self.ch, 0.1, 0, 0.035, th.muted)
        h, arm, lw = height, 0.12, 0.035
        for x, sign in ((0.04, 1), (width - 0.04, -1)):
            c.line([(x + sign * arm, 0.02), (x, 0.02), (x, h - 0.02), (x + sign * arm, h - 0.02)],
                   th.text, lw)
        return c.mobject()

    def _gap_xs(self) -> list[float]:
        xs, prev = [], -1
        for i in self.ids:
            if i != prev + 1:
                xs.append(self.col_x[i] - GAP_W / 2)
            prev = i
        if self.trailing_gap:
            last = self.ids[-1]
            xs.append(self.col_x[last] + self.cw + GAP_W / 2)
        return xs

    def _draw_headers(self, width: float):
        """The names over the columns (on two alternating lines when staggered), the ids under
        them; ``head_margin`` is how far a staggered name may reach past the first or last column."""
        th = self.theme
        room = 2 * self.cw - 0.1 if self.stagger else self.cw - 0.04
        names = [shorten(text, room, TEXT_EM, mono=True) for text in self.headers]
        widest = max(text_width(n, TEXT_EM, mono=True) for n in names)
        self.head_margin = max(0.0, widest / 2 - self.cw / 2 - PAD) if self.stagger else 0.0
        m = self.head_margin
        c = Canvas(width + 2 * m, HEAD_H + (STAGGER_H if self.stagger else 0.0))
        for j, (i, name) in enumerate(zip(self.ids, names)):
            cx = m + self.col_x[i] + self.cw / 2
            line = j % 2 if self.stagger else 0
            c.text(cx, 0.2 + line * STAGGER_H, name, TEXT_EM, th.text)
            c.text(cx, 0.58 + (STAGGER_H if self.stagger else 0.0), str(i), TEXT_EM, th.muted)
        return c.mobject()

    # --- geometry on screen (follows moves and scaling) ---------------------------------------
    def _unit(self) -> float:
        return self.image.width / self.canvas_width

    def column_center(self, i: int) -> np.ndarray:
        s = self._unit()
        top = self.image.get_corner(UL)
        n = self.n_rows + self.rows_cut
        return top + s * np.array([self.col_x[int(i)] + self.cw / 2, -n * self.ch / 2, 0.0])

    def highlight_column(self, i: int, color=None) -> Rectangle:
        s = self._unit()
        n = self.n_rows + self.rows_cut
        box = Rectangle(width=self.cw * s, height=n * self.ch * s + self.header_image.height + 0.05,
                        color=color or self.theme.text, stroke_width=4)
        return box.move_to(self.column_center(i)).align_to(self.header_image, np.array([0, 1, 0]))

    def cell_rgb(self, r: int, i: int) -> np.ndarray:
        """The colour drawn for entry ``r`` of column ``i``, sampled away from its digits."""
        k = px_per_unit()
        y = int((r * self.ch + 0.07) * k)
        x = int((self.col_x[int(i)] + 0.07) * k)
        return self.image.pixel_array[y, x, :3].astype(int)
