"""The render context: one frozen record of everything a render depends on.

The command line, the live server and a batch task each build one ``RenderContext`` and pass it
to the scene (``SceneClass(context=ctx)``); nothing reads a render's options from a module global.
A plain ``manim -ql scenes/x.py X`` has no caller to pass one, so the scene builds it with
``RenderContext.from_env()``: the one place the ``GPTX_*`` environment variables are read.

    ctx = RenderContext(prompt="Emma smiled and", theme="light", temperature=0.8)
    ctx.with_(layer=2, head=5, token=8)    # a changed copy (layer and token counted from 1)
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
    top_k          every demo sample is drawn from the top_k likeliest tokens at ``temperature``,
                   renormalised (``model.sampled_distribution``); 0 = no cut. Default
                   ``model.sampling.TOP_K`` (40), measured by tests/benchmarks/sampling.py
    layer          the layer the Attention and MLP scenes show, numbered as on screen: 1 to
                   n_layer (``layer_index`` is TransformerLens' 0-based ``blocks.{i}``); None =
                   measured on the prompt
    head           the head the Attention scene shows, 0 to n_head - 1; None = measured
    token          the token the Attention and ContextFlow scenes follow, counting from 1 as
                   on screen (``token_index`` is 0-based); None = measured on the prompt
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
    top_k: int = 40
    layer: int | None = None
    head: int | None = None
    token: int | None = None
    quality: str = "l"
    size: tuple[int, int] | None = None
    fps: int | None = None
    narration: str = "festival"
    compare: str | None = None
    slides_dir: Path | None = field(default=None, compare=False)
    provenance_path: Path | None = field(default=None, compare=False)
    speech_cache: Path | None = field(default=None, compare=False)

    def sample(self, text: str, n_tokens: int, checkpoint: str | None = None) -> list[int]:
        """``n_tokens`` new token ids continuing ``text`` by the film's one sampling rule: this
        context's temperature, top_k and seed (``model.generate``), with its checkpoint unless
        ``checkpoint`` names another. Raises what ``model.generate`` raises."""
        import model
        return model.generate(text, n_tokens, temperature=self.temperature, top_k=self.top_k or None,
                              seed=self.seed, checkpoint=checkpoint or self.checkpoint)

    def sampled_distribution(self, logits):
        """The distribution ``sample`` draws from after ``logits`` [n_vocab]: [n_vocab]."""
        import model
        return model.sampled_distribution(logits, self.temperature, self.top_k or None)

    def sampling_rule(self, n_vocab: int) -> str:
        """The rule in a few words, for a label next to bars: "T = 0.8, top-k 40", "T = 0
        (greedy)", "T = 1.2, all 8,192 tokens"."""
        if self.temperature == 0:
            return "T = 0 (greedy)"
        cut = f"top-k {self.top_k}" if 0 < self.top_k < n_vocab else f"all {n_vocab:,} tokens"
        return f"T = {self.temperature:g}, {cut}"

    def with_(self, **changes) -> "RenderContext":
        """A copy with ``changes`` applied (the context itself never changes)."""
        return dataclasses.replace(self, **changes)

    @property
    def layer_index(self) -> int | None:
        """``layer`` as TransformerLens numbers blocks (0-based), or None."""
        return None if self.layer is None else self.layer - 1

    @property
    def head_index(self) -> int | None:
        """``head`` as TransformerLens numbers a layer's heads (0-based), or None."""
        return None if self.head is None else self.head - 1

    @property
    def token_index(self) -> int | None:
        """``token`` as a 0-based position, or None."""
        return None if self.token is None else self.token - 1

    def check_layer_head(self, cfg: dict) -> None:
        """Raises ValueError when ``layer`` (1 to n_layer, as on screen) or ``head`` (1 to
        n_head, as on screen) is outside the range of a model with config ``cfg`` (``n_layer``, ``n_head``).
        None passes."""
        if self.layer is not None and not 1 <= self.layer <= cfg["n_layer"]:
            raise ValueError(f"layer {self.layer} is out of range: the {self.checkpoint} model has "
                             f"{cfg['n_layer']} layers, numbered 1 to {cfg['n_layer']}")
        if self.head is not None and not 1 <= self.head <= cfg["n_head"]:
            raise ValueError(f"head {self.head} is out of range: the {self.checkpoint} model has "
                             f"{cfg['n_head']} heads, numbered 1 to {cfg['n_head']}")

    def check_token(self, n_tokens: int) -> None:
        """Raises ValueError when ``token`` is not a position of a prompt of ``n_tokens`` tokens
        (1 to n_tokens). None passes."""
        if self.token is not None and not 1 <= self.token <= n_tokens:
            raise ValueError(f"token {self.token} is out of range: the prompt has {n_tokens} "
                             f"token{'s' if n_tokens != 1 else ''}, numbered 1 to {n_tokens}")

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
        ``GPTX_THEME``, ``GPTX_SEED``, ``GPTX_TEMPERATURE``, ``GPTX_TOP_K``, ``GPTX_LAYER`` (1 to
        n_layer), ``GPTX_HEAD``, ``GPTX_TOKEN`` (from 1), ``GPTX_NARRATION``, ``GPTX_COMPARE``; each
        unset one keeps its default.

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
                   top_k=int(env.get("GPTX_TOP_K") or 40),
                   layer=opt_int("GPTX_LAYER"), head=opt_int("GPTX_HEAD"), token=opt_int("GPTX_TOKEN"),
                   narration=env.get("GPTX_NARRATION") or "festival",
                   compare=env.get("GPTX_COMPARE") or None)
