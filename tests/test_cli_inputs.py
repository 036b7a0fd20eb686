"""Bad input to render.py: one clear line on stderr, exit status 2, no traceback, nothing written."""
import json
import math
from pathlib import Path

import pytest

import render
from conftest import render as render_scene
from pipeline import checks
from scenes.context import DEFAULT_PROMPT
from render import main


def run(capsys, *args):
    code = main(list(args))
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize("args, message", [
    (["render", "Softmax", "--prompt", ""], "prompt is empty"),
    (["render", "Softmax", "--prompt", " \n\t "], "prompt is empty"),
    (["render", "Softmax", "--prompt", "Emma\x07 smiled"], "control characters (U+0007)"),
    (["render", "Softmax", "--prompt", "Emma\x1b[31m"], "control characters (U+001B)"),
    (["render", "Softmax", "--temperature", "-1"], "temperature must be 0 or more"),
    (["render", "Softmax", "--temperature", "nan"], "temperature must be a number"),
    (["render", "Softmax", "--temperature", "inf"], "temperature must be a number"),
    (["render", "Softmax", "--temperature", "1e9"], "too high"),
    (["render", "Softmax", "--top-k", "-1"], "top-k must be between 1 and the model's 8,192 tokens"),
    (["render", "Softmax", "--top-k", "9000"], "top-k must be between 1 and the model's 8,192 tokens"),
    (["render", "NoSuchScene"], "unknown scene NoSuchScene"),
    # layers are numbered 1…6 as on screen (was 0…5: "--layer 6" was the out-of-range example)
    (["render", "Attention", "--layer", "7"], "layer 7 is out of range: the default model has 6 layers, numbered 1 to 6"),
    (["render", "Attention", "--layer", "0"], "layer 0 is out of range"),
    (["render", "Attention", "--token", "99"], "token 99 is out of range: the prompt has 11 tokens"),
    (["render", "Attention", "--token", "0"], "token 0 is out of range"),
    (["render", "Attention", "--head", "-1"], "head -1 is out of range"),
    # heads too (were 0…5)
    (["render", "Attention", "--head", "0"], "head 0 is out of range: the default model has 6 heads, numbered 1 to 6"),
    (["render", "Attention", "--checkpoint", "huge"], "unknown checkpoint 'huge'"),
    (["deck", "Softmax", "--out", "slides.pdf"], "the deck file must end in .html"),
    (["handout", "Softmax", "--out", "notes.txt"], "the handout file must end in .pdf"),
    (["deck", "Softmax", "--out", "talk.docx"], "the deck file must end in .html or .pptx or .zip"),
    (["deck", "Softmax", "--out", "talk.pptx", "--one-file"], "--one-file makes one .html page"),
    (["handout", "Softmax", "--out", "notes.pdf", "--per-page", "0"], "--per-page must be 1 to 6"),
    (["handout", "Softmax", "--out", "notes.pdf", "--per-page", "7"], "--per-page must be 1 to 6"),
    (["render", "Softmax", "--narration", "a-voice-we-do-not-have"], "--narration must be none, festival"),
])
def test_bad_input_gives_one_line_and_status_2(capsys, tmp_path, args, message):
    out = tmp_path / "out"
    if "--out" not in args:
        args = args + ["--out", str(out)]
    code, err = run(capsys, *args)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and err.startswith("render.py: error:")
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_unwritable_output_folder(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, err = run(capsys, "render", "Softmax", "--out", str(blocker / "film"))
    assert code == 2 and "cannot write to the output folder" in err


def test_full_output_folder(capsys, tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 2**20, 2**20))
    code, err = run(capsys, "render", "Softmax", "--out", str(tmp_path / "film"))
    assert code == 2 and "has only 1 MB free" in err


def test_missing_system_library_names_the_packages(capsys, tmp_path, monkeypatch):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "manimpango":
            raise ImportError("libpango-1.0.so.0: cannot open shared object file")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    code, err = run(capsys, "render", "Softmax", "--out", str(tmp_path / "film"))
    assert code == 2 and "libcairo2-dev libpango1.0-dev" in err


def test_corrupt_checkpoint_is_reported_by_hash(capsys, tmp_path, monkeypatch):
    import model
    from model.checkpoint import CheckpointError

    def broken(*a, **k):
        raise CheckpointError("default.pt does not match its SHA-256 in the model card")

    monkeypatch.setattr(model, "config", broken)
    code, err = run(capsys, "render", "Softmax", "--out", str(tmp_path / "film"))
    assert code == 2 and "SHA-256" in err


