"""What one render is about: the prompt, the checkpoint, the theme.

``render.py`` sets these; a plain ``manim -ql scenes/x.py X`` reads the same names from the
environment (GPTX_PROMPT, GPTX_CHECKPOINT, GPTX_THEME) and otherwise uses the defaults.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_PROMPT = "Emma smiled at her father and said that she would"


@dataclass
class Settings:
    prompt: str = os.environ.get("GPTX_PROMPT", DEFAULT_PROMPT)
    checkpoint: str = os.environ.get("GPTX_CHECKPOINT", "default")
    theme: str = os.environ.get("GPTX_THEME", "dark")
    seed: int = int(os.environ.get("GPTX_SEED", "0"))


current = Settings()
