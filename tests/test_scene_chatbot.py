"""Chatbot: the reply is the model's seeded continuation of the exact framed text."""

import numpy as np
import pytest

import model
from scenes.context import RenderContext
from provenance_check import check_provenance
from scenes.chatbot import (MAX_NEW, MAX_USER_CHARS, Chatbot, framed_prompt,
                            reply_tokens, user_message)

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.fixture
def drawn(monkeypatch):
    seen = {}
    original = Chatbot.write_reply

    def spy(self):
        original(self)
        seen.update(framed=self.framed, message=self.message, reply=list(self.reply),
                    raw=self.raw.text, bubble=self.bot_bubble.text, chances=list(self.chances))
    monkeypatch.setattr(Chatbot, "write_reply", spy)
    return seen


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_reply_is_the_models_continuation_of_the_framed_text(prompt, tmp_path, drawn):
    prov = still_provenance("Chatbot", tmp_path, prompt)
    assert check_provenance(prov) > 0
    enc = model.get_encoding()
    framed = drawn["framed"]
    assert framed == framed_prompt(user_message(prompt))
    ids = enc.encode(framed, allowed_special="all")
    assert len(ids) + MAX_NEW <= 128                        # framing + reply fit the window whole
    new = model.generate(framed, MAX_NEW, temperature=RenderContext.temperature, top_k=RenderContext.top_k, seed=0)
    reply = drawn["reply"]
    assert reply == reply_tokens(new, [enc.decode([t]) for t in new])
    assert 1 <= len(reply) <= MAX_NEW
    assert all("\n" not in enc.decode([t]) for t in reply[:-1])    # stops at the first line break
    # the panel shows exactly the text the model reads, then the reply
    text = enc.decode(reply)
    assert drawn["raw"] == framed + text.replace("\n", "↵")
    assert drawn["bubble"] == text.replace("\n", "").lstrip()
    # one probability per reply token: the chance the sampler saw when it drew that token
    assert prov["tokens"] == ids + reply
    got = [(e["index"], e["value"]) for e in prov["numbers"]]
    assert [i for i, _ in got] == [[len(ids) - 1 + k, t] for k, t in enumerate(reply)]
    for k in (0, len(reply) - 1):
        seen = model.run_tokens(ids + reply[:k])["logits"][-1]
        assert np.isclose(got[k][1], model.sampled_distribution(seen, RenderContext.temperature,
                                                                RenderContext.top_k)[reply[k]], rtol=1e-4)
    assert all(e["transform"] == "softmax(T=0.8, top-k=40)" for e in prov["numbers"])


def test_user_message_keeps_the_end_of_a_long_prompt():
    assert user_message("Emma") == "Emma"
    assert user_message("Emma\n\n  smiled ") == "Emma smiled"
    long = " ".join(f"word{i}" for i in range(60))
    msg = user_message(long)
    assert msg.startswith("…") and long.endswith(msg[1:]) and len(msg) <= MAX_USER_CHARS
    assert msg[1:].split(" ")[0] in long.split(" ")                  # whole words only
    assert user_message("x" * 200).startswith("…") and len(user_message("x" * 200)) <= MAX_USER_CHARS


def test_reply_stops_at_the_first_line_break():
    assert reply_tokens([1, 2, 3, 4], ["a", " b\n", "c", "\n"]) == [1, 2]
    assert reply_tokens([1, 2], ["a", "b"]) == [1, 2]
