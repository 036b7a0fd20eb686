"""TextBlock and text_lines: wrapped text that grows run by run, drawn as one image."""
import numpy as np
import pytest
from manim import ManimColor, tempconfig

from scenes import style
from scenes.components.raster import font_em
from scenes.components.raster import HAIR, drawn_width
from scenes.components.text_block import Run, TextBlock, text_lines, wrap

TH = style.THEMES["dark"]   # the palette these tests draw in


@pytest.fixture(autouse=True)
def small_frames():
    with tempconfig({"pixel_height": 480, "pixel_width": 854}):
        yield


def opaque(img) -> int:
    return int((img.pixel_array[:, :, 3] > 0).sum())


def test_wrap_keeps_lines_within_the_width_and_breaks_at_newlines():
    em = font_em(style.SMALL_SIZE)
    text = "Emma smiled at her father, and said that she would\nnever go back " + "x" * 80
    lines = wrap(text, 4.0, em, mono=False)
    assert all(drawn_width(text[a:b].rstrip(), em, pad=HAIR) <= 4.0 for a, b in lines)
    assert "".join(text[a:b].strip() for a, b in lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
    assert text[lines[0][0]:].startswith("Emma")
    assert any(text[a:b].startswith("never") for a, b in lines)           # a newline starts a line


def test_show_draws_only_the_first_runs_and_keeps_the_layout():
    th = TH
    runs = [Run("Emma smiled at her father", th.text)] + [Run(w, th.chosen) for w in (" and", " said", " that")]
    block = TextBlock(runs, 5.0, max_lines=4, shown=1, theme=TH)
    shape, first = block.pixel_array.shape, opaque(block)
    block.show(4)
    assert block.pixel_array.shape == shape and opaque(block) > first   # same image, more ink
    px = block.pixel_array
    inked = px[px[:, :, 3] == 255][:, :3].astype(int)
    chosen = np.round(255 * np.array(ManimColor(th.chosen).to_rgb())).astype(int)
    assert np.any(np.all(np.abs(inked - chosen) <= 2, axis=1))           # the continuation's colour
    block.show(0)
    assert opaque(block) == 0
    anim = block.grow(1, 4, run_time=1.0)
    anim.begin()
    anim.interpolate(0.5)
    assert block.shown_runs == 2
    anim.finish()
    assert block.shown_runs == 4


def test_long_text_shows_its_end_under_an_ellipsis_line():
    th = TH
    block = TextBlock([Run("word " * 200, th.text)], 4.0, max_lines=5, theme=TH)
    assert block.first_line > 0 and block.n_rows == 5
    assert block.lines[-1] == block.lines[block.first_line + 3]


def test_bubble_sits_on_its_side():
    th = TH
    right = TextBlock([Run("Emma", th.text)], 5.0, bubble=(th.neutral, None), align="right", theme=TH)
    cols = np.nonzero(right.pixel_array[:, :, 3].max(axis=0))[0]
    assert cols.min() > right.pixel_array.shape[1] / 2                    # a short message hugs the right


@pytest.mark.parametrize("kwargs", [dict(size=20), dict(width=0), dict(max_lines=1), dict(align="middle")])
def test_text_block_refuses_bad_input(kwargs):
    args = dict(runs=[Run("a", TH.text)], width=3.0) | kwargs
    with pytest.raises(ValueError):
        TextBlock(**args, theme=TH)


def test_text_lines_stack_lines_in_one_image():
    th = TH
    one = text_lines([("small", style.BODY_SIZE, th.text)])
    two = text_lines([([("small", th.text), ("  (this film's model)", th.muted)], style.BODY_SIZE, th.text),
                      ("1,156,864 parameters", style.SMALL_SIZE, th.muted)])
    assert two.height > one.height and two.width > one.width
    with pytest.raises(ValueError):
        text_lines([("tiny", 12, th.text)])
