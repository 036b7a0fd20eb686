"""Failures found by trying inputs (issue 13), each a test, and the whole kind of each.

Every sampling scene renders, as a movie (interpolation included), at every temperature from 0
to the maximum; every text a user can paste renders or is refused with the reason.
"""
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import model
from conftest import ROOT
from conftest import render as render_scene
from pipeline import checks
from pipeline.errors import UsageError
from model.tokenizer import piece_text
from provenance_check import check_provenance
from scenes.style import THEMES

TEMPERATURES = [0.0, 0.01, 0.5, 1.0, 2.0, checks.MAX_TEMPERATURE]
# every scene that samples with --temperature (Temperature samples at its own fixed T values)
SAMPLING_SCENES = ["PredictSample", "Title", "ModelSize", "Chatbot", "ContextSize"]


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "render.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


# --- the two faults as reported ------------------------------------------------------------------
def test_predict_sample_at_temperature_0_ranks_by_logit_and_shows_100_and_0(tmp_path):
    """Was: Pango cannot recognize your color '#F2F2F2' for text 'H ' (rows of control bytes)."""
    result = cli("render", "PredictSample", "--temperature", "0", "--resolution", "128,72",
                 "--fps", "5", "--no-cache", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    out = tmp_path / "72p5"
    prov = json.loads((out / "PredictSample.numbers.json").read_text())
    trace = model.run_tokens(prov["tokens"], "default", prov["prompt"])
    steps = {}
    for n in prov["numbers"]:
        if len(n["index"]) == 2:     # a row's probability (the share the cut left out has [pos])
            steps.setdefault(n["index"][0], []).append((n["index"][1], n["value"]))
    for pos, rows in steps.items():
        ids = [t for t, _ in rows]
        assert ids == [int(t) for t in np.argsort(-trace["logits"][pos], kind="stable")[:len(ids)]]
        assert [v for _, v in rows] == [1.0] + [0.0] * (len(rows) - 1)
        assert not set(ids) & set(range(32))          # no control-byte tokens
    check_provenance(prov)


def test_predict_sample_at_temperature_0_01_renders(tmp_path):
    """Was: Mobject pixel array shapes incompatible for interpolation (percentages of two widths)."""
    result = cli("render", "PredictSample", "--temperature", "0.01", "--resolution", "128,72",
                 "--fps", "5", "--no-cache", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert (tmp_path / "72p5" / "PredictSample.mp4").stat().st_size > 0


# --- the whole kind: every temperature, every sampling scene -------------------------------------
@pytest.mark.parametrize("temperature", TEMPERATURES)
@pytest.mark.parametrize("scene", SAMPLING_SCENES)
def test_every_sampling_scene_renders_at_every_temperature(tmp_path, scene, temperature):
    files = render_scene(scene, tmp_path, movie=True, size=(128, 72), fps=5, temperature=temperature)
    assert files["mp4"].stat().st_size > 0
    prov = json.loads(files["numbers.json"].read_text())
    if prov["numbers"]:             # ContextSize draws text only, no numbers
        check_provenance(prov)


def test_temperature_scene_renders_its_own_sweep_from_0(tmp_path):
    files = render_scene("Temperature", tmp_path, movie=True, size=(128, 72), fps=5)
    assert files["mp4"].stat().st_size > 0


@pytest.mark.parametrize("p", [0.0, 1.0, 1e-5, 4.9e-324, 3.3e-100, 0.123456, 1 - 1e-12])
def test_every_percentage_image_has_one_width(p):
    """Any two percentages blend in a Transform: their images have one pixel shape."""
    from scenes.components.bars import percent_image
    assert percent_image(p, THEMES["dark"].muted).pixel_array.shape == percent_image(0.5, THEMES["dark"].muted).pixel_array.shape


def test_control_byte_tokens_are_drawn_as_escapes():
    from scenes.components.text import piece_label, show_piece
    assert show_piece("\x00\x06\x7f\x85") == "\\x00\\x06\\x7f\\x85"
    assert show_piece(" \n\t") == "␣↵⇥"
    for token in range(32):        # the single control bytes: each label builds with Pango
        piece_label(piece_text(model.get_encoding(), token), theme=THEMES["dark"])


# --- text a user can paste -----------------------------------------------------------------------
PASTED = {
    "emoji": "Emma smiled 😀 and said 👍🏽 that",
    "cjk": "Emma said 你好，世界 and then",
    "rtl": "Emma wrote مرحبا بالعالم and שלום then",
    "tabs": "Emma\tsmiled\tand\tsaid",
    "windows line ends": "Emma smiled at her father.\r\nShe said that",
    "2000 characters": ("Emma smiled at her father and said that she would walk. " * 36)[:2000],
    "lone combining mark": "\u0301 Emma smiled",
    "zero-width joiner": "Emma 👩\u200d👩\u200d👧 smiled and",
}


@pytest.mark.parametrize("what", list(PASTED))
def test_pasted_text_renders(tmp_path, what):
    ctx = checks.checked_context(PASTED[what], quiet=True)
    for scene in ("PredictSample", "Tokenization"):
        files = render_scene(scene, tmp_path / scene, ctx.prompt, movie=False, size=(256, 144))
        prov = json.loads(files["numbers.json"].read_text())
        assert prov["prompt"] == ctx.prompt
        assert "\r" not in prov["prompt"]


@pytest.mark.parametrize("text, reason", [
    ("Emma\x00smiled", "control characters (U+0000)"),
    ("Emma\x1b[31m red", "control characters (U+001B)"),
    ("\u200b\u200b", None),      # only zero-width spaces: text, though invisible; renders
])
def test_pasted_text_with_control_characters_is_refused_with_the_reason(tmp_path, text, reason):
    if reason is None:
        ctx = checks.checked_context(text, quiet=True)
        render_scene("Tokenization", tmp_path, ctx.prompt, movie=False, size=(256, 144))
        return
    with pytest.raises(UsageError, match=re.escape(reason)):
        checks.checked_context(text, quiet=True)


# --- Windows line ends, CLI and API --------------------------------------------------------------
def test_windows_line_ends_are_line_breaks_in_the_api():
    assert checks.check_prompt("a.\r\nB\rC") == "a.\nB\nC"
    assert checks.checked_context("father.\r\nShe said", quiet=True).prompt == "father.\nShe said"


def test_windows_line_ends_are_line_breaks_on_the_command_line(tmp_path):
    result = cli("render", "Tokenization", "--prompt", "Emma smiled at her father.\r\nShe said that",
                 "--format", "png", "--resolution", "256,144", "--no-cache", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    prov = json.loads((tmp_path / "144p15" / "Tokenization.numbers.json").read_text())
    assert prov["prompt"] == "Emma smiled at her father.\nShe said that"


@pytest.mark.parametrize("what", list(PASTED))
def test_running_text_draws_whole_characters_not_bytes(what):
    """A character split over byte tokens is drawn whole (by the token that completes it)."""
    from model.tokenizer import running_pieces
    text = checks.check_prompt(PASTED[what])
    enc = model.get_encoding()
    tokens = enc.encode(text)
    pieces = running_pieces(enc, tokens)
    assert len(pieces) == len(tokens) and "".join(pieces) == text
    assert "\\x" not in "".join(pieces)


def test_running_text_of_a_cut_character_shows_its_bytes():
    from model.tokenizer import running_pieces
    enc = model.get_encoding()
    tokens = enc.encode("😀")
    assert len(tokens) > 1
    pieces = running_pieces(enc, tokens[:-1])
    assert pieces[:-1] == [""] * (len(pieces) - 1) and pieces[-1].startswith("\\xf0")


def test_the_highlight_box_fits_the_percentage_text_not_its_padded_image():
    from scenes.components.bars import ProbabilityBars
    bars = ProbabilityBars(["a", "b"], [1.0, 0.0], max_width=3.2, row_height=0.6, label_width=2.0,
                           theme=THEMES["dark"])
    box = bars.highlight(0)
    assert box.get_right()[0] < bars.percents[0].get_right()[0]
