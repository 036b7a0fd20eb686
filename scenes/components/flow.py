"""The data flow at a glance: tokens → embedding → [Attention → MLP] ×L → ... → probabilities.

Laid out left to right and wrapped onto a second row (like a line of text) when it would not fit
the frame, so every label keeps a readable size. The repeated block is one framed pair with a
loop-back arrow marked "×L", and ``pass_through`` walks a small mobject along the arrows.

    flow = FlowDiagram(trace.config["n_layer"])
    dot = Dot(); self.add(flow, dot); self.play(flow.pass_through(dot))
"""
from __future__ import annotations

from numbers import Integral

import numpy as np
from manim import (RIGHT, UP, Animation, ArcBetweenPoints, Arrow, Indicate, Mobject,
                   MoveAlongPath, RoundedRectangle, Succession, SurroundingRectangle, VGroup,
                   VMobject)

from .. import style
from .text import label

ORDER = ("tokens", "embed", "attn", "mlp", "unembed", "probs")
DEFAULT_LABELS = {"tokens": "tokens", "embed": "embedding", "attn": "Attention", "mlp": "MLP",
                  "unembed": "unembedding", "probs": "probabilities"}

BOX_H = 0.8           # every block's height
PAD = 0.25            # text to box edge
MIN_W = 1.4           # short labels ("MLP") still get a block you can see
FRAME_PAD = 0.22      # repeated pair to its frame
ROW_GAP = 0.9         # between wrapped rows


