"""What a viewer reads on screen at this moment, for the slide notes: each label that had to be
cut short (``components.raster.shorten``) is given there in full."""
from __future__ import annotations

import re

from manim import ImageMobject, MarkupText, Text


def image_visible(img) -> bool:
    """Whether an image mobject draws anything: some pixel not (nearly) transparent."""
    a = img.pixel_array
    return a.ndim == 3 and a.shape[2] == 4 and int(a[:, :, 3].max()) > 8


def text_mobjects(scene):
    """Each Pango text (``Text``/``MarkupText``) and each image with text drawn into it
    (``text_boxes``) on screen, once, without looking inside them; visible or not."""
    seen: set[int] = set()

    def visit(m):
        if id(m) in seen:
            return
        seen.add(id(m))
        if isinstance(m, (Text, MarkupText)) or (isinstance(m, ImageMobject) and getattr(m, "text_boxes", None)):
            yield m
        elif not isinstance(m, ImageMobject):
            for sub in m.submobjects:
                yield from visit(sub)

    for m in scene.mobjects:
        yield from visit(m)


def texts_on_screen(scene) -> list[str]:
    """Every visible text of ``scene``: Pango texts by their string, raster images by each text
    drawn into them (``Canvas.note_text``). Hidden ones (faded to nothing) are left out."""
    out: list[str] = []
    for m in text_mobjects(scene):
        if isinstance(m, ImageMobject):
            if image_visible(m):
                out.extend(b[4] for b in m.text_boxes)
        elif any(sub.get_fill_opacity() > 0.05 for sub in m.family_members_with_points()):
            said = getattr(m, "original_text", None) or getattr(m, "text", "")   # .text drops spaces
            out.append(re.sub(r"<[^>]+>", "", str(said)) if isinstance(m, MarkupText) else str(said))
    return out


def shows(text: str, shown: str) -> bool:
    """Whether on-screen ``text`` shows the cut label ``shown``: holds it, or is the line of it
    that carries its "…" (a label wrapped over lines)."""
    kept = text.strip()
    return shown in text or ("…" in kept and len(kept) > 1 and kept in shown)


def cut_labels(texts: list[str], cuts: dict[str, str]) -> list[tuple[str, str]]:
    """(drawn, full) for each cut label of ``cuts`` ({drawn: full}) that one of ``texts`` shows."""
    return [(shown, full) for shown, full in cuts.items() if any(shows(t, shown) for t in texts)]


def with_full_labels(notes: str, cut: list[tuple[str, str]]) -> str:
    """``notes``, then one sentence giving each label cut short on screen in full."""
    if not cut:
        return notes
    said = "; ".join(f"“{shown}” is “{full}”" for shown, full in cut)
    return f"{notes.rstrip()} Cut short on screen: {said}."
