"""A prompt and its continuation as wrapped text, the continuation in the 'chosen' accent."""
from __future__ import annotations

from manim import MarkupText

from .. import style
from .raster import cells
from .text import escape_controls


def _escape(s: str) -> str:
    return escape_controls(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wrap_pieces(pieces: list[str], width: int) -> list[list[tuple[int, str]]]:
    """Lines of (piece index, text), breaking between pieces once a line reaches ``width``
    character cells (a CJK character takes 2)."""
    lines, line, used = [], [], 0
    for i, piece in enumerate(pieces):
        for j, part in enumerate(piece.split("\n")):
            if j > 0:  # a newline inside the piece ends the line
                lines.append(line)
                line, used = [], 0
            if used + cells(part) > width and line:
                lines.append(line)
                line, used = [], 0
                part = part.lstrip(" ")
            if part:
                line.append((i, part))
                used += cells(part)
    lines.append(line)
    return lines


class PromptText(MarkupText):
    """``pieces[:n_prompt]`` in the text colour, the rest (generated) in the accent colour."""

    def __init__(self, pieces: list[str], n_prompt: int, width: int = 34,
                 size: float = style.BODY_SIZE, max_lines: int = 6, *, theme: style.Theme):
        th = theme
        lines = wrap_pieces(pieces, width)
        self.dropped_lines = max(0, len(lines) - max_lines)  # a long prompt shows its end
        rows = ['<span foreground="%s">…</span>' % th.muted.to_hex()] if self.dropped_lines else []
        for line in lines[self.dropped_lines:]:
            row = ""
            for i, part in line:
                color = th.text if i < n_prompt else th.chosen
                row += f'<span foreground="{color.to_hex()}">{_escape(part)}</span>'
            rows.append(row or " ")
        super().__init__("\n".join(rows), font=style.FONT, font_size=size, line_spacing=0.8)
        self.theme = theme
        self.pieces, self.n_prompt = list(pieces), n_prompt
