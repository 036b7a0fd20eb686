"""A learned weight matrix: every entry on a cell coloured blue (+) / red (−), one image in all.

Too big to show whole, it shows a real top-left corner slice, an ellipsis row and column, and
its true shape beside it (``8,192 × 192``).
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, UL, UP, Group, Rectangle

from .checks import finite_array
from .. import style
from .raster import Canvas, px_per_unit
from .text import label
from .vectors import contrast_text, fmt


TEXT_EM = 0.36  # units: ~20 px tall digits at 480p


def ellipsis_width(cell_width: float) -> float:
    """Width (units) of the "•••" column after a cut row of cells: no wider than its dots need,
    so the closing bracket sits by them."""
    return min(cell_width, 0.55)


class WeightMatrix(Group):
    """``values`` [rows, cols] drawn as coloured cells with their numbers.

    ``.shown``        the values on screen (the corner slice)
    ``.vmax``         the colour scale (max |value| of the whole matrix unless given)
    ``.cell_rgb(i, j)`` the drawn colour of shown cell (i, j), read from the pixels
    """

    def __init__(self, values, max_rows: int = 8, max_cols: int = 8, vmax: float | None = None,
                 numbers: bool = True, cell_width: float = 1.2, cell_height: float = 0.46,
                 digits: int = 2, show_shape: bool | None = None, *, theme: style.Theme):
        super().__init__()
        self.theme = theme
        full = finite_array("weight matrix", values, (None, None))
        self.full_shape = full.shape
        self.vmax = float(vmax) if vmax is not None else float(np.abs(full).max()) or 1.0
        self.rows_cut = full.shape[0] > max_rows
        self.cols_cut = full.shape[1] > max_cols
        r = max_rows - 1 if self.rows_cut else full.shape[0]
        c = max_cols - 1 if self.cols_cut else full.shape[1]
        self.shown = full[:r, :c].copy()
        self.cw, self.ch = cell_width, cell_height
        self.pad = 0.18  # room for the brackets
        self.ew = ellipsis_width(cell_width) if self.cols_cut else 0.0
        n_rows = r + self.rows_cut
        canvas = Canvas(2 * self.pad + c * cell_width + self.ew, n_rows * cell_height)
        self._draw(canvas, numbers, digits)
        self.image = canvas.mobject()
        self.add(self.image)
        if show_shape if show_shape is not None else (self.rows_cut or self.cols_cut):
            self.shape_label = label(f"{full.shape[0]:,} × {full.shape[1]:,}", style.SMALL_SIZE,
                                     color=theme.muted)
            self.shape_label.next_to(self.image, DOWN, buff=0.15)
            self.add(self.shape_label)

    def _draw(self, canvas: Canvas, numbers: bool, digits: int) -> None:
        th = self.theme
        r, c = self.shown.shape
        gap = 0.03
        for i in range(r):
            for j in range(c):
                x0, y0 = self.pad + j * self.cw, i * self.ch
                fill = style.weight_color(self.shown[i, j], self.vmax, self.theme)
                canvas.rect(x0 + gap, y0 + gap, x0 + self.cw - gap, y0 + self.ch - gap, fill)
                if numbers:
                    canvas.text(x0 + self.cw / 2, y0 + self.ch / 2, fmt(self.shown[i, j], digits),
                                TEXT_EM, contrast_text(fill, theme=self.theme))
        r_dot, step = 0.035, 0.11
        if self.cols_cut:
            for i in range(r):
                canvas.dots(self.pad + c * self.cw + self.ew / 2, (i + 0.5) * self.ch, step, 0, r_dot, th.muted)
        if self.rows_cut:
            for j in range(c):
                canvas.dots(self.pad + (j + 0.5) * self.cw, (r + 0.5) * self.ch, 0, step, r_dot, th.muted)
        if self.rows_cut and self.cols_cut:
            canvas.dots(self.pad + c * self.cw + self.ew / 2, (r + 0.5) * self.ch, step, step, r_dot, th.muted)
        # square brackets
        w, h, arm, lw = canvas.width, canvas.height, 0.12, 0.035
        for x, sign in ((0.04, 1), (w - 0.04, -1)):
            canvas.line([(x + sign * arm, 0.02), (x, 0.02), (x, h - 0.02), (x + sign * arm, h - 0.02)],
                        th.text, lw)

    # --- geometry, in scene coordinates (follows moves and scaling) ---------------------------
    def _unit(self) -> float:
        return self.image.width / (self.image.pixel_array.shape[1] / px_per_unit())

    def cell_center(self, i: int, j: int):
        s = self._unit()
        return self.image.get_corner(UL) + s * np.array(
            [self.pad + (j + 0.5) * self.cw, -(i + 0.5) * self.ch, 0.0])

    def highlight_row(self, i: int, color=None) -> Rectangle:
        s = self._unit()
        box = Rectangle(width=(self.shown.shape[1] * self.cw + self.ew) * s, height=self.ch * s,
                        color=color or self.theme.text, stroke_width=4)
        left = self.cell_center(i, 0) - np.array([self.cw * s / 2, 0, 0])
        return box.move_to(left, aligned_edge=np.array([-1, 0, 0]))

    def highlight_column(self, j: int, color=None) -> Rectangle:
        s = self._unit()
        n_rows = self.shown.shape[0] + self.rows_cut
        box = Rectangle(width=self.cw * s, height=n_rows * self.ch * s,
                        color=color or self.theme.text, stroke_width=4)
        top = self.cell_center(0, j) + np.array([0, self.ch * s / 2, 0])
        return box.move_to(top, aligned_edge=UP)

    def cell_rgb(self, i: int, j: int) -> np.ndarray:
        """The colour drawn for shown cell (i, j), sampled in its corner away from the digits."""
        k = px_per_unit()
        y = int((i * self.ch + 0.07) * k)
        x = int((self.pad + j * self.cw + 0.07) * k)
        return self.image.pixel_array[y, x, :3].astype(int)
