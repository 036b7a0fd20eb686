"""The base of every beat: the Trace of the prompt, the theme, captions, slide pauses, provenance."""
from __future__ import annotations

from pathlib import Path

from manim import config
from manim_slides import Slide, ThreeDSlide

import model

from . import style
from .context import RenderContext
from .provenance import Provenance


class ExplainerBase:
    """Subclasses write ``construct`` from well-named steps and draw with ``components``.

    ``self.trace``   the forward pass of the current prompt (numpy only)
    ``self.theme``   the palette of the current theme
    ``self.record``  note a drawn number's source (written to <Scene>.numbers.json)
    ``self.say``     a narrator's line, as a subcaption
    ``self.pause``   a slide break with the teacher's speaker notes
    """

    description = ""          # one line for `render.py list`
    skip_reversing = True     # the film plays forward; reversed clips would double encode time
    key_frames = None         # a list to collect (frame, notes, numbers so far) at every pause

    def __init__(self, *args, context: RenderContext | None = None, **kwargs):
        """``context``: this render's options; None for a plain ``manim`` run, which reads them
        from the environment (``RenderContext.from_env``)."""
        super().__init__(*args, **kwargs)
        self.context = context if context is not None else RenderContext.from_env()
        if self.context.slides_dir is not None:
            self._output_folder = Path(self.context.slides_dir)

    def render(self, *args, **kwargs):
        if config.save_last_frame or not config.write_to_movie:  # a still (-s): no clips to cut
            from manim import Scene
            return Scene.render(self, *args, **kwargs)
        return super().render(*args, **kwargs)

    # --- set-up and tear-down ----------------------------------------------------------------
    def setup(self):
        super().setup()
        self.theme = style.set_theme(self.context.theme)
        self.camera.background_color = self.theme.background
        self.trace = model.run(self.context.prompt, self.context.checkpoint)
        self.provenance = Provenance(type(self).__name__, self.context.prompt,
                                     self.context.checkpoint, self.trace.tokens)

    def tear_down(self):
        super().tear_down()
        path = self.context.provenance_path or self._default_provenance_path()
        if path is not None:
            self.provenance.write(path)

    def _default_provenance_path(self) -> Path | None:
        writer = self.renderer.file_writer
        target = getattr(writer, "movie_file_path", None) or getattr(writer, "image_file_path", None)
        if not target or config.dry_run:
            return None
        return Path(target).with_name(f"{type(self).__name__}.numbers.json")

    # --- what scenes call --------------------------------------------------------------------
    def record(self, source: str, index, value: float, transform: str | None = None) -> float:
        return self.provenance.record(source, index, value, transform)

    def record_block(self, source: str, values, prefix: tuple = (), transform: str | None = None):
        """Record a drawn block ``values`` that is ``source[prefix + (i, j, ...)]`` element-wise."""
        import numpy as np
        for idx, v in np.ndenumerate(np.asarray(values)):
            self.provenance.record(source, tuple(prefix) + idx, v, transform)

    def record_at(self, source: str, pos: int, index, value: float, transform: str | None = None) -> float:
        """Record ``source[index]``; a capture's index is prefixed with the token row ``pos``
        (weights have no token axis), so one call serves a layer's weights and activations."""
        import numpy as np
        index = tuple(int(i) for i in np.atleast_1d(index))
        if source in self.trace.cache:
            index = (int(pos),) + index
        return self.record(source, index, value, transform)

    def record_running_sum(self, x_source: str, pos: int, w_source: str, column: int, sums) -> None:
        """Record every value a running-sum counter can show: x · W[:, column] over the first k
        terms, k = 1 .. len(sums) (its last value is the whole product)."""
        for k, v in enumerate(sums, 1):
            self.record(x_source, (pos,), v, f"dot with {w_source} column {column}, first {k} terms")

    def use_trace(self, trace: model.Trace) -> None:
        """Draw from another forward pass (e.g. the prompt plus sampled tokens) from here on."""
        if self.provenance.numbers:
            raise RuntimeError("switch traces before recording numbers: one provenance, one trace")
        self.trace = trace
        self.provenance.tokens = list(trace.tokens)

    def piece(self, token: int) -> str:
        """A token id's text (bytes that are not whole characters shown as \\xNN)."""
        from model.tokenizer import piece_text
        return piece_text(model.get_encoding(), int(token))

    def top_tokens(self, logits, k: int) -> tuple[list[int], list[str]]:
        """The ``k`` largest entries of a logit vector: their ids and their texts."""
        import numpy as np
        ids = [int(t) for t in np.argsort(-np.asarray(logits), kind="stable")[:k]]
        return ids, [self.piece(t) for t in ids]

    def say(self, text: str, duration: float = 3.0) -> None:
        """A caption from now on; it cuts short the previous one so captions never overlap."""
        if config.save_last_frame or not config.write_to_movie:
            return  # a still has no timeline (and manim would write its .srt into the cwd)
        captions = self.renderer.file_writer.subcaptions
        if captions:
            from datetime import timedelta
            now = timedelta(seconds=self.time)
            captions[-1].end = max(captions[-1].start, min(captions[-1].end, now))
        self.add_subcaption(text, duration=duration)

    def key_frame(self):
        """What is on screen now, as a [height, width, 4] uint8 array: every mobject drawn once
        on a clean background (Manim's kept image of the still parts is left out, as it would
        draw those twice)."""
        renderer = self.renderer
        kept, renderer.static_image = renderer.static_image, None
        renderer.update_frame(self, ignore_skipping=True)
        renderer.static_image = kept
        return renderer.get_frame().copy()

    def pause(self, notes: str) -> None:
        """End the current slide here; ``notes`` are what the teacher says about it.

        manim-slides attaches ``next_slide(notes=...)`` to the slide that starts next, so the
        notes are set on the slide being closed instead: they show while it plays and after.
        With ``key_frames`` a list (the live server's stills), the slide's last frame is kept.
        """
        if self.key_frames is not None:
            self.key_frames.append((self.key_frame(), notes, len(self.provenance.numbers)))
        config = getattr(self, "_base_slide_config", None)
        if config is not None:
            config.notes = notes
            self.next_slide()
        else:
            self.next_slide(notes=notes)


class ExplainerScene(ExplainerBase, Slide):
    """A 2-D beat."""


class Explainer3DScene(ExplainerBase, ThreeDSlide):
    """A beat drawn in 3-D (the embedding space)."""
