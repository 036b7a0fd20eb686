"""The handout: a PDF of each slide's last frame with the teacher's notes as real (searchable,
copyable) text, one or several slides per page.

    build_handout(Path("film/slides"), ["Softmax"], Path("handout.pdf"))               # 1 per page
    build_handout(Path("film/slides"), ["Softmax"], Path("handout.pdf"), per_page=4)   # 4 per page

One slide per page: A4 landscape, the still above its notes. Several: A4 portrait, one row per
slide, the still on the left and the notes on the right. Pages are white; the stills are whatever
theme the scenes were rendered in (``render.py handout`` renders them light by default).
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from xml.sax.saxutils import escape

from .slides import load_slides

MAX_PER_PAGE = 6
MARGIN_PT = 36                 # half an inch
GAP_PT = 14
HEADING_GREY = (0.35, 0.35, 0.35)


def last_frame(video: Path):
    """The last frame of ``video`` as a PIL image. Raises ValueError when it has none."""
    import av
    frame = None
    with av.open(str(video)) as c:
        for frame in c.decode(video=0):
            pass
    if frame is None:
        raise ValueError(f"{video} holds no frames")
    return frame.to_image()


def slides_of(folder: Path, name: str) -> list[dict]:
    """Scene ``name``'s slides (``file`` an absolute Path, ``notes`` text). Raises UsageError."""
    return load_slides(folder, name)["slides"]


def _fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans when fontconfig finds it (every character of the
    notes), else the PDF's built-in Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from scenes.components.raster import font_file
    path = font_file(mono=False)
    if not path or not path.lower().endswith(".ttf"):
        return "Helvetica", "Helvetica-Bold"
    bold = path.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
    pdfmetrics.registerFont(TTFont("DejaVuSans", path))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", bold if os.path.exists(bold) else path))
    return "DejaVuSans", "DejaVuSans-Bold"


def _jpeg(image) -> io.BytesIO:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="JPEG", quality=88)
    buf.seek(0)
    return buf


def _cell(canvas, item: tuple, box: tuple[float, float, float, float], side_by_side: bool,
          styles: tuple) -> None:
    """Draw one slide (heading, still, notes) inside ``box`` = (x, y, width, height) in points."""
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Frame, KeepInFrame, Paragraph

    heading, still, notes = item
    head_style, body_style = styles
    x, y, w, h = box
    img_w = w * (0.55 if side_by_side else 1.0)
    img_h = img_w * still.height / still.width
    top_room = h - (0 if side_by_side else head_style.leading + GAP_PT + 4 * body_style.leading)
    if img_h > top_room:
        img_w, img_h = img_w * top_room / img_h, top_room
    img_y = y + h - img_h if side_by_side else y + h - head_style.leading - GAP_PT / 2 - img_h
    canvas.drawImage(ImageReader(_jpeg(still)), x, img_y, img_w, img_h)
    canvas.setStrokeColorRGB(0.8, 0.8, 0.8)
    canvas.rect(x, img_y, img_w, img_h, stroke=1, fill=0)
    flow = [Paragraph(escape(heading), head_style),
            Paragraph(escape(notes or "(no notes)").replace("\n", "<br/>"), body_style)]
    if side_by_side:
        frame = Frame(x + img_w + GAP_PT, y, w - img_w - GAP_PT, h, 0, 0, 0, 0, showBoundary=0)
    else:
        canvas.setFont(head_style.fontName, head_style.fontSize)
        canvas.setFillColorRGB(*HEADING_GREY)
        canvas.drawString(x, y + h - head_style.fontSize, heading)
        flow = flow[1:]
        frame = Frame(x, y, w, img_y - y - GAP_PT, 0, 0, 0, 0, showBoundary=0)
    frame.addFromList([KeepInFrame(frame._width, frame._height, flow, mode="shrink")], canvas)


def build_handout(folder: Path, names: list[str], dest: Path, per_page: int = 1) -> int:
    """Write the handout PDF ``dest`` for scenes ``names`` (slides in ``folder``), ``per_page``
    slides a page (1 to MAX_PER_PAGE); return the number of pages. ``dest`` appears complete or
    not at all. Raises ValueError (bad ``per_page``, no slides), UsageError (slides missing)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen.canvas import Canvas

    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"--per-page must be 1 to {MAX_PER_PAGE}, got {per_page}")
    items = []
    for name in names:
        slides = slides_of(folder, name)
        for k, slide in enumerate(slides, 1):
            items.append((f"{name} · slide {k} of {len(slides)}", last_frame(Path(slide["file"])),
                          slide.get("notes", "")))
    if not items:
        raise ValueError("no slides to put in the handout")
    regular, bold = _fonts()
    size = 13 if per_page == 1 else 10
    styles = (ParagraphStyle("heading", fontName=bold, fontSize=size, leading=size * 1.3,
                             textColor=HEADING_GREY, spaceAfter=4),
              ParagraphStyle("notes", fontName=regular, fontSize=size, leading=size * 1.35))
    page = landscape(A4) if per_page == 1 else A4
    part = dest.with_name(dest.name + ".part")
    canvas = Canvas(str(part), pagesize=page, pageCompression=1)
    canvas.setTitle("How a GPT works: handout")
    width, height = page[0] - 2 * MARGIN_PT, page[1] - 2 * MARGIN_PT
    row = (height - GAP_PT * (per_page - 1)) / per_page
    pages = 0
    try:
        for start in range(0, len(items), per_page):
            for i, item in enumerate(items[start:start + per_page]):
                top = page[1] - MARGIN_PT - i * (row + GAP_PT)
                _cell(canvas, item, (MARGIN_PT, top - row, width, row), per_page > 1, styles)
            canvas.showPage()
            pages += 1
        canvas.save()
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    return pages
