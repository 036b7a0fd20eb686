"""Manim's command-line conventions: -q aliases, --resolution/--fps, --format, -p, --version,
quality folders side by side, manim.cfg, one progress display, a closed pipe."""
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT
from pipeline.conventions import output_folder
from pipeline.progress import SceneProgress
from render import build_parser, main
from scenes.context import RenderContext


@pytest.mark.parametrize("flag, quality", [("-ql", "l"), ("-qm", "m"), ("-qh", "h"), ("-qk", "k"),
                                           ("--quality=h", "h")])
def test_quality_flags_are_manims(flag, quality):
    assert build_parser().parse_args(["render", "Softmax", flag]).quality == quality


def test_qualities_render_side_by_side():
    base = Path("film")
    assert output_folder(base, RenderContext()) == base                     # 480p15: as always
    assert output_folder(base, RenderContext(quality="h")) == base / "1080p60"
    assert output_folder(base, RenderContext(quality="m")) == base / "720p30"
    assert output_folder(base, RenderContext(size=(128, 72), fps=5)) == base / "72p5"
    assert output_folder(base, RenderContext(fps=30)) == base / "480p30"


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("gpt-explainer 0.")


@pytest.mark.parametrize("args, message", [
    (["--resolution", "127,72"], "must be even"),
    (["--resolution", "wide"], "WIDTH,HEIGHT"),
    (["--resolution", "8,8"], "16 to 7680"),
    (["--fps", "0"], "--fps must be 1 to 120"),
])
def test_bad_size_or_rate_is_one_line(capsys, tmp_path, args, message):
    assert main(["render", "Softmax", *args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("*.mp4"))


def fake_render_many(seen):
    def render_many(names, out, ctx, jobs=1, use_cache=True, movie=True):
        seen.update(names=names, out=out, ctx=ctx, movie=movie)
        return {n: {"mp4": out / f"{n}.mp4", "png": out / f"{n}.png"} for n in names}
    return render_many


def test_manim_cfg_gives_what_the_command_line_does_not(tmp_path, monkeypatch, capsys):
    import pipeline.many
    seen = {}
    monkeypatch.setattr(pipeline.many, "render_many", fake_render_many(seen))
    monkeypatch.chdir(tmp_path)
    Path("manim.cfg").write_text("[CLI]\nquality = medium_quality\nframe_rate = 5\n"
                                 "background_color = RED\nrenderer = opengl\n")
    assert main(["render", "Softmax", "--out", "o"]) == 0
    assert seen["ctx"].quality == "m" and seen["ctx"].fps == 5 and seen["out"] == Path("o/720p5")
    err = capsys.readouterr().err
    assert "manim.cfg: ignored (the explainer sets these itself): background_color, renderer" in err
    assert main(["render", "Softmax", "-qh", "--fps", "60", "--out", "o"]) == 0   # the command line wins
    assert seen["ctx"].quality == "h" and seen["out"] == Path("o/1080p60")


def test_manim_cfg_with_a_value_the_explainer_cannot_use(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("manim.cfg").write_text("[CLI]\nquality = ultra_quality\n")
    assert main(["render", "Softmax", "--out", "o"]) == 2
    assert "quality 'ultra_quality' is not one the explainer renders" in capsys.readouterr().err


def test_a_working_folders_manim_cfg_does_not_change_a_render(tmp_path):
    """Manim reads ./manim.cfg when imported; the render resets its keys to Manim's defaults
    (here a gif written where the mp4 belongs, an OpenGL renderer, a see-through background)."""
    (tmp_path / "manim.cfg").write_text("[CLI]\nformat = gif\nrenderer = opengl\nbackground_opacity = 0.2\n")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
            "from pipeline.render_one import render_scene; from scenes.context import RenderContext; "
            "render_scene('Title', Path('o'), RenderContext(size=(128, 72), fps=5))")
    run = subprocess.run([sys.executable, "-c", code, str(ROOT)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    import av
    with av.open(str(tmp_path / "o" / "Title.mp4")) as c:
        assert c.streams.video[0].codec_context.name == "h264"
        frame = next(iter(c.decode(video=0))).to_ndarray(format="rgb24")
    assert frame.shape == (72, 128, 3)
    assert np.abs(frame[1, 1].astype(int) - [15, 17, 23]).max() <= 3     # the dark theme's background


def test_png_format_renders_last_frames_only_and_preview_without_a_screen(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["render", "Title", "--format", "png", "--resolution", "128,72", "-p", "--no-cache",
                 "--out", str(tmp_path)]) == 0
    out = tmp_path / "72p15"
    assert Image.open(out / "Title.png").size == (128, 72)
    assert not list(out.glob("*.mp4")) and not (out / "slides").exists()
    assert json.loads((out / "Title.numbers.json").read_text())["scene"] == "Title"
    assert f"no viewer on this machine (no screen); the file is {(out / 'Title.png').resolve()}" in capsys.readouterr().out


def test_gif_and_webm_keep_the_pictures_and_preview_opens_the_result(tmp_path, monkeypatch, capsys):
    import av
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    opened = tmp_path / "opened.txt"
    (bin_ / "xdg-open").write_text(f"#!/bin/sh\necho \"$1\" > {opened}\n")
    (bin_ / "xdg-open").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":99")
    for fmt in ("gif", "webm"):
        assert main(["render", "Title", "--format", fmt, "--resolution", "128,72", "--fps", "5",
                     "-p", "--out", str(tmp_path)]) == 0
        out = tmp_path / "72p5"
        with av.open(str(out / f"Title.{fmt}")) as c:
            frames = [f.to_image().convert("RGB") for f in c.decode(video=0)]
        with av.open(str(out / "Title.mp4")) as c:
            n_mp4 = sum(1 for _ in c.decode(video=0))
        assert len(frames) == n_mp4 and frames[-1].size == (128, 72)
        last = np.asarray(frames[-1], dtype=int)
        png = np.asarray(Image.open(out / "Title.png").convert("RGB"), dtype=int)
        assert np.abs(last - png).mean() < 6, fmt          # same picture, same colours
        for _ in range(50):
            if opened.exists():
                break
            import time
            time.sleep(0.1)
        assert opened.read_text().strip() == str(out / f"Title.{fmt}")
        opened.unlink()


def test_list_into_a_closed_pipe_ends_quietly():
    run = subprocess.run(["bash", "-c", f"'{sys.executable}' render.py list | head -2"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert len(run.stdout.splitlines()) == 2
    assert "Traceback" not in run.stderr and "BrokenPipeError" not in run.stderr


def test_progress_off_a_terminal_is_plain_lines():
    stream = io.StringIO()
    with SceneProgress(2, jobs=2, stream=stream) as bar:
        bar.started("Title", worker=0)
        bar.started("Softmax", worker=1)
        bar.finished("Title", "[1/2] Title: done")
        bar.finished("Softmax", "[2/2] Softmax: done")
    assert stream.getvalue().splitlines() == ["  Title: started", "  Softmax: started",
                                              "[1/2] Title: done", "[2/2] Softmax: done"]


def test_progress_on_a_terminal_shows_scenes_done_workers_and_time_left():
    stream = io.StringIO()
    with SceneProgress(3, jobs=2, live=True, stream=stream) as bar:
        bar.started("Title", worker=0)
        bar.started("Softmax", worker=1)
        bar.finished("Title", "[1/3] Title: done")
        text = stream.getvalue()
    text = stream.getvalue()
    assert "worker 1: Title" in text and "worker 2: Softmax" in text
    assert "1/3" in text and "s left" in text and "[1/3] Title: done" in text


def test_parallel_render_says_which_scene_each_worker_begins(tmp_path, capsys):
    from pipeline.many import render_many
    files = render_many(["Title", "Tokenization"], tmp_path, RenderContext(size=(128, 72)), jobs=2,
                        use_cache=False, movie=False)
    out = capsys.readouterr().out
    assert "  Title: started" in out and "  Tokenization: started" in out
    assert "[2/2]" in out and set(files) == {"Title", "Tokenization"}
    assert files["Title"]["png"].exists() and "mp4" not in files["Title"]
