"""The visual grammar, in one place: weights blue/red, data grey, one accent per role.

Two themes: ``dark`` (default) and ``light`` for washed-out classroom projectors. A scene looks
its ``Theme`` up once (``THEMES[context.theme]``, in ``ExplainerBase.setup``) and passes it on:
every component takes ``theme=`` and the colour helpers below take it as an argument, so no
module holds "the current theme" and components never hard-code a colour.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from manim import ManimColor, interpolate_color


@dataclass(frozen=True)
class Theme:
    name: str
    background: ManimColor
    text: ManimColor          # titles, labels
    muted: ManimColor         # axes, captions, ellipses
    neutral: ManimColor       # a weight of zero, an empty cell
    positive: ManimColor      # a large positive weight
    negative: ManimColor      # a large negative weight
    data_low: ManimColor      # a data value near zero
    data_high: ManimColor     # a large data value (either sign)
    query: ManimColor
    key: ManimColor
    value: ManimColor
    chosen: ManimColor        # the sampled / selected token, and nothing else


# The Theme fields drawn as text on the theme's background (each must reach AA_CONTRAST there).
TEXT_FIELDS = ("text", "muted", "positive", "negative", "query", "key", "value", "chosen")
AA_CONTRAST = 4.5    # WCAG 2 level AA for normal text


THEMES = {
    "dark": Theme(
        name="dark", background=ManimColor("#0f1117"), text=ManimColor("#f2f2f2"),
        muted=ManimColor("#9a9a9a"), neutral=ManimColor("#2a2d35"),
        positive=ManimColor("#4aa8ff"), negative=ManimColor("#ff5a4e"),
        data_low=ManimColor("#3a3a3a"), data_high=ManimColor("#f0f0f0"),
        query=ManimColor("#f5c542"), key=ManimColor("#3ed6a0"), value=ManimColor("#c77dff"),
        chosen=ManimColor("#ff9f1c"),
    ),
    "light": Theme(
        name="light", background=ManimColor("#ffffff"), text=ManimColor("#111111"),
        muted=ManimColor("#555555"), neutral=ManimColor("#e4e4e4"),
        positive=ManimColor("#0a5bd6"), negative=ManimColor("#d1231b"),
        data_low=ManimColor("#d6d6d6"), data_high=ManimColor("#202020"),
        query=ManimColor("#8f6b00"), key=ManimColor("#007a53"), value=ManimColor("#8a2be2"),
        chosen=ManimColor("#b35900"),
    ),
}



def theme_named(name: str) -> Theme:
    """The palette called ``name`` (``"dark"`` or ``"light"``). Raises ValueError for another name."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; choose from {', '.join(THEMES)}")
    return THEMES[name]


def relative_luminance(color) -> float:
    """WCAG 2's relative luminance of ``color`` (0 = black, 1 = white), from linearised sRGB."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(float(c)) for c in ManimColor(color).to_rgb())
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a, b) -> float:
    """WCAG 2's contrast ratio of two colours, 1 (same) to 21 (black on white)."""
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def ink_on(fill, theme: Theme) -> ManimColor:
    """The colour to write on a cell of ``fill``: the theme's text or background colour, whichever
    contrasts more; pure white or black when neither reaches ``AA_CONTRAST`` (on mid greys). Any
    fill gets at least 4.58:1 (the worst case, a fill equally far from white and black)."""
    best = max((theme.text, theme.background), key=lambda c: contrast_ratio(c, fill))
    if contrast_ratio(best, fill) >= AA_CONTRAST:
        return best
    return max((ManimColor("#ffffff"), ManimColor("#000000")), key=lambda c: contrast_ratio(c, fill))


def data_shading(theme: Theme) -> str:
    """How a bigger data value looks in ``theme``: "lighter" when data_high is lighter than data_low
    (the dark theme), else "darker" (the light theme). For legends like "lighter cell = higher score"."""
    return "lighter" if relative_luminance(theme.data_high) > relative_luminance(theme.data_low) else "darker"


def _strength(value: float, vmax: float) -> float:
    """|value| / vmax in [0, 1], on a square-root curve so small values stay visible."""
    if not (math.isfinite(value) and math.isfinite(vmax)) or vmax <= 0:
        raise ValueError(f"need finite value and vmax > 0, got {value!r}, {vmax!r}")
    return math.sqrt(min(1.0, abs(value) / vmax))


def weight_color(value: float, vmax: float, theme: Theme) -> ManimColor:
    """A learned parameter: blue if positive, red if negative, brighter with |value|, in ``theme``.
    Raises ValueError unless ``value`` and ``vmax`` are finite and ``vmax`` > 0."""
    t = theme
    end = t.positive if value >= 0 else t.negative
    return interpolate_color(t.neutral, end, _strength(value, vmax))


def data_color(value: float, vmax: float, theme: Theme) -> ManimColor:
    """An activation: grey, further from the background with |value|, the same for both signs, in
    ``theme``. Raises ValueError unless ``value`` and ``vmax`` are finite and ``vmax`` > 0."""
    t = theme
    return interpolate_color(t.data_low, t.data_high, _strength(value, vmax))


# Sizes that stay readable at 854x480 (frame height 8 units = 480 px, so 1 unit = 60 px).
# Measured: "Hg" in DejaVu Sans is 20.3 px tall at font size 26, 31.2 px at 40.
FONT = "DejaVu Sans"
MONO = "DejaVu Sans Mono"
TITLE_SIZE = 40
BODY_SIZE = 30
SMALL_SIZE = 26     # the smallest text we draw: ~20 px at 480p
