"""Drawing many cells as one mobject: a PIL image at the output's own pixel density.

Manim's cost grows with the number of sub-mobjects (every Transform deep-copies the family), not
with pixels. A 64x64 attention grid or an 8x8 matrix with its numbers is therefore drawn as a
single ``ImageMobject``, rendered with PIL at exactly the pixels it will cover on screen (times
``OVERSAMPLE`` for crisp text when the camera or a scale-up enlarges it).

Layout is in scene units; ``Canvas`` converts to pixels so components think in units only.
"""
from __future__ import annotations

import functools
import itertools
import re
import shutil
import subprocess
import unicodedata

import numpy as np
from manim import ImageMobject, ManimColor, config
from PIL import Image, ImageDraw, ImageFont

from .. import style
from ..manim_internals import blend_pictures, scale_alpha, set_picture, use_boxed_overlay
from .fonts import font_stack

OVERSAMPLE = 1


def font_em(font_size: float) -> float:
    """The em of a Pango font size in scene units (Manim's Text: font size 72 is one unit), so
    raster text matches the vector text beside it."""
    return font_size / 72.0


def px_per_unit() -> float:
    return OVERSAMPLE * config.pixel_height / config.frame_height


@functools.lru_cache(maxsize=4)
def font_file(mono: bool = True) -> str | None:
    """The file of ``style.MONO`` (or ``style.FONT``), the family Pango draws vector text in too,
    so raster and vector text look alike; None when fontconfig cannot find it."""
    family = style.MONO if mono else style.FONT
    if shutil.which("fc-match"):
        out = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    return None


@functools.lru_cache(maxsize=64)
def font(size_px: int, mono: bool = True) -> ImageFont.FreeTypeFont:
    path = font_file(mono)
    if path:
        return ImageFont.truetype(path, size_px)
    return ImageFont.load_default(size_px)


HAIR = 0.02        # room after wrapped text, units
IMAGE_PAD = 0.08   # room in a text_image line for hinting at the output's pixel size, units
MEASURE_SCALE = 240.0  # px per unit for measuring: layouts come out the same at every quality


def text_width(s: str, size_units: float, mono: bool = True) -> float:
    """How wide ``s`` is drawn at ``size_units`` em, in scene units (no canvas needed); each
    character in the font of the stack that draws it (``fonts.font_stack``)."""
    return font_stack(max(1, round(size_units * MEASURE_SCALE)), mono).getlength(s) / MEASURE_SCALE


def drawn_width(s: str, size_units: float, mono: bool = False, pad: float = 0.0) -> float:
    """How wide ``s`` comes out on a canvas of this render (units), plus ``pad``: at small pixel
    sizes hinted glyphs run wider than ``text_width`` measures at its fixed scale, so the wider of
    the two. The one measure of drawn text: ``text_image`` pads with ``IMAGE_PAD``, wrapped text
    (``text_block``) with ``HAIR``."""
    scale = px_per_unit()
    return max(text_width(s, size_units, mono),
               font_stack(max(1, round(size_units * scale)), mono).getlength(s) / scale) + pad


ELLIPSIS = "…"


def cells(s: str) -> int:
    """How many character cells ``s`` takes: a wide character (CJK, full-width) counts 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)

# What ``shorten`` drew → the text it was cut from, since ``forget_shortened`` (a scene's set-up).
# The scene's slide notes carry each one on screen in full (``ExplainerBase.pause``).
_SHORTENED: dict[str, tuple[str, tuple[str, ...]]] = {}


def shortened() -> dict[str, str]:
    """Every label ``shorten`` has cut since ``forget_shortened``: {drawn text: full text}."""
    return {shown: whole for shown, (whole, _) in _SHORTENED.items()}


def shortened_pieces(shown: str) -> tuple[str, ...]:
    """The words (or token pieces) ``shorten`` cut the full text of ``shown`` among. Raises
    KeyError for a text it did not cut."""
    return _SHORTENED[shown][1]


def forget_shortened() -> None:
    """Start a new scene's list of cut labels (``shortened``)."""
    _SHORTENED.clear()


