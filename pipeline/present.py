"""Presenting rendered slides with manim-slides' Qt player (keyboard, clicker, notes window).

    folder = slides_folder(Path("film"))                  # film/slides, or a copied slides folder
    options = PresentOptions(fullscreen=True, start_at="Softmax,2", show_info_window=True)
    present(folder, ["Softmax", "Temperature"], options)  # blocks until the teacher quits (q)

Every check happens before the player starts, each raising UsageError with one line: no screen,
no Qt binding, Qt unable to open the screen (missing system libraries), a screen number that does
not exist, a start slide outside the deck, a bad playback rate.
"""
from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .slides import load_slides, resolved_folder

QT_BINDINGS = ("PySide6", "PyQt6")
# Qt's multimedia back end reports missing optional libraries (VA-API, PipeWire) on every start
QUIET_QT = "qt.multimedia.*=false"
MAX_PLAYBACK_RATE = 16.0


@dataclass(frozen=True)
class PresentOptions:
    """manim-slides' presenting options, as the teacher gave them.

    ``start_at``: "SCENE" or "SCENE,SLIDE" (a scene name or its 1-based number in the deck, a
    1-based slide number); ``screen``/``info_window_screen``: 0-based screen numbers;
    ``playback_rate``: a factor (1 = normal speed); ``show_info_window``: True shows the notes
    window even on one screen, False hides it, None lets manim-slides decide (shown on a second
    screen only)."""
    fullscreen: bool = False
    screen: int | None = None
    info_window_screen: int | None = None
    show_info_window: bool | None = None
    start_at: str | None = None
    playback_rate: float = 1.0
    hide_mouse: bool = False


def slides_folder(out: Path) -> Path:
    """The slides folder of ``out``: ``out/slides`` when ``out`` was rendered into, else ``out``
    itself when it holds slide files (a copied slides folder, any name)."""
    if (out / "slides").is_dir():
        return out / "slides"
    if out.is_dir() and any(out.glob("*.json")):
        return out
    return out / "slides"


def check_screen() -> None:
    """Raises UsageError when no screen is available (no DISPLAY or WAYLAND_DISPLAY)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UsageError("presenting needs a screen (no DISPLAY or WAYLAND_DISPLAY is set); "
                         "on a machine without one, make the offline deck: render.py deck")


def check_qt_binding() -> None:
    """Raises UsageError when no Qt binding manim-slides can use is installed."""
    if not any(importlib.util.find_spec(b) for b in QT_BINDINGS):
        raise UsageError("presenting needs a Qt binding, which is not installed; "
                         "run scripts/setup.sh (or: pip install 'manim-slides[pyside6]==5.7.*')")


def screen_count() -> int:
    """How many screens Qt sees, asked in a child process (a Qt platform that cannot load
    aborts the process). Raises UsageError naming the Debian packages when Qt cannot start."""
    probe = ("from qtpy.QtWidgets import QApplication; import sys; "
             "app = QApplication(sys.argv[:1]); print(len(app.screens()))")
    env = {**os.environ, "QT_LOGGING_RULES": QUIET_QT}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                         timeout=60)
    if run.returncode != 0 or not run.stdout.strip().isdigit():
        why = next((ln for ln in run.stderr.splitlines() if "needed" in ln or "cannot" in ln.lower()),
                   "the Qt platform plugin did not load")
        raise UsageError(f"Qt cannot open the screen ({why.strip()}); run scripts/setup.sh, which "
                         "installs libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxkbcommon-x11-0, "
                         "libegl1 and libgl1")
    return int(run.stdout.strip())


def _start_at(spec: str, names: list[str], folder: Path) -> tuple[int, int]:
    """0-based (scene, slide) indices of a "SCENE[,SLIDE]" spec (1-based numbers or a name)."""
    scene, _, slide = spec.partition(",")
    scene = scene.strip()
    if scene.isdigit():
        index = int(scene) - 1
        if not 0 <= index < len(names):
            raise UsageError(f"--start-at {spec}: the deck has scenes 1 to {len(names)}")
    elif scene in names:
        index = names.index(scene)
    else:
        raise UsageError(f"--start-at {spec}: {scene!r} is not a scene of this deck "
                         f"({', '.join(names)})")
    count = len(load_slides(folder, names[index])["slides"])
    slide = slide.strip() or "1"
    if not slide.isdigit() or not 1 <= int(slide) <= count:
        raise UsageError(f"--start-at {spec}: {names[index]} has slides 1 to {count}")
    return index, int(slide) - 1


def player_arguments(folder: Path, names: list[str], options: PresentOptions,
                     screens: int) -> list[str]:
    """manim-slides ``present`` arguments (after the folder) for ``options``; ``screens``: how
    many screens there are. Raises UsageError for an option outside what the deck or the
    machine has."""
    args: list[str] = []
    for flag, screen in (("--screen", options.screen), ("--info-window-screen", options.info_window_screen)):
        if screen is None:
            continue
        if not 0 <= screen < screens:
            raise UsageError(f"{flag} {screen}: this machine has {screens} screen"
                             f"{'s' if screens != 1 else ''} (numbered from 0)")
        args += [flag, str(screen)]
    rate = options.playback_rate
    if not (math.isfinite(rate) and 0 < rate <= MAX_PLAYBACK_RATE):
        raise UsageError(f"--playback-rate must be above 0 and at most {MAX_PLAYBACK_RATE:g}, got {rate:g}")
    if rate != 1.0:
        args += ["--playback-rate", repr(rate)]
    if options.start_at is not None:
        scene, slide = _start_at(options.start_at, names, folder)
        args += ["--sacn", str(scene), "--sasn", str(slide)]
    if options.fullscreen:
        args.append("--full-screen")
    if options.hide_mouse:
        args.append("--hide-mouse")
    if options.show_info_window is True:
        args.append("--show-info-window")
    elif options.show_info_window is False:
        args.append("--hide-info-window")
    return args


def present(folder: Path, names: list[str], options: PresentOptions) -> int:
    """Show ``names`` (their slides in ``folder``) in manim-slides' player until it is closed;
    return the player's exit status. Raises UsageError (see the module docstring)."""
    check_screen()
    check_qt_binding()
    for name in names:
        load_slides(folder, name)            # each scene's JSON and every clip it names exist
    args = player_arguments(folder, names, options, screen_count())
    env = {**os.environ, "QT_LOGGING_RULES": QUIET_QT}
    with tempfile.TemporaryDirectory(prefix="gptx-present-") as tmp:
        resolved = resolved_folder(folder, names, Path(tmp))
        cmd = [sys.executable, "-m", "manim_slides", "present", "--folder", str(resolved),
               *args, *names]
        return subprocess.call(cmd, env=env)