class FlowDiagram(VGroup):
    """The whole forward pass as blocks and arrows; ``block(name)`` for names in ``ORDER``."""

    def __init__(self, n_layer: int, labels: dict[str, str] | None = None,
                 size: float = style.BODY_SIZE, arrow_len: float = 0.7, max_width: float = 13.4,
                 max_height: float = 7.4, *, theme: style.Theme):
        """Raises ValueError for ``n_layer`` not a positive integer, an unknown block name or
        empty text in ``labels``, or a font size below the readable minimum."""
        super().__init__()
        self.theme = theme
        if isinstance(n_layer, bool) or not isinstance(n_layer, Integral) or n_layer < 1:
            raise ValueError(f"n_layer must be a whole number >= 1, got {n_layer!r}")
        unknown = set(labels or {}) - set(ORDER)
        if unknown:
            raise ValueError(f"unknown block name(s) {sorted(unknown)}; known: {', '.join(ORDER)}")
        self.labels = {**DEFAULT_LABELS, **(labels or {})}
        if not all(isinstance(s, str) and s.strip() for s in self.labels.values()):
            raise ValueError("every block label must be a non-empty string")
        if not np.isfinite(size) or size < style.SMALL_SIZE:
            raise ValueError(f"size must be at least style.SMALL_SIZE ({style.SMALL_SIZE}), got {size}")
        th = theme
        self.n_layer = int(n_layer)
        self.blocks = {name: self._box(name, size) for name in ORDER}

        # --- the repeated pair: Attention → MLP, a loop back over the top, "×L", a frame -----
        attn, mlp = self.blocks["attn"], self.blocks["mlp"]
        mlp.next_to(attn, RIGHT, buff=arrow_len)
        inner = self._arrow(attn.get_right(), mlp.get_left())
        start, end = mlp.get_top() + 0.06 * UP, attn.get_top() + 0.06 * UP
        self.loop = ArcBetweenPoints(start, end, angle=1.2, stroke_color=th.muted, stroke_width=3)
        self.loop.add_tip(tip_length=0.18, tip_width=0.18)
        self.repeat_text = f"×{self.n_layer}"
        self.repeat_label = label(self.repeat_text, size, theme=theme)
        self.repeat_label.next_to(self.loop, UP, buff=0.08)
        pair = VGroup(attn, mlp, inner, self.loop, self.repeat_label)
        self.frame = SurroundingRectangle(pair, buff=FRAME_PAD, corner_radius=0.2,
                                          color=th.muted, stroke_width=2)
        self.repeat = VGroup(self.frame, pair)

        # --- rows: pack items left to right, wrap when a row would be too wide --------------
        items = [self.blocks["tokens"], self.blocks["embed"], self.repeat,
                 self.blocks["unembed"], self.blocks["probs"]]
        rows: list[list[Mobject]] = [[]]
        used = 0.0
        for item in items:
            if rows[-1] and used + arrow_len + item.width > max_width:
                rows.append([])
            if rows[-1]:
                used += arrow_len + item.width
            else:                  # a wrapped row starting with the pair leaves room to enter it
                used = item.width + (arrow_len if item is self.repeat and len(rows) > 1 else 0.0)
            rows[-1].append(item)
        y, prev_below = 0.0, 0.0
        for r, row in enumerate(rows):
            above = max(it.get_top()[1] - self._anchor(it)[1] for it in row)
            if r:
                y -= prev_below + ROW_GAP + above
            x = arrow_len if r and row[0] is self.repeat else 0.0
            for it in row:
                it.shift([x - it.get_left()[0], y - self._anchor(it)[1], 0])
                x = it.get_right()[0] + arrow_len
            prev_below = max(self._anchor(it)[1] - it.get_bottom()[1] for it in row)
        self.rows = rows

        # --- arrows between consecutive items; a wrap is an elbow down to the next row ------
        self.arrows = VGroup()
        self._links: list[tuple[Mobject, Mobject, VMobject | None]] = []
        for a, b in zip(items, items[1:]):
            out_box = mlp if a is self.repeat else a
            in_box = attn if b is self.repeat else b
            row_a = next(row for row in rows if any(it is a for it in row))
            if any(it is b for it in row_a):
                self.arrows.add(self._arrow(out_box.get_right(), in_box.get_left()))
                self._links.append((out_box, in_box, None))
                continue
            row_b = next(row for row in rows if any(it is b for it in row))
            p = np.array([out_box.get_center()[0], a.get_bottom()[1], 0.0])
            mid = (min(it.get_bottom()[1] for it in row_a) + max(it.get_top()[1] for it in row_b)) / 2
            if b is self.repeat:   # into Attention from the left: the loop lands on its top
                side = b.get_left()[0] - arrow_len / 2
                corners = [p, [p[0], mid, 0], [side, mid, 0], [side, in_box.get_center()[1], 0]]
                q = in_box.get_left()
            else:
                q = in_box.get_top()
                corners = [p, [p[0], mid, 0], [q[0], mid, 0]]
            bend = VMobject(stroke_color=th.muted, stroke_width=3)
            bend.set_points_as_corners([np.array(c, float) for c in corners])
            self.arrows.add(bend, self._arrow(corners[-1], q, buff=(0.0, 0.06)))
            self._links.append((out_box, in_box, bend))
        self.inner_arrow = inner
        self.add(*items, self.arrows)

        # --- fit the frame: shrink only if a row still cannot fit (very long labels) ----------
        self.center()
        self.scale_factor = min(1.0, max_width / self.width, max_height / self.height)
        if self.scale_factor < 1.0:
            self.scale(self.scale_factor)

    # --- building blocks ---------------------------------------------------------------------
    def _box(self, name: str, size: float) -> VGroup:
        th = self.theme
        text = label(self.labels[name], size, theme=self.theme)
        shade = {"attn": 0.9, "mlp": 0.4}.get(name)
        if shade is not None:      # the two kinds of layer: a text-coloured outline, told apart by
            stroke, fill, opacity = th.text, th.neutral, shade   # their fill (no Q/K/V accent on a block)
        elif name in ("embed", "unembed"):
            stroke, fill, opacity = th.muted, th.neutral, 0.8
        else:                      # the text that goes in and the distribution that comes out
            stroke, fill, opacity = th.muted, th.background, 0.0
        box = RoundedRectangle(corner_radius=0.15, width=max(MIN_W, text.width + 2 * PAD),
                               height=max(BOX_H, text.height + 2 * PAD * 0.6), stroke_color=stroke,
                               stroke_width=3, fill_color=fill, fill_opacity=opacity)
        return VGroup(box, text.move_to(box))

    def _arrow(self, start, end, buff: tuple[float, float] = (0.06, 0.06)) -> Arrow:
        start, end = np.array(start, float), np.array(end, float)
        d = (end - start) / max(np.linalg.norm(end - start), 1e-9)
        return Arrow(start + d * buff[0], end - d * buff[1], buff=0, stroke_width=3,
                     color=self.theme.muted, tip_length=0.18, max_tip_length_to_length_ratio=0.5,
                     max_stroke_width_to_length_ratio=10)

    @staticmethod
    def _path(link) -> list[np.ndarray]:
        """Centre to centre along one arrow, read from where things are now (after any move)."""
        out_box, in_box, bend = link
        corners = [] if bend is None else list(bend.get_start_anchors()[1:]) + [bend.get_end_anchors()[-1]]
        return [out_box.get_center(), *corners, in_box.get_center()]

    def _anchor(self, item: Mobject) -> np.ndarray:
        """Where arrows meet an item: the centre of its blocks (not of the loop above them)."""
        return self.blocks["attn"].get_center() if item is self.repeat else item.get_center()

    # --- what scenes call --------------------------------------------------------------------
    def block(self, name: str) -> VGroup:
        """The rounded box and its label for ``name`` in ``ORDER``, or "repeat" for the framed pair.
        Raises ValueError for another name."""
        if name == "repeat":
            return self.repeat
        if name not in self.blocks:
            raise ValueError(f"unknown block {name!r}; known: {', '.join(ORDER)}, repeat")
        return self.blocks[name]

    def waypoints(self, layers: int | None = None) -> list[list[np.ndarray]]:
        """The polylines a passing mobject follows, block centre to block centre, in order.

        The pair Attention → MLP is passed ``layers`` times (default ``n_layer``), going back
        along the loop arrow between passes.
        Raises ValueError for ``layers`` < 1."""
        layers = self.n_layer if layers is None else int(layers)
        if layers < 1:
            raise ValueError(f"layers must be >= 1, got {layers}")
        attn, mlp = self.blocks["attn"].get_center(), self.blocks["mlp"].get_center()
        arc = [self.loop.point_from_proportion(t) for t in np.linspace(0, 1, 16)]
        back = [mlp, *arc, attn]
        paths = [self._path(link) for link in self._links]
        legs = paths[:2]                                 # tokens → embed → attn
        for k in range(layers):
            if k:
                legs.append(back)
            legs.append([attn, mlp])
        return legs + paths[2:]                          # mlp → unembed → probs

    def pass_through(self, mob: Mobject, step_time: float = 0.6, layers: int | None = None) -> Succession:
        """Put ``mob`` on "tokens" and return moves along every arrow to "probabilities"."""
        legs = self.waypoints(layers)
        mob.move_to(legs[0][0])
        moves = []
        for pts in legs:
            path = VMobject().set_points_as_corners([np.array(p, float) for p in pts])
            moves.append(MoveAlongPath(mob, path, run_time=step_time))
        return Succession(*moves)

    def highlight(self, name: str, run_time: float = 1.0) -> Animation:
        """A brief pulse of one block, e.g. while the narrator names it."""
        return Indicate(self.block(name), scale_factor=1.1, color=self.theme.text, run_time=run_time)

    def marker(self, name: str) -> SurroundingRectangle:
        """A lasting "you are here" outline around one block."""
        return SurroundingRectangle(self.block(name), buff=0.1, corner_radius=0.2,
                                    color=self.theme.text, stroke_width=4)

    def texts(self) -> list:
        """Every text mobject drawn, for checks of size and content."""
        return [b[1] for b in self.blocks.values()] + [self.repeat_label]


__all__ = ["FlowDiagram", "ORDER", "DEFAULT_LABELS"]
