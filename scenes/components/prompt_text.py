"""A prompt and its continuation as wrapped text, the continuation in the 'chosen' accent."""
from __future__ import annotations

from manim import MarkupText

from .. import style
from .raster import cells
from .text import escape_controls


def _escape(s: str) -> str:
    return escape_controls(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def continues_word(prev: str, part: str) -> bool:
    """True when ``part`` carries on the word ``prev`` ends: no space on either side of the
    join and neither character wide (a CJK text may break between any two characters)."""
    if not prev or not part:
        return False
    a, b = prev[-1], part[0]
    return not (a.isspace() or b.isspace()) and cells(a) == 1 and cells(b) == 1


def words(pieces: list[str]) -> list[str]:
    """``pieces`` joined into words: a piece that carries on the previous one's word
    (``continues_word``: "␣harb" + "our") is glued to it. "".join is unchanged."""
    out: list[str] = []
    for piece in pieces:
        if out and continues_word(out[-1], piece):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def wrap_pieces(pieces: list[str], width: int) -> list[list[tuple[int, str]]]:
    """Lines of (piece index, text), breaking between words (``continues_word``) once a line
    reaches ``width`` character cells (a CJK character takes 2); a word wider than a line
    breaks between its pieces."""
    groups: list[list[tuple[int, str]] | None] = []    # words of (index, text); None: a newline
    for i, piece in enumerate(pieces):
        for j, part in enumerate(piece.split("\n")):
            if j > 0:  # a newline inside the piece ends the line
                groups.append(None)
            if not part:
                continue
            last = groups[-1] if groups else None
            if last is not None and continues_word(last[-1][1], part):
                last.append((i, part))
            else:
                groups.append([(i, part)])
    lines, line, used = [], [], 0
    for group in groups:
        if group is None:
            lines.append(line)
            line, used = [], 0
            continue
        wrapped = False
        if used + sum(cells(t) for _, t in group) > width and line:
            lines.append(line)
            line, used, wrapped = [], 0, True
        for i, part in group:
            if used + cells(part) > width and line:   # only inside a word wider than a line
                lines.append(line)
                line, used, wrapped = [], 0, True
            if wrapped and not line:
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
