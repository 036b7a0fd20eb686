"""Layout checked by machine: no text over other text, nothing outside the frame.

A scene is built in Manim's still mode (no frames encoded; add/remove animations jump to their
end, as for the live page's key frames: ``scenes.manim_internals.use_end_states``), with
``ExplainerBase.layout_probe`` set, so after every ``play`` (the end of each animation, i.e.
frames sampled between the slide ends) and at every ``pause`` (each slide's end) what is on
screen is measured:

* text: every visible Pango ``Text``/``MarkupText`` (the ink box of each visible glyph) and every
  piece of text drawn into a raster image (``Canvas.note_text`` keeps its ink box, e.g. a
  ``text_image`` caption, a token strip's pieces, a matrix's digits). Two texts of different
  mobjects may not overlap by more than ``EPS`` in both directions; texts of one image are laid
  out together by its component and are not compared with each other.
* the frame: no text and no visible shape (its points, images by their corners) may reach more
  than ``EPS`` outside the frame.
* cut labels, at each slide's end: a text cut short with "…" must come from ``shorten`` (so at
  a word or token boundary, a single word cut inside only when it alone is too long), and the
  slide's notes must give it in full (``ExplainerBase.pause`` adds them).

    problems = check_scene("DataFlow", RenderContext(prompt="Emma smiled and", narration="none"))
    for p in problems: print(p)

``Problem`` names the scene, the time (s of the still-mode timeline: captions take no time
there, so it runs ahead of the film's), where ("play" or "pause") and the texts involved.
"""
from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EPS = 0.02            # units of overlap (or of reaching out of the frame) tolerated
SIZE = (427, 240)     # pixels: raster text is drawn at this density, 1 px = 1/30 unit


@dataclass(frozen=True)
class Problem:
    scene: str
    time: float
    where: str         # "play" (the end of an animation) or "pause" (the end of a slide)
    kind: str          # "overlap" or "off-frame"
    what: str          # the text(s) or shape involved

    def __str__(self):
        return f"{self.scene} t={self.time:.1f}s ({self.where}): {self.kind}: {self.what}"


def _visible_points(m) -> np.ndarray | None:
    """A VMobject's (or point cloud's) own points if it is drawn (fill or stroke visible), else
    None; None for anything else (a ValueTracker has points but is never drawn)."""
    from manim import PMobject, ValueTracker, VMobject
    pts = m.points
    if len(pts) == 0 or isinstance(m, ValueTracker):
        return None
    if isinstance(m, PMobject):
        return pts if len(m.rgbas) and float(np.max(m.rgbas[:, 3])) > 0.05 else None
    if not isinstance(m, VMobject):
        return None
    if m.get_fill_opacity() <= 0.05 and (m.get_stroke_opacity() <= 0.05 or m.get_stroke_width() <= 0):
        return None
    return pts


def _name(text: str) -> str:
    """A text as a problem names it: markup dropped, at most 40 characters."""
    import re
    plain = re.sub(r"<[^>]+>", "", str(text))
    return plain if len(plain) <= 40 else plain[:39] + "…"


def _image_visible(img) -> bool:
    from scenes.on_screen import image_visible
    return image_visible(img)


def _screen(scene, m, pts: np.ndarray) -> np.ndarray:
    """``m``'s points as the camera draws them (a 3-D scene projects all but the mobjects fixed
    in the frame; a 2-D camera leaves them as they are)."""
    return scene.camera.transform_points_pre_display(m, np.asarray(pts, float))


def _image_frame(scene, img):
    """The image's top-left corner and its size along x and y (units), as drawn."""
    from manim import DR, UL
    ul, dr = _screen(scene, img, np.array([img.get_corner(UL), img.get_corner(DR)]))
    return ul, dr[0] - ul[0], ul[1] - dr[1]


def text_boxes(scene) -> list[tuple[int, str, tuple[float, float, float, float]]]:
    """Every visible text on screen: (owner id, text, (x0, y0, x1, y1) in scene units)."""
    from manim import ImageMobject

    from scenes.components.raster import px_per_unit
    from scenes.on_screen import text_mobjects
    out = []
    for m in text_mobjects(scene):
        if isinstance(m, ImageMobject):
            if _image_visible(m):
                (x, y, _), w, h = _image_frame(scene, m)
                ph, pw = m.pixel_array.shape[:2]
                sx, sy = w / pw * px_per_unit(), h / ph * px_per_unit()
                for l, t, r, b, s in m.text_boxes:
                    out.append((id(m), _name(s), (x + l * sx, y - b * sy, x + r * sx, y - t * sy)))
            continue
        name = _name(getattr(m, "text", "?"))
        for sub in m.family_members_with_points():     # glyph by glyph: lines of a
            p = _visible_points(sub)                   # paragraph are not one box
            if p is not None:
                p = _screen(scene, sub, p)
                lo, hi = p.min(axis=0), p.max(axis=0)
                out.append((id(m), name, (lo[0], lo[1], hi[0], hi[1])))
    return out


