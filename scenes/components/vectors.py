"""Data vectors: columns of numbers on grey cells, in brackets, cut with ⋮ when too long.

A vector's cells, numbers, brackets and ellipsis are one ``raster.Canvas`` image and its token
label a second one, so a row of eight 192-long vectors is ~20 mobjects, not ~800 glyphs. Data is
grey (``style.data_color``): the sign is in the digits, never in a hue.

    vec = DataVector(trace["embed"][3], label=" father")
    arr = VectorArray(trace["embed"], labels=trace.pieces)
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, UL, Group, ImageMobject, ManimColor, Text

from .checks import finite_array
from .. import style
from .raster import Canvas, font_em, shorten, text_width, unit_to_pixel
from .text import label as text_label
from .text import ink, show_piece

ELLIPSIS = "…"
CELL_GAP = 0.04        # between two cells of a column
BRACKET = 0.11         # bracket stem + its gap to the cells, each side
STEM = 0.05            # bracket line thickness
PAD = 0.06             # inside a cell, either side of the number


def contrast_text(fill: ManimColor, *, theme: style.Theme) -> ManimColor:
    """The digit colour for a cell of ``fill``: ``theme``'s text or background colour, or pure
    white/black where neither reaches 4.5:1 (WCAG AA; see ``style.ink_on``)."""
    return style.ink_on(fill, theme)


def fmt(value: float, decimals: int = 2) -> str:
    """A signed number, e.g. +0.42 or -1.07: the sign is shown by the digits, not by colour."""
    return f"{value:+.{decimals}f}"


def _shared_vmax(arr: np.ndarray, vmax: float | None) -> float:
    if vmax is None:
        vmax = float(np.abs(arr).max())
        return vmax if vmax > 0 else 1.0
    if not np.isfinite(vmax) or vmax <= 0:
        raise ValueError(f"vmax must be finite and > 0, got {vmax!r}")
    return float(vmax)


class DataVector(Group):
    """A column of numbers in brackets; ⋮ and the true length beneath when longer than shown.

    ``values`` all the numbers, ``shown`` the ones drawn, ``texts`` their strings, ``length``
    the true length, ``vmax`` the grey scale's full value, ``body`` the bracketed column image,
    ``label_image`` the token under it (or None), ``length_text`` e.g. "192 numbers" (or None).
    """

    def __init__(self, values, label: str | None = None, max_entries: int = 8,
                 size: float = style.SMALL_SIZE, vmax: float | None = None, decimals: int = 2,
                 show_length: bool = True, cell_width: float | None = None,
                 label_width: float | None = None, *, theme: style.Theme):
        """Raises ValueError for empty or non-finite ``values``, ``max_entries`` < 1, a non-
        string label, a font size below the readable minimum or a bad ``vmax``."""
        super().__init__()
        self.theme = theme
        arr = finite_array("a data vector", values, (None,))
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        if size < style.SMALL_SIZE:
            raise ValueError(f"font size {size} is below the readable minimum {style.SMALL_SIZE}")
        if label is not None and not isinstance(label, str):
            raise ValueError(f"label must be a string or None, got {type(label).__name__}")
        self.values = arr
        self.length = arr.size
        self.truncated = arr.size > max_entries
        self.shown = arr[:max_entries].copy()
        self.vmax = _shared_vmax(arr, vmax)
        self.texts = [fmt(v, decimals) for v in self.shown]
        self.size, self.em = size, font_em(size)
        self.label = label

        th = theme
        text_w = max(text_width(t, self.em) for t in self.texts)
        self.cell_w = max(cell_width or 0.0, text_w + 2 * PAD)
        self.cell_h = 1.35 * self.em
        n_rows = len(self.shown) + (1 if self.truncated else 0)
        self.margin = 0.06                                    # above the first and below the last row
        width = self.cell_w + 2 * BRACKET
        height = n_rows * (self.cell_h + CELL_GAP) - CELL_GAP + 2 * self.margin

        canvas = Canvas(width, height)
        self.fills: list[ManimColor] = []
        for i, (v, text) in enumerate(zip(self.shown, self.texts)):
            x0, y0 = self.cell_origin(i)
            fill = style.data_color(float(v), self.vmax, theme)
            self.fills.append(fill)
            canvas.rect(x0, y0, x0 + self.cell_w, y0 + self.cell_h, fill)
            canvas.text(x0 + self.cell_w - PAD, y0 + self.cell_h / 2, text, self.em,
                        contrast_text(fill, theme=theme), anchor="rm")
        if self.truncated:  # a vertical ellipsis, drawn as three dots (⋮ is missing from the font)
            x0, y0 = self.cell_origin(len(self.shown))
            r = 0.045
            for k in (-1, 0, 1):
                canvas.ellipse(x0 + self.cell_w / 2, y0 + self.cell_h / 2 + k * 0.13, r, th.muted)
        serif = STEM + 0.045
        for x0, x1 in ((0.0, serif), (width - serif, width)):   # brackets: a stem, two serifs
            stem_x = x0 if x0 == 0.0 else width - STEM
            canvas.rect(stem_x, 0, stem_x + STEM, height, th.text)
            canvas.rect(x0, 0, x1, STEM, th.text)
            canvas.rect(x0, height - STEM, x1, height, th.text)
        self.body: ImageMobject = canvas.mobject()
        self.add(self.body)

        below = self.body
        self.length_text: Text | None = None
        if self.truncated and show_length:
            self.length_text = text_label(f"{self.length:,} numbers", style.SMALL_SIZE, color=th.muted)
            self.length_text.next_to(self.body, DOWN, buff=0.12)
            self.add(self.length_text)
            below = self.length_text
        self.label_image: ImageMobject | None = None
        self.label_shown: str | None = None
        if label is not None:
            self.label_shown = shorten(show_piece(label), label_width, font_em(style.SMALL_SIZE), mono=True)
            self.label_image = label_image(self.label_shown, theme=theme)
            self.label_image.next_to(below, DOWN, buff=0.1)
            self.add(self.label_image)

    def cell_origin(self, i: int) -> tuple[float, float]:
        """Top-left corner of row ``i`` in the body's unit coordinates."""
        return BRACKET, self.margin + i * (self.cell_h + CELL_GAP)

    def cell_rgb(self, i: int) -> tuple[int, int, int]:
        """The RGB drawn in cell ``i``, sampled beside its number (for tests and checks)."""
        x0, y0 = self.cell_origin(i)
        r, c = unit_to_pixel(self.body, x0 + 0.4 * PAD, y0 + self.cell_h / 2)
        return tuple(int(v) for v in self.body.pixel_array[r, c, :3])

    def cell_center(self, i: int) -> np.ndarray:
        """Where cell ``i`` is now on screen (follows moves and scales of the body)."""
        x0, y0 = self.cell_origin(i)
        k = self.body.width / (self.cell_w + 2 * BRACKET)
        return self.body.get_corner(UL) + k * np.array([x0 + self.cell_w / 2, -(y0 + self.cell_h / 2), 0])


