"""Formulas drawn as text (Pango markup: superscripts and subscripts, no LaTeX needed)."""
from __future__ import annotations

from manim import MarkupText

from .. import style


def softmax_formula(size: float = style.SMALL_SIZE, *, theme: style.Theme, temperature: bool = True) -> MarkupText:
    """softmax(x)ᵢ = e^(xᵢ/T) / Σⱼ e^(xⱼ/T) as one line of text in ``theme.text`` (without "/T" when
    ``temperature`` is False). Raises ValueError for a font size below ``style.SMALL_SIZE``."""
    if size < style.SMALL_SIZE:
        raise ValueError(f"font size {size} is below the readable minimum {style.SMALL_SIZE}")
    t = "/T" if temperature else ""
    markup = (f"softmax(x)<sub>i</sub> = e<sup>x<sub>i</sub>{t}</sup> / "
              f"Σ<sub>j</sub> e<sup>x<sub>j</sub>{t}</sup>")
    return MarkupText(markup, font=style.FONT, font_size=size, color=theme.text)
