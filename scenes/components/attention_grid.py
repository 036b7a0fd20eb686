"""The attention pattern as a grid: one square per (key, query) pair, its area ∝ the weight.

Following the storyboard, queries run along the columns (labelled on top) and keys down the
rows (labelled on the left), so each query's softmax is one column that sums to 1. Cells where
the key comes after the query are masked (the model may not look ahead): drawn as a small dim
cross. The whole grid, labels included, is one image, so 64+ tokens stay fast.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from manim import UL, Group, Transform, interpolate_color

from .checks import finite_array
from .. import style
from .raster import Canvas, px_per_unit, rgba, shorten
from .text import show_piece


LABEL_EM = 0.36  # units: ~20 px tall at 480p


def check_pattern(pattern, n_labels: int | None = None) -> np.ndarray:
    """``pattern`` [query, key] as floats. Raises ValueError unless it is square, finite, in
    [0, 1] and (given ``n_labels``) has one row per label."""
    p = finite_array("attention pattern", pattern, (None, None))
    if p.shape[0] != p.shape[1]:
        raise ValueError(f"an attention pattern is a square [query, key] array, got shape {p.shape}")
    if p.min() < 0 or p.max() > 1 + 1e-6:
        raise ValueError("attention weights must lie in [0, 1]")
    if n_labels is not None and n_labels != p.shape[0]:
        raise ValueError(f"{n_labels} labels for a {p.shape[0]}-token pattern")
    return p


_FRAMES: "OrderedDict[tuple, Canvas]" = OrderedDict()   # layout -> frame picture, newest last
_KEEP_FRAMES = 8


def _frame_picture(key: tuple, grid) -> Canvas:
    """The frame picture of ``grid``'s layout (``key``), drawn on first use; the last
    ``_KEEP_FRAMES`` layouts are kept. The caller draws on a ``copy()``."""
    frame = _FRAMES.get(key)
    if frame is None:
        frame = _FRAMES[key] = grid._draw_frame()
        while len(_FRAMES) > _KEEP_FRAMES:
            _FRAMES.popitem(last=False)
    else:
        _FRAMES.move_to_end(key)
    return frame


class AttentionGrid(Group):
    """``pattern[query, key]`` (a TransformerLens ``hook_pattern`` slice for one head).

    ``.pattern``          the weights drawn
    ``.cell_box(q, k)``   the cell's box in the image, in canvas units (x0, y0, x1, y1)
    ``.ink(q, k)``        how many pixels of that cell are drawn as the weight's square
    """

    def __init__(self, pattern, labels: list[str] | None = None, size: float = 5.2,
                 label_width: float = 1.7, min_label_cell: float = 0.34, *, theme: style.Theme):
        super().__init__()
        self.theme = theme
        self.pattern = check_pattern(pattern, None if labels is None else len(labels))
        n = self.n = self.pattern.shape[0]
        self.mask_ink = interpolate_color(theme.neutral, theme.muted, 0.45)
        self.labels = labels
        self.show_labels = labels is not None and size / n >= min_label_cell
        margin = (label_width if self.show_labels else 0.0) + 0.45  # labels, then the axis title
        self.cell = size / n
        self.origin = (margin, margin)  # top-left of the first cell, in canvas units
        self.canvas_size = (margin + size + 0.1, margin + size + 0.1)
        self.image = self._draw()
        self.add(self.image)

    masks = True   # cells with key > query are drawn as masked

    def _draw(self):
        """The frame, one cell per (query, key) by ``_draw_cell`` or ``_draw_masked``, the axes.

        For an AttentionGrid itself, everything but the weights' squares (the frame, the masked
        cells' crosses, the axes and labels) depends only on the layout, so it is drawn once per
        layout and kept (``_frame_picture``); the squares go on a copy. No square touches a cross
        or a label (each stays inside its own cell), so the picture is the same as drawing it all
        in one go, pixel for pixel (tests/test_raster_same_pixels.py)."""
        n, s = self.n, self.cell
        ox, oy = self.origin
        if type(self) is AttentionGrid:
            c = _frame_picture(self._layout_key(), self).copy()
            for q in range(n):
                for k in range(q + 1):       # the masked cells are in the frame picture
                    self._draw_cell(c, q, k, ox + q * s, oy + k * s)
            return c.mobject()
        c = Canvas(*self.canvas_size)
        c.rect(ox, oy, ox + n * s, oy + n * s, self.theme.neutral)
        for q in range(n):          # columns
            for k in range(n):      # rows
                x0, y0 = ox + q * s, oy + k * s
                if self.masks and k > q:  # the key comes after the query
                    self._draw_masked(c, x0, y0)
                else:
                    self._draw_cell(c, q, k, x0, y0)
        self._draw_axes(c, n)
        return c.mobject()

    def _layout_key(self) -> tuple:
        """Everything the frame picture depends on: size, cells, labels, colours, pixel density."""
        return (self.n, self.cell, self.origin, self.canvas_size, self.show_labels,
                tuple(self.labels) if self.show_labels else None, self.theme, str(self.mask_ink),
                px_per_unit())

    def _draw_frame(self) -> Canvas:
        """The frame, the masked cells and the axes: the grid without its weights."""
        c = Canvas(*self.canvas_size)
        n, s = self.n, self.cell
        ox, oy = self.origin
        c.rect(ox, oy, ox + n * s, oy + n * s, self.theme.neutral)
        for q in range(n):
            for k in range(q + 1, n):
                self._draw_masked(c, ox + q * s, oy + k * s)
        self._draw_axes(c, n)
        return c

    def _draw_masked(self, c: Canvas, x0: float, y0: float) -> None:
        s, r = self.cell, 0.18 * self.cell
        cx, cy = x0 + s / 2, y0 + s / 2
        w = max(0.01, 0.06 * s)
        c.line([(cx - r, cy - r), (cx + r, cy + r)], self.mask_ink, w)
        c.line([(cx - r, cy + r), (cx + r, cy - r)], self.mask_ink, w)

    def _draw_cell(self, c: Canvas, q: int, k: int, x0: float, y0: float) -> None:
        s, w = self.cell, self.pattern[q, k]
        half = 0.46 * s * np.sqrt(w)      # area ∝ weight
        if half * c.scale >= 0.5:
            c.rect(x0 + s / 2 - half, y0 + s / 2 - half, x0 + s / 2 + half, y0 + s / 2 + half,
                   style.data_color(w, 1.0, self.theme))

    def _draw_axes(self, c: Canvas, n: int) -> None:
        """Which way is which (query →, ← key), outside the token labels of both axes."""
        th = self.theme
        s, (ox, oy) = self.cell, self.origin
        size_u, lab = 0.34, min(LABEL_EM, 0.9 * s)
        c.text(ox + n * s / 2, 0.22, "query →", size_u, th.query, anchor="mm", mono=False)
        self._vertical_text(c, "← key", 0.22, oy + n * s / 2, size_u, th.key)
        if self.show_labels:
            for i, piece in enumerate(self.labels):
                text = shorten(show_piece(piece), 8)
                c.text(ox - 0.08, oy + (i + 0.5) * s, text, lab, th.text, anchor="rm")
                self._vertical_text(c, text, ox + (i + 0.5) * s, oy - 0.08, lab, th.text, anchor="rm")

    @staticmethod
    def _vertical_text(c: Canvas, text: str, x: float, y: float, size: float, color, anchor="mm"):
        """Text turned 90° (reading upwards), anchored at (x, y) in canvas units."""
        from PIL import Image, ImageDraw

        from .fonts import font_stack
        f = font_stack(max(1, round(size * c.scale)), mono=True)
        x0, y0, x1, y1 = f.getbbox(text)
        tile = Image.new("RGBA", (x1 + 2, max(y1, round(size * c.scale)) + 2), (0, 0, 0, 0))
        f.draw(ImageDraw.Draw(tile), (1, 1), text, fill=rgba(color))
        tile = tile.rotate(90, expand=True)
        px, py = c.px(x, y)
        left = px - tile.width / 2
        top = py - tile.height if anchor == "rm" else py - tile.height / 2
        c.image.alpha_composite(tile, (max(0, round(left)), max(0, round(top))))

    def cell_box(self, q: int, k: int) -> tuple[float, float, float, float]:
        ox, oy = self.origin
        return (ox + q * self.cell, oy + k * self.cell, ox + (q + 1) * self.cell, oy + (k + 1) * self.cell)

    def ink(self, q: int, k: int) -> int:
        """Pixels of cell (q, k) that differ from the empty-cell colour."""
        x0, y0, x1, y1 = (round(v * px_per_unit()) for v in self.cell_box(q, k))
        block = self.image.pixel_array[y0:y1, x0:x1, :3].astype(int)
        empty = np.array(rgba(self.theme.neutral)[:3])
        return int((np.abs(block - empty).sum(-1) > 30).sum())

    def retarget(self, pattern) -> Transform:
        """Animate to another pattern of the same size (another head or layer)."""
        new = AttentionGrid(pattern, self.labels, self.cell * self.pattern.shape[0], theme=self.theme)
        new.replace(self)
        self.pattern = new.pattern
        return Transform(self.image, new.image)

    def cell_center(self, q: int, k: int):
        unit = self.image.width / self.canvas_size[0]
        x0, y0, x1, y1 = self.cell_box(q, k)
        return self.image.get_corner(UL) + unit * np.array([(x0 + x1) / 2, -(y0 + y1) / 2, 0])

