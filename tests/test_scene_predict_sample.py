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
    """The bars are exactly the distribution each token was drawn from (T = 0.8, top-k 40,
    renormalised); one more number says how much the cut left out at the first step."""
    out, _ = rendered
    prov = json.loads((out / "PredictSample.numbers.json").read_text())
    assert prov["scene"] == "PredictSample" and prov["prompt"] == PROMPT
    bars = [n for n in prov["numbers"] if n["transform"] == "softmax(T=0.8, top-k=40)"]
    cut = [n for n in prov["numbers"] if n["transform"] == "softmax(T=0.8) outside top 40"]
    assert all(n["source"] == "logits" for n in prov["numbers"]) and len(bars) + len(cut) == len(prov["numbers"])
    from scenes.predict_sample import PredictSample as S
    assert len(bars) == S.n_steps * S.top_k and len(cut) == 1
    assert check_provenance(prov) == S.n_steps * S.top_k + 1
    # renormalised: each step's bars are the sampled distribution, larger than the plain softmax
    logits = model.run_tokens(prov["tokens"]).cache["logits"]
    for n in bars:
        pos, tok = n["index"]
        assert np.isclose(n["value"], model.sampled_distribution(logits[pos], 0.8, 40)[tok], rtol=1e-6)
        assert n["value"] >= model.softmax(logits[pos], 0.8)[tok]
    assert 0 < cut[0]["value"] < 1


def test_sampled_tokens_are_the_seeded_sampler(rendered):
    out, _ = rendered
    prov = json.loads((out / "PredictSample.numbers.json").read_text())
    prompt_ids = model.run(PROMPT).tokens
    from scenes.predict_sample import PredictSample as S
    new = model.generate(PROMPT, S.n_steps, temperature=0.8, top_k=40, seed=0)  # the default rule
    assert prov["tokens"] == prompt_ids + new


def test_last_frame_is_drawn(rendered):
    out, _ = rendered
    from PIL import Image
    img = np.asarray(Image.open(out / "PredictSample.png").convert("RGB")).astype(int)
    assert img.shape == (144, 256, 3)
    background = np.array([0x0F, 0x11, 0x17])
    changed = np.abs(img - background).sum(-1) > 60
    assert changed.mean() > 0.02  # text and bars are on screen


def test_a_cut_token_is_drawn_as_cut_and_recorded_as_zero(tmp_path):
    """With --top-k below the rows shown, the rows outside the cut get probability 0, recorded and
    checked; the sampled token is never one of them."""
    from conftest import still_provenance
    prov = still_provenance("PredictSample", tmp_path, PROMPT, top_k=3)
    assert check_provenance(prov) > 0
    bars = [n for n in prov["numbers"] if n["transform"] == "softmax(T=0.8, top-k=3)"]
    zeros = [n for n in bars if n["value"] == 0.0]
    assert zeros and len(bars) - len(zeros) >= 1
    from scenes.predict_sample import PredictSample as S
    n_prompt = len(prov["tokens"]) - S.n_steps
    drawn = {(n_prompt - 1 + k, t) for k, t in enumerate(prov["tokens"][n_prompt:])}
    assert not drawn & {tuple(n["index"]) for n in zeros}


def test_the_rule_is_said_where_it_is_first_used(rendered):
    out, _ = rendered
    srt = (out / "PredictSample.srt").read_text()
    assert "temperature T of 0.8" in srt and "40 likeliest tokens" in srt
