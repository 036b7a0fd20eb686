"""Probability bars: the top-k next tokens as horizontal bars, labels and percentages."""
from __future__ import annotations

import numpy as np
from manim import (LEFT, RIGHT, UP, AnimationGroup, Group, Rectangle, SurroundingRectangle,
                   Transform, VGroup)

from .checks import finite_array
from .. import style
from .raster import IMAGE_PAD, drawn_width, font_em
from .text_image import text_image
from .text import TINY_PERCENT, percent, piece_label

def percent_image(p: float, color):
    """A percentage as one small image, as wide as the widest ``percent`` writes, so that any two
    of them blend in a Transform; ``.text`` holds the string drawn."""
    em = font_em(style.SMALL_SIZE)
    # every form ``percent`` writes, "<0.00010%" (anything smaller) the widest
    widest = max(drawn_width(s, em, pad=IMAGE_PAD) for s in ("100.0%", "0.00088%", TINY_PERCENT))
    return text_image(percent(p), style.SMALL_SIZE, color, min_width=widest)


def check_probs(labels: list[str], probs) -> np.ndarray:
    """``probs`` as floats. Raises ValueError unless there is one per label, finite, in [0, 1]."""
    p = finite_array("probabilities", probs, (len(labels),))
    if p.min() < 0 or p.max() > 1:
        raise ValueError("probabilities must be within [0, 1]")
    return p


class ProbabilityBars(Group):
    """One row per token: its piece (right-aligned), a grey bar of length ∝ p, the percentage.

    The bar scale is fixed (``full`` = probability drawn at ``max_width``) so that bars of two
    distributions compare honestly when one animates into the other.
    """

    def __init__(self, labels: list[str], probs, max_width: float = 5.0, row_height: float = 0.5,
                 full: float = 1.0, label_width: float = 2.4, *, theme: style.Theme):
        super().__init__()
        self.theme = theme
        self.probs = check_probs(labels, probs)
        self.pieces = list(labels)
        self.max_width, self.row_height, self.full = max_width, row_height, full
        self.bars, self.labels, self.percents = VGroup(), VGroup(), Group()
        for i, (piece, p) in enumerate(zip(labels, self.probs)):
            y = -i * row_height
            name = piece_label(piece, theme=theme)
            if name.width > label_width:
                name.scale_to_fit_width(label_width)
            name.move_to([-0.15, y, 0], aligned_edge=RIGHT)
            bar, pct = self._bar(p, y)
            self.labels.add(name)
            self.bars.add(bar)
            self.percents.add(pct)
        self.add(self.bars, self.labels, self.percents)

    def _bar(self, p: float, y: float):
        """Row ``y``'s bar for probability ``p`` and its percentage just right of its end."""
        th = self.theme
        width = max(1e-3, self.max_width * min(1.0, p / self.full))
        bar = Rectangle(width=width, height=self.row_height * 0.7, stroke_width=0,
                        fill_color=th.muted, fill_opacity=1.0)
        bar.move_to([0, y, 0], aligned_edge=LEFT)
        pct = percent_image(p, th.muted)
        pct.next_to(bar, RIGHT, buff=0.15)
        return bar, pct

    def bar_widths(self) -> np.ndarray:
        return np.array([b.width for b in self.bars])

    def retarget(self, labels: list[str], probs):
        """An animation to another distribution, keeping this chart's place and scale.

        Same tokens (a temperature sweep): only the bars and percentages move; the labels stay,
        so no text is rebuilt. New tokens: the whole chart turns into the new one.
        """
        if list(labels) == self.pieces:
            p = check_probs(labels, probs)
            shift = self.bars[0].get_left() - np.array([0, self.bars[0].get_y(), 0])
            anims = []
            for i, (bar, pct) in enumerate(zip(self.bars, self.percents)):
                new_bar, new_pct = self._bar(float(p[i]), 0.0)
                new_bar.shift(shift + np.array([0, bar.get_y(), 0]))
                new_pct.shift(shift + np.array([0, bar.get_y(), 0]))
                anims += [Transform(bar, new_bar), Transform(pct, new_pct)]
                pct.text = new_pct.text
            self.probs = p
            return AnimationGroup(*anims)
        new = ProbabilityBars(labels, probs, self.max_width, self.row_height, self.full, theme=self.theme)
        new.shift(self.bars[0].get_left() - new.bars[0].get_left())
        self.probs, self.pieces = new.probs, new.pieces  # what the chart shows once played
        return Transform(self, new)

    def highlight(self, i: int) -> SurroundingRectangle:
        """A box in the 'chosen' accent around row ``i`` (label, bar and percentage): around the
        percentage's text, not its image, which is padded to the widest percentage."""
        pct = self.percents[i]
        text = Rectangle(width=min(pct.width, drawn_width(pct.text, font_em(style.SMALL_SIZE), pad=IMAGE_PAD)),
                         height=pct.height)
        text.move_to(pct.get_left(), aligned_edge=LEFT)
        row = Group(self.labels[i], self.bars[i], text)
        return SurroundingRectangle(row, color=self.theme.chosen, buff=0.06, stroke_width=4)

    @property
    def top(self):
        return self.get_edge_center(UP)
