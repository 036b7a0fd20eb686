"""A request's query string as a checked RenderContext, with the command line's messages.

    ctx = context_from_query({"prompt": "Emma smiled", "temperature": "0.5"})
    name = scene_from_query({"scene": "Softmax"})

Every function raises ``pipeline.errors.UsageError`` (the server answers 400 with its message).
"""
from __future__ import annotations

from collections.abc import Mapping

from scenes.context import RenderContext

from ..checks import checked_context, checked_scenes
from ..errors import UsageError

MAX_PROMPT_CHARS = 4000     # the model reads 128 tokens; a longer query is a mistake or abuse


def _number(query: Mapping[str, str], name: str, kind, default=None):
    raw = query.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise UsageError(f"{name} must be {what}, got {raw[:40]!r}") from None


def context_from_query(query: Mapping[str, str]) -> RenderContext:
    """``prompt`` (absent: the default prompt; present, it must not be empty), ``temperature``,
    ``layer``, ``head`` and ``token`` (each from 1, as on screen), ``seed``, ``theme`` (dark or light), ``checkpoint``; 480p stills."""
    prompt = query.get("prompt")
    if prompt is not None and len(prompt) > MAX_PROMPT_CHARS:
        raise UsageError(f"the prompt is {len(prompt):,} characters; the live page takes at most "
                         f"{MAX_PROMPT_CHARS:,} (the model reads only its last 128 tokens)")
    theme = query.get("theme") or "dark"
    if theme not in ("dark", "light"):
        raise UsageError(f"theme must be dark or light, got {theme[:40]!r}")
    return checked_context(prompt, query.get("checkpoint") or "default", quiet=True,
                           temperature=_number(query, "temperature", float, 0.8),
                           layer=_number(query, "layer", int), head=_number(query, "head", int),
                           token=_number(query, "token", int),
                           seed=_number(query, "seed", int, 0), theme=theme, quality="l")


def scene_from_query(query: Mapping[str, str]) -> str:
    """The one scene named by ``scene`` (the film's or the gallery's)."""
    name = query.get("scene")
    if not name:
        raise UsageError("name a scene, e.g. scene=Softmax; see `render.py list`")
    return checked_scenes([name])[0]


def slide_from_query(query: Mapping[str, str]) -> int:
    """``slide``: 0 (the first) or more."""
    n = _number(query, "slide", int, 0)
    if n < 0:
        raise UsageError(f"slide {n} is out of range: slides are numbered from 0")
    return n
