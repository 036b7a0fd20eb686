"""EmbeddingSpace: the cloud is W_E through PCA, neighbours are by cosine, the direction is measured."""

import numpy as np
import pytest

import model
from model import atlas
from provenance_check import check_provenance
from scenes.embedding_space import N_NEIGHBOURS, N_PAIRS, PCA

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_embedding_space_draws_the_models_geometry(prompt, tmp_path):
    prov = still_provenance("EmbeddingSpace", tmp_path, prompt)
    assert check_provenance(prov) > 0
    trace = model.run(prompt)
    by = {}
    for e in prov["numbers"]:
        by.setdefault(e.get("transform"), []).append(e)
    placed = {e["index"][0] for e in by[PCA]}
    # the whole cloud of frequent words and every prompt token (up to the last 8 distinct ones)
    assert set(atlas.frequent_word_ids()) <= placed
    distinct = list(dict.fromkeys(trace.tokens))
    assert set(distinct[-8:]) <= placed
    assert all(len([e for e in by[PCA] if e["index"][0] == t]) >= 3 for t in placed)
    # neighbours: the top cosines of one token among all word-like tokens, best first
    cos = [k for k in by if k and k.startswith("cosine with row")]
    assert len(cos) == 1
    focus = int(cos[0].rsplit(" ", 1)[1])
    want = atlas.nearest(focus, N_NEIGHBOURS)
    assert [e["index"][0] for e in by[cos[0]]] == [t for t, _ in want]
    values = [e["value"] for e in by[cos[0]]]
    assert values == sorted(values, reverse=True)
    # the direction's number line: both words of each pair shown
    along = [k for k in by if k and k.startswith("along row")]
    assert len(along) == 1
    d = atlas.measured_direction()
    assert along[0] == f"along row {d.b} minus row {d.a}"
    assert {e["index"][0] for e in by[along[0]]} == {t for p in d.others[:N_PAIRS] for t in p}


def test_the_measured_direction_separates_what_the_scene_says():
    d = atlas.measured_direction()
    w = model.weights()["W_E"].astype(np.float64)
    u = (w[d.b] - w[d.a]) / np.linalg.norm(w[d.b] - w[d.a])
    assert d.separated == sum(w[f] @ u > w[m] @ u for m, f in d.others)
    assert d.separated >= 0.75 * len(d.others)   # the shipped model does learn the direction


def test_pca_is_fitted_on_the_frequent_words_only():
    w = model.weights()["W_E"]
    ids = atlas.frequent_word_ids()
    basis = atlas.Pca3(w[ids])
    coords = basis.project(w[ids])
    assert np.allclose(coords.mean(axis=0), 0, atol=1e-9)
    var = coords.var(axis=0)
    assert list(var) == sorted(var, reverse=True)
    assert all(atlas.word_like(model.get_encoding().decode([i])) for i in ids)


def test_the_axes_ends_are_not_given_a_meaning():
    """Issue 11: "the far ends show what a direction tells apart" was said of PCA axes whose end
    words (␣tr, ␣car, ␣into) show no nameable contrast; the scene now says only what is drawn."""
    from pipeline.timeline import caption_timeline
    from scenes.context import RenderContext
    said = " ".join(t for _, t in caption_timeline("EmbeddingSpace", RenderContext(narration="none")).lines)
    assert "tells apart" not in said and "farthest out along the three axes" in said


@pytest.mark.parametrize("prompt", [None, "The cat sat on the mat because it was"])
def test_captions_quote_tokens_as_the_film_does(prompt):
    """Review 3: "…as 'would'." and "from 'brother' to 'sister'." (Python repr quotes); every
    other caption quotes a token in “ ”."""
    import re

    from pipeline.timeline import caption_timeline
    from scenes.context import RenderContext
    ctx = RenderContext(narration="none") if prompt is None else RenderContext(prompt=prompt, narration="none")
    said = [t for _, t in caption_timeline("EmbeddingSpace", ctx).lines]
    assert not [t for t in said if re.search(r"'[^'\s]+'|\\x", t)]
    assert any(re.search(r"same way as “[^”]+”\.", t) for t in said)
    assert any(re.search(r"from “[^”]+” to “[^”]+”\.", t) for t in said)
