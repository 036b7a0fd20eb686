"""The live page in a real browser (Debian's chromium through playwright), networking off:
typing a prompt changes the key frame, dragging the temperature changes the bars, picking a
token redraws a beat that reads it, pointing at a drawn number shows its provenance entry, and
every request goes to the local server."""
from __future__ import annotations

import shutil

from live_server import live_server

PIXELS = """() => { const img = document.getElementById('still');
    const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
    c.getContext('2d').drawImage(img, 0, 0); return c.toDataURL(); }"""


def test_prompt_changes_the_key_frame_and_temperature_the_bars(tmp_path):
    from playwright.sync_api import sync_playwright
    chromium = shutil.which("chromium")
    assert chromium, "the live page test needs Debian's chromium (make test installs it)"
    requests = []
    with live_server(tmp_path / "cache") as (base, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.on("request", lambda r: requests.append(r.url))
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                       or route.request.url.startswith("blob:") else route.abort())
            page.goto(base + "/")
            page.wait_for_function("document.getElementById('still').src.startsWith('blob:')"
                                   " && document.body.dataset.bars", timeout=60000)
            first_query = page.eval_on_selector("#still", "e => e.dataset.query")
            first_pixels = page.evaluate(PIXELS)
            first_bars = page.evaluate("document.body.dataset.bars")

            page.fill("#prompt", "Mr. Darcy walked into the garden and")
            page.wait_for_function(f"document.getElementById('still').dataset.query !== {first_query!r}"
                                   " && document.getElementById('frame-message').textContent === ''",
                                   timeout=60000)
            assert "Darcy" in page.eval_on_selector("#still", "e => decodeURIComponent(e.dataset.query)")
            assert page.evaluate(PIXELS) != first_pixels
            page.wait_for_function(f"document.body.dataset.bars !== {first_bars!r}", timeout=20000)
            prompt_bars = page.evaluate("document.body.dataset.bars")

            box = page.locator("#temperature").bounding_box()
            y = box["y"] + box["height"] / 2
            page.mouse.move(box["x"] + box["width"] * 0.27, y)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * 0.9, y, steps=8)
            page.mouse.up()
            page.wait_for_function(f"document.body.dataset.bars !== {prompt_bars!r}", timeout=20000)
            hot_bars = [float(v) for v in page.evaluate("document.body.dataset.bars").split(",")]
            assert float(page.input_value("#temperature")) > 2
            assert hot_bars[0] < float(prompt_bars.split(",")[0])     # hotter: a flatter top bar

            # the token picker: the prompt's tokens numbered from 1, sent as token=N
            pieces = page.eval_on_selector_all("#tokens span", "s => s.length")
            assert page.eval_on_selector_all("#token option", "o => o.length") == pieces + 1
            page.click("#beats button[data-scene=ContextFlow]")
            shown_query = "document.getElementById('still').dataset.query"
            page.wait_for_function(f"({shown_query} || '').includes('scene=ContextFlow')"
                                   " && document.getElementById('frame-message').textContent === ''",
                                   timeout=60000)
            seen = {}
            for token in ("2", "5"):
                page.select_option("#token", token)
                page.wait_for_function(f"({shown_query} || '').includes('token={token}')"
                                       " && document.getElementById('frame-message').textContent === ''",
                                       timeout=60000)
                seen[token] = page.evaluate(PIXELS)
            assert seen["2"] != seen["5"]

            # a drawn number (ContextFlow's second slide has its cosines): hovering or focusing
            # it in the list beside the picture shows its provenance entry
            page.click("#slides button:nth-child(2)")
            page.wait_for_function(f"({shown_query} || '').includes('slide=1')"
                                   " && document.querySelectorAll('#numbers li').length > 0", timeout=60000)
            entries = page.evaluate("fetch('/api/slide?' + document.getElementById('still').dataset.query)"
                                    ".then(r => r.json()).then(b => b.numbers.slice(0, 2))")
            assert len(entries) == 2
            for i, how in enumerate(("hover", "focus")):
                getattr(page.locator("#numbers li").nth(i), how)()
                detail = page.inner_text("#number-detail")
                assert entries[i]["source"] in detail, (how, detail)
                assert "[" + ", ".join(str(k) for k in entries[i]["index"]) + "]" in detail, (how, detail)
                assert entries[i].get("transform", "none") in detail, (how, detail)
            page.screenshot(path=str(tmp_path / "live.png"))
        finally:
            browser.close()
    assert requests and all(u.startswith(base) or u.startswith("blob:") for u in requests), requests
