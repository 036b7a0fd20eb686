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


def test_samples_wrap_and_cut_between_words_not_inside_them():
    """A Latin word made of several tokens stays on one line, and the prompt's end is cut before a
    whole word ("…at dawn and", not "…our at dawn and"); CJK text may still break anywhere."""
    from scenes.components.prompt_text import words, wrap_pieces
    from scenes.components.raster import shorten
    pieces = ["…that she would", " have", " been", " apt", "ath", "ish", " son", ";", ' "', "what"]
    lines = ["".join(t for _, t in line) for line in wrap_pieces(pieces, 18)]
    assert "aptathish son;" in lines, lines
    assert all(not line.startswith(("ath", "ish", ";")) for line in lines), lines
    ship = ["The", " ship", " left", " the", " harb", "our", " at", " dawn", " and"]
    assert words(ship)[4] == " harbour" and "".join(words(ship)) == "".join(ship)
    assert shorten(words(ship), 16, keep="end") == "…at dawn and"
    zh = ["我", "喜欢", "读", "书", "，", "也"]
    assert words(zh) == zh
    assert len(wrap_pieces(zh, 4)) > 1