def shape_boxes(scene) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every visible drawn leaf (shape or image): (class name, box in scene units)."""
    from manim import ImageMobject
    out = []
    for m in scene.get_mobject_family_members():
        if isinstance(m, ImageMobject):
            if _image_visible(m):      # by its ink: a text image is padded to fit longer text
                (x, y, _), w, h = _image_frame(scene, m)
                alpha = m.pixel_array[:, :, 3] > 8
                ph, pw = alpha.shape
                cols, rows = np.nonzero(alpha.any(axis=0))[0], np.nonzero(alpha.any(axis=1))[0]
                x0, x1 = x + cols[0] / pw * w, x + (cols[-1] + 1) / pw * w
                y1, y0 = y - rows[0] / ph * h, y - (rows[-1] + 1) / ph * h
                out.append((_name(getattr(m, "text", None) or type(m).__name__), (x0, y0, x1, y1)))
            continue
        pts = _visible_points(m)
        if pts is not None:
            pts = _screen(scene, m, pts)
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            out.append((_name(getattr(m, "text", None) or type(m).__name__), (lo[0], lo[1], hi[0], hi[1])))
    return out


def clipped(scene) -> list[str]:
    """Texts drawn partly outside their own image (cut off by the canvas edge)."""
    from manim import ImageMobject

    from scenes.components.raster import px_per_unit
    out = []
    for m in scene.get_mobject_family_members():
        boxes = getattr(m, "text_boxes", None) if isinstance(m, ImageMobject) else None
        if boxes and _image_visible(m):
            ph, pw = m.pixel_array.shape[:2]
            w, h = pw / px_per_unit(), ph / px_per_unit()
            eps = max(EPS, 1.5 / px_per_unit())    # a hinted glyph's ink may poke out a pixel
            for l, t, r, b, s in boxes:
                if l < -eps or t < -eps or r > w + eps or b > h + eps:
                    out.append(_name(s))
    return out


def mark_points(scene) -> list[tuple[int, str, np.ndarray]]:
    """Lines, arrows (with their tips) and dots on screen: (id, class name, points along them)."""
    from manim import ArrowTip, Dot, Line, VMobject
    out = []
    for m in scene.get_mobject_family_members():
        if not isinstance(m, (Line, Dot, ArrowTip)) or not isinstance(m, VMobject):
            continue
        pts = _visible_points(m)
        if pts is None:
            continue
        pts = _screen(scene, m, pts)
        if isinstance(m, (Dot, ArrowTip)):
            dense = pts
        else:   # straight pieces between control points, sampled every ~0.02 units
            seg = [np.linspace(a, b, max(2, int(np.linalg.norm(b - a) / 0.02) + 1))
                   for a, b in zip(pts[:-1], pts[1:])]
            dense = np.concatenate(seg) if seg else pts
        out.append((id(m), type(m).__name__, dense))
    return out


def marks_over_text(texts, marks) -> list[tuple[str, str]]:
    """(mark, text) pairs where a line, arrow or dot passes through a text's ink box (shrunk by
    ``EPS``)."""
    out = []
    for _, name, pts in marks:
        for _, text, (x0, y0, x1, y1) in texts:
            inside = ((pts[:, 0] > x0 + EPS) & (pts[:, 0] < x1 - EPS)
                      & (pts[:, 1] > y0 + EPS) & (pts[:, 1] < y1 - EPS))
            if inside.any():
                out.append((name, text))
    return out


def overlaps(texts) -> list[tuple[str, str]]:
    """Pairs of texts of different owners whose boxes overlap by more than ``EPS`` both ways."""
    if len(texts) < 2:
        return []
    owners = np.array([t[0] for t in texts])
    b = np.array([t[2] for t in texts], float)
    ox = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    oy = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    hit = (ox > EPS) & (oy > EPS) & (owners[:, None] != owners[None, :])
    i, j = np.nonzero(np.triu(hit, 1))
    return list(dict.fromkeys((texts[a][1], texts[c][1]) for a, c in zip(i, j)))


def off_frame(scene, texts, shapes) -> list[str]:
    """What reaches more than ``EPS`` outside the frame: texts by their text, shapes by name."""
    from manim import config
    w, h = config.frame_width / 2 + EPS, config.frame_height / 2 + EPS
    cx, cy = _frame_centre(scene)
    out = []
    for name, (x0, y0, x1, y1) in [(t[1], t[2]) for t in texts] + shapes:
        if x0 < cx - w or x1 > cx + w or y0 < cy - h or y1 > cy + h:
            out.append(str(name))
    return out


def _frame_centre(scene) -> tuple[float, float]:
    frame = getattr(scene.camera, "frame", None)     # a moving camera
    if frame is not None:
        c = frame.get_center()
        return float(c[0]), float(c[1])
    return 0.0, 0.0


ELIDED = re.compile(r"\S…|…\S")   # "…" against a character: text cut short (not "0 … 8191")


def at_boundary(shown: str, pieces: tuple[str, ...]) -> bool:
    """Whether ``shown`` (a label ``shorten`` cut) keeps whole words or tokens of ``pieces``:
    the first k or the last k of them, or part of the only one (a single word too long)."""
    kept = shown.replace("…", "").strip()
    if len(pieces) == 1:
        return kept in pieces[0]
    joined = ["".join(pieces[:k]).strip() for k in range(1, len(pieces))]
    joined += ["".join(pieces[k:]).strip() for k in range(1, len(pieces))]
    return kept in joined


def cut_problems(scene) -> list[tuple[str, str]]:
    """At a slide's end: text cut short by hand instead of by ``shorten``, a cut not at a word or
    token boundary, a cut label whose full text is not in the slide's notes."""
    from scenes.components.raster import shortened, shortened_pieces
    from scenes.on_screen import cut_labels, shows, texts_on_screen
    texts, cuts = texts_on_screen(scene), shortened()
    out = []
    for t in texts:
        if ELIDED.search(t) and not any(shows(t, shown) for shown in cuts):
            out.append(("cut by hand", _name(t)))
    for shown, full in cut_labels(texts, cuts):
        if not at_boundary(shown, shortened_pieces(shown)):
            out.append(("cut inside a word", f"{shown!r} of {_name(full)!r}"))
        if full not in getattr(scene, "notes", ""):
            out.append(("cut, not in the notes", f"{shown!r} of {_name(full)!r}"))
    return out


