"""ContextFlow: one token's vector in two texts (the prompt, and the token after only the first
one); the cosine drawn at every layer is two real forward passes', and what is said follows it.

Rewritten for issue 11: the scene no longer repeats DataFlow's vector row nor draws the cosine
with its own start or with earlier tokens (the behaviour the old test pinned)."""

import numpy as np
import pytest

import model
from model.atlas import cosine, word_like
from provenance_check import check_provenance
from scenes.context_flow import MAX_STRIP, control_tokens, pick_token, stages

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_context_flow_compares_one_token_in_two_texts(prompt, tmp_path):
    prov = still_provenance("ContextFlow", tmp_path, prompt, narration="none")
    trace = model.run(prompt)
    T = len(trace.tokens)
    if T == 1:        # nothing before the only token: a note, no numbers
        assert prov["numbers"] == []
        return
    assert check_provenance(prov) > 0      # the control text's numbers are run again too
    pos = pick_token(trace, "default")
    other = control_tokens(trace.tokens, pos)
    names = stages(trace.config["n_layer"])
    sims = [e for e in prov["numbers"] if e.get("transform", "").startswith("cosine with position")]
    assert [e["source"] for e in sims] == names
    assert all(e["index"] == [pos] for e in sims)
    assert {e["transform"] for e in sims} == {
        f"cosine with position {len(other) - 1} of tokens {','.join(map(str, other))}"}
    b = model.run_tokens(other)
    for e, st in zip(sims, names):
        assert e["value"] == pytest.approx(cosine(trace[st][pos], b[st][len(other) - 1]), abs=1e-6)
    # the two final vectors: A from the prompt, B from the control text (its own tokens)
    plain = [e for e in prov["numbers"] if "transform" not in e]
    assert {tuple(e.get("tokens", prov["tokens"])) for e in plain} == {tuple(trace.tokens), tuple(other)}


def test_the_followed_token_is_the_word_its_context_changed_most():
    prompt = "The cat sat on the mat because it was"
    trace = model.run(prompt)
    pos = pick_token(trace, "default")
    last = stages(trace.config["n_layer"])[-1]
    final = {}
    for p in range(2, len(trace.tokens)):
        if word_like(trace.pieces[p]):
            b = model.run_tokens([trace.tokens[0], trace.tokens[p]])
            final[p] = cosine(trace[last][p], b[last][1])
    assert pos == min(final, key=final.get)
    assert len(trace.tokens) <= MAX_STRIP


def test_what_is_said_follows_the_numbers():
    from pipeline.timeline import caption_timeline
    from scenes.context import RenderContext
    prompt = "The cat sat on the mat because it was"
    lines = [t for _, t in caption_timeline("ContextFlow", RenderContext(prompt=prompt, narration="none", token=8)).lines]
    said = " ".join(lines)
    trace = model.run(prompt)
    b = model.run_tokens(control_tokens(trace.tokens, 7))
    sims = [cosine(trace[s][7], b[s][1]) for s in stages(trace.config["n_layer"])]
    assert "“it”" in said and f"{sims[0]:.2f}" in said
    low = int(np.argmin(sims[1:])) + 1
    if sims[0] - sims[low] >= 0.05:
        assert f"After layer {low} it is {sims[low]:.2f}" in said and "changed its vector." in said
    else:
        assert "changed its vector." not in said


def test_a_token_past_the_prompt_is_refused(tmp_path):
    with pytest.raises(ValueError, match="token 5 is out of range"):
        still_provenance("ContextFlow", tmp_path, "Emma smiled", token=5, narration="none")


ZH = "我喜欢读书，也喜欢写字。"     # every token is one byte of a character
EMOJI = "ok 🙂"                       # two whole tokens, then the four bytes of 🙂


def said_and_noted(prompt: str, monkeypatch, **options) -> str:
    """Every caption and slide note of the scene for ``prompt``, as one text."""
    import scenes.base as base
    from pipeline.timeline import caption_timeline
    from scenes.context import RenderContext
    notes = []
    close = base.close_slide_with_notes
    monkeypatch.setattr(base, "close_slide_with_notes", lambda scene, n: (notes.append(n), close(scene, n)))
    lines = [t for _, t in caption_timeline("ContextFlow", RenderContext(prompt=prompt, narration="none",
                                                                         **options)).lines]
    return " ".join(lines + notes)


def test_a_whole_token_is_followed_when_the_prompt_has_one():
    """A word after a character's bytes is followed; a lone space is not worth following: “ok 🙂”
    follows 🙂's last byte (position 5, the whole character read), not the space (position 1)."""
    from model.tokenizer import char_parts
    trace = model.run(EMOJI)
    parts = char_parts(model.get_encoding(), trace.tokens)
    assert parts[2:] and all(p is not None for p in parts[2:])
    assert trace.pieces[1] == " " and pick_token(trace, "default") == 5
    trace = model.run(EMOJI + " yes")
    assert trace.pieces[pick_token(trace, "default")] == " yes"


def test_a_byte_is_followed_only_when_nothing_is_whole_and_then_a_characters_last_byte():
    from model.tokenizer import char_parts
    trace = model.run(ZH)
    parts = char_parts(model.get_encoding(), trace.tokens)
    assert all(p is not None for p in parts)
    chars, _, last, n = parts[pick_token(trace, "default")]
    assert chars and last == n


@pytest.mark.parametrize("prompt", [ZH, EMOJI])
def test_captions_and_notes_never_name_a_token_by_its_bytes(prompt, monkeypatch):
    said = said_and_noted(prompt, monkeypatch)
    assert "\\x" not in said
    if prompt == ZH:      # the followed byte is named by its character: “byte 3 of 3 of “。””
        assert "byte 3 of 3 of “" in said and "after only byte 1 of 3 of “我”" in said


def test_one_token_after_the_followed_one_is_said_in_the_singular(monkeypatch):
    said = said_and_noted(EMOJI, monkeypatch, token=5)
    assert "The 1 token after it cannot reach it (the causal mask), so it is not shown." in said
    assert "byte 3 of 4 of “🙂”" in said and "\\x" not in said      # --token follows a byte, named
    said = said_and_noted(EMOJI, monkeypatch, token=4)
    assert "The 2 tokens after it cannot reach it (the causal mask), so they are not shown." in said
