"""The prompt as BPE pieces: one box per token, its text inside, its id beneath.

Each token is three flat mobjects (a ``Rectangle`` and two small images from ``raster.Canvas``),
not a Pango ``Text`` with one sub-mobject per glyph, so a 40-token prompt stays a family of ~120
mobjects that animates quickly. The strip shrinks its text (never below ``style.SMALL_SIZE``) and
wraps to more rows to fit ``max_width`` x ``max_height``.

    strip = TokenStrip(trace.pieces, trace.tokens)
    self.play(FadeIn(strip)); self.play(Create(strip.highlight(3)))
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, Group, Rectangle, SurroundingRectangle, VGroup

from .checks import finite_array
from .. import style
from .raster import Canvas, font_em, shorten, text_width
from .text import show_piece

ELLIPSIS = "…"


def check_tokens(pieces: list[str], ids) -> list[int]:
    """The token ids of ``pieces`` as ints. Raises ValueError for no pieces, a non-string piece,
    or ids that are not one non-negative integer per piece."""
    if len(pieces) == 0:
        raise ValueError("a token strip needs at least one token")
    if not all(isinstance(p, str) for p in pieces):
        raise ValueError("pieces must be strings")
    arr = finite_array("ids", ids, (len(pieces),))
    if np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise ValueError("ids must be non-negative integers")
    return [int(v) for v in arr]


class TokenStrip(Group):
    """A row (or rows) of boxes, one per piece, the piece's text inside and its id beneath.

    Data, so grey: boxes are stroked in the muted colour, ids are muted, the text is the text
    colour. ``texts[i]`` is what box ``i`` shows (spaces as ␣, over-long pieces cut with …),
    ``rows[i]`` the row it sits in, ``size`` the font size chosen to fit.
    """

    def __init__(self, pieces: list[str], ids, size: float = style.BODY_SIZE,
                 max_width: float = 13.0, max_height: float = 6.5, gap: float = 0.12,
                 show_ids: bool = True, *, theme: style.Theme):
        """Raises ValueError for bad ``pieces``/``ids`` (see ``check_tokens``) or a font size
        below the readable minimum."""
        super().__init__()
        self.theme = theme
        self.ids = check_tokens(pieces, ids)
        if size < style.SMALL_SIZE:
            raise ValueError(f"font size {size} is below the readable minimum {style.SMALL_SIZE}")
        self.pieces = list(pieces)
        self.max_width, self.max_height, self.gap, self.show_ids = max_width, max_height, gap, show_ids

        # the largest size whose wrapped layout fits; at the minimum size, wrapping does the rest
        for s in range(int(size), style.SMALL_SIZE - 1, -1):
            layout = self._layout(float(s))
            if layout["height"] <= max_height:
                break
        self.size = layout["size"]
        self.texts: list[str] = layout["texts"]
        self.rows: list[int] = layout["rows"]
        self.n_rows = max(self.rows) + 1
        self._build(layout)

    # --- layout -------------------------------------------------------------------------------
    def _layout(self, size: float) -> dict:
        em, id_em = font_em(size), font_em(style.SMALL_SIZE)
        pad = 0.35 * em
        box_h = 1.45 * em
        id_h = 1.1 * id_em if self.show_ids else 0.0
        pitch = box_h + (0.08 + id_h if self.show_ids else 0.0) + 0.22
        texts, widths = [], []
        for piece, tok in zip(self.pieces, self.ids):
            text = shorten(show_piece(piece), self.max_width - 2 * pad, em, mono=True)
            w = text_width(text, em) + 2 * pad
            if self.show_ids:
                w = max(w, text_width(str(tok), id_em) + 0.1)
            texts.append(text)
            widths.append(min(w, self.max_width))
        xs, rows, x, row = [], [], 0.0, 0
        for w in widths:
            if x > 0 and x + w > self.max_width:
                x, row = 0.0, row + 1
            xs.append(x)
            rows.append(row)
            x += w + self.gap
        n_rows = row + 1
        return dict(size=size, em=em, id_em=id_em, box_h=box_h, id_h=id_h, pitch=pitch,
                    texts=texts, widths=widths, xs=xs, rows=rows,
                    height=n_rows * pitch - 0.22)

    def _build(self, L: dict) -> None:
        th = self.theme
        self.boxes = VGroup()
        self.piece_images = Group()
        self.id_images = Group()
        for i, (text, tok) in enumerate(zip(L["texts"], self.ids)):
            w, x, y = L["widths"][i], L["xs"][i], -L["rows"][i] * L["pitch"]
            box = Rectangle(width=w, height=L["box_h"], stroke_color=th.muted, stroke_width=2,
                            fill_opacity=0)
            box.move_to([x + w / 2, y - L["box_h"] / 2, 0])
            canvas = Canvas(w, L["box_h"])
            canvas.text(w / 2, L["box_h"] / 2, text, L["em"], th.text, anchor="mm")
            img = canvas.mobject().move_to(box)
            self.boxes.add(box)
            self.piece_images.add(img)
            if self.show_ids:
                c = Canvas(w, L["id_h"])
                c.text(w / 2, L["id_h"] / 2, str(tok), L["id_em"], th.muted, anchor="mm")
                id_img = c.mobject().next_to(box, DOWN, buff=0.08)
                self.id_images.add(id_img)
        self.add(self.boxes, self.piece_images, self.id_images)
        self.move_to([0, 0, 0])

    # --- what scenes use ----------------------------------------------------------------------
    @property
    def n_tokens(self) -> int:
        return len(self.pieces)

    def box(self, i: int) -> Rectangle:
        """The rectangle around token ``i``."""
        return self.boxes[i]

    def token(self, i: int) -> Group:
        """Token ``i``'s box and text together (its id stays), e.g. to lift it out of the strip."""
        return Group(self.boxes[i], self.piece_images[i])

    def highlight(self, i: int, color=None, buff: float = 0.06) -> SurroundingRectangle:
        """A rectangle in an accent colour (default: 'chosen') around token ``i``'s box."""
        return SurroundingRectangle(self.boxes[i], color=color or self.theme.chosen,
                                    buff=buff, stroke_width=5)