class Probe:
    """``ExplainerBase.layout_probe``: measures the screen after each play and at each pause and
    keeps the problems, each (kind, what) once per scene, at its first time."""

    def __init__(self, name: str):
        self.name, self.problems, self.seen, self.checks = name, [], set(), 0

    def __call__(self, scene, where: str) -> None:
        self.checks += 1
        texts = text_boxes(scene)
        found = [("overlap", f"{a!r} over {b!r}") for a, b in overlaps(texts)]
        found += [("off-frame", what) for what in off_frame(scene, texts, shape_boxes(scene))]
        found += [("clipped", what) for what in clipped(scene)]
        found += [("mark over text", f"{a} over {b!r}") for a, b in marks_over_text(texts, mark_points(scene))]
        if where == "pause":
            found += cut_problems(scene)
        for kind, what in found:
            if (kind, what) not in self.seen:
                self.seen.add((kind, what))
                self.problems.append(Problem(self.name, float(scene.renderer.time), where, kind, what))


class SlideLog:
    """A ``layout_probe`` that keeps each slide's end: the texts on screen and the notes."""

    def __init__(self, name: str):
        self.name, self.slides, self.checks = name, [], 0

    def __call__(self, scene, where: str) -> None:
        from scenes.on_screen import texts_on_screen
        self.checks += 1
        if where == "pause":
            self.slides.append((texts_on_screen(scene), scene.notes))


def slide_ends(name: str, ctx, size: tuple[int, int] = SIZE) -> list[tuple[list[str], str]]:
    """Scene ``name`` built with ``ctx`` in still mode: (texts on screen, notes) at each slide end."""
    return build_scene(name, ctx, SlideLog(name), size).slides


def check_scene(name: str, ctx, size: tuple[int, int] = SIZE) -> tuple[list[Problem], int]:
    """Build scene ``name`` with ``ctx`` in still mode with a ``Probe``; return its problems and
    how many screens were checked. Anything the scene raises passes through."""
    probe = build_scene(name, ctx, Probe(name), size)
    return probe.problems, probe.checks


def build_scene(name: str, ctx, probe, size: tuple[int, int] = SIZE):
    """Build scene ``name`` with ``ctx`` in still mode, ``probe`` as its ``layout_probe`` (called
    once more at the end); return the probe. Anything the scene raises passes through."""
    from manim import tempconfig

    import scenes
    from scenes.manim_internals import use_end_states

    cls = scenes.scene_class(name)
    logging.getLogger("manim-slides").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="gptx-layout-") as media:
        options = {"quality": "low_quality", "pixel_width": size[0], "pixel_height": size[1],
                   "media_dir": media, "disable_caching": True, "progress_bar": "none",
                   "verbosity": "WARNING", "write_to_movie": False, "save_last_frame": True,
                   "output_file": name}
        run_ctx = ctx.with_(slides_dir=Path(media) / "slides",
                            provenance_path=Path(media) / "numbers.json")
        with tempconfig(options):
            scene = cls(context=run_ctx)
            scene.layout_probe = probe
            use_end_states(scene)
            scene.setup()
            scene.construct()
            probe(scene, "end")
    return probe