def test_checks_that_only_inform(capsys):
    import argparse
    long_prompt = "word " * 400
    args = argparse.Namespace(prompt=long_prompt, checkpoint="default", temperature=0.0, layer=None,
                              head=None, theme="dark", seed=0, quality="l")
    opts = render.context_from(args)
    err = capsys.readouterr().err
    assert "the model reads only its last 128" in err and "greedy" in err
    assert opts.temperature == 0.0
    # emoji, accents and right-to-left text are ordinary prompts
    for text in ("Café 😀 déjà vu", "שלום עולם", "مرحبا"):
        assert checks.check_prompt(text) == text
    assert math.isclose(checks.check_temperature(2.5), 2.5)


def test_ctrl_c_leaves_no_video_where_a_finished_one_is_expected(tmp_path, monkeypatch, capsys):
    from manim import Scene

    def interrupted(self, *a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(Scene, "render", interrupted)
    code, err = run(capsys, "render", "Softmax", "--out", str(tmp_path / "film"), "--no-cache")
    assert code == 130 and "interrupted" in err
    assert not list((tmp_path / "film").glob("Softmax*"))


def test_same_prompt_and_seed_give_the_same_provenance(tmp_path):
    a = render_scene("Temperature", tmp_path / "a", "Emma smiled", movie=False, size=(128, 72), seed=3)
    b = render_scene("Temperature", tmp_path / "b", "Emma smiled", movie=False, size=(128, 72), seed=3)
    assert json.loads(a["numbers.json"].read_text()) == json.loads(b["numbers.json"].read_text())


def test_present_without_a_screen_says_so(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, err = run(capsys, "present", "--out", str(tmp_path))
    assert code == 2 and "needs a screen" in err


def test_no_arguments_render_the_whole_film_in_storyboard_order(tmp_path, monkeypatch, capsys):
    import scenes
    import pipeline.film as film
    seen = {}

    def fake_render_many(names, out, opts, jobs=1, use_cache=True):
        seen["names"], seen["opts"] = names, opts
        return {n: {"mp4": tmp_path / f"{n}.mp4", "srt": tmp_path / f"{n}.srt"} for n in names}

    def fake_join(parts, video, captions):
        seen["joined"] = [name for name, _, _ in parts]
        seen["video"] = video
        return [(name, float(i), float(i + 1)) for i, (name, _, _) in enumerate(parts)]

    import pipeline.many
    monkeypatch.setattr(pipeline.many, "render_many", fake_render_many)
    monkeypatch.setattr(film, "join_film", fake_join)
    monkeypatch.chdir(tmp_path)
    assert main([]) == 0
    assert seen["names"] == seen["joined"] == scenes.scene_names()
    assert seen["video"] == Path("film") / "film.mp4"
    assert seen["opts"].prompt == DEFAULT_PROMPT and seen["opts"].quality == "l"   # the default prompt, 480p15


def test_a_missing_recording_is_one_line_naming_it(capsys, tmp_path):
    takes = tmp_path / "takes"
    takes.mkdir()
    code, err = run(capsys, "render", "Softmax", "--narration", str(takes), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "no recording of line Softmax.1" in err and "render.py lines" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out" / "Softmax.mp4").exists()


@pytest.mark.parametrize("compare, message", [
    ("huge", "--compare: unknown checkpoint 'huge'"),
    ("small@step7", "--compare: unknown checkpoint 'small@step7'"),
    ("default", "--compare default is this film's own checkpoint"),
    ("./no/such/folder", "--compare: "),
])
def test_bad_compare_gives_one_line_and_status_2(capsys, tmp_path, compare, message):
    out = tmp_path / "out"
    code, err = run(capsys, "render", "ModelSize", "--compare", compare, "--out", str(out))
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and err.startswith("render.py: error:") and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_a_compare_folder_missing_a_file_gives_one_line_and_status_2(capsys, tmp_path):
    bad = tmp_path / "gpt2"
    bad.mkdir()
    (bad / "config.json").write_text("{}")
    code, err = run(capsys, "render", "ModelSize", "--compare", str(bad), "--out", str(tmp_path / "out"))
    assert code == 2 and err.startswith("render.py: error: --compare: ") and err.count("\n") == 1
    assert str(bad) in err or "gpt2" in err


def test_compare_reaches_the_context_checked():
    ctx = checks.checked_context("Emma", "default", quiet=True, compare="small@step25")
    assert ctx.compare == "small@step25"
    assert checks.checked_context("Emma", quiet=True).compare is None
    args = render.build_parser().parse_args(["render", "ModelSize", "--compare", "small"])
    assert args.compare == "small"
