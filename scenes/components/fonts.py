"""A font stack for text drawn as images: DejaVu first, then per-character fallback fonts.

PIL draws a string in one font file; a character that file lacks comes out as an empty box
("tofu"). Pango (the vector ``Text``) falls back through fontconfig by itself; raster text needs
the same, so a prompt in Chinese, or with an emoji, shows its own characters in both. The stack is
DejaVu Sans (or Sans Mono), then the first installed of ``FALLBACK_FAMILIES`` that has the glyph
(Debian: fonts-noto-cjk or fonts-droid-fallback for CJK, fonts-symbola for emoji and symbols;
``scripts/setup.sh`` installs them). A colour emoji font (CBDT bitmaps) is left out: PIL draws it
only at one fixed size.

    stack = font_stack(24, mono=False)
    stack.getlength("我喜欢读书")            # pixels, each run measured in its own font
    stack.draw(ImageDraw.Draw(img), (10, 20), "Emma 我", fill=(0, 0, 0, 255), anchor="ls")
"""
from __future__ import annotations

import functools
import shutil
import subprocess

from PIL import ImageFont

from .. import style

# Tried in order for a character DejaVu lacks; the first installed one holding the glyph draws it.
FALLBACK_FAMILIES = ("Noto Sans CJK SC", "Droid Sans Fallback", "Symbola")
_PROBE_PX = 32        # the size a glyph is looked up at (coverage does not depend on size)
_MISSING = "\U0010FFFF"   # a noncharacter: no font has it, so it draws the font's .notdef box


def _family_file(family: str, exact: bool) -> str | None:
    """The file fontconfig has for ``family``; with ``exact`` only a file of that very family
    (``fc-match`` substitutes a look-alike for any name; ``fc-list`` does not)."""
    if not shutil.which("fc-match"):
        return None
    cmd = ["fc-list", "-f", "%{file}\n", f"{family}:style=Regular"] if exact else \
        ["fc-match", "-f", "%{file}", family]
    out = subprocess.run(cmd, capture_output=True, text=True)
    files = [f for f in out.stdout.splitlines() if f.strip()] if out.returncode == 0 else []
    if exact and not files:     # a family without a "Regular" style (e.g. "Book")
        out = subprocess.run(["fc-list", "-f", "%{file}\n", family], capture_output=True, text=True)
        files = [f for f in out.stdout.splitlines() if f.strip()] if out.returncode == 0 else []
    files = [f for f in files if not f.lower().endswith((".pcf", ".pcf.gz", ".bdf"))]
    return sorted(files)[0] if files else None


@functools.lru_cache(maxsize=2)
def font_files(mono: bool = True) -> tuple[str, ...]:
    """The stack's files, primary first: ``style.MONO`` (or ``style.FONT``) as fontconfig finds
    it, then each installed fallback family. Empty when fontconfig is missing."""
    primary = _family_file(style.MONO if mono else style.FONT, exact=False)
    files = [primary] if primary else []
    for family in FALLBACK_FAMILIES:
        path = _family_file(family, exact=True)
        if path and path not in files:
            files.append(path)
    return tuple(files)


@functools.lru_cache(maxsize=256)
def _freetype(path: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size_px)


@functools.lru_cache(maxsize=8)
def _notdef(path: str) -> tuple:
    f = _freetype(path, _PROBE_PX)
    mask = f.getmask(_MISSING)
    return mask.size, bytes(mask)


@functools.lru_cache(maxsize=65536)
def has_glyph(path: str, ch: str) -> bool:
    """Whether the font file ``path`` draws ``ch`` (a single character) with a glyph of its own,
    not its .notdef box. Whitespace and control characters count as present (nothing to draw)."""
    if ch.isspace() or not ch.isprintable():
        return True
    mask = _freetype(path, _PROBE_PX).getmask(ch)
    return (mask.size, bytes(mask)) != _notdef(path)


