"""PredictSample: the output contract, and every drawn number against a fresh Trace."""
import json

import numpy as np
import pytest

import model
from provenance_check import check_provenance
from conftest import render as render_scene

PROMPT = "Elizabeth looked at her sister and"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("film")
    files = render_scene("PredictSample", out, PROMPT, size=(256, 144), fps=5)
    return out, files


def test_output_contract(rendered):
    out, files = rendered
    for ext in ("mp4", "png", "numbers.json", "srt"):
        path = out / f"PredictSample.{ext}"
        assert path.exists() and path.stat().st_size > 0, ext
    assert not list(out.glob("*.part"))
    assert "-->" in (out / "PredictSample.srt").read_text()


def test_every_drawn_probability_is_the_models(rendered):
    out, _ = rendered
    prov = json.loads((out / "PredictSample.numbers.json").read_text())
    assert prov["scene"] == "PredictSample" and prov["prompt"] == PROMPT
    assert all(n["source"] == "logits" and n["transform"] == "softmax(T=0.8)" for n in prov["numbers"])
    from scenes.predict_sample import PredictSample as S
    assert check_provenance(prov) == S.n_steps * S.top_k


def test_sampled_tokens_are_the_seeded_sampler(rendered):
    out, _ = rendered
    prov = json.loads((out / "PredictSample.numbers.json").read_text())
    prompt_ids = model.run(PROMPT).tokens
    from scenes.predict_sample import PredictSample as S
    new = model.generate(PROMPT, S.n_steps, temperature=0.8, seed=0)  # the default --temperature
    assert prov["tokens"] == prompt_ids + new


def test_last_frame_is_drawn(rendered):
    out, _ = rendered
    from PIL import Image
    img = np.asarray(Image.open(out / "PredictSample.png").convert("RGB")).astype(int)
    assert img.shape == (144, 256, 3)
    background = np.array([0x0F, 0x11, 0x17])
    changed = np.abs(img - background).sum(-1) > 60
    assert changed.mean() > 0.02  # text and bars are on screen
