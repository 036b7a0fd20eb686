"""Tokenization: the boxes hold the tokenizer's own pieces and ids; long prompts fit on screen."""

import pytest
from manim import tempconfig

import model
from scenes import style
from scenes.tokenization import (STRIP_HEIGHT, TEXT_HEIGHT, TEXT_WIDTH, PromptPieces, fitted_strip,
                                 spelled_in_bytes, split_word, without_spaces, word_spans)

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance

TH = style.THEMES["dark"]   # the palette these tests draw in

FRAME_W, FRAME_H = 14.2, 8.0


@pytest.fixture
def frame():
    with tempconfig({"pixel_width": 854, "pixel_height": 480}):
        yield style.THEMES["dark"]


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_tokenization_renders_the_prompts_tokens(prompt, tmp_path):
    prov = still_provenance("Tokenization", tmp_path, prompt)
    assert prov["tokens"] == model.get_encoding().encode(prompt) == model.run(prompt).tokens
    assert prov["numbers"] == []        # ids are the trace's tokens, listed above, not tensor values
    assert (tmp_path / "Tokenization.png").exists()


@pytest.mark.parametrize("prompt", PROMPTS + ["Café 😀 déjà vu", "antidisestablishmentarianism " * 20],
                         ids=["one-token", "medium", "long", "emoji", "long-words"])
def test_strip_holds_the_tokenizers_pieces_and_fits(prompt, frame):
    trace = model.run(prompt)
    ids = model.get_encoding().encode(prompt)[-trace.config["n_ctx"]:]
    strip, k = fitted_strip(trace.pieces, trace.tokens, TH)
    assert strip.ids == ids[:k] == trace.tokens[:k]
    assert strip.pieces == trace.pieces[:k]
    assert strip.height <= STRIP_HEIGHT + 1e-6 and strip.width <= TEXT_WIDTH + 1e-6
    assert strip.size >= style.SMALL_SIZE
    if len(trace.tokens) <= 30:
        assert k == len(trace.tokens)               # a short prompt is shown whole
    text = PromptPieces(trace.pieces, tinted=True, theme=TH)
    assert text.height <= TEXT_HEIGHT + 1e-6 and text.width <= TEXT_WIDTH + 1e-6
    assert text.size >= style.SMALL_SIZE
    if prompt == PROMPTS[2]:
        assert text.n_shown == len(trace.tokens)    # 120 tokens all fit, wrapped at the small size


def test_word_spans_cover_every_token_once():
    for prompt in PROMPTS + ["Café 😀 déjà vu"]:
        tokens = model.run(prompt).tokens
        spans = word_spans(prompt, tokens)
        assert [a for a, _ in spans] == [0] + [b for _, b in spans[:-1]]
        assert spans[-1][1] == len(tokens)


def test_the_split_word_is_the_tokenizers():
    enc = model.get_encoding()
    prompt = "Emma smiled at her father and said that she would"
    tokens = enc.encode(prompt)
    a, b = split_word(prompt, tokens)
    assert enc.decode(tokens[a:b]) == " smiled" and b - a == len(enc.encode(" smiled")) == 2
    assert split_word(PROMPTS[1], model.run(PROMPTS[1]).tokens) is None   # every word whole
    emoji = "Café 😀 déjà vu"
    tokens = enc.encode(emoji)
    a, b = split_word(emoji, tokens)
    assert enc.decode(tokens[a:b]) == " déjà"
    runs = spelled_in_bytes(tokens, a, b)
    assert [r[2] for r in runs] == ["é", "à"]
    assert all(j - i == 2 for i, j, _ in runs)


def test_characters_spelled_from_bytes_are_drawn_whole_one_stripe_per_token():
    prompt = "我喜欢读书，也喜欢写字。"
    tokens = model.get_encoding().encode(prompt)
    runs = spelled_in_bytes(tokens, 0, len(tokens))
    assert "".join(chars for _, _, chars in runs) == prompt        # every character, from its bytes
    assert sum(j - i for i, j, _ in runs) == len(tokens) == 36
    assert without_spaces(prompt) and not without_spaces("The cat sat")
    parts = [j - i for i, j, _ in runs]
    text = PromptPieces([c for _, _, c in runs], tinted=True, parts=parts, theme=TH)
    assert text.n_shown == len(runs)
    with pytest.raises(ValueError):
        PromptPieces(["a", "b"], tinted=True, parts=[1], theme=TH)


def test_a_character_spelled_from_bytes_counts_as_cut():
    """Review 3: for "ok 🙂" slide 5 said "No word here is cut in pieces" while 🙂 was 4 byte
    tokens. A character split into byte tokens is cut; a word with a letter still comes first."""
    enc = model.get_encoding()
    tokens = enc.encode("ok 🙂")
    a, b = split_word("ok 🙂", tokens)
    assert enc.decode(tokens[a:b]) == "🙂" and b - a == 4       # its bytes, not the space before
    assert split_word("The cat sat on the mat because it was",
                      enc.encode("The cat sat on the mat because it was")) is None
    zh = "我喜欢读书，也喜欢写字。"
    a, b = split_word(zh, enc.encode(zh))
    assert enc.decode(enc.encode(zh)[a:b]) == "我喜欢读书"


@pytest.mark.parametrize("prompt", ["ok 🙂", "我喜欢读书，也喜欢写字。", "The cat sat on the mat because it was",
                                    "Emma smiled at her father, and said that she would"])
def test_the_split_slide_is_true_of_the_prompt(prompt):
    """Slide 5 says "nothing is cut" only when every token of the strip is a whole word or a
    whole character; otherwise it names what is cut, in as many tokens as it took."""
    from layout_check import slide_ends
    from scenes.context import RenderContext
    slides = slide_ends("Tokenization", RenderContext(prompt=prompt, narration="none"))
    texts, notes = slides[4]
    enc = model.get_encoding()
    cut = any(len(enc.encode(ch)) > 1 for ch in prompt) or split_word(prompt, enc.encode(prompt))
    said = " ".join(texts) + " " + notes
    assert ("No word here is cut" in said or "each have their own token" in said) == (not cut), said
    notes3 = slides[2][1]
    assert "“father” is 2 tokens" in notes3 and "'" not in notes3      # quoted as the film quotes
    if prompt == "ok 🙂":
        assert "one character, 4 tokens" in said and "🙂" in notes
