"""Manim's command-line conventions: quality folders side by side, other formats, a preview.

A render at the default quality (480p15, no --resolution or --fps) writes ``DIR/<Scene>.mp4`` as
always; any other goes to ``DIR/<height>p<fps>/`` (``film/1080p60/Softmax.mp4``), as Manim keeps
``480p15/`` and ``1080p60/`` apart, so one quality never overwrites another's files.

    folder = output_folder(Path("film"), ctx)          # film/ or film/1080p60/
    gif = convert_video(Path("film/Softmax.mp4"), "gif")
    preview(gif)                                        # opens it, or says where it is
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from scenes.context import RenderContext

from .errors import UsageError

# Manim's quality presets: (width, height, frames per second)
PRESETS = {"l": (854, 480, 15), "m": (1280, 720, 30), "h": (1920, 1080, 60), "k": (3840, 2160, 60)}
DEFAULT_QUALITY = "l"
MAX_SIDE, MAX_FPS = 7680, 120


def frame_spec(ctx: RenderContext) -> tuple[int, int, int]:
    """(width px, height px, frames per second) a render with ``ctx`` makes."""
    w, h, fps = PRESETS[ctx.quality]
    if ctx.size:
        w, h = ctx.size
    return w, h, ctx.fps or fps


def quality_label(ctx: RenderContext) -> str:
    """Manim's folder name for a render's frame size and rate: ``480p15``, ``1080p60``."""
    _, h, fps = frame_spec(ctx)
    return f"{h}p{fps}"


def output_folder(base: Path, ctx: RenderContext) -> Path:
    """``base`` for the default quality, else ``base/<height>p<fps>``."""
    if ctx.quality == DEFAULT_QUALITY and ctx.size is None and ctx.fps is None:
        return base
    return base / quality_label(ctx)


def parse_resolution(text: str) -> tuple[int, int]:
    """``"W,H"`` (also ``WxH``) as (W, H) pixels. Raises UsageError unless both are even whole
    numbers from 16 to 7680 (the video encoder needs even sizes)."""
    parts = text.lower().replace("x", ",").split(",")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise UsageError(f"--resolution must be WIDTH,HEIGHT in pixels (e.g. 1280,720), got {text!r}") from None
    for side in (w, h):
        if not 16 <= side <= MAX_SIDE:
            raise UsageError(f"--resolution sides must be 16 to {MAX_SIDE} pixels, got {w},{h}")
        if side % 2:
            raise UsageError(f"--resolution sides must be even (the video encoder needs it), got {w},{h}")
    return w, h


def check_fps(fps: int) -> int:
    """``fps`` itself; raises UsageError unless 1 <= fps <= 120."""
    if not 1 <= fps <= MAX_FPS:
        raise UsageError(f"--fps must be 1 to {MAX_FPS}, got {fps}")
    return fps


def convert_video(mp4: Path, fmt: str) -> Path:
    """``mp4`` re-encoded beside it as ``.gif`` (palette per frame, looping) or ``.webm`` (VP9);
    written aside and renamed into place. Raises ValueError for another format."""
    import av
    if fmt not in ("gif", "webm"):
        raise ValueError(f"cannot convert to {fmt!r}: gif or webm")
    dest = mp4.with_suffix(f".{fmt}")
    part = dest.with_name(f".{dest.name}.part")
    with av.open(str(mp4)) as src, av.open(str(part), "w", format=fmt) as out:
        video = src.streams.video[0]
        rate = video.average_rate or 15
        if fmt == "gif":
            stream = out.add_stream("gif", rate=rate)
            stream.pix_fmt = "pal8"
        else:
            stream = out.add_stream("libvpx-vp9", rate=rate)
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": "32", "b:v": "0", "deadline": "realtime", "cpu-used": "8"}
        stream.width, stream.height = video.codec_context.width, video.codec_context.height
        for frame in src.decode(video):
            img = frame.to_image()
            new = _palette_frame(img) if fmt == "gif" else av.VideoFrame.from_image(img)
            for packet in stream.encode(new):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    os.replace(part, dest)
    return dest


def _palette_frame(img):
    """A GIF frame: ``img`` (RGB) reduced to its own 256 colours (a flat-colour explainer
    frame has few), as a pal8 frame. PyAV 18 takes the palette as A, R, G, B bytes (measured:
    the colour test in tests/test_conventions.py fails on any other order)."""
    import av
    import numpy as np
    small = img.quantize(256, dither=0)
    rgb = np.zeros((256, 3), np.uint8)
    pal = np.asarray(small.getpalette()[:768], np.uint8).reshape(-1, 3)
    rgb[: len(pal)] = pal
    argb = np.concatenate([np.full((256, 1), 255, np.uint8), rgb], axis=1)
    return av.VideoFrame.from_ndarray((np.asarray(small, np.uint8), argb), format="pal8")


def preview(path: Path) -> str:
    """Open ``path`` in the desktop's viewer (``open`` on macOS, else ``xdg-open`` when there is
    a screen); return the line to print either way."""
    if sys.platform == "darwin":
        opener = shutil.which("open")
    else:
        screen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        opener = shutil.which("xdg-open") if screen else None
    if opener:
        subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        return f"preview: opening {path}"
    return f"preview: no viewer on this machine (no screen); the file is {path.resolve()}"
