"""Tokens as captions and the narrator name them (plain Python: no drawing, no model).

A token that is whole text is its text in quotes (“cat”). A token that is only part of a
character (one byte of a Chinese character or an emoji in a byte-level vocabulary) is never
named by its bytes as ``\\xe6``, which a listener cannot follow: it is named by the character
its bytes fall in, “byte 2 of 3 of “我””, from ``model.tokenizer.char_parts``.

    names = spoken_names(trace.pieces, char_parts(enc, trace.tokens))
    told_apart(names, upto=q)      # the same name twice gets its position: “he” #6
"""
from __future__ import annotations

def spoken(piece: str) -> str:
    """A whole token as said and captioned: its text in quotes, spaces trimmed (“ship”); a piece
    that is only spaces or not printable text is given as the token's visible form."""
    from .components.text import show_piece     # manim only when a name needs the visible form
    text = piece.strip()
    if not text or not text.isprintable():
        text = show_piece(piece)
    return f"“{text}”"


def byte_words(part: tuple[str, int, int, int]) -> str:
    """A token that is part of a character, in words: “byte 2 of 3 of “我””, “bytes 1–2 of 4 of
    “🙂””, “a piece of “我喜”” (bytes of two characters), “a loose byte” (no character)."""
    chars, first, last, n = part
    if not chars:
        return "a loose byte" if first == last else "loose bytes"
    if len(chars) > 1:
        return f"a piece of “{chars}”"
    which = f"byte {first}" if first == last else f"bytes {first}–{last}"
    return f"{which} of {n} of “{chars}”"


def spoken_name(piece: str, part) -> str:
    """Token ``piece`` as said: ``spoken(piece)`` when whole (``part`` None), else its bytes'
    place in their character (``byte_words``)."""
    return spoken(piece) if part is None else byte_words(part)


def spoken_names(pieces: list[str], parts: list) -> list[str]:
    """Every token's spoken name (``parts`` from ``model.tokenizer.char_parts``, one per piece)."""
    if len(pieces) != len(parts):
        raise ValueError(f"{len(pieces)} pieces but {len(parts)} character parts")
    return [spoken_name(p, part) for p, part in zip(pieces, parts)]


def told_apart(names: list[str], upto: int | None = None) -> list[str]:
    """``names`` with the position (from 1, as on screen: “he” #6) added to every name that
    sounds like another among the first ``upto + 1`` (all when None): case is not heard."""
    seen = names if upto is None else names[: upto + 1]
    counts: dict[str, int] = {}
    for name in seen:
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    return [f"{name} #{i + 1}" if counts.get(name.casefold(), 0) > 1 else name for i, name in enumerate(names)]


def sentence(text: str) -> str:
    """``text`` with its first letter upper-case (a name like “byte 2 of 3 …” may open it)."""
    return text[:1].upper() + text[1:]


def continued(text: str) -> str:
    """``text`` (a sentence ``sentence`` may have capitalised) going on after a colon: a byte's
    name is lower-case again (“Measured: byte 2 of 3 of …”); a quote or a word is kept."""
    for opening in ("Byte", "A piece", "A loose", "Loose"):
        if text.startswith(opening):
            return text[:1].lower() + text[1:]
    return text


__all__ = ["byte_words", "continued", "sentence", "spoken", "spoken_name", "spoken_names", "told_apart"]
