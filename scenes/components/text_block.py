"""Wrapped text that grows run by run: one raster image, redrawn in place as runs appear.

A continuation written token by token (or a chat reply) is a list of coloured runs. The layout
is made once for the whole text, so nothing moves while it grows: ``show(n)`` draws the first
``n`` runs into the same pixels, ``grow(a, b)`` animates from ``a`` runs to ``b``. Text too long
for ``max_lines`` shows its end, under a first line "…". Optionally a rounded bubble around the
lines drawn so far (a chat message), left- or right-aligned in the block's width.

    block = TextBlock([("Emma smiled", th.text), (" and", th.chosen)], width=6.0, max_lines=5)
    self.add(block); self.play(block.grow(1, 2, run_time=1))
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from manim import ManimColor
from PIL import Image

from .. import style
from .fonts import font_stack
from .raster import HAIR, Canvas, StepImage, drawn_width, font_em, rgba

ELLIPSIS = "…"


@dataclass(frozen=True)
class Run:
    """A stretch of text in one colour; ``box`` draws an outline around it (a turn marker)."""
    text: str
    color: ManimColor
    box: ManimColor | None = None


def wrap(text: str, width: float, em: float, mono: bool) -> list[tuple[int, int]]:
    """Lines as (start, end) offsets into ``text``: greedy word wrap at ``width`` units.

    A newline always ends a line; a word wider than a line is broken between characters; the
    spaces where a line was broken are not drawn.
    """
    def fits(a: int, b: int) -> bool:
        return drawn_width(text[a:b].rstrip(), em, mono, pad=HAIR) <= width

    lines, pos = [], 0
    for para in text.split("\n"):
        start, end = pos, pos + len(para)
        cur_start = cur_end = start
        for m in re.finditer(r"\s*\S+", para):
            ws, we = start + m.start(), start + m.end()
            if cur_end > cur_start and not fits(cur_start, we):
                lines.append((cur_start, cur_end))
                cur_start = ws + len(m.group()) - len(m.group().lstrip())
            cur_end = we
            while not fits(cur_start, cur_end):     # one word wider than the line
                k = cur_end - 1
                while k > cur_start + 1 and not fits(cur_start, k):
                    k -= 1
                lines.append((cur_start, k))
                cur_start = k
        lines.append((cur_start, max(cur_start, cur_end)))
        pos = end + 1
    return lines


class TextBlock(StepImage):
    """Coloured runs wrapped to ``width`` units at font ``size``; ``show(n)`` draws the first n.

    ``lines`` are the wrapped lines of the whole text, ``first_line`` the first one drawn (0
    unless the text is longer than ``max_lines``), ``shown_runs`` how many runs are drawn now.
    ``bubble`` = (fill, outline) draws a rounded box around the text drawn so far, on the
    ``align`` side ("left" or "right") of the block's width.
    """

    def __init__(self, runs: Sequence[Run | tuple], width: float, size: float = style.SMALL_SIZE,
                 mono: bool = False, max_lines: int | None = None, pitch: float = 1.3,
                 shown: int | None = None, bubble: tuple | None = None, align: str = "left",
                 pad: float = 0.18, *, theme: style.Theme):
        """Raises ValueError for a font size below ``style.SMALL_SIZE``, a width <= 0, an
        ``align`` other than left/right or ``max_lines`` < 2."""
        if size < style.SMALL_SIZE:
            raise ValueError(f"font size {size} is below the readable minimum {style.SMALL_SIZE}")
        if width <= 0:
            raise ValueError(f"width must be positive, got {width}")
        if align not in ("left", "right"):
            raise ValueError(f"align must be left or right, got {align!r}")
        if max_lines is not None and max_lines < 2:
            raise ValueError("max_lines must leave room for the … line and one line of text")
        self.runs = [r if isinstance(r, Run) else Run(*r) for r in runs]
        self.em, self.mono, self.pitch_units = font_em(size), mono, pitch * font_em(size)
        self.bubble, self.align = bubble, align
        boxed = any(r.box is not None for r in self.runs)
        self.pad = pad if bubble else (0.06 if boxed else 0.0)
        self.box_w = width
        self.text = "".join(r.text for r in self.runs)
        self.owner = np.repeat(np.arange(len(self.runs)), [len(r.text) for r in self.runs])
        self.ends = np.cumsum([len(r.text) for r in self.runs]).astype(int)
        self.lines = wrap(self.text, width - 2 * self.pad, self.em, mono)
        self.first_line = 0
        if max_lines is not None and len(self.lines) > max_lines:
            self.first_line = len(self.lines) - (max_lines - 1)
        self.n_rows = len(self.lines) - self.first_line + (1 if self.first_line else 0)
        self.height_units = self.n_rows * self.pitch_units + 0.35 * self.em + 2 * self.pad
        super().__init__(width, self.height_units, len(self.runs))
        self.theme = theme
        self.set_resampling_algorithm(Image.Resampling.BILINEAR)
        self.show(len(self.runs) if shown is None else shown)

    @property
    def shown_runs(self) -> int:
        """How many runs are drawn now."""
        return self.shown

    # --- drawing ------------------------------------------------------------------------------
    def _measure(self, s: str, canvas: Canvas) -> float:
        return font_stack(max(1, round(self.em * canvas.scale)), self.mono).getlength(s) / canvas.scale

    def rows_used(self, n_runs: int) -> list[tuple[int, int, int]]:
        """(row on screen, start, end) of every line holding text of the first ``n_runs`` runs."""
        limit = int(self.ends[n_runs - 1]) if n_runs > 0 else 0
        offset = 1 if self.first_line else 0
        out = []
        for r, (a, b) in enumerate(self.lines[self.first_line:]):
            b = min(b, limit)
            if a < limit and b > a:
                out.append((r + offset, a, b))
        return out

    def draw(self, c: Canvas, n_runs: int) -> None:
        """The first ``n_runs`` runs (the rest of the layout stays empty); ``show(n)`` calls it."""
        th = self.theme
        rows = self.rows_used(n_runs)
        top = self.pad
        if self.bubble and rows:
            fill, outline = self.bubble
            used = max(self._measure(self.text[a:b].rstrip(), c) for _, a, b in rows)
            w = min(self.box_w, used + 2 * self.pad)
            x0 = self.box_w - w if self.align == "right" else 0.0
            h = (rows[-1][0] + 1) * self.pitch_units + 0.35 * self.em + 2 * self.pad
            c.draw.rounded_rectangle(c.px(x0, 0, x0 + w - 1e-3, h - 1e-3), radius=0.18 * c.scale,
                                     fill=rgba(fill) if fill is not None else None,
                                     outline=rgba(outline) if outline is not None else None,
                                     width=max(1, round(0.03 * c.scale)))
            self.text_x = x0 + self.pad
        else:
            self.text_x = self.pad
        f = font_stack(max(1, round(self.em * c.scale)), self.mono)
        if self.first_line and rows:
            c.text(self.text_x, top + self._baseline(0), ELLIPSIS, self.em, th.muted, anchor="ls",
                   mono=self.mono)
        for row, a, b in rows:
            y = top + self._baseline(row)
            k = a
            while k < b:
                run = int(self.owner[k])
                e = min(b, int(self.ends[run]))
                x = self.text_x + self._measure(self.text[a:k], c)
                seg = self.text[k:e]
                f.draw(c.draw, tuple(c.px(x, y)), seg, fill=rgba(self.runs[run].color), anchor="ls")
                c.note_text(f, (x, y), seg, "ls")
                if self.runs[run].box is not None and seg.strip():
                    lead = len(seg) - len(seg.lstrip())
                    x0 = x + self._measure(seg[:lead], c) - 0.04
                    x1 = x + self._measure(seg.rstrip(), c) + 0.03
                    c.draw.rounded_rectangle(c.px(x0, y - 0.95 * self.em, x1, y + 0.3 * self.em),
                                             radius=0.08 * c.scale, outline=rgba(self.runs[run].box),
                                             width=max(1, round(0.025 * c.scale)))
                k = e

    def _baseline(self, row: int) -> float:
        return row * self.pitch_units + 1.0 * self.em


def text_lines(lines: Sequence[tuple], gap: float = 0.16, mono: bool = False, width: float | None = None):
    """Lines of label text stacked left-aligned in one image: ``(text, font size, colour)`` each,
    where ``text`` may also be a list of ``(text, colour)`` pieces drawn one after another.

    One mobject instead of a Pango ``Text`` with a sub-mobject per glyph, so fading a header in
    copies one array, not hundreds of paths.
    Raises ValueError for a font size below ``style.SMALL_SIZE``."""
    def pieces(text, color):
        return [(text, color)] if isinstance(text, str) else list(text)

    for _, size, _ in lines:
        if size < style.SMALL_SIZE:
            raise ValueError(f"font size {size} is below the readable minimum {style.SMALL_SIZE}")
    ems = [font_em(size) for _, size, _ in lines]
    widths = [sum(drawn_width(t, em, mono, pad=HAIR) for t, _ in pieces(text, color))
              for (text, _, color), em in zip(lines, ems)]
    w = width if width is not None else max(widths)
    heights = [1.25 * em for em in ems]
    c = Canvas(w + 0.04, sum(heights) + gap * (len(lines) - 1))
    y = 0.0
    for (text, _, color), em, h in zip(lines, ems, heights):
        x = 0.01
        for t, col in pieces(text, color):
            c.text(x, y + 0.95 * em, t, em, col, anchor="ls", mono=mono)
            x += drawn_width(t, em, mono)
        y += h + gap
    return c.mobject()