def shorten(text, width: float | None, em: float | None = None, mono: bool = False,
            keep: str = "start") -> str:
    """``text`` cut with … to at most ``width``, at a word boundary (or, given a list of token
    pieces, at a token boundary); a single word too long for ``width`` is cut inside.

    ``width`` is in scene units, measured at font size ``em`` (units; ``mono`` for the monospace
    face), or in character cells (``cells``: a CJK character counts 2) when ``em`` is None; None
    keeps all. ``keep="start"`` keeps the
    beginning (``"Emma smiled…"``), ``keep="end"`` the end (``"…smiled and"``). Raises
    ValueError for another ``keep``. A cut text is remembered with its full text (``shortened``).
    """
    if keep not in ("start", "end"):
        raise ValueError(f"keep must be 'start' or 'end', got {keep!r}")
    pieces = list(text) if not isinstance(text, str) else re.findall(r"\S+\s*|\s+", text)
    whole = "".join(pieces)
    measure = cells if em is None else (lambda s: text_width(s, em, mono))
    if width is None or measure(whole) <= width:
        return whole
    if keep == "start":
        def cut(k):                          # the first k pieces
            return "".join(pieces[:k]).rstrip() + ELLIPSIS
        chars = lambda k: whole[:k].rstrip() + ELLIPSIS      # noqa: E731
    else:
        def cut(k):                          # the last k pieces
            return ELLIPSIS + "".join(pieces[len(pieces) - k:]).lstrip()
        chars = lambda k: ELLIPSIS + whole[len(whole) - k:].lstrip()   # noqa: E731
    k = 0
    while k < len(pieces) and measure(cut(k + 1)) <= width:
        k += 1
    if k > 0:
        shown = cut(k)
    else:
        k = 1                                # not one whole piece fits: cut inside the first
        while k < len(whole) and measure(chars(k + 1)) <= width:
            k += 1
        shown = chars(k)
    _SHORTENED[shown] = (whole, tuple(pieces))
    return shown


def rgba(color: ManimColor, opacity: float = 1.0) -> tuple[int, int, int, int]:
    """``color`` as 0-255 RGBA; a 4-tuple (already converted, opacity 1) is returned as it is, so
    a drawing that repeats one colour converts it once."""
    if isinstance(color, tuple) and len(color) == 4 and opacity == 1.0:
        return color
    r, g, b = (int(round(255 * c)) for c in ManimColor(color).to_rgb())
    return (r, g, b, int(round(255 * opacity)))