def label_image(text: str, color=None, *, theme: style.Theme | None = None) -> ImageMobject:
    """A token label as one image, baseline at a fixed height so a row of labels lines up."""
    em = font_em(style.SMALL_SIZE)
    w = text_width(text, em) + 0.04
    canvas = Canvas(w, 1.25 * em)
    canvas.text(0.02, 0.95 * em, text, em, ink(color, theme), anchor="ls")
    return canvas.mobject()


class VectorArray(Group):
    """Several data vectors side by side on one grey scale, with ⋯ if more than fit.

    ``matrix`` has one row per vector. At most ``max_vectors`` are drawn, fewer if they would be
    wider than ``max_width`` (text never shrinks below readable size). When anything is cut,
    the true shape is written beneath, e.g. "40 vectors × 192 numbers".
    """

    def __init__(self, matrix, labels: list[str] | None = None, max_entries: int = 8,
                 max_vectors: int = 8, size: float = style.SMALL_SIZE, vmax: float | None = None,
                 gap: float = 0.18, max_width: float = 13.5, decimals: int = 2, *, theme: style.Theme):
        """Raises ValueError for an empty or non-finite ``matrix`` [n, d], labels that do not match its
        rows, ``max_vectors`` < 1 or a bad ``vmax``."""
        super().__init__()
        self.theme = theme
        arr = finite_array("a vector array", matrix, (None, None))
        n, dim = arr.shape
        if labels is not None and len(labels) != n:
            raise ValueError(f"{len(labels)} labels for {n} vectors")
        if max_vectors < 1:
            raise ValueError(f"max_vectors must be at least 1, got {max_vectors}")
        self.matrix, self.labels = arr, (list(labels) if labels is not None else None)
        self.n_vectors, self.length = n, dim
        self.vmax = _shared_vmax(arr, vmax)
        th = theme

        em = font_em(size)
        entries = arr[: min(n, max_vectors), :max_entries]
        cell_w = max(text_width(fmt(v, decimals), em) for v in entries.ravel()) + 2 * PAD
        vec_w = cell_w + 2 * BRACKET
        dots_w = 0.6
        k = min(n, max_vectors)
        while k > 1 and k * vec_w + (k - 1) * gap + (dots_w + gap if k < n else 0) > max_width:
            k -= 1
        self.n_shown = k
        self.truncated = k < n or dim > max_entries

        self.vectors = Group()
        for j in range(k):
            vec = DataVector(arr[j], None if labels is None else labels[j], max_entries, size,
                             self.vmax, decimals, show_length=False, cell_width=cell_w,
                             label_width=vec_w + gap - 0.06, theme=theme)
            vec.shift(np.array([j * (vec_w + gap), 0, 0]) - vec.body.get_corner(UL))
            self.vectors.add(vec)
        self.add(self.vectors)
        self.shown = np.array([v.shown for v in self.vectors])

        self.dots: ImageMobject | None = None
        if k < n:  # a horizontal ellipsis beside the last shown vector
            c = Canvas(dots_w, 0.2)
            for m in range(3):
                c.ellipse(0.1 + m * 0.2, 0.1, 0.045, th.muted)
            self.dots = c.mobject()
            body = self.vectors[-1].body
            self.dots.move_to(body.get_center()).next_to(body, np.array([1.0, 0, 0]), buff=gap)
            self.add(self.dots)

        self.shape_text: Text | None = None
        if self.truncated:
            self.shape_text = text_label(f"{n:,} vectors × {dim:,} numbers", style.SMALL_SIZE,
                                         color=th.muted)
            self.shape_text.next_to(self.vectors, DOWN, buff=0.15).align_to(self.vectors, LEFT)
            self.add(self.shape_text)
        self.move_to([0, 0, 0])

    def vector(self, j: int) -> DataVector:
        return self.vectors[j]

    def cell_rgb(self, j: int, i: int) -> tuple[int, int, int]:
        """The RGB drawn for entry ``i`` of vector ``j``."""
        return self.vectors[j].cell_rgb(i)
