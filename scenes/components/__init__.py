"""Reusable mobjects in the visual grammar; each builds from numpy and validates its input."""
from .bars import ProbabilityBars
from .prompt_text import PromptText
from .text import label, percent, show_piece

__all__ = ["ProbabilityBars", "PromptText", "label", "percent", "show_piece"]
