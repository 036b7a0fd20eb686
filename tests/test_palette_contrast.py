"""WCAG AA on the palette: every text colour of each theme reaches 4.5:1 on that theme's background,
and the digits written on data (grey) and weight (blue/red) cells reach 4.5:1 on every cell colour
the ramps can produce."""
import numpy as np
import pytest

from scenes import style
from scenes.components.vectors import contrast_text

THEMES = list(style.THEMES.values())
RAMP = np.linspace(0.0, 1.0, 401)


def test_wcag_formula_on_known_pairs():
    assert style.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert style.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert style.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
@pytest.mark.parametrize("field", style.TEXT_FIELDS)
def test_every_text_colour_reads_on_the_background(theme, field):
    ratio = style.contrast_ratio(getattr(theme, field), theme.background)
    assert ratio >= style.AA_CONTRAST, f"{theme.name}.{field}: {ratio:.2f}:1"


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_digits_on_every_grey_data_cell(theme):
    worst = min(style.contrast_ratio(contrast_text(style.data_color(v, 1.0, theme), theme=theme),
                                     style.data_color(v, 1.0, theme)) for v in RAMP)
    assert worst >= style.AA_CONTRAST, f"{theme.name}: {worst:.2f}:1"


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_digits_on_every_weight_cell(theme):
    fills = [style.weight_color(s * v, 1.0, theme) for v in RAMP for s in (1, -1)]
    worst = min(style.contrast_ratio(contrast_text(f, theme=theme), f) for f in fills)
    assert worst >= style.AA_CONTRAST, f"{theme.name}: {worst:.2f}:1"


def test_the_old_choice_would_fail():
    """The test can fail: choosing only between the dark theme's text and background colours
    leaves mid-grey cells (#737373) near 4.2:1."""
    th = style.THEMES["dark"]
    mid = style.data_color(0.1, 1.0, th)
    assert max(style.contrast_ratio(th.text, mid), style.contrast_ratio(th.background, mid)) < style.AA_CONTRAST


@pytest.mark.parametrize("theme", THEMES, ids=lambda t: t.name)
def test_the_shading_word_matches_the_ramp(theme):
    low = style.relative_luminance(style.data_color(0.0, 1.0, theme))
    high = style.relative_luminance(style.data_color(1.0, 1.0, theme))
    assert style.data_shading(theme) == ("lighter" if high > low else "darker")
    assert style.data_shading(style.THEMES["dark"]) == "lighter"
    assert style.data_shading(style.THEMES["light"]) == "darker"
