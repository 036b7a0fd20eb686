"""Text helpers: one Pango Text per label (no LaTeX), token pieces made visible."""
from __future__ import annotations

from manim import Text

from .. import style

# Invisible characters a learner must still see: a space, a line break, a tab.
_VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥"}


def _visible(ch: str) -> str:
    if ch in _VISIBLE:
        return _VISIBLE[ch]
    code = ord(ch)
    if code < 0x20 or 0x7F <= code < 0xA0:      # control bytes: Pango cannot draw them
        return f"\\x{code:02x}"
    return ch


def show_piece(piece: str) -> str:
    """A token's text with spaces, newlines and tabs drawn as visible glyphs and other control
    characters (token ids 0-31 are single control bytes) as ``\\xNN``, as the tokenizer writes
    bytes that are not whole characters; ``∅`` for the empty string."""
    return "".join(_visible(ch) for ch in piece) or "∅"


def label(text: str, size: float = style.BODY_SIZE, color=None, mono: bool = False, **kwargs) -> Text:
    return Text(text, font=style.MONO if mono else style.FONT, font_size=size,
                color=color if color is not None else style.theme().text, **kwargs)


def piece_label(piece: str, size: float = style.SMALL_SIZE, color=None) -> Text:
    """A token's text for right-aligned columns, on a common baseline.

    Manim centres text by its ink, so a lone "." would float to mid-height; a leading invisible
    "H" gives every label the same vertical extent.
    """
    t = label("H" + show_piece(piece), size, color=color, mono=True)
    t[0].set_opacity(0)
    return t


def percent(p: float) -> str:
    """A probability as a short percentage: 42.1%, 3.07%, 0.012%."""
    pct = 100.0 * p
    if pct >= 10:
        return f"{pct:.1f}%"
    if pct >= 1:
        return f"{pct:.2f}%"
    return f"{pct:.2g}%"