class FontStack:
    """The fonts of ``font_files(mono)`` at ``size_px`` pixels. ``runs(s)`` splits ``s`` into
    (text, font) pieces; ``getlength``, ``getmetrics``, ``getbbox`` and ``draw`` work as PIL's
    ``FreeTypeFont`` and ``ImageDraw.text`` do, run by run. The baseline and the line's
    ascent/descent are the primary font's, so mixed text sits on one line."""

    def __init__(self, size_px: int, mono: bool = True):
        self.size_px = int(size_px)
        self.files = font_files(mono)
        self.fonts = ([_freetype(p, self.size_px) for p in self.files] if self.files
                      else [ImageFont.load_default(self.size_px)])
        self.primary = self.fonts[0]

    def font_index(self, ch: str) -> int:
        """Which font of the stack draws ``ch`` (0, the primary, when none has it)."""
        if not self.files or has_glyph(self.files[0], ch):
            return 0
        for k, path in enumerate(self.files[1:], 1):
            if has_glyph(path, ch):
                return k
        return 0

    def runs(self, s: str) -> list[tuple[str, ImageFont.FreeTypeFont]]:
        """``s`` as consecutive pieces each drawn in one font of the stack."""
        out: list[tuple[str, int]] = []
        for ch in s:
            k = self.font_index(ch)
            if out and out[-1][1] == k:
                out[-1] = (out[-1][0] + ch, k)
            else:
                out.append((ch, k))
        return [(t, self.fonts[k]) for t, k in out]

    def single(self, s: str) -> ImageFont.FreeTypeFont | None:
        """The one font that draws all of ``s``, or None when it needs several."""
        runs = self.runs(s)
        if len(runs) <= 1:
            return runs[0][1] if runs else self.primary
        return None

    def getlength(self, s: str) -> float:
        """The advance width of ``s`` in pixels."""
        return sum(f.getlength(t) for t, f in self.runs(s))

    def getmetrics(self) -> tuple[int, int]:
        """The primary font's (ascent, descent) in pixels."""
        return self.primary.getmetrics()

    def getbbox(self, s: str) -> tuple[int, int, int, int]:
        """The ink box of ``s`` drawn with its top-left at (0, 0) (PIL's "la" anchor)."""
        one = self.single(s)
        if one is not None:
            return one.getbbox(s)
        ascent = self.primary.getmetrics()[0]
        x, box = 0.0, None
        for t, f in self.runs(s):
            l, tp, r, b = f.getbbox(t, anchor="ls")
            cur = (x + l, ascent + tp, x + r, ascent + b)
            box = cur if box is None else (min(box[0], cur[0]), min(box[1], cur[1]),
                                           max(box[2], cur[2]), max(box[3], cur[3]))
            x += f.getlength(t)
        return tuple(int(round(v)) for v in box)

    def textbbox(self, xy, s: str, anchor: str = "la") -> tuple[float, float, float, float]:
        """The ink box (left, top, right, bottom, pixels) of ``s`` drawn at ``xy`` with
        ``anchor``, as ``draw`` would draw it; an empty box at ``xy`` for blank text."""
        x, y = xy
        if not s.strip():
            return (x, y, x, y)
        one = self.single(s)
        if one is not None:
            l, t, r, b = one.getbbox(s, anchor=anchor)
            return (x + l, y + t, x + r, y + b)
        x -= {"l": 0.0, "m": self.getlength(s) / 2, "r": self.getlength(s)}[anchor[0]]
        ascent, descent = self.primary.getmetrics()
        y += {"a": ascent, "t": ascent, "m": (ascent - descent) / 2, "s": 0.0,
              "b": -descent, "d": -descent}[anchor[1]]
        box = None
        for t, f in self.runs(s):
            if t.strip():
                l, tp, r, b = f.getbbox(t, anchor="ls")
                cur = (x + l, y + tp, x + r, y + b)
                box = cur if box is None else (min(box[0], cur[0]), min(box[1], cur[1]),
                                               max(box[2], cur[2]), max(box[3], cur[3]))
            x += f.getlength(t)
        return box

    def draw(self, draw, xy, s: str, fill, anchor: str = "la") -> None:
        """Draw ``s`` on the ``ImageDraw`` ``draw`` at ``xy`` (pixels) with PIL's two-letter
        ``anchor`` (horizontal l/m/r, vertical a/t/m/s/b/d). Raises ValueError for another one."""
        one = self.single(s)
        if one is not None:               # the common case, exactly as PIL draws it
            draw.text(xy, s, font=one, fill=fill, anchor=anchor)
            return
        if len(anchor) != 2 or anchor[0] not in "lmr" or anchor[1] not in "atmsbd":
            raise ValueError(f"unknown anchor {anchor!r}")
        x, y = xy
        width = self.getlength(s)
        x -= {"l": 0.0, "m": width / 2, "r": width}[anchor[0]]
        ascent, descent = self.primary.getmetrics()
        y += {"a": ascent, "t": ascent, "m": (ascent - descent) / 2, "s": 0.0,
              "b": -descent, "d": -descent}[anchor[1]]
        for t, f in self.runs(s):
            draw.text((x, y), t, font=f, fill=fill, anchor="ls")
            x += f.getlength(t)


@functools.lru_cache(maxsize=64)
def font_stack(size_px: int, mono: bool = True) -> FontStack:
    """The stack at ``size_px`` pixels (cached)."""
    return FontStack(size_px, mono)


__all__ = ["FALLBACK_FAMILIES", "FontStack", "font_files", "font_stack", "has_glyph"]
