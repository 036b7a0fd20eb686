"""Presenting: a copied slides folder (any name) plays in manim-slides' Qt player under a virtual
screen (Xvfb), moves to the next slide on a key press and quits on q."""
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, render as render_scene
from pipeline.handout import last_frame
from pipeline.slides import load_slides

SIZE = (256, 144)


@pytest.fixture(scope="module")
def copied(tmp_path_factory):
    """Softmax's slides, copied to a folder with a quote in its name; the original is gone."""
    out = tmp_path_factory.mktemp("render") / "film"
    render_scene("Softmax", out, "Emma smiled at her", size=SIZE, fps=5)
    copy = tmp_path_factory.mktemp("usb") / 'Emma "draft" v2'
    shutil.copytree(out / "slides", copy)
    shutil.rmtree(out)
    return copy


def test_slide_json_holds_paths_relative_to_its_folder(copied):
    data = json.loads((copied / "Softmax.json").read_text(encoding="utf-8"))
    files = [s[k] for s in data["slides"] for k in ("file", "rev_file")]
    assert files and all(not Path(f).is_absolute() and f.startswith("files/Softmax/") for f in files)
    resolved = [s["file"] for s in load_slides(copied, "Softmax")["slides"]]
    assert all(f.is_file() and copied.resolve() in f.parents for f in resolved)


def test_cache_restore_writes_relative_paths(tmp_path, monkeypatch):
    from pipeline import cache
    from pipeline.render_one import keep_slides
    # an entry as the cache held it before paths were relative, and one as it holds them now
    for mark in ("@CACHE@/", ""):
        entry = tmp_path / f"entry{len(mark)}"
        (entry / "files" / "S").mkdir(parents=True)
        (entry / "files" / "S" / "a.mp4").write_bytes(b"clip")
        slide = {"file": f"{mark}files/S/a.mp4", "rev_file": f"{mark}files/S/a.mp4", "notes": 'say "hi"'}
        (entry / "S.json").write_text(json.dumps({"slides": [slide]}))
        dest = tmp_path / f'out "{len(mark)}"' / "slides"
        keep_slides(entry, "S", dest)
        data = json.loads((dest / "S.json").read_text())
        assert data["slides"][0]["file"] == "files/S/a.mp4"
        assert data["slides"][0]["notes"] == 'say "hi"'
        assert load_slides(dest, "S")["slides"][0]["file"] == (dest / "files/S/a.mp4").resolve()


def _grab(display: str) -> np.ndarray:
    from PIL import ImageGrab
    return np.asarray(ImageGrab.grab(xdisplay=display).convert("RGB"), dtype=np.int16)


def _settled(display: str, timeout: float = 30) -> np.ndarray:
    """The screen once two grabs half a second apart agree (the slide's animation ended)."""
    last, end = _grab(display), time.time() + timeout
    while time.time() < end:
        time.sleep(0.5)
        now = _grab(display)
        if np.array_equal(now, last):
            return now
        last = now
    raise AssertionError("the screen never stopped changing")


def _shown_slide(screen: np.ndarray, window: tuple[int, int, int, int], finals: list[np.ndarray]) -> int:
    """Which slide's last frame the player window shows (the closest, clearly)."""
    from PIL import Image
    x, y, w, h = window
    shot = Image.fromarray(screen[y:y + h, x:x + w].astype(np.uint8)).resize(SIZE)
    shot = np.asarray(shot, dtype=np.int16)
    stack = np.stack(finals)
    telling = (stack.max(axis=0) - stack.min(axis=0)).max(axis=-1) > 40    # where the slides differ
    errors = [np.abs(shot - f)[telling].mean() for f in finals]
    best = int(np.argmin(errors))
    assert errors[best] < 0.5 * sorted(errors)[1], errors
    return best


def _xdotool(display: str, *args: str) -> str:
    run = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "DISPLAY": display})
    assert run.returncode == 0, run.stderr
    return run.stdout


@contextlib.contextmanager
def _virtual_screen():
    """A fresh Xvfb display (1280 × 720) for the duration of the block; yields its name."""
    for tool in ("Xvfb", "xdotool"):
        assert shutil.which(tool), f"the presenting test needs {tool} (setup.sh --test installs it)"
    number = next(n for n in range(90, 200) if not Path(f"/tmp/.X{n}-lock").exists())
    xvfb = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.1)
        yield f":{number}"
    finally:
        xvfb.kill()
        xvfb.wait()


