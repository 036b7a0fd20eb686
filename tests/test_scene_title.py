"""Title: the parameter count drawn is the model's own, summed over its weights."""

import pytest

import model
from model.checkpoint import read_card
from provenance_check import check_provenance
from scenes.title import corpus_sources, parameter_count

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_title_counts_every_parameter(prompt, tmp_path):
    prov = still_provenance("Title", tmp_path, prompt)
    assert check_provenance(prov) > 0
    weights = model.weights()
    assert {e["transform"] for e in prov["numbers"]} == {"size"}
    assert all(e["index"] == [] for e in prov["numbers"])
    counted = [e["source"] for e in prov["numbers"]]
    assert sorted(counted) == sorted(k for k in weights if k != "b_U")   # each weight once
    assert sum(e["value"] for e in prov["numbers"]) == read_card()["checkpoints"]["default"]["parameters"]
    assert (tmp_path / "Title.png").exists()


@pytest.mark.parametrize("checkpoint", ["default", "small"])
def test_parameter_count_matches_the_model_card(checkpoint):
    total, names = parameter_count(model.weights(checkpoint))
    assert "b_U" not in names and not model.weights(checkpoint)["b_U"].any()   # a zero stand-in
    assert total == read_card()["checkpoints"][checkpoint]["parameters"]


def test_the_corpus_named_is_the_model_cards():
    sources = " ".join(corpus_sources(read_card()))
    for name in ("Austen", "World English Bible", "WordNet"):
        assert name in sources
    assert "Debian" not in sources
