"""A beat's key frames — each slide's last frame — drawn by the scene's own code, without
rendering the frames of the animations before them (Manim's still mode skips every animation to
its end state; ``ExplainerBase.pause`` keeps the frame when ``key_frames`` is a list).

    slides = key_frames("Softmax", RenderContext(prompt="Emma smiled and"))
    slides[0].png, slides[0].notes, slides[0].numbers
    key_frames("Softmax", ctx, on_slide=send)   # send(index, KeyFrame) as each slide is drawn

Runs inside a long-lived worker process (``pipeline.live.workers``): the model, the fonts and
Manim stay loaded between calls.
"""
from __future__ import annotations

import io
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from scenes.context import RenderContext

STILL_SIZE = (854, 480)     # Manim's 480p: what a projector needs for a still


@dataclass
class KeyFrame:
    """One slide: ``png`` (bytes, STILL_SIZE unless the context sets a size), the teacher's
    ``notes``, ``numbers``: the provenance entries recorded while the slide was built, and
    ``tokens``: the token ids of the trace they index (the prompt's, or with sampled ones)."""
    png: bytes
    notes: str
    numbers: list[dict] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)


def _png(frame) -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    # compress_level 1: a 480p still encodes in a few ms; the files stay small (flat colours)
    Image.fromarray(frame).convert("RGB").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


class _Sink:
    """What ``ExplainerBase.pause`` appends (frame, notes, numbers so far) to: each slide is
    encoded and handed on at once, so the first slide is out before the scene goes on."""

    def __init__(self, scene, on_slide):
        self.scene, self.on_slide, self.slides, self.frames, self.start = scene, on_slide, [], 0, 0

    def __len__(self):
        return len(self.slides)

    def append(self, grabbed) -> None:
        frame, notes, end = grabbed
        prov = self.scene.provenance
        slide = KeyFrame(_png(frame), notes, list(prov.numbers[self.start:end]), list(prov.tokens))
        self.start, self.last = end, frame
        self.slides.append(slide)
        if self.on_slide is not None:
            self.on_slide(len(self.slides) - 1, slide)


_MEDIA: Path | None = None


def _media_dir() -> Path:
    """One folder per process for Manim's text and image files, kept while it lives: a label
    drawn before is not laid out by Pango again."""
    global _MEDIA
    if _MEDIA is None:
        import atexit
        import shutil
        _MEDIA = Path(tempfile.mkdtemp(prefix="gptx-live-media-"))
        atexit.register(shutil.rmtree, _MEDIA, True)
    return _MEDIA


def _call_before_play(scene, on_play) -> None:
    """Make ``scene``'s renderer call ``on_play()`` before each animation or wait."""
    import types
    renderer = scene.renderer
    play = renderer.play

    def checked(self, *args, **kwargs):
        on_play()
        return play(*args, **kwargs)
    renderer.play = types.MethodType(checked, renderer)


def key_frames(name: str, ctx: RenderContext, on_slide=None, end_states: bool = True,
               on_play=None) -> list[KeyFrame]:
    """Every slide's last frame of scene ``name`` drawn with ``ctx`` (the final frame counts as
    the last slide when anything changed after the last pause); ``on_slide(index, KeyFrame)`` is
    called as each one is drawn, ``on_play()`` before every animation or wait the scene plays
    (either may raise to stop the scene there: the exception passes through). ``end_states``:
    jump over add/remove animations and plain transforms
    (``scenes.manim_internals.use_end_states``); False plays every animation through Manim's still mode.

    Raises KeyError for an unknown scene name; anything the scene raises passes through.
    """
    import numpy as np
    from manim import tempconfig

    import scenes

    cls = scenes.scene_class(name)
    logging.getLogger("manim-slides").setLevel(logging.WARNING)
    width, height = ctx.size or STILL_SIZE
    media = _media_dir()
    # nothing is written there: the scene's tear-down (provenance, slide files) is not run
    options = {"quality": "low_quality", "pixel_width": width, "pixel_height": height,
               "media_dir": str(media), "disable_caching": True,
               "progress_bar": "none", "verbosity": "WARNING", "write_to_movie": False,
               "save_last_frame": True, "output_file": name}
    run_ctx = ctx.with_(slides_dir=media / "slides", provenance_path=media / "numbers.json")
    with tempconfig(options):
        scene = cls(context=run_ctx)
        sink = scene.key_frames = _Sink(scene, on_slide)
        if end_states:
            from scenes.manim_internals import use_end_states
            use_end_states(scene)
        if on_play is not None:
            _call_before_play(scene, on_play)
        scene.setup()
        scene.construct()
        last = scene.key_frame()
        if (not sink.slides or len(scene.provenance.numbers) > sink.start
                or not np.array_equal(last, sink.last)):
            sink.append((last, "", len(scene.provenance.numbers)))
    return sink.slides
