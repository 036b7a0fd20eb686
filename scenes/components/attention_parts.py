"""Pieces of the attention beat: query/key/value vectors in their accent, and the score grid.

``RoleVector`` is a data vector (numbers on cells, in brackets, cut with ⋮) whose cells are tinted
with a role's accent colour instead of grey: brighter with magnitude, the sign in the digits.

``ScoreGrid`` draws attention scores ``[query, key]`` in exactly the geometry of an
``AttentionGrid`` of the same size and labels (the same image size, cells and labels), so the
scores, the masked scores and the softmax pattern blend into one another in place. Cells are grey,
further from the background for a higher score; numbers are written in them when they fit; masked cells (key after
query) show −∞.

    q = RoleVector(trace["blocks.1.attn.hook_q"][4, 5], theme.query, label=" her")
    raw = ScoreGrid(trace["blocks.1.attn.hook_attn_scores_unmasked"][5], pieces)
    scores = ScoreGrid(trace["blocks.1.attn.hook_attn_scores"][5], pieces, masked=True,
                       low=raw.low, high=raw.high, numbers=raw.numbers)
    self.play(Transform(scores.image, AttentionGrid(pattern, pieces).image))
"""
from __future__ import annotations

import math

import numpy as np
from manim import DOWN, Group, ImageMobject, ManimColor, interpolate_color

from .checks import finite_array
from .. import style
from .attention_grid import LABEL_EM, AttentionGrid
from .raster import Canvas, font_em, shorten, text_width
from .text import show_piece
from .vectors import BRACKET, CELL_GAP, PAD, STEM, contrast_text, fmt, label_image


def _strength(value: float, vmax: float) -> float:
    return math.sqrt(min(1.0, abs(value) / vmax))


class RoleVector(Group):
    """A query, key or value vector: its first ``max_entries`` numbers on cells tinted ``color``.

    ``.shown`` the numbers drawn, ``.texts`` their strings, ``.vmax`` the tint's full value,
    ``.body`` the bracketed column (one image), ``.label_image`` the token under it (or None).
    """

    def __init__(self, values, color, max_entries: int = 3, label: str | None = None,
                 vmax: float | None = None, decimals: int = 2, cell_width: float | None = None,
                 label_width: float | None = None, *, theme: style.Theme):
        """Raises ValueError for empty or non-finite ``values``, ``max_entries`` < 1 or a ``vmax`` that
        is not finite and > 0."""
        super().__init__()
        self.theme = theme
        arr = finite_array("a role vector", values, (None,))
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        if vmax is None:
            vmax = float(np.abs(arr).max()) or 1.0
        if not math.isfinite(vmax) or vmax <= 0:
            raise ValueError(f"vmax must be finite and > 0, got {vmax!r}")
        th = theme
        self.color = ManimColor(color)
        self.values, self.vmax = arr, float(vmax)
        self.length, self.truncated = arr.size, arr.size > max_entries
        self.shown = arr[:max_entries].copy()
        self.texts = [fmt(v, decimals) for v in self.shown]
        em = font_em(style.SMALL_SIZE)
        self.cell_w = max(cell_width or 0.0, max(text_width(t, em) for t in self.texts) + 2 * PAD)
        self.cell_h = 1.35 * em
        self.margin = 0.06
        rows = len(self.shown) + self.truncated
        width = self.cell_w + 2 * BRACKET
        height = rows * (self.cell_h + CELL_GAP) - CELL_GAP + 2 * self.margin
        c = Canvas(width, height)
        self.fills: list[ManimColor] = []
        for i, (v, text) in enumerate(zip(self.shown, self.texts)):
            x0, y0 = BRACKET, self.margin + i * (self.cell_h + CELL_GAP)
            fill = interpolate_color(th.data_low, self.color, _strength(float(v), self.vmax))
            self.fills.append(fill)
            c.rect(x0, y0, x0 + self.cell_w, y0 + self.cell_h, fill)
            c.text(x0 + self.cell_w - PAD, y0 + self.cell_h / 2, text, em, contrast_text(fill, theme=theme),
                   anchor="rm")
        if self.truncated:
            y = self.margin + len(self.shown) * (self.cell_h + CELL_GAP) + self.cell_h / 2
            c.dots(BRACKET + self.cell_w / 2, y, 0, 0.13, 0.045, th.muted)
        serif = STEM + 0.045
        for x0, x1 in ((0.0, serif), (width - serif, width)):
            stem_x = 0.0 if x0 == 0.0 else width - STEM
            c.rect(stem_x, 0, stem_x + STEM, height, self.color)
            c.rect(x0, 0, x1, STEM, self.color)
            c.rect(x0, height - STEM, x1, height, self.color)
        self.body: ImageMobject = c.mobject()
        self.add(self.body)
        self.label_image: ImageMobject | None = None
        if label is not None:
            self.label_image = label_image(shorten(show_piece(label), label_width, em, mono=True), theme=theme)
            self.label_image.next_to(self.body, DOWN, buff=0.1)
            self.add(self.label_image)

    def cell_rgb(self, i: int) -> tuple[int, int, int]:
        """The RGB drawn in cell ``i``, sampled beside its number."""
        from .raster import unit_to_pixel
        y0 = self.margin + i * (self.cell_h + CELL_GAP)
        r, col = unit_to_pixel(self.body, BRACKET + 0.4 * PAD, y0 + self.cell_h / 2)
        return tuple(int(v) for v in self.body.pixel_array[r, col, :3])


