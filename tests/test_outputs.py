"""The film, the offline deck and the handout, built from real (small) renders."""
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import render as render_scene
from pipeline.film import join_film, read_srt, video_seconds

SCENES = ["Softmax", "Unembedding"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    for name in SCENES:
        render_scene(name, out, "Emma smiled at her", size=(256, 144), fps=5)
    return out


def test_film_is_the_scenes_end_to_end_with_chapters_and_captions(rendered):
    parts = [(n, rendered / f"{n}.mp4", rendered / f"{n}.srt") for n in SCENES]
    chapters = join_film(parts, rendered / "film.mp4", rendered / "film.srt")
    lengths = [video_seconds(rendered / f"{n}.mp4") for n in SCENES]
    assert [c[0] for c in chapters] == SCENES
    assert video_seconds(rendered / "film.mp4") == pytest.approx(sum(lengths), abs=0.25)
    assert chapters[1][1] == pytest.approx(lengths[0], abs=0.25)
    import av
    with av.open(str(rendered / "film.mp4")) as c:
        assert [ch["metadata"]["title"] for ch in c.chapters()] == SCENES
    cues = read_srt(rendered / "film.srt")
    per_scene = [len(read_srt(rendered / f"{n}.srt")) for n in SCENES]
    assert len(cues) == sum(per_scene) > 0
    starts = [a for a, _, _ in cues]
    assert starts == sorted(starts)
    assert all(0 <= a <= b <= sum(lengths) + 0.01 for a, b, _ in cues)
    # the second scene's captions start inside its own chapter
    second = cues[per_scene[0]:]
    assert all(a >= chapters[1][1] - 1e-6 for a, _, _ in second)


def test_slides_carry_the_notes_of_the_slide_they_describe(rendered):
    slides = json.loads((rendered / "slides" / "Softmax.json").read_text())["slides"]
    notes = [s["notes"] for s in slides]
    assert notes[0].startswith("Logits are raw scores")       # said at the first pause
    # clip paths are relative to the JSON's folder, so the folder can be copied anywhere
    assert all(not Path(s["file"]).is_absolute() and (rendered / "slides" / s["file"]).exists()
               for s in slides)


def test_handout_has_one_page_per_slide(rendered, tmp_path):
    from pipeline.handout import build_handout
    pages = build_handout(rendered / "slides", SCENES, tmp_path / "handout.pdf")
    n_slides = sum(len(json.loads((rendered / "slides" / f"{n}.json").read_text())["slides"]) for n in SCENES)
    assert pages == n_slides
    pdf = (tmp_path / "handout.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == n_slides


def test_deck_steps_through_slides_offline_in_a_real_browser(rendered, tmp_path):
    from playwright.sync_api import sync_playwright

    from pipeline.deck import build_deck
    chromium = shutil.which("chromium")
    assert chromium, "the deck test needs Debian's chromium (make test installs it)"
    deck = tmp_path / "usb" / "deck.html"
    deck.parent.mkdir()
    assets = build_deck(rendered / "slides", ["Softmax"], deck)
    html = deck.read_text()
    assert "cdn.jsdelivr" not in html and (assets / "reveal.js" / "dist" / "reveal.js").exists()
    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium,
                                    args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(deck.resolve().as_uri())
            page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=20000)

            def state():
                return page.evaluate("""() => {
                    const v = document.querySelector('.slide-background.present video');
                    return [Reveal.getIndices().h, v ? v.currentSrc : null]; }""")

            first = state()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"Reveal.getIndices().h === {first[0] + 1}", timeout=5000)
            second = state()
            page.keyboard.press("ArrowLeft")
            page.wait_for_function(f"Reveal.getIndices().h === {first[0]}", timeout=5000)
            back = state()
        finally:
            browser.close()
    assert second[0] == first[0] + 1 and second[1] != first[1] and second[1]
    assert back == first
    assert requests and all(u.startswith("file://") for u in requests), requests


def _notes(rendered, names):
    return [s["notes"] for n in names
            for s in json.loads((rendered / "slides" / f"{n}.json").read_text())["slides"]]


