"""ModelSize: both continuations are the checkpoints' own seeded samples; the counts their weights."""

import pytest

import model
from scenes.context import RenderContext
from model.checkpoint import read_card
from model.tokenizer import piece_text
from provenance_check import check_provenance
from scenes import model_size
from scenes.model_size import CHECKPOINTS, N_NEW, ModelSize

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.fixture
def drawn(monkeypatch):
    """What the scene drew: each column's text and parameter count."""
    seen = {}
    original = ModelSize.show_models

    def spy(self):
        original(self)
        seen["texts"] = [b.text for b in self.blocks]
        seen["counts"] = dict(self.counts)
    monkeypatch.setattr(ModelSize, "show_models", spy)
    return seen


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_columns_are_each_checkpoints_seeded_continuation(prompt, tmp_path, drawn):
    prov = still_provenance("ModelSize", tmp_path, prompt)
    assert check_provenance(prov) > 0
    enc = model.get_encoding()
    for c, text in zip(CHECKPOINTS, drawn["texts"]):
        new = model.generate(prompt, N_NEW, temperature=RenderContext.temperature, top_k=RenderContext.top_k,
                             seed=0, checkpoint=c)
        assert text == prompt + "".join(piece_text(enc, t) for t in new)
    # the counts drawn are the trained arrays' sizes (b_U is not one), as on the model card
    card = read_card()["checkpoints"]
    for c in CHECKPOINTS:
        w = model.weights(c)
        assert drawn["counts"][c] == sum(w[k].size for k in model_size.trained_weights(w)) == card[c]["parameters"]
    # one size per weight of each checkpoint drawn, the other one named in the transform
    sizes = [e for e in prov["numbers"] if e["transform"].startswith("size")]
    assert {e["transform"] for e in sizes} == {"size"} | {
        f"size in checkpoint {c}" for c in CHECKPOINTS if c != prov["checkpoint"]}
    for c in CHECKPOINTS:
        how = "size" if c == prov["checkpoint"] else f"size in checkpoint {c}"
        mine = [e for e in sizes if e["transform"] == how]
        assert sum(e["value"] for e in mine) == drawn["counts"][c]
        assert len(mine) == len(model.weights(c)) - 1     # every weight but b_U, once


def test_the_two_checkpoints_differ_in_size_and_quality():
    card = read_card()["checkpoints"]
    small, big = (card[c] for c in CHECKPOINTS)
    assert small["parameters"] < big["parameters"]
    assert small["heldout_prose_bpc"] > big["heldout_prose_bpc"]     # lower is better


def test_strip_shows_what_each_model_gave_each_real_next_token(tmp_path, monkeypatch):
    seen = {}
    original = ModelSize.show_surprise

    def spy(self):
        original(self)
        seen["probs"] = self.strip.probs.copy()
        seen["surprised"] = list(self.strip.surprised)
    monkeypatch.setattr(ModelSize, "show_surprise", spy)
    prov = still_provenance("ModelSize", tmp_path, PROMPTS[1])
    assert check_provenance(prov) > 0
    ids = model.get_encoding().encode(model_size.HELDOUT)
    strip = [e for e in prov["numbers"] if e["transform"] == "softmax(T=1)"]
    assert len(strip) == 2 * (len(ids) - 1)
    for m, c in enumerate(CHECKPOINTS):
        mine = [e for e in strip if e.get("checkpoint", prov["checkpoint"]) == c]
        assert all(e["tokens"] == ids for e in mine)          # the held-out sentence, not the prompt
        assert [tuple(e["index"]) for e in mine] == [(j, ids[j + 1]) for j in range(len(ids) - 1)]
        assert [e["value"] for e in mine] == pytest.approx(list(seen["probs"][m]))
    # the size contrast shows: on most tokens the bigger model expected the real one more
    small, big = seen["probs"]
    assert (big > small).mean() > 0.6 and any(seen["surprised"])
