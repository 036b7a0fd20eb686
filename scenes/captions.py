"""Captions a learner can read: how long one stays up, and where a long line is split.

Common subtitling norms: at most two lines of about 42 characters, at least 1.2 s on screen, at
most 17 characters per second (15 as a median). A caption here stays up for the longer of its
spoken length and its reading time at 14 characters per second; a line longer than
``MAX_CHARS`` becomes two (or more) captions, cut at a sentence, then a clause, then a word
boundary near its middle.

    split_caption("Add up e to the logit over all 8,192 tokens, and divide each by that sum.")
    # ['Add up e to the logit over all 8,192 tokens,', 'and divide each by that sum.']
    reading_seconds("T = 1 is the model's own distribution.")   # 2.71 (s)
"""
from __future__ import annotations

import re

MAX_CHARS = 64          # one caption: two short lines
READING_CPS = 14.0      # characters per second a caption is given to be read
MIN_SECONDS = 1.2       # the shortest time a caption stays up
GAP_SECONDS = 0.15      # silence between the two halves of a split line

# split points, best first: end of a sentence, a colon or semicolon, a comma or dash, any space
_BOUNDARIES = (r"(?<=[.!?])\s+", r"(?<=[:;])\s+", r"(?<=,)\s+|\s+(?=[—–-]\s)", r"\s+")


def reading_seconds(text: str) -> float:
    """Seconds ``text`` needs on screen: ``len / READING_CPS``, at least ``MIN_SECONDS``."""
    return max(MIN_SECONDS, len(text) / READING_CPS)


def split_caption(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """``text`` (whitespace collapsed) as captions of at most ``max_chars`` characters each where
    a boundary allows, cut at the best kind of boundary closest to the middle."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return [text]
    for pattern in _BOUNDARIES:
        cuts = [m for m in re.finditer(pattern, text)
                if 0 < m.start() and m.end() < len(text)]
        # a cut must leave both parts long enough to read as a phrase
        cuts = [m for m in cuts if min(m.start(), len(text) - m.end()) >= 12]
        if cuts:
            best = min(cuts, key=lambda m: abs(m.start() - len(text) / 2))
            head, tail = text[: best.start()].strip(), text[best.end():].strip()
            if max(len(head), len(tail)) < len(text):
                return split_caption(head, max_chars) + split_caption(tail, max_chars)
    return [text]
