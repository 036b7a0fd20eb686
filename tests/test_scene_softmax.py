"""Softmax: for short, medium and long prompts, every drawn number is the model's."""

import numpy as np
import pytest

import model
from provenance_check import check_provenance

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_softmax_draws_real_numbers(prompt, tmp_path):
    prov = still_provenance("Softmax", tmp_path, prompt)
    assert check_provenance(prov) > 0
    trace = model.run(prompt)
    pos = len(trace.tokens) - 1
    by_transform = {}
    for n in prov["numbers"]:
        by_transform.setdefault(n.get("transform"), []).append(n)
    # the six largest logits and, after a gap, the lowest-scored whole word (a negative logit),
    # their exponentials, the sum, the probabilities, and the rest
    logits = trace.cache["logits"][pos]
    top6 = list(np.argsort(-logits, kind="stable")[:6])
    from scenes.softmax import low_word
    enc = model.get_encoding()
    low = low_word(logits, lambda t: enc.decode([t]))
    for key in (None, "exp", "softmax(T=1)"):
        assert [n["index"] for n in by_transform[key]] == [[pos, int(t)] for t in top6 + [low]]
    assert by_transform[None][-1]["value"] < 0 < by_transform["exp"][-1]["value"] < 1
    assert logits[low] <= np.sort(logits)[len(logits) // 100]     # among the lowest 1 %
    assert len(by_transform["sum(exp)"]) == 1
    drawn = [n["value"] for n in by_transform["softmax(T=1)"]]
    rest = by_transform["softmax(T=1) outside top 6"][0]["value"]
    assert sum(drawn[:6]) + rest == pytest.approx(1.0)
    assert (tmp_path / "Softmax.png").exists()