class Player:
    """``render.py present`` running on ``display``: its windows, what it shows, key presses."""

    def __init__(self, display: str, folder: Path, *options: str):
        self.display = display
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "render.py"), "present", "--out", str(folder), *options],
            env={**os.environ, "DISPLAY": display}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        self.window = _xdotool(display, "search", "--sync", "--onlyvisible", "--name", "Manim Slides").split()[0]
        self.box = self.geometry(self.window)
        _xdotool(display, "windowfocus", "--sync", self.window)

    def geometry(self, window: str) -> tuple[int, int, int, int]:
        shell = dict(ln.split("=") for ln in _xdotool(self.display, "getwindowgeometry", "--shell", window).split())
        return tuple(int(shell[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))

    def widths(self) -> list[int]:
        """The widths of the player's visible windows (the notes window is the wide one)."""
        found = _xdotool(self.display, "search", "--onlyvisible", "--name", "").split()
        return [self.geometry(w)[2] for w in found
                if _xdotool(self.display, "getwindowname", w).strip() == "Manim Slides"]

    def shown(self, finals: list[np.ndarray]) -> int:
        """The slide (index) the main window shows once its animation has ended."""
        _xdotool(self.display, "windowraise", self.window)
        return _shown_slide(_settled(self.display), self.box, finals)

    def key(self, name: str) -> None:
        _xdotool(self.display, "key", name)

    def quit(self) -> int:
        assert self.process.poll() is None, "the player quit on its own: " + self.process.stdout.read()
        self.key("q")
        return self.process.wait(timeout=20)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()


def test_copied_slides_present_and_move_on_a_key_press(copied):
    finals = [np.asarray(last_frame(s["file"]).convert("RGB").resize(SIZE), dtype=np.int16)
              for s in load_slides(copied, "Softmax")["slides"]]
    with _virtual_screen() as display:
        player = Player(display, copied)
        try:
            shown = [player.shown(finals)]
            for _ in range(2):
                player.key("Right")
                shown.append(player.shown(finals))
            widths = player.widths()
            code = player.quit()
        finally:
            player.kill()
        assert shown == [0, 1, 2]
        assert code == 0
        assert max(widths) < 600, "one screen: the notes window stays hidden unless asked for"
        # the notes window on the one screen, and the deck starting at the third slide
        player = Player(display, copied, "--show-info-window", "--start-at", "Softmax,3")
        try:
            for _ in range(40):                    # the notes window opens after the player's
                widths = player.widths()
                if max(widths) > 1000:
                    break
                time.sleep(0.25)
            started = player.shown(finals)
            code = player.quit()
        finally:
            player.kill()
        assert max(widths) > 1000 and started == 2 and code == 0


@pytest.mark.parametrize("options, expected", [
    ({"fullscreen": True, "show_info_window": True}, ["--full-screen", "--show-info-window"]),
    ({"screen": 1, "info_window_screen": 0}, ["--screen", "1", "--info-window-screen", "0"]),
    ({"start_at": "Softmax,3", "playback_rate": 0.5}, ["--playback-rate", "0.5", "--sacn", "0", "--sasn", "2"]),
    ({"start_at": "1", "show_info_window": False}, ["--sacn", "0", "--sasn", "0", "--hide-info-window"]),
])
def test_presenting_options_reach_manim_slides(copied, options, expected):
    from pipeline.present import PresentOptions, player_arguments
    assert player_arguments(copied, ["Softmax"], PresentOptions(**options), screens=2) == expected


@pytest.mark.parametrize("options, message", [
    ({"screen": 1}, "--screen 1: this machine has 1 screen"),
    ({"start_at": "Softmax,9"}, "Softmax has slides 1 to 4"),   # one per pause; no empty tail slide
    ({"start_at": "Attention"}, "'Attention' is not a scene of this deck"),
    ({"start_at": "2"}, "the deck has scenes 1 to 1"),
    ({"playback_rate": 0.0}, "--playback-rate must be above 0"),
    ({"playback_rate": float("nan")}, "--playback-rate must be above 0"),
])
def test_bad_presenting_options_are_refused(copied, options, message):
    from pipeline.errors import UsageError
    from pipeline.present import PresentOptions, player_arguments
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        player_arguments(copied, ["Softmax"], PresentOptions(**options), screens=1)


def test_present_refuses_a_slides_folder_with_missing_clips(copied, tmp_path, capsys, monkeypatch):
    from render import main
    broken = tmp_path / "broken"
    shutil.copytree(copied, broken)
    shutil.rmtree(broken / "files")
    monkeypatch.setenv("DISPLAY", ":99")
    code = main(["present", "--out", str(broken)])
    err = capsys.readouterr().err
    assert code == 2 and "incomplete" in err and err.count("\n") == 1


def test_present_without_a_qt_binding_says_how_to_get_one(monkeypatch):
    import importlib.util

    from pipeline.errors import UsageError
    from pipeline.present import check_qt_binding
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("PySide6", "PyQt6") else real(name, *a))
    with pytest.raises(UsageError, match=r"needs a Qt binding.*setup\.sh"):
        check_qt_binding()


def test_present_on_a_screen_the_machine_lacks(copied, capsys, monkeypatch):
    from render import main
    with _virtual_screen() as display:
        monkeypatch.setenv("DISPLAY", display)
        code = main(["present", "--out", str(copied), "--screen", "3"])
    err = capsys.readouterr().err
    assert code == 2 and "--screen 3: this machine has 1 screen" in err and err.count("\n") == 1
