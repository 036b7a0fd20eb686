"""A scene's caption timeline without drawing a frame: what is said, when, and the slide breaks.

Manim's dry run plays every animation's timing but renders and encodes nothing, so the timeline
of a whole scene costs about as much as its set-up (the forward pass and the speech, which is
cached): the caption checks and ``render.py lines`` use it instead of full renders. Measured on
2 idle cores: all 17 scenes' timelines in 71 s on one core (4.2 s a scene), against 142 s on
both cores for the cold 480p15 film.

    t = caption_timeline("Softmax", RenderContext(narration="none"))
    t.captions   # [(start s, end s, text), ...]
    t.speech     # [(start s, end s), ...] each sound played (none when silent)
    t.pauses     # [s, ...] slide breaks
    t.lines      # [(line id, text), ...] what a teacher records, one file per id
    t.seconds    # the scene's running time
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from scenes.context import RenderContext


@dataclass(frozen=True)
class Timeline:
    captions: list[tuple[float, float, str]]
    speech: list[tuple[float, float]]
    pauses: list[float]
    lines: list[tuple[str, str]]
    seconds: float


def caption_timeline(name: str, ctx: RenderContext) -> Timeline:
    """Run scene ``name`` with ``ctx`` as a dry run and return its timeline.
    Raises KeyError for an unknown scene; ``narration.NarrationError`` when the voice cannot speak."""
    import tempfile

    from manim import tempconfig

    import scenes
    cls = scenes.scene_class(name)
    logging.getLogger("manim-slides").setLevel(logging.WARNING)
    options = {"dry_run": True, "write_to_movie": False, "save_last_frame": False,
               "disable_caching": True, "progress_bar": "none", "verbosity": "WARNING",
               "output_file": None}
    with tempfile.TemporaryDirectory(prefix="gptx-timeline-") as tmp, \
            tempconfig({**options, "media_dir": tmp}):
        scene = cls(context=ctx.with_(provenance_path=None))
        scene.renderer._original_skipping_status = True   # timing only: no frame is drawn
        scene.renderer.skip_animations = True
        scene.render()
        return Timeline(list(scene.captions), list(scene.speech), list(scene.pauses), list(scene.lines), float(scene.time))