def test_handout_notes_are_text_and_pages_are_white(rendered, tmp_path):
    import subprocess

    from pipeline.handout import build_handout
    assert shutil.which("pdftotext"), "the handout test needs pdftotext (setup.sh --test installs poppler-utils)"
    notes = _notes(rendered, SCENES)
    for per_page in (1, 4):
        pdf = tmp_path / f"handout{per_page}.pdf"
        pages = build_handout(rendered / "slides", SCENES, pdf, per_page=per_page)
        assert pages == -(-len(notes) // per_page)
        text = subprocess.run(["pdftotext", "-layout" if per_page == 1 else "-raw", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        flat = " ".join(text.split())
        missing = [n for n in notes if " ".join(n.split()) not in flat]
        assert not missing, missing
        png = tmp_path / f"page{per_page}"
        subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", "1", "-l", "1", str(pdf), str(png)], check=True)
        from PIL import Image
        page = Image.open(next(tmp_path.glob(f"page{per_page}*.png"))).convert("L")
        assert page.getpixel((1, 1)) == 255 and page.getpixel((page.width - 2, page.height - 2)) == 255


def test_handout_prints_light_by_default():
    import render
    assert render.build_parser().parse_args(["handout"]).theme == "light"
    assert render.build_parser().parse_args(["deck"]).theme == "dark"


def test_pptx_deck_holds_every_slide_and_its_notes(rendered, tmp_path):
    from pptx import Presentation

    from pipeline.deck import build_deck
    deck = tmp_path / "talk.pptx"
    assert build_deck(rendered / "slides", SCENES, deck) is None
    slides = list(Presentation(str(deck)).slides)
    notes = _notes(rendered, SCENES)
    assert len(slides) == len(notes)
    assert [s.notes_slide.notes_text_frame.text for s in slides] == notes
    assert all(any(sh.shape_type == 16 for sh in s.shapes) for s in slides)   # 16: a movie (media)
    assert [p.name for p in tmp_path.iterdir()] == ["talk.pptx"]


def test_html_deck_carries_only_the_revealjs_files_it_loads(rendered, tmp_path):
    from bs4 import BeautifulSoup

    from pipeline.deck import build_deck
    deck = tmp_path / "talk.html"
    assets = build_deck(rendered / "slides", SCENES, deck)
    soup = BeautifulSoup(deck.read_text(), "html.parser")
    used = {t.get("href") or t.get("src") for t in soup.find_all(["link", "script"])} - {None}
    assert used and all((tmp_path / u).is_file() for u in used)
    reveal = [p for p in (assets / "reveal.js").rglob("*") if p.is_file()]
    assert {str(p.relative_to(tmp_path)) for p in reveal} == used
    assert sum(p.stat().st_size for p in reveal) < 2 * 2**20
    assert not (assets / "reveal.js" / "dist" / "theme" / "white.css").exists()


def test_zip_deck_is_the_html_deck(rendered, tmp_path):
    import zipfile

    from pipeline.deck import build_deck
    assert build_deck(rendered / "slides", SCENES, tmp_path / "talk.zip") is None
    with zipfile.ZipFile(tmp_path / "talk.zip") as z:
        z.extractall(tmp_path / "unzipped")
        names = z.namelist()
    assert "talk/talk.html" in names and all(n.startswith("talk/") for n in names)
    page = (tmp_path / "unzipped" / "talk" / "talk.html").read_text()
    clips = re.findall(r'data-background-video="([^"]+)"', page)
    assert len(clips) == len(_notes(rendered, SCENES))
    assert all((tmp_path / "unzipped" / "talk" / c).is_file() for c in clips)
    assert (tmp_path / "unzipped" / "talk" / "talk_assets" / "reveal.js" / "dist" / "reveal.js").is_file()


def test_one_file_deck_plays_offline_with_nothing_beside_it(rendered, tmp_path):
    from playwright.sync_api import sync_playwright

    from pipeline.deck import build_deck
    chromium = shutil.which("chromium")
    assert chromium, "the deck test needs Debian's chromium (make test installs it)"
    usb = tmp_path / "usb"
    usb.mkdir()
    deck = usb / "talk.html"
    assert build_deck(rendered / "slides", ["Softmax"], deck, one_file=True) is None
    assert [p.name for p in usb.iterdir()] == ["talk.html"]
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(deck.read_text(), "html.parser")
    assert not soup.find_all("script", src=True) and not soup.find_all("link")
    assert len(soup.find_all("style")) == 3
    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium,
                                    args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        try:
            page = browser.new_context(offline=True).new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(deck.resolve().as_uri())
            page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=20000)
            playing = """() => { const v = document.querySelector('.slide-background.present video');
                                 return !!v && v.currentSrc.startsWith('data:video/mp4') && v.currentTime > 0
                                        && !v.error; }"""
            page.wait_for_function(playing, timeout=10000)
            page.keyboard.press("ArrowRight")
            page.wait_for_function("Reveal.getIndices().h === 1", timeout=5000)
            page.wait_for_function(playing, timeout=10000)
        finally:
            browser.close()
    assert requests and all(u.startswith(("file://", "data:")) for u in requests), requests
