"""A running tally of parameters: one row per matrix group, counters that run up, and a total.

Names are one static image and all counters another, redrawn in place (same pixels, new digits)
while they count, so counting costs one small PIL drawing per frame: no ``DecimalNumber``, no
LaTeX, no re-built Pango text. The total row always shows the sum of the rows as drawn.

    tally = ParameterTally([("Embedding", 617_558_016), ...], "GPT-3")
    self.play(FadeIn(tally)); tally.count_up(self, run_time=4)
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, UL, UP, Animation, Group, ImageMobject, Line, UpdateFromAlphaFunc, smooth

from .. import style
from ..manim_internals import set_picture
from .raster import Canvas, drawn_width, font_em
from .text import label as text_label


def fmt_count(n: int) -> str:
    """A count with thousands separators: 175,181,291,520."""
    return f"{n:,}"


def check_groups(groups: Sequence[tuple[str, int]]) -> tuple[list[str], list[int]]:
    """The names and counts of ``groups`` [(name, count), ...]. Raises ValueError for no groups,
    a non-string name or a count that is not a non-negative integer."""
    if len(groups) == 0:
        raise ValueError("a tally needs at least one group")
    names, values = [], []
    for entry in groups:
        if len(entry) != 2:
            raise ValueError(f"each group is (name, count), got {entry!r}")
        name, value = entry
        if not isinstance(name, str):
            raise ValueError(f"group name must be a string, got {name!r}")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
            raise ValueError(f"count of {name!r} must be a number, got {value!r}")
        if not np.isfinite(value):
            raise ValueError(f"count of {name!r} must be finite, got {value!r}")
        if value < 0 or int(value) != value:
            raise ValueError(f"count of {name!r} must be a non-negative integer, got {value!r}")
        names.append(name)
        values.append(int(value))
    return names, values


class ParameterTally(Group):
    """Rows "name  count", a rule, then "Total  sum"; counters start at 0 and ``count_up``.

    ``names``, ``values`` and ``total`` are what the tally adds up to; ``shown()`` the counts
    drawn right now (rows, then total), ``progress`` how far counting has got (0 to 1).
    """

    def __init__(self, groups: Sequence[tuple[str, int]], title: str, size: float = style.BODY_SIZE,
                 total_name: str = "Total", start_at_zero: bool = True, column_gap: float = 0.8, *, theme: style.Theme):
        """Raises ValueError for bad ``groups`` (see ``check_groups``) or a font size below the
        readable minimum."""
        super().__init__()
        self.theme = theme
        if size < style.SMALL_SIZE:
            raise ValueError(f"font size {size} is below the readable minimum {style.SMALL_SIZE}")
        self.names, self.values = check_groups(groups)
        self.total = sum(self.values)
        self.total_name = total_name
        th = theme
        self.em = font_em(size)
        self.pitch = 1.55 * self.em
        self.rule_gap = 0.35 * self.em           # extra space around the rule above the total
        n = len(self.values)
        self.names_w = max(drawn_width(s, self.em, mono=False) for s in self.names + [total_name])
        self.numbers_w = drawn_width(fmt_count(self.total), self.em, mono=True) + 0.04
        self.height_units = (n + 1) * self.pitch + self.rule_gap

        self.title = text_label(title, size, color=th.text)
        names = Canvas(self.names_w + 0.04, self.height_units)
        for i, name in enumerate(self.names + [total_name]):
            names.text(0.02, self._baseline(i), name, self.em, th.text, anchor="ls", mono=False)
        self.names_image: ImageMobject = names.mobject()
        self.numbers_image: ImageMobject = Canvas(self.numbers_w, self.height_units).mobject()
        self.numbers_image.next_to(self.names_image, RIGHT, buff=column_gap).align_to(self.names_image, DOWN)
        self.title.next_to(self.names_image, UP, buff=0.35)
        self.title.align_to(self.names_image, LEFT)
        y = self.names_image.get_corner(UL)[1] - (n * self.pitch + self.rule_gap / 2)
        self.rule = Line([self.names_image.get_left()[0], y, 0], [self.numbers_image.get_right()[0], y, 0],
                         color=th.muted, stroke_width=2)
        self.add(self.title, self.names_image, self.numbers_image, self.rule)
        self.progress = -1.0
        self.lag_ratio = 0.0
        self.set_progress(0.0 if start_at_zero else 1.0)
        self.move_to([0, 0, 0])

    def _baseline(self, row: int) -> float:
        """The text baseline of a row, in the images' unit coordinates (top = 0)."""
        extra = self.rule_gap if row >= len(self.values) else 0.0
        return row * self.pitch + 1.1 * self.em + extra

    # --- counting -----------------------------------------------------------------------------
    def counts_at(self, progress: float, lag_ratio: float | None = None) -> list[int]:
        """Each row's count at ``progress`` (0..1); with a lag, rows start one after another."""
        lag = self.lag_ratio if lag_ratio is None else lag_ratio
        n = len(self.values)
        span = 1.0 / (1.0 + (n - 1) * lag)
        out = []
        for i, v in enumerate(self.values):
            f = min(1.0, max(0.0, (progress - i * lag * span) / span))
            out.append(v if f >= 1.0 else int(round(v * f)))
        return out

    def set_progress(self, progress: float) -> None:
        """Draw the counters as they are at ``progress`` (0 = all zero, 1 = the final counts)."""
        progress = float(min(1.0, max(0.0, progress)))
        if progress == self.progress:
            return
        self.progress = progress
        th = self.theme
        rows = self.counts_at(progress)
        self._shown = rows + [sum(rows)]
        canvas = Canvas(self.numbers_w, self.height_units)
        for i, count in enumerate(self._shown):
            canvas.text(self.numbers_w - 0.02, self._baseline(i), fmt_count(count), self.em, th.text, anchor="rs")
        set_picture(self.numbers_image, np.asarray(canvas.image))

    def shown(self) -> list[int]:
        """The counts drawn now: one per row, then the total."""
        return list(self._shown)

    def count_up(self, scene=None, run_time: float = 3.0, lag_ratio: float = 0.25) -> Animation:
        """An animation running every counter from 0 to its value; played at once if given a scene.

        With ``lag_ratio`` > 0 the rows start one after another, so the total grows group by group.
        """
        self.lag_ratio = lag_ratio
        self.set_progress(0.0)
        anim = UpdateFromAlphaFunc(self.numbers_image, lambda m, a: self.set_progress(a),
                                   run_time=run_time, rate_func=smooth)
        if scene is not None:
            scene.play(anim)
        return anim

    def row_center(self, i: int) -> np.ndarray:
        """The middle of row ``i`` (``len(values)`` for the total), to point at or box it."""
        top = self.names_image.get_top()[1]
        k = self.names_image.height / self.height_units
        y = top - k * (self._baseline(i) - 0.35 * self.em)
        x = (self.names_image.get_left()[0] + self.numbers_image.get_right()[0]) / 2
        return np.array([x, y, 0.0])
