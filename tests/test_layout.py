"""Layout checked by machine (issue 11, item 5) and every script readable (item 6).

The sweep builds every scene of the film for prompts of different lengths and scripts in Manim's
still mode and checks the screen after every animation and at every slide end
(tests/layout_check.py): no text over other text, no line, arrow or dot through a text, no text
cut off inside its image, nothing outside the frame. It is marked ``layout_sweep`` (runs by
default; see the report for its time on 2 cores: `-m "not layout_sweep"` leaves it out).
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from layout_check import EPS, Probe, check_scene, overlaps

import scenes
from scenes.context import RenderContext

SHORT = "Emma"
LONG = ("It was a truth universally acknowledged that a single man in possession of a good fortune "
        "must be in want of a wife. However little known the feelings or views of such a man may "
        "be on his first entering a neighbourhood, this truth is so well fixed in the minds of the "
        "surrounding families, that he is considered as the rightful property of some one or other "
        "of their daughters. My dear Mr. Bennet, said his lady to him one day, have you heard that "
        "Netherfield Park is let at last? Mr. Bennet replied that he had not, and she told him that it")
CHINESE = "我喜欢读书，也喜欢写字。"
PROMPTS = {"short": SHORT, "long": LONG, "chinese": CHINESE}
# the issue's own cases, for the scenes where they were seen
EXTRA = [("PredictSample", "He looked at Emma and he spoke with great"),
         ("DataFlow", "He looked at Emma and he spoke with great"),
         ("DataFlow", None), ("MLP", None),
         # long tokens ("␣satisfaction") once ran off the left edge / shrank their bar labels
         ("Softmax", "He looked at Emma and he spoke with great"),
         ("Temperature", "He looked at Emma and he spoke with great")]

# Layout defects still open, by (scene, prompt name): the sweep expects them to fail (strict, so
# a fix shows up as an unexpected pass and the entry must go).
KNOWN: dict[tuple[str, str], str] = {}


def test_long_prompt_is_near_the_context_limit():
    import model
    t = model.run(LONG)
    assert t.config["n_ctx"] - 10 <= len(t.tokens) <= t.config["n_ctx"]


def _cases():
    for prompt in PROMPTS:
        for name in scenes.scene_names():
            marks = [pytest.mark.layout_sweep]
            if (name, prompt) in KNOWN:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[(name, prompt)]))
            yield pytest.param(name, prompt, id=f"{name}-{prompt}", marks=marks)


def _check(name, text):
    ctx = RenderContext(narration="none") if text is None else RenderContext(prompt=text, narration="none")
    problems, checks = check_scene(name, ctx)
    # the probe ran: every scene shows at least its opening, one slide's end and its last frame
    # (ContextFlow with a one-word prompt plays four screens in all)
    assert checks >= 3, f"{name}: only {checks} screens checked"
    assert not problems, "\n".join(str(p) for p in problems)


@pytest.mark.parametrize("name,prompt", list(_cases()))
def test_layout(name, prompt):
    _check(name, PROMPTS[prompt])


@pytest.mark.layout_sweep
@pytest.mark.parametrize("name,text", EXTRA)
def test_layout_of_the_issue_cases(name, text):
    _check(name, text)


# --- the checker itself must be able to fail ------------------------------------------------------

def _screen_with(*mobs):
    """A minimal scene-like object holding ``mobs`` (a 2-D camera, no time)."""
    from manim import Camera

    class Screen:
        mobjects = list(mobs)
        camera = Camera()

        def get_mobject_family_members(self):
            return [m for mob in self.mobjects for m in mob.get_family()]

        class renderer:
            time = 0.0
    return Screen()


def test_probe_finds_text_over_text_and_off_frame():
    from manim import LEFT, Text

    from scenes.components.text_image import text_image
    a = Text("overlapping", font_size=30)
    b = text_image("text image", color="#FFFFFF").move_to(a)
    far = Text("gone", font_size=30).move_to(LEFT * 7.3)
    probe = Probe("Fake")
    probe(_screen_with(a, b, far), "pause")
    kinds = {(p.kind, p.what) for p in probe.problems}
    assert ("overlap", "'overlapping' over 'text image'") in kinds
    assert ("off-frame", "gone") in kinds


def test_probe_finds_a_dot_on_a_label_and_ignores_hidden_text():
    from manim import Dot, Text
    word = Text("label", font_size=30)
    hidden = Text("hidden", font_size=30).set_opacity(0)
    probe = Probe("Fake")
    probe(_screen_with(word, hidden, Dot(word.get_center())), "play")
    assert [p.kind for p in probe.problems] == ["mark over text"]


def test_probe_finds_a_label_cut_by_hand_and_one_missing_from_the_notes():
    from manim import DOWN, Text

    from scenes.components.raster import forget_shortened, shorten
    from scenes.components.text_image import text_image
    forget_shortened()
    by_hand = Text("satisfac…", font_size=30)
    cut = shorten("He looked at Emma and he spoke", 12)
    assert cut == "He looked…"
    made = text_image(cut, color="#FFFFFF").next_to(by_hand, DOWN)
    elision = Text("token id 0 … 8191", font_size=30).next_to(made, DOWN)
    screen = _screen_with(by_hand, made, elision)
    screen.notes = "Notes without the label."
    probe = Probe("Fake")
    probe(screen, "pause")
    kinds = {(p.kind, p.what) for p in probe.problems}
    assert kinds == {("cut by hand", "satisfac…"),
                     ("cut, not in the notes", "'He looked…' of 'He looked at Emma and he spoke'")}


def test_notes_give_each_cut_label_on_screen_in_full():
    from manim import Text

    from scenes.components.raster import forget_shortened, shorten, shortened
    from scenes.on_screen import cut_labels, texts_on_screen, with_full_labels
    forget_shortened()
    shown = shorten(["␣satis", "faction", "␣and"], 8)
    hidden = shorten("a label that faded away", 8)
    screen = _screen_with(Text(f"{shown} looks at:", font_size=30),
                          Text(hidden, font_size=30).set_opacity(0))
    cut = cut_labels(texts_on_screen(screen), shortened())
    assert cut == [("␣satis…", "␣satisfaction␣and")]
    notes = with_full_labels("What the head reads.", cut)
    assert notes == "What the head reads. Cut short on screen: “␣satis…” is “␣satisfaction␣and”."
    assert with_full_labels("Same.", []) == "Same."


def test_a_cut_keeps_whole_words_or_tokens():
    from layout_check import at_boundary
    words = ("Emma ", "smiled ", "and")
    assert at_boundary("Emma smiled…", words) and at_boundary("…smiled and", words)
    assert not at_boundary("Emma smi…", words)
    assert at_boundary("␣satisf…", ("␣satisfaction",))       # one token too long: cut inside it
    assert not at_boundary("␣dog…", ("␣satisfaction",))


def test_side_by_side_texts_do_not_overlap():
    from manim import RIGHT, Text
    a = Text("left", font_size=30)
    b = Text("right", font_size=30).next_to(a, RIGHT, buff=2 * EPS)
    from layout_check import text_boxes
    assert overlaps(text_boxes(_screen_with(a, b))) == []


# --- every script readable ---------------------------------------------------------------------

def _tofu_free_glyphs(text: str, em: float = 0.5):
    """Each character of ``text`` drawn alone by the raster font stack, and the primary font's
    empty box (what a missing glyph looks like), as alpha arrays."""
    from scenes.components.fonts import font_files, font_stack
    from PIL import Image, ImageDraw, ImageFont
    stack = font_stack(48, mono=False)
    tofu_font = ImageFont.truetype(font_files(False)[0], 48)

    def draw(ch, with_stack=True):
        img = Image.new("L", (80, 80), 0)
        d = ImageDraw.Draw(img)
        if with_stack:
            stack.draw(d, (40, 40), ch, fill=255, anchor="mm")
        else:
            d.text((40, 40), ch, font=tofu_font, fill=255, anchor="mm")
        return np.asarray(img)
    return [(ch, draw(ch)) for ch in text if not ch.isspace()], draw("\U0010FFFF", with_stack=False)


def test_every_character_of_a_cjk_prompt_has_a_glyph():
    glyphs, tofu = _tofu_free_glyphs(CHINESE + "Émma ✓ 😀")
    for ch, a in glyphs:
        assert a.max() > 0, f"{ch!r} drew nothing"
        assert not np.array_equal(a, tofu), f"{ch!r} drew the empty box"


@pytest.mark.parametrize("scene", ["Tokenization", "DataFlow"])
def test_cjk_prompt_draws_its_characters_in_raster_text(scene):
    """Every text drawn into an image while the scene runs, for the Chinese prompt: no character
    of the prompt falls back to the empty box, and the prompt's characters appear."""
    from scenes.components import fonts
    seen: list[str] = []
    stock = fonts.FontStack.draw

    def draw(self, d, xy, s, fill, anchor="la"):
        seen.append(s)
        for ch in s:
            if not ch.isspace():
                k = self.font_index(ch)
                assert fonts.has_glyph(self.files[k], ch), f"{ch!r} has no glyph in {scene}"
        return stock(self, d, xy, s, fill, anchor)

    fonts.FontStack.draw = draw
    try:
        check_scene(scene, RenderContext(prompt=CHINESE, narration="none"))
    finally:
        fonts.FontStack.draw = stock
    drawn = "".join(seen)
    assert any(ch in drawn for ch in "我喜欢读书写字")


@pytest.mark.parametrize("scene", ["DataFlow", "WeightsAndData", "Tokenization"])
def test_captions_and_notes_never_show_a_repr(scene, monkeypatch):
    """Captions (``say``) and speaker notes (``pause``) of a CJK prompt name tokens readably: no
    Python repr of an escaped string ('\\\\x82', "'\\x82'")."""
    from scenes.base import ExplainerBase
    said: list[str] = []
    monkeypatch.setattr(ExplainerBase, "say", lambda self, text, duration=None: said.append(text))
    stock_pause = ExplainerBase.pause

    def pause(self, notes):
        said.append(notes)
        return stock_pause(self, notes)
    monkeypatch.setattr(ExplainerBase, "pause", pause)
    check_scene(scene, RenderContext(prompt=CHINESE, narration="none"))
    assert said
    for text in said:
        assert "\\\\x" not in text, text
        assert not re.search(r"'\\x[0-9a-f]{2}", text), text
