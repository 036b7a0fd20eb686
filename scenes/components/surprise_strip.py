"""Two models side by side on one text: the probability each gave to each actual next token.

One row per predicted token: the token, then for each model a grey bar of length ∝ p (on one
fixed scale, so bars compare honestly) and its percentage (below ``FLOOR`` shown as "<0.00010%",
so a random model's 1e-20 stays inside its column). Rows where the first model gave the token far
less than the second (``surprise_ratio`` times or more) are marked: the token's name on a solid
chip of the text colour (rows are set solid, so an outline would run through the next row's
text). A row may be a whole word as well as a token.
"""
from __future__ import annotations

import numpy as np
from manim import Group

from .. import style
from .raster import Canvas, font_em, shorten, text_width
from .text import percent, show_piece

ROW_H = 0.36
BAR_W = 2.6
PCT_W = 1.8
FLOOR = 1e-6        # the smallest probability written out: 0.00010%


def shown_percent(p: float) -> str:
    """``p`` as the strip writes it: ``percent(p)``, or "<0.00010%" below FLOOR."""
    return percent(p) if p >= FLOOR else f"<{percent(FLOOR)}"


class SurpriseStrip(Group):
    """``pieces`` [n] the actual tokens; ``probs`` [n_models, n] what each model gave them.

    ``.probs``      the drawn probabilities
    ``.surprised``  the rows marked: model 0 gave the token ``surprise_ratio`` times less than
                    model 1, and model 1 gave it at least ``min_p``
    Raises ValueError for a shape mismatch or a probability outside [0, 1].
    """

    def __init__(self, pieces: list[str], probs, names: list[str], surprise_ratio: float = 10.0,
                 min_p: float = 0.1, label_width: float = 2.2, *, theme: style.Theme):
        super().__init__()
        p = np.asarray(probs, dtype=float)
        if p.ndim != 2 or p.shape[1] != len(pieces) or p.shape[0] != len(names) or p.size == 0:
            raise ValueError(f"probs must be [{len(names)}, {len(pieces)}], got shape {p.shape}")
        if not np.all(np.isfinite(p)) or p.min() < 0 or p.max() > 1:
            raise ValueError("probabilities must be finite and within [0, 1]")
        self.probs, self.surprise_ratio, self.min_p = p, surprise_ratio, min_p
        self.surprised = [bool(p.shape[0] > 1 and p[1, j] >= min_p and p[1, j] >= surprise_ratio * p[0, j])
                          for j in range(p.shape[1])]
        th = theme
        em = font_em(style.SMALL_SIZE)
        col_w = BAR_W + PCT_W + 0.4
        width = label_width + 0.3 + p.shape[0] * col_w
        c = Canvas(width, (p.shape[1] + 1) * ROW_H + 0.1)
        for m, name in enumerate(names):      # column heads
            c.text(label_width + 0.3 + m * col_w, 0.5 * ROW_H, name, em, th.text, anchor="lm", mono=False)
        for j, piece in enumerate(pieces):
            y = (j + 1.5) * ROW_H + 0.05
            text = shorten(show_piece(piece), label_width - 0.1, em, mono=True)
            ink = th.text
            if self.surprised[j]:
                w = text_width(text, em, mono=True)
                c.rect(label_width - w - 0.08, y - 0.5 * ROW_H + 0.03, label_width + 0.06,
                       y + 0.5 * ROW_H - 0.03, fill=th.text)
                ink = th.background
            c.text(label_width, y, text, em, ink, anchor="rm")
            for m in range(p.shape[0]):
                x = label_width + 0.3 + m * col_w
                c.rect(x, y - 0.13, x + BAR_W, y + 0.13, fill=th.data_low)
                c.rect(x, y - 0.13, x + max(0.02, BAR_W * p[m, j]), y + 0.13, fill=th.data_high)
                c.text(x + BAR_W + 0.12, y, shown_percent(p[m, j]), em, th.text, anchor="lm")
        self.image = c.mobject()
        self.add(self.image)
