"""What one render is about: the prompt, the checkpoint, the theme, the head to show.

``render.py`` sets these; a plain ``manim -ql scenes/x.py X`` reads the same names from the
environment (GPTX_PROMPT, GPTX_CHECKPOINT, GPTX_THEME, GPTX_SEED, GPTX_TEMPERATURE,
GPTX_LAYER, GPTX_HEAD) and
otherwise uses the defaults. ``layer``/``head`` None means the measured default
(``model.heads.name_heads``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_PROMPT = "Emma smiled at her father and said that she would"


def _optional_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


@dataclass
class Settings:
    prompt: str = os.environ.get("GPTX_PROMPT", DEFAULT_PROMPT)
    checkpoint: str = os.environ.get("GPTX_CHECKPOINT", "default")
    theme: str = os.environ.get("GPTX_THEME", "dark")
    seed: int = int(os.environ.get("GPTX_SEED", "0"))
    temperature: float = float(os.environ.get("GPTX_TEMPERATURE", "0.8"))
    layer: int | None = _optional_int("GPTX_LAYER")
    head: int | None = _optional_int("GPTX_HEAD")


current = Settings()
