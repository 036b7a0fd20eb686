"""A caption, note or counter as one image instead of one vector path per glyph.

A Pango ``Text`` is a family of one mobject per glyph: every fade deep-copies them all, and a
counter rebuilt each frame runs Pango each frame. ``text_image`` draws the same DejaVu font with
PIL at the output's pixel density, as one mobject. Lines share a box from the font's ascender to
its descender, so images placed side by side keep a common baseline whatever their letters.

    note = text_image("192 numbers", color=theme.muted).next_to(vec, DOWN)
"""
from __future__ import annotations

from .. import style
from .raster import IMAGE_PAD, Canvas, drawn_width, font, font_em
from .text import ink

LINE = 1.25      # line pitch, in em


def text_image(text: str, size: float = style.SMALL_SIZE, color=None, mono: bool = False,
               align: str = "left", min_width: float = 0.0, *, theme: style.Theme | None = None):
    """``text`` (lines split at ``\\n``) as one raster image; ``.text`` holds the string drawn.
    Drawn in ``color``, else in ``theme.text``.

    ``min_width`` (units) gives images of changing text one size, e.g. a counter redrawn every
    frame while it fades (a fade blends pixel arrays of equal shape).
    Raises ValueError for a font size below ``style.SMALL_SIZE`` or another ``align``; TypeError
    with neither ``color`` nor ``theme``."""
    color = ink(color, theme)
    if size < style.SMALL_SIZE:
        raise ValueError(f"font size {size} is below the readable minimum {style.SMALL_SIZE}")
    em = font_em(size)
    if align not in ("left", "center", "right"):
        raise ValueError(f"align must be left, center or right, got {align!r}")
    ascent, descent = font(240, mono).getmetrics()      # at the measuring scale of text_width
    up, down = em * ascent / 240 + 0.03, em * descent / 240 + 0.03   # room for hinting
    lines = text.split("\n")
    width = max(min_width, max(drawn_width(s, em, mono, pad=IMAGE_PAD) for s in lines))
    height = up + down + (len(lines) - 1) * LINE * em
    c = Canvas(width, height)
    for k, line in enumerate(lines):
        y = up + k * LINE * em
        if align == "left":
            c.text(0.02, y, line, em, color, anchor="ls", mono=mono)
        elif align == "center":
            c.text(width / 2, y, line, em, color, anchor="ms", mono=mono)
        else:
            c.text(width - 0.02, y, line, em, color, anchor="rs", mono=mono)
    img = c.mobject()
    img.text = text
    return img


__all__ = ["text_image"]
