"""Temperature: the probabilities at every T drawn are the model's; the samples are the sampler's."""
import re

import numpy as np
import pytest

import model
from provenance_check import check_provenance
from scenes.temperature import STOPS, SUBSTEPS

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_temperature_draws_real_probabilities(prompt, tmp_path):
    prov = still_provenance("Temperature", tmp_path, prompt)
    assert check_provenance(prov) > 0
    temps = sorted({float(re.fullmatch(r"softmax\(T=(.*)\)", n["transform"]).group(1))
                    for n in prov["numbers"]})
    # every stop of the sweep and the real distributions between them
    assert len(temps) == (len(STOPS) - 1) * SUBSTEPS + 1
    for stop in STOPS:
        assert any(abs(t - stop) < 1e-9 for t in temps)
    greedy = [n["value"] for n in prov["numbers"] if n["transform"] == "softmax(T=0)"]
    assert greedy[0] == 1.0 and sum(greedy) == 1.0  # T = 0 puts everything on the argmax


def test_temperature_flattens_the_distribution():
    logits = model.run("Elizabeth looked at her sister and").cache["logits"][-1]
    entropies = [float(-(p * np.log(p + 1e-30)).sum()) for p in (model.softmax(logits, t) for t in STOPS[1:])]
    assert entropies == sorted(entropies)
