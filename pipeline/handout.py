"""The handout: a PDF with one page per slide, the slide's last frame above the teacher's notes.

    build_handout(Path("film/slides"), ["Softmax"], Path("handout.pdf"))
"""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import av
from PIL import Image, ImageDraw

from scenes.components.raster import font

PAGE = (1754, 1240)      # A4 landscape at 150 dpi
MARGIN = 90


def last_frame(video: Path) -> Image.Image:
    """The last frame of ``video`` as an image. Raises ValueError when the video holds no frames."""
    frame = None
    with av.open(str(video)) as c:
        for frame in c.decode(video=0):
            pass
    if frame is None:
        raise ValueError(f"{video} holds no frames")
    return frame.to_image()


def slides_of(folder: Path, name: str) -> list[dict]:
    """The manim-slides entries of scene ``name`` in ``folder``. Raises FileNotFoundError when
    ``folder`` has no slides for it."""
    path = folder / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"no slides for {name} in {folder}")
    return json.loads(path.read_text())["slides"]


def page(still: Image.Image, heading: str, notes: str) -> Image.Image:
    img = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(img)
    draw.text((MARGIN, MARGIN - 40), heading, font=font(34, mono=False), fill=(60, 60, 60))
    width = PAGE[0] - 2 * MARGIN
    shot = still.convert("RGB").resize((width, round(width * still.height / still.width)))
    shot = shot if shot.height <= 760 else shot.resize((round(760 * shot.width / shot.height), 760))
    img.paste(shot, (MARGIN, MARGIN + 10))
    y = MARGIN + 10 + shot.height + 40
    body = font(30, mono=False)
    for line in textwrap.wrap(notes or "(no notes)", width=95):
        draw.text((MARGIN, y), line, font=body, fill=(20, 20, 20))
        y += 42
    return img


def build_handout(folder: Path, names: list[str], dest: Path) -> int:
    """Write a PDF to ``dest``, a page per slide (its last frame and notes); return the page
    count. Raises FileNotFoundError for a scene without slides and ValueError when there is no
    slide at all."""
    pages = []
    for name in names:
        slides = slides_of(folder, name)
        for k, slide in enumerate(slides, 1):
            still = last_frame(Path(slide["file"]))
            pages.append(page(still, f"{name} · slide {k} of {len(slides)}", slide.get("notes", "")))
    if not pages:
        raise ValueError("no slides to put in the handout")
    part = dest.with_name(dest.name + ".part")
    pages[0].save(part, format="PDF", save_all=True, append_images=pages[1:], resolution=150)
    os.replace(part, dest)
    return len(pages)
