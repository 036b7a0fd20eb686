"""ContextFlow: the vectors, the drift from the start and the similarities are the residual stream's."""

import pytest

import model
from provenance_check import check_provenance
from scenes.context_flow import ENTRIES, MAX_EARLIER

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_context_flow_follows_the_last_tokens_residual_stream(prompt, tmp_path):
    prov = still_provenance("ContextFlow", tmp_path, prompt)
    assert check_provenance(prov) > 0
    trace = model.run(prompt)
    n_layer, last = trace.config["n_layer"], len(trace.tokens) - 1
    stages = ["blocks.0.hook_resid_pre"] + [f"blocks.{i}.hook_resid_post" for i in range(n_layer)]
    plain = [e for e in prov["numbers"] if "transform" not in e]
    assert [(e["source"], e["index"]) for e in plain] == [(s, [last, d]) for s in stages for d in range(ENTRIES)]
    drift = [e for e in prov["numbers"] if e.get("transform") == "cosine with blocks.0.hook_resid_pre"]
    assert [e["source"] for e in drift] == stages and drift[0]["value"] == pytest.approx(1.0)
    near = [e for e in prov["numbers"] if e.get("transform", "").startswith("cosine with position")]
    earlier = list(range(max(0, last - MAX_EARLIER), last))
    assert len(near) == len(stages) * len(earlier)
    assert {int(e["transform"].rsplit(" ", 1)[1]) for e in near} == set(earlier)
