"""EmbeddingMatrix: the columns drawn are the model's W_E and W_pos; the vectors are the Trace's."""

import numpy as np
import pytest

import model
from provenance_check import check_provenance
from scenes.embedding_matrix import MAX_TOKENS, ROWS

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_embedding_matrix_draws_the_prompts_columns(prompt, tmp_path):
    prov = still_provenance("EmbeddingMatrix", tmp_path, prompt)
    assert check_provenance(prov) > 0
    trace = model.run(prompt)
    n = min(len(trace.tokens), MAX_TOKENS)
    by_source = {}
    for e in prov["numbers"]:
        by_source.setdefault(e["source"], set()).add(tuple(e["index"]))
    # the W_E columns of exactly the tokens that fly out, the first ROWS entries of each
    assert by_source["W_E"] == {(t, d) for t in trace.tokens[:n] for d in range(ROWS)}
    assert by_source["W_pos"] == {(p, d) for p in range(n) for d in range(ROWS)}
    # the vectors: token embeddings, then token + position (the input of layer 0)
    shown = {(p, d) for p in range(n) for d in range(ROWS)}
    assert by_source["hook_embed"] == shown
    assert by_source["blocks.0.hook_resid_pre"] == shown
    resid = trace.cache["blocks.0.hook_resid_pre"][:n, :ROWS]
    parts = trace.cache["hook_embed"][:n, :ROWS] + trace.cache["hook_pos_embed"][:n, :ROWS]
    assert np.allclose(resid, parts, atol=1e-6)
