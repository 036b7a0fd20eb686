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


@pytest.mark.parametrize("prompt", ["Emma smiled at her father, and said that she would",
                                    "我喜欢读书，也喜欢写字。", "The cat sat on the mat because it was"])
def test_softmax_writes_plain_numbers_never_an_exponent(prompt):
    """Review 3: "3.94e+03", "sum … = 1.29e+04" and "9.6e-07%" were on screen (and "2.16e-06" in
    the narration); a learner reads 3,940, 12,900 and <0.00010%."""
    import re

    from layout_check import slide_ends
    from pipeline.timeline import caption_timeline
    from scenes.context import RenderContext
    ctx = RenderContext(prompt=prompt, narration="none")
    texts = [t for shown, notes in slide_ends("Softmax", ctx) for t in shown + [notes]]
    texts += [t for _, t in caption_timeline("Softmax", ctx).lines]
    exponent = re.compile(r"\d[eE][+-]?\d")
    assert texts and not [t for t in texts if exponent.search(t)]
    assert any(re.search(r"= \d{1,3}(,\d{3})+\b", t) for t in texts)    # the sum, in thousands


def test_plain_numbers_and_percentages():
    from scenes.components.text import percent, plain_number
    assert [plain_number(v) for v in (3940.4, 12903.2, 2.16e-6, 12.345, 0.04123, 999.6)] == \
        ["3,940", "12,900", "0.00000216", "12.3", "0.0412", "1,000"]
    assert [percent(p) for p in (9.6e-9, 9.94e-7, 1e-6, 1.2e-5, 0.5)] == \
        ["<0.00010%", "<0.00010%", "0.00010%", "0.0012%", "50.0%"]
    with pytest.raises(ValueError):
        plain_number(0.0)
