"""The render context: one frozen record of everything a render depends on.

The command line, the live server and a batch task each build one ``RenderContext`` and pass it
to the scene (``SceneClass(context=ctx)``); nothing reads a render's options from a module global.
A plain ``manim -ql scenes/x.py X`` has no caller to pass one, so the scene builds it with
``RenderContext.from_env()``: the one place the ``GPTX_*`` environment variables are read.

    ctx = RenderContext(prompt="Emma smiled and", theme="light", temperature=0.8)
    ctx.with_(head=2)                      # a changed copy
    ctx.picture_options()                  # what the pictures depend on (the cache key's part)
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PROMPT = "Emma smiled at her father and said that she would"
QUALITIES = {"l": "low_quality", "m": "medium_quality", "h": "high_quality", "k": "fourk_quality"}
THEMES = ("dark", "light")

# Options that only say where files go or how the work is shared: they never change a picture.
_NOT_PICTURE = {"slides_dir", "provenance_path", "speech_cache"}


@dataclass(frozen=True)
class RenderContext:
    """Every option of one render.

    prompt         the text the model reads
    checkpoint     a checkpoint name (``model.checkpoint_names()``) or a GPT-2 folder's absolute path
    theme          ``"dark"`` or ``"light"`` (``scenes.style.THEMES``)
    seed           the sampling seed (int)
    temperature    sampling temperature, 0 (greedy) to 10
    layer, head    the layer/head the Attention and MLP scenes show; None = measured on the prompt
    quality        Manim's quality letter: l 480p15, m 720p30, h 1080p60, k 2160p60
    size, fps      pixel (width, height) and frame rate overriding the quality's; None = its own
    narration      the voice: "festival" (default), "flite", "espeak-ng", a folder of recorded
                   lines (``<Scene>.<n>.wav``), or "none" (silent, captions only); scenes/narration.py
    compare        the checkpoint ModelSize sets beside ``checkpoint`` (a name as ``checkpoint``
                   takes); None = the shipped pair, "small" beside "default"
    slides_dir     where manim-slides writes the scene's slide files; None = Manim's default
    provenance_path where the provenance file goes; None = beside the video
    speech_cache   where synthesised speech is kept; None = narration.default_cache()
    """
    prompt: str = DEFAULT_PROMPT
    checkpoint: str = "default"
    theme: str = "dark"
    seed: int = 0
    temperature: float = 0.8
    layer: int | None = None
    head: int | None = None
    quality: str = "l"
    size: tuple[int, int] | None = None
    fps: int | None = None
    narration: str = "festival"
    compare: str | None = None
    slides_dir: Path | None = field(default=None, compare=False)
    provenance_path: Path | None = field(default=None, compare=False)
    speech_cache: Path | None = field(default=None, compare=False)

    def with_(self, **changes) -> "RenderContext":
        """A copy with ``changes`` applied (the context itself never changes)."""
        return dataclasses.replace(self, **changes)

    def check_layer_head(self, cfg: dict) -> None:
        """Raises ValueError when ``layer`` or ``head`` is outside the range of a model with
        config ``cfg`` (``n_layer``, ``n_head``; both numbered from 0). None passes."""
        for what, value, n in (("layer", self.layer, cfg["n_layer"]), ("head", self.head, cfg["n_head"])):
            if value is not None and not 0 <= value < n:
                raise ValueError(f"{what} {value} is out of range: the {self.checkpoint} model has "
                                 f"{n} {what}s, numbered 0 to {n - 1}")

    def picture_options(self, uses_prompt: bool = True) -> dict:
        """The options a scene's pictures depend on, as JSON-able values (paths left out;
        the prompt left out for a scene that does not read it)."""
        opts = {k: v for k, v in dataclasses.asdict(self).items() if k not in _NOT_PICTURE}
        if opts["size"] is not None:
            opts["size"] = list(opts["size"])
        if not uses_prompt:
            opts.pop("prompt")
        if opts["compare"] is None:   # the keys of renders without it stay as they were
            opts.pop("compare")
        if Path(self.narration).is_dir():   # recordings: a new take changes the film
            from .narration import recordings_digest
            opts["narration"] = {"folder": str(Path(self.narration).resolve()),
                                 "digest": recordings_digest(Path(self.narration))}
        return opts

    @classmethod
    def from_env(cls, environ: dict | None = None) -> "RenderContext":
        """The context of a plain ``manim`` run: ``GPTX_PROMPT``, ``GPTX_CHECKPOINT``,
        ``GPTX_THEME``, ``GPTX_SEED``, ``GPTX_TEMPERATURE``, ``GPTX_LAYER``, ``GPTX_HEAD``,
        ``GPTX_NARRATION``, ``GPTX_COMPARE``; each unset one keeps its default.

        Raises ValueError when a set variable is not a number where one is needed.
        """
        env = os.environ if environ is None else environ

        def opt_int(name):
            value = env.get(name, "").strip()
            return int(value) if value else None

        return cls(prompt=env.get("GPTX_PROMPT") or DEFAULT_PROMPT,
                   checkpoint=env.get("GPTX_CHECKPOINT") or "default",
                   theme=env.get("GPTX_THEME") or "dark",
                   seed=int(env.get("GPTX_SEED") or 0),
                   temperature=float(env.get("GPTX_TEMPERATURE") or 0.8),
                   layer=opt_int("GPTX_LAYER"), head=opt_int("GPTX_HEAD"),
                   narration=env.get("GPTX_NARRATION") or "festival",
                   compare=env.get("GPTX_COMPARE") or None)
