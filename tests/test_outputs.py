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
    assert all(Path(s["file"]).exists() for s in slides)


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
