"""Text helpers: one Pango Text per label (no LaTeX), token pieces made visible."""
from __future__ import annotations

import math
import re
import unicodedata

from manim import Text

from .. import style

# Invisible characters a learner must still see: a space, a line break, a tab.
_VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥"}


def escape_controls(text: str, keep: str = "\n\t") -> str:
    """``text`` with control characters (other than those in ``keep``) written as \\xNN, as
    ``model.tokenizer.piece_text`` writes loose bytes: Pango cannot draw them."""
    return "".join(f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" and ch not in keep else ch
                   for ch in text)


def show_piece(piece: str) -> str:
    """A token's text with spaces, newlines and tabs drawn as visible glyphs and other control
    characters (token ids 0-31 are single control bytes; C1 controls) as ``\\xNN``, as the
    tokenizer writes bytes that are not whole characters; ``∅`` for the empty string."""
    return escape_controls("".join(_VISIBLE.get(ch, ch) for ch in piece), keep="") or "∅"


def readable_text(text: str) -> str:
    """Running text (e.g. a sample) as a learner reads it: each line break (\\r\\n, \\r or \\n)
    as "↵", the film's mark for it, set off by spaces; a tab as a space; any other control
    character (a random model writes them; Pango cannot draw them) as "�", the mark of a
    character that cannot be shown, never as \\xNN."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = "".join("\ufffd" if unicodedata.category(ch) == "Cc" and ch != "\n" else ch for ch in text)
    return re.sub(r" *(?:\n *)+", lambda m: " " + " ".join("↵" * m.group(0).count("\n")) + " ", text)


def ink(color, theme: style.Theme | None):
    """``color``, else ``theme``'s text colour. Raises TypeError when both are None."""
    if color is not None:
        return color
    if theme is None:
        raise TypeError("give a color or the theme whose text colour to use")
    return theme.text


def label(text: str, size: float = style.BODY_SIZE, color=None, mono: bool = False, *,
          theme: style.Theme | None = None, **kwargs) -> Text:
    """``text`` in one Pango ``Text`` at font ``size``, in ``color`` or else ``theme.text``.
    Raises TypeError when neither ``color`` nor ``theme`` is given."""
    return Text(text, font=style.MONO if mono else style.FONT, font_size=size,
                color=ink(color, theme), **kwargs)


def piece_label(piece: str, size: float = style.SMALL_SIZE, color=None, *,
                theme: style.Theme | None = None) -> Text:
    """A token's text for right-aligned columns, on a common baseline.

    Manim centres text by its ink, so a lone "." would float to mid-height; a leading invisible
    "H" gives every label the same vertical extent.
    """
    t = label("H" + show_piece(piece), size, color=color, mono=True, theme=theme)
    t[0].set_opacity(0)
    return t


TINY_PERCENT = "<0.00010%"    # below what two significant digits write without an exponent


def percent(p: float) -> str:
    """A probability as a short percentage with three significant digits from 1 % up and two
    below, trailing zeros kept so neighbours read alike: 42.1%, 3.07%, 1.00%, 0.30%, 0.012%;
    exactly 0 is 0%. Never in scientific notation (9.6e-07% is unreadable to a learner): below
    0.00010% it is "<0.00010%"."""
    pct = 100.0 * p
    if pct == 0:
        return "0%"
    if round(pct, 1) >= 10:
        return f"{pct:.1f}%"
    if round(pct, 2) >= 1:                  # 0.9996 is 1.00%, not 1%
        return f"{pct:.2f}%"
    small = f"{pct:#.2g}"
    return TINY_PERCENT if "e" in small else f"{small}%"


def plain_number(v: float) -> str:
    """A positive number with three significant digits, written out in full and never in
    scientific notation: 12,900 (thousands separated), 3,940, 12.3, 0.0412, 0.00000216."""
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"plain_number takes a positive finite number, not {v}")
    digits = 2 - math.floor(math.log10(v))       # decimals that keep three significant digits
    rounded = round(v, digits)
    if rounded >= 10 ** (3 - digits):             # rounding carried into one more digit (999.6)
        digits -= 1
        rounded = round(v, digits)
    return f"{rounded:,.0f}" if digits <= 0 else f"{rounded:,.{digits}f}"