def score_text(value: float) -> str:
    """A score with one decimal, the sign in the digits: 2.7, -0.4."""
    return f"{value:.1f}"


class ScoreGrid(AttentionGrid):
    """Attention scores ``[query, key]`` in an AttentionGrid's frame: one head's
    ``hook_attn_scores_unmasked`` (every cell a number), or with ``masked=True`` its
    ``hook_attn_scores`` (cells with key > query are −inf there, or any value: drawn as −∞ either way).

    Raises ValueError unless ``scores`` is square and finite wherever a number is drawn.

    ``.scores``       the scores drawn
    ``.masked``       whether cells with key > query are drawn as −∞
    ``.numbers``      whether each cell carries its number (only when it fits at readable size)
    ``.low, .high``   the score range of the grey scale (the darkest and lightest cell)
    ``.cell_box(q, k)``, ``.cell_center(q, k)``  as in AttentionGrid
    """

    def __init__(self, scores, labels: list[str] | None = None, size: float = 5.2,
                 label_width: float = 1.7, min_label_cell: float = 0.34, masked: bool = False,
                 numbers: bool | None = None, low: float | None = None, high: float | None = None, *,
                 theme: style.Theme):
        """Raises ValueError unless ``scores`` is a square [query, key] array, finite where it is
        drawn (only masked cells, key after query, may be -inf), and one label per token."""
        future = (lambda a: np.triu(np.ones(a.shape, dtype=bool), 1)) if masked else None
        s = finite_array("attention scores", scores, (None, None), minus_inf_allowed=future)
        if s.shape[0] != s.shape[1]:
            raise ValueError(f"attention scores are a square [query, key] array, got shape {s.shape}")
        self.scores, self.masked = s, bool(masked)
        finite = s[np.isfinite(s)]
        self.low = float(finite.min()) if low is None else float(low)
        self.high = float(finite.max()) if high is None else float(high)
        self.em = font_em(style.SMALL_SIZE)
        cell = size / s.shape[0]
        widest = max(text_width(score_text(v), self.em, mono=False) for v in finite)
        self.numbers = (widest + 0.1 <= cell) if numbers is None else bool(numbers)
        # the parent lays out the frame (margins, cells, labels) and calls our _draw
        super().__init__(np.zeros(s.shape), labels, size, label_width, min_label_cell, theme=theme)
        self.pattern = None

    @property
    def masks(self) -> bool:
        """Whether ``_draw`` draws cells with key > query as masked (AttentionGrid always does)."""
        return self.masked

    def shade(self, value: float) -> ManimColor:
        """Grey, further from the background for a higher score (``style.data_shading``: lighter in
        the dark theme, darker in the light one); the lowest score shown is nearest the background."""
        span = self.high - self.low
        if span <= 0:
            return style.data_color(1.0, 1.0, self.theme)
        return style.data_color(value - self.low, span, self.theme)

    def _draw_masked(self, c: Canvas, x0: float, y0: float) -> None:
        """−∞ on the background colour (a × when the number would not fit)."""
        th, s = self.theme, self.cell
        gap, cx, cy = min(0.03, 0.06 * s), x0 + s / 2, y0 + s / 2
        c.rect(x0 + gap, y0 + gap, x0 + s - gap, y0 + s - gap, th.background)
        if self.numbers:
            c.text(cx, cy, "−∞", self.em, th.text, mono=False)
        else:
            r, w = 0.22 * s, max(0.012, 0.07 * s)
            c.line([(cx - r, cy - r), (cx + r, cy + r)], th.muted, w)
            c.line([(cx - r, cy + r), (cx + r, cy - r)], th.muted, w)

    def _draw_cell(self, c: Canvas, q: int, k: int, x0: float, y0: float) -> None:
        """The score's grey over the whole cell, its number on top when it fits."""
        s, v = self.cell, float(self.scores[q, k])
        gap, fill = min(0.03, 0.06 * s), self.shade(v)
        c.rect(x0 + gap, y0 + gap, x0 + s - gap, y0 + s - gap, fill)
        if self.numbers:
            c.text(x0 + s / 2, y0 + s / 2, score_text(v), self.em, contrast_text(fill, theme=self.theme), mono=False)

    def cell_rgb(self, q: int, k: int) -> tuple[int, int, int]:
        """The fill drawn in cell (q, k), sampled near its top-left corner (away from the number)."""
        from .raster import px_per_unit
        x0, y0, _, _ = self.cell_box(q, k)
        off = 0.15 * self.cell
        px = px_per_unit()
        return tuple(int(v) for v in self.image.pixel_array[int((y0 + off) * px), int((x0 + off) * px), :3])

    def retarget(self, pattern):
        """Raises NotImplementedError: blend a ScoreGrid into an AttentionGrid of the same size
        instead."""
        raise NotImplementedError("blend a ScoreGrid into an AttentionGrid of the same size instead")


def grid_label_width(labels: list[str]) -> float:
    """The label margin an AttentionGrid needs for these token labels (at most 8 characters)."""
    return max(text_width(shorten(show_piece(p), 8), LABEL_EM) for p in labels) + 0.3


__all__ = ["RoleVector", "ScoreGrid", "grid_label_width", "score_text"]
