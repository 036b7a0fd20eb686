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
        # as the column draws it: a line break as "↵" (model_size.running)
        assert text == prompt + "".join(model_size.running([piece_text(enc, t) for t in new], prompt))
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


# --- --compare: any two checkpoints side by side ---------------------------------------------
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from gpt2_folder import write_gpt2_folder  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny random GPT-2 folder (its own 400-token tokenizer, no model card)."""
    return write_gpt2_folder(tmp_path_factory.mktemp("gpt2") / "tiny")


@pytest.fixture
def seen(monkeypatch):
    """What the scene measured, drew and said (a still says nothing aloud: the lines are kept)."""
    out = {"said": []}
    monkeypatch.setattr(ModelSize, "say", lambda self, text, duration=None: out["said"].append(text))
    original = ModelSize.show_surprise

    def spy(self):
        original(self)
        out.update(models=list(self.models), counts=dict(self.counts), bpc=dict(self.bpc),
                   texts=[b.text for b in self.blocks], per_word=self.per_word,
                   probs=self.strip.probs.copy(), title=self.title_text, from_card=self.bpc_from_card)
    monkeypatch.setattr(ModelSize, "show_surprise", spy)
    return out


def _continuation(c, prompt):
    enc = model.get_encoding(c)
    new = RenderContext(prompt=prompt).sample(prompt, N_NEW, checkpoint=c)   # the film's sampling rule
    # as the column draws it: a line break as "↵" (model_size.running)
    return prompt + "".join(model_size.running([piece_text(enc, t) for t in new], prompt))


def test_compare_with_a_snapshot_sets_it_beside_the_films_checkpoint(tmp_path, seen):
    prompt = PROMPTS[1]
    prov = still_provenance("ModelSize", tmp_path, prompt, checkpoint="small", compare="small@step0")
    assert check_provenance(prov) > 0
    # the same size: the more surprised (random) one on the left
    assert seen["models"] == ["small@step0", "small"]
    assert seen["counts"]["small@step0"] == seen["counts"]["small"]
    assert seen["title"] == "Same size, different weights"
    assert seen["texts"] == [_continuation(c, prompt) for c in seen["models"]]
    # both have a model card: its bits per character, recorded under each checkpoint's name
    card = {e.get("checkpoint", prov["checkpoint"]): e["value"]
            for e in prov["numbers"] if e["source"] == "heldout_prose_bpc"}
    assert seen["from_card"] and card == {"small@step0": 3.1043, "small": 1.9512}
    assert any(e["transform"] == "size in checkpoint small@step0" for e in prov["numbers"])
    steps = [e for e in prov["numbers"] if e["source"] == "step"]
    assert [(e.get("checkpoint", prov["checkpoint"]), e["value"]) for e in steps] == [("small@step0", 0.0)]
    # one tokenizer: the per-token strip
    assert not seen["per_word"] and seen["probs"].shape[1] == len(model.get_encoding().encode(model_size.HELDOUT)) - 1
    assert not any("holds a thought" in s for s in seen["said"])
    assert any("small is less surprised" in s for s in seen["said"])


def test_compare_with_a_gpt2_folder(tiny, tmp_path, seen):
    prompt = "The ship left the harbour at dawn and"
    prov = still_provenance("ModelSize", tmp_path, prompt, compare=str(tiny))
    assert check_provenance(prov) > 0
    assert seen["models"] == [str(tiny), "default"]              # fewer parameters left
    assert seen["texts"] == [_continuation(c, prompt) for c in seen["models"]]   # each its own tokens
    w = model.weights(str(tiny))
    assert seen["counts"][str(tiny)] == sum(w[k].size for k in w if k not in ("b_U", "W_U"))   # tied: once
    # no card for a folder: bits per character measured on the held-out sentence, by each model
    assert not seen["from_card"]
    bpc = [e for e in prov["numbers"] if e["transform"] == "bits per character of the tokens"]
    assert {e.get("checkpoint", prov["checkpoint"]) for e in bpc} == {str(tiny), "default"}
    for e in bpc:
        c = e.get("checkpoint", prov["checkpoint"])
        enc = model.get_encoding(c)
        ids = enc.encode(model_size.HELDOUT)
        assert e["tokens"] == ids
        logits = model.run_tokens(ids, c)["logits"]
        bits = -sum(np.log2(model.softmax(logits[j], 1.0)[ids[j + 1]]) for j in range(len(ids) - 1))
        first = enc.decode(ids[:1])            # the one token not predicted
        assert e["value"] == pytest.approx(bits / (len(model_size.HELDOUT) - len(first)))
        assert seen["bpc"][c] == e["value"]
    assert seen["bpc"]["default"] < seen["bpc"][str(tiny)]       # a random model is worse
    assert seen["title"] == "Bigger model, better text"
    # two tokenizers: one row per whole word after the first, each the product of its tokens'
    assert seen["per_word"]
    words = model_size.HELDOUT.split(" ")[1:]
    assert seen["probs"].shape == (2, len(words))
    spans = [e for e in prov["numbers"] if e["transform"].startswith("probability of tokens")]
    assert len(spans) == 2 * len(words)
    for m, c in enumerate(seen["models"]):
        mine = [e["value"] for e in spans if e.get("checkpoint", prov["checkpoint"]) == c]
        assert mine == pytest.approx(list(seen["probs"][m]))
    assert any("whole" in s or "Word by word" in s for s in seen["said"])


def test_sentences_follow_the_numbers_when_the_bigger_model_is_worse(tmp_path, seen, tmp_path_factory):
    """A random GPT-2 bigger than ``small``: nobody says the bigger one holds a thought."""
    big = write_gpt2_folder(tmp_path_factory.mktemp("gpt2big") / "random-big", n_layer=6, n_head=4, n_embd=128)
    prov = still_provenance("ModelSize", tmp_path, PROMPTS[1], checkpoint="small", compare=str(big))
    assert check_provenance(prov) > 0
    assert seen["models"] == ["small", str(big)] and seen["bpc"]["small"] < seen["bpc"][str(big)]
    assert seen["title"] == "Two models, side by side"
    assert not any("holds a thought" in s for s in seen["said"])
    assert any("the smaller model, small, is the less surprised" in s for s in seen["said"])


def test_compare_is_in_the_cache_key_of_model_size_only(tiny, tmp_path):
    import shutil

    from pipeline.many import scene_key
    copy = tmp_path / "copy"
    shutil.copytree(tiny, copy)
    base = RenderContext(prompt="Emma")
    assert "compare" not in base.picture_options()          # old keys stay as they were
    keys = {c: scene_key("ModelSize", base.with_(compare=c))[0] for c in (None, "small@step0", str(copy))}
    assert len(set(keys.values())) == 3
    assert scene_key("Softmax", base.with_(compare=str(copy)))[0] == scene_key("Softmax", base)[0]
    weights = copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes() + b" ")          # the folder's files are in the key
    assert scene_key("ModelSize", base.with_(compare=str(copy)))[0] != keys[str(copy)]


def test_word_groups_join_tokens_into_words():
    enc = model.get_encoding()
    text = "With the Gardiners, they"
    ids = enc.encode(text)
    groups = model_size.word_groups(enc, ids, text)
    assert [enc.decode(ids[a: b + 1]) for a, b in groups] == ["With", " the", " Gardiners,", " they"]
    # only shared boundaries start a word: without the one before " the", two words are one
    starts = model_size.token_starts(enc, ids) - {4}
    assert [enc.decode(ids[a: b + 1]) for a, b in model_size.word_groups(enc, ids, text, starts)] == \
        ["With the", " Gardiners,", " they"]
