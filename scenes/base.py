"""The base of every beat: the Trace of the prompt, the theme, captions, slide pauses, provenance."""
from __future__ import annotations

import math
from pathlib import Path

from manim import config
from manim_slides import Slide, ThreeDSlide

import model

from . import derivations, style
from .captions import GAP_SECONDS, reading_seconds, split_caption
from .context import RenderContext
from .manim_internals import close_slide_with_notes, current_frame, render_still, use_slides_folder
from .components.raster import forget_shortened, shortened
from .narration import RecordedLines, speech_service
from .on_screen import cut_labels, texts_on_screen, with_full_labels
from .provenance import Provenance


class ExplainerBase:
    """Subclasses write ``construct`` from well-named steps and draw with ``components``.

    ``self.trace``   the forward pass of the current prompt (numpy only)
    ``self.theme``   the palette of the current theme
    ``self.record``  note a drawn number's source (written to <Scene>.numbers.json)
    ``self.say``     a narrator's line: spoken by the voice (``context.narration``) and captioned
    ``self.pause``   a slide break with the teacher's speaker notes

    The scene never moves on (the next ``say``, a ``pause``, the end of the scene) before the
    line being said has finished: animations and waits after ``say`` run under its speech, and
    whatever is left of it is waited out. ``self.captions`` is the caption timeline, a list of
    (start s, end s, text), ``self.speech`` the (start s, end s) of each sound played and
    ``self.pauses`` the times of the slide breaks.
    """

    description = ""          # one line for `render.py list`
    skip_reversing = True     # the film plays forward; reversed clips would double encode time
    key_frames = None         # a list to collect (frame, notes, numbers so far) at every pause
    layout_probe = None       # a callable(scene, where) run after every play and at every pause
    #                           (tests/layout_check.py: no text over text, nothing off the frame)

    def __init__(self, *args, context: RenderContext | None = None, **kwargs):
        """``context``: this render's options; None for a plain ``manim`` run, which reads them
        from the environment (``RenderContext.from_env``)."""
        movie = config.write_to_movie
        super().__init__(*args, **kwargs)
        if config.dry_run:   # manim-slides turns movies on; a dry run (a timeline) writes none
            config.write_to_movie = movie
        self.context = context if context is not None else RenderContext.from_env()
        if self.context.slides_dir is not None:
            use_slides_folder(self, self.context.slides_dir)

    def render(self, *args, **kwargs):
        if config.save_last_frame or not config.write_to_movie:  # a still (-s): no clips to cut
            return render_still(self, *args, **kwargs)
        return super().render(*args, **kwargs)

    def _save_slides(self, *args, **kwargs):
        super()._save_slides(*args, **kwargs)
        from .slide_audio import add_audio_to_clips
        add_audio_to_clips(self)

    # --- set-up and tear-down ----------------------------------------------------------------
    def setup(self):
        super().setup()
        self.theme = style.theme_named(self.context.theme)   # the one place a scene's theme is set
        self.camera.background_color = self.theme.background
        self.trace = model.run(self.context.prompt, self.context.checkpoint)
        self.provenance = Provenance(type(self).__name__, self.context.prompt,
                                     self.context.checkpoint, self.trace.tokens)
        self.voice = (None if config.save_last_frame    # a still says nothing
                      else speech_service(self.context.narration, self.context.speech_cache))
        self.captions: list[tuple[float, float, str]] = []
        self.pauses: list[float] = []
        self.speech: list[tuple[float, float]] = []   # (start s, end s) of each sound played
        self.lines: list[tuple[str, str]] = []     # (line id, text) in the order said
        self._speech_end = 0.0
        self.notes = ""                   # the notes of the last slide closed (``pause``)
        forget_shortened()                # this scene's labels cut short, for the notes

    def tear_down(self):
        self.wait_for_speech()
        writer = self.renderer.file_writer
        if getattr(writer, "includes_sound", False):   # the sound track as long as the video
            from pydub import AudioSegment
            writer.add_audio_segment(AudioSegment.silent(0), time=self.time)
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
    def record(self, source: str, index, value: float, transform: str | None = None,
               checkpoint: str | None = None, tokens=None) -> float:
        """Note a drawn number (see ``Provenance.record``); returns ``value`` as a float."""
        return self.provenance.record(source, index, value, transform, checkpoint, tokens)

    def record_block(self, source: str, values, prefix: tuple = (), transform: str | None = None,
                     checkpoint: str | None = None):
        """Record a drawn block ``values`` that is ``source[prefix + (i, j, ...)]`` element-wise
        (of ``checkpoint`` when it is not the render's)."""
        import numpy as np
        for idx, v in np.ndenumerate(np.asarray(values)):
            self.provenance.record(source, tuple(prefix) + idx, v, transform, checkpoint)

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
            self.record(x_source, (pos,), v, derivations.running_dot(w_source, column, k))

    def count_parameters(self, short: str, right: float | None = None) -> None:
        """Grow the corner parameter counter by matrix ``short`` (W_E, W_Q, ...) as it first appears
        (``components.parameter_counter``); the counter fades in on the first call, from the
        count of the matrices the earlier scenes introduced, in the top-right corner (or with its right
        edge at x = ``right``, when the corner is taken). Every count is recorded."""
        from manim import RIGHT, FadeIn
        from .components.parameter_counter import ParameterCounter
        counter = getattr(self, "parameter_counter", None)
        if counter is None:
            counter = ParameterCounter(model.weights(self.context.checkpoint), type(self).__name__,
                                       theme=self.theme)
            if right is not None:
                counter.shift(RIGHT * (right - counter.get_right()[0]))
            counter.home = counter.get_center()
            self.play(FadeIn(counter), run_time=0.4)
            counter.record(self)
            self.parameter_counter = counter
        elif counter not in self.mobjects:      # faded out while the scene needed the corner
            counter.move_to(counter.home)       # back where it first stood (clear of the notes)
            self.play(FadeIn(counter), run_time=0.4)
        counter.grow(short, self)

    def use_trace(self, trace: model.Trace) -> None:
        """Draw from another forward pass (e.g. the prompt plus sampled tokens) from here on."""
        if self.provenance.numbers:
            raise RuntimeError("switch traces before recording numbers: one provenance, one trace")
        self.trace = trace
        self.provenance.tokens = list(trace.tokens)

    @property
    def checkpoint_name(self) -> str:
        """The checkpoint as a caption names it: a shipped name, or a GPT-2 folder's own name."""
        from model.hf_folder import is_folder
        ck = self.context.checkpoint
        return Path(ck).name if is_folder(ck) else ck
    def muted(self, text: str, size: float = style.SMALL_SIZE):
        """A caption in the theme's muted colour, as one image (fades copy one mobject, not one
        per glyph). Raises ValueError for a font size below ``style.SMALL_SIZE``."""
        from .components.text_image import text_image
        return text_image(text, size, color=self.theme.muted)

    def piece(self, token: int) -> str:
        """A token id's text (bytes that are not whole characters shown as \\xNN)."""
        from model.tokenizer import piece_text
        return piece_text(model.get_encoding(self.context.checkpoint), int(token))

    def spoken_token(self, pos: int) -> str:
        """Token ``pos`` of the trace as running text names it, in quotes: “cat”, or “↵” for a
        line break; a token that is only part of a character (CJK, emoji in a byte-level
        vocabulary) by its place in that character: byte 2 of 3 of “我” (never its bytes as
        \\xNN, never a Python repr). See ``scenes.token_names``."""
        return self.spoken_tokens()[pos]

    def spoken_tokens(self) -> list[str]:
        """Every token of the trace as ``spoken_token`` names it (computed once per trace)."""
        from model.tokenizer import char_parts

        from .token_names import spoken_names
        cached = getattr(self, "_spoken", None)
        if cached is None or cached[0] is not self.trace:
            parts = char_parts(model.get_encoding(self.context.checkpoint), self.trace.tokens)
            cached = self._spoken = (self.trace, spoken_names(self.trace.pieces, parts))
        return cached[1]

    def top_tokens(self, logits, k: int) -> tuple[list[int], list[str]]:
        """The ``k`` largest entries of a logit vector: their ids and their texts."""
        import numpy as np
        ids = [int(t) for t in np.argsort(-np.asarray(logits), kind="stable")[:k]]
        return ids, [self.piece(t) for t in ids]

    def wait_for_speech(self) -> None:
        """Wait out whatever is left of the line being said (nothing when it has finished)."""
        left = self._speech_end - self.time
        if left > 1e-3:
            # whole frames, rounded up: Manim truncates a still wait to whole frames, which
            # would start the next caption up to a frame before this one ends
            frames = math.ceil(left * config.frame_rate - 1e-6)
            self.wait((frames + 0.5) / config.frame_rate)

    def say(self, text: str, duration: float | None = None) -> None:
        """Say ``text`` from now on, as speech and captions (a long line as two captions).

        Returns at once: what the scene plays next runs under the speech, and the next
        ``say``/``pause``/end of scene waits until the line has finished. Each caption stays up
        for the longer of its speech and its reading time (``captions.reading_seconds``).
        ``duration`` is ignored (the time comes from the speech); kept for old callers.
        Raises ``narration.NarrationError`` when a recorded line is missing.
        """
        if config.save_last_frame:
            return  # a still has no timeline (and manim would write its .srt into the cwd)
        self.wait_for_speech()
        line_id = f"{type(self).__name__}.{len(self.lines) + 1}"
        self.lines.append((line_id, " ".join(text.split())))
        parts = split_caption(text)
        timed = self._speak(parts, line_id)
        movie = config.write_to_movie and not config.dry_run
        offset = 0.0
        for part, speech, seconds in timed:
            if speech is not None:
                self.speech.append((self.time + offset, self.time + offset + speech.seconds))
                if movie:
                    self.add_sound(str(speech.path), time_offset=offset)
            if movie:
                self.add_subcaption(part, duration=seconds, offset=offset)
            self.captions.append((self.time + offset, self.time + offset + seconds, part))
            offset += seconds + GAP_SECONDS
        self._speech_end = self.time + offset - GAP_SECONDS

    def _speak(self, parts: list[str], line_id: str) -> list[tuple[str, object, float]]:
        """Each caption part with its speech (None when silent) and its time on screen."""
        if self.voice is None:
            return [(p, None, reading_seconds(p)) for p in parts]
        if isinstance(self.voice, RecordedLines):   # one recording per line, shared by its parts
            speech = self.voice.synthesize(" ".join(parts), line_id)
            total = sum(len(p) for p in parts)
            timed = [(p, None, max(reading_seconds(p), speech.seconds * len(p) / total)) for p in parts]
            timed[0] = (timed[0][0], speech, timed[0][2])
            return timed
        out = []
        for p in parts:
            speech = self.voice.synthesize(p, line_id)
            out.append((p, speech, max(reading_seconds(p), speech.seconds)))
        return out

    def play(self, *args, **kwargs):
        """Manim's ``play``; then, with ``layout_probe`` set (a test), what is on screen is
        checked at the animation's end."""
        super().play(*args, **kwargs)
        if self.layout_probe is not None:
            self.layout_probe(self, "play")

    def key_frame(self):
        """What is on screen now, as a [height, width, 4] uint8 array: every mobject drawn once
        on a clean background (Manim's kept image of the still parts is left out, as it would
        draw those twice)."""
        return current_frame(self)

    def pause(self, notes: str) -> None:
        """End the current slide here; ``notes`` are what the teacher says about it.

        manim-slides attaches ``next_slide(notes=...)`` to the slide that starts next, so the
        notes are set on the slide being closed instead: they show while it plays and after.
        With ``key_frames`` a list (the live server's stills), the slide's last frame is kept.
        Each label on screen that had to be cut short is added to the notes in full.
        """
        self.wait_for_speech()
        self.pauses.append(self.time)
        notes = self.notes = with_full_labels(notes, cut_labels(texts_on_screen(self), shortened()))
        if self.layout_probe is not None:
            self.layout_probe(self, "pause")
        if self.key_frames is not None:
            self.key_frames.append((self.key_frame(), notes, len(self.provenance.numbers)))
        close_slide_with_notes(self, notes)


class ExplainerScene(ExplainerBase, Slide):
    """A 2-D beat."""


class Explainer3DScene(ExplainerBase, ThreeDSlide):
    """A beat drawn in 3-D (the embedding space)."""