class Canvas:
    """A transparent image ``width`` x ``height`` units big, drawn in unit coordinates.

    (0, 0) is the top-left corner; y grows downwards, as in the picture.
    """

    def __init__(self, width: float, height: float):
        self.scale = px_per_unit()
        self.width, self.height = width, height
        self.image = Image.new("RGBA", (max(1, round(width * self.scale)), max(1, round(height * self.scale))),
                               (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.image)
        self.text_boxes: list[tuple[float, float, float, float, str]] = []   # see note_text

    def copy(self) -> "Canvas":
        """An independent canvas holding the same drawing and text boxes (to draw more on)."""
        twin = Canvas.__new__(Canvas)
        twin.scale, twin.width, twin.height = self.scale, self.width, self.height
        twin.image = self.image.copy()
        twin.draw = ImageDraw.Draw(twin.image)
        twin.text_boxes = list(self.text_boxes)
        return twin

    def px(self, *values: float) -> list[float]:
        return [v * self.scale for v in values]

    def rect(self, x0, y0, x1, y1, fill, outline=None, width_units: float = 0.0):
        self.draw.rectangle(self.px(x0, y0, x1 - 1e-9, y1 - 1e-9), fill=rgba(fill),
                            outline=rgba(outline) if outline is not None else None,
                            width=max(1, round(width_units * self.scale)) if outline is not None else 0)

    def ellipse(self, cx, cy, r, fill):
        self.draw.ellipse(self.px(cx - r, cy - r, cx + r, cy + r), fill=rgba(fill))

    def line(self, points: list[tuple[float, float]], color, width_units: float):
        self.draw.line([tuple(self.px(x, y)) for x, y in points], fill=rgba(color),
                       width=max(1, round(width_units * self.scale)))

    def text(self, x, y, s: str, size_units: float, color, anchor: str = "mm", mono: bool = True):
        """``anchor`` as in PIL: 'mm' centre, 'rm' right-middle, 'lm' left-middle, 'ms' baseline...;
        a character DejaVu lacks (CJK, emoji) in a fallback font (``fonts.font_stack``)."""
        stack = font_stack(max(1, round(size_units * self.scale)), mono)
        stack.draw(self.draw, tuple(self.px(x, y)), s, fill=rgba(color), anchor=anchor)
        self.note_text(stack, (x, y), s, anchor)

    def note_text(self, stack, xy: tuple[float, float], s: str, anchor: str) -> None:
        """Keep where text ``s`` was drawn at ``xy`` (units) as (left, top, right, bottom, s)
        in canvas units: the layout test (tests/layout_check.py) checks text against text."""
        if s.strip():
            box = stack.textbbox(tuple(self.px(*xy)), s, anchor)
            self.text_boxes.append(tuple(v / self.scale for v in box) + (s,))

    def dots(self, cx, cy, step_x, step_y, r, color):
        """Three dots: an ellipsis in any direction, drawn (fonts lack ⋮ and ⋱)."""
        for k in (-1, 0, 1):
            self.ellipse(cx + k * step_x, cy + k * step_y, r, color)

    def mobject(self) -> RasterImage:
        img = RasterImage(np.asarray(self.image), scale_to_resolution=OVERSAMPLE * config.pixel_height)
        img.set_resampling_algorithm(Image.Resampling.BILINEAR)
        img.text_boxes = list(self.text_boxes)
        return img


_drawings = itertools.count()


class RasterImage(ImageMobject):
    """An ImageMobject that knows when two copies hold the same drawing.

    Manim's ``Transform`` blends the whole pixel array every frame, even for a plain move or a
    fade, where the picture does not change. Copies keep their ``drawing`` number, so a move
    copies pixels and a fade rescales only the alpha channel.
    """

    def __init__(self, *args, **kwargs):
        use_boxed_overlay()     # the camera paints images only where they show: same frames, faster
        super().__init__(*args, **kwargs)
        self.drawing = next(_drawings)
        self.opacity = 1.0
        self.text_boxes: list = []   # the text drawn in it, in canvas units (Canvas.note_text)

    def set_opacity(self, alpha: float):
        super().set_opacity(alpha)
        self.opacity = float(alpha)
        return self

    def interpolate_color(self, mobject1, mobject2, alpha: float):
        """Manim's hook for every frame of a Transform or fade between two images (see
        ``manim_internals``): a copy of the same drawing only rescales its alpha."""
        same = (isinstance(mobject1, RasterImage) and isinstance(mobject2, RasterImage)
                and mobject1.drawing == mobject2.drawing == self.drawing
                and mobject1.pixel_array.shape == self.pixel_array.shape)
        if not same:  # a real change of picture: blend, and take the target's identity at the end
            if not (isinstance(mobject2, ImageMobject) and blend_pictures(self, mobject1, mobject2, alpha)):
                super().interpolate_color(mobject1, mobject2, alpha)
            if alpha >= 1 and isinstance(mobject2, RasterImage):
                self.drawing, self.opacity = mobject2.drawing, mobject2.opacity
                self.text_boxes = list(mobject2.text_boxes)
            else:
                self.drawing = next(_drawings)
            return self
        opacity = mobject1.opacity + (mobject2.opacity - mobject1.opacity) * alpha
        self.fill_opacity = self.stroke_opacity = opacity
        if opacity != self.opacity:
            scale_alpha(self, opacity)
            self.opacity = opacity
        return self


class StepImage(RasterImage):
    """A picture drawn in steps, redrawn in place: ``show(k)`` draws step ``k`` of ``steps``
    (clamped to 0..steps; nothing happens when it is already shown), ``grow`` animates steps.

    A subclass writes ``draw(canvas, k)`` on a fresh ``width`` x ``height`` unit canvas; the
    mobject stays the same one, so an animation running on it keeps running.
    """

    def __init__(self, width: float, height: float, steps: int):
        blank = Canvas(width, height)
        super().__init__(np.asarray(blank.image), scale_to_resolution=OVERSAMPLE * config.pixel_height)
        self.canvas_units, self.steps, self.shown = (width, height), int(steps), -1

    def draw(self, canvas: Canvas, k: int) -> None:
        """Draw step ``k`` on ``canvas`` (a subclass's job). Raises NotImplementedError here."""
        raise NotImplementedError

    def show(self, k: int) -> None:
        """Draw step ``k`` (clamped to 0..steps)."""
        k = int(min(self.steps, max(0, k)))
        if k == self.shown:
            return
        self.shown = k
        c = Canvas(*self.canvas_units)
        self.draw(c, k)
        set_picture(self, np.asarray(c.image), self.opacity)
        self.text_boxes = list(c.text_boxes)

    def grow(self, start: int, end: int, run_time: float = 1.0):
        """An animation drawing steps ``start`` to ``end`` one after another, evenly in time."""
        from manim import UpdateFromAlphaFunc, linear

        def update(m, a):
            self.show(start + int(np.floor(a * (end - start) + 1e-9)))
        self.show(start)
        return UpdateFromAlphaFunc(self, update, run_time=run_time, rate_func=linear)


def unit_to_pixel(mob: ImageMobject, x_units: float, y_units: float) -> tuple[int, int]:
    """Where a point given in a Canvas's unit coordinates lies in that canvas's pixel array."""
    h, w = mob.pixel_array.shape[:2]
    return (min(h - 1, int(y_units * px_per_unit())), min(w - 1, int(x_units * px_per_unit())))
