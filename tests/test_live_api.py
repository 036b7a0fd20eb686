"""The live server's contract: the trace, key frames with their notes and provenance, bad input
answered 400 with the command line's messages, unknown paths 404, nothing outside its cache."""
from __future__ import annotations

import io
import re

import numpy as np
import pytest
from provenance_check import check_provenance

import model
from pipeline.checks import check_head, check_prompt, check_temperature, check_token, checked_scenes
from pipeline.errors import UsageError

PROMPT = "Mr. Darcy bowed to"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from starlette.testclient import TestClient

    from pipeline.live.app import create_app
    cache = tmp_path_factory.mktemp("live-cache")
    with TestClient(create_app(cache=cache, processes=1, warm=False, wait_s=120)) as client:
        client.cache = cache
        yield client


def message(fn, *args) -> str:
    with pytest.raises(UsageError) as err:
        fn(*args)
    return str(err.value)


def test_trace_gives_tokens_pieces_and_the_top_next_tokens(live):
    body = live.get("/api/trace", params={"prompt": PROMPT, "temperature": "0.5"}).json()
    trace = model.run(PROMPT)
    assert body["tokens"] == [int(t) for t in trace.tokens]
    assert "".join(body["pieces"]) == PROMPT
    probs = model.softmax(trace.cache["logits"][-1], 0.5)
    top = [t["token"] for t in body["top"]]
    assert top == [int(t) for t in np.argsort(-trace.cache["logits"][-1], kind="stable")[:len(top)]]
    assert np.allclose([t["probability"] for t in body["top"]], probs[top])
    hot = live.get("/api/trace", params={"prompt": PROMPT, "temperature": "2"}).json()
    assert hot["top"][0]["probability"] < body["top"][0]["probability"]


def test_still_is_a_480p_png_and_its_slides_carry_notes_and_true_numbers(live):
    from PIL import Image
    q = {"scene": "Softmax", "prompt": PROMPT, "theme": "light"}
    r = live.get("/api/still", params={**q, "slide": "0"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(r.content)).size == (854, 480)
    checked, images, metas = 0, set(), []
    while (r := live.get("/api/slide", params={**q, "slide": str(len(metas))})).status_code == 200:
        metas.append(r.json())
    assert r.status_code == 400 and "out of range" in r.json()["error"]
    n = len(metas)
    assert n >= 3 and metas[0]["notes"]
    assert live.get("/api/slide", params={**q, "slide": "0"}).json()["count"] == n     # now known
    for i, meta in enumerate(metas):
        images.add(live.get("/api/still", params={**q, "slide": str(i)}).content)
        if meta["numbers"]:
            checked += check_provenance({"tokens": meta["tokens"], "checkpoint": meta["checkpoint"],
                                         "numbers": meta["numbers"]})
    assert checked > 0 and len(images) == n         # each slide its own picture
    other = live.get("/api/still", params={**q, "prompt": "Emma smiled", "slide": "0"}).content
    assert other not in images


@pytest.mark.parametrize("query, expected", [
    ({"scene": "Softmax", "prompt": ""}, lambda: message(check_prompt, "")),
    ({"scene": "Softmax", "prompt": "a\x07b"}, lambda: message(check_prompt, "a\x07b")),
    ({"scene": "Softmax", "temperature": "11"}, lambda: message(check_temperature, 11.0)),
    ({"scene": "Softmax", "temperature": "-1"}, lambda: message(check_temperature, -1.0)),
    ({"scene": "Softmax", "temperature": "nan"}, lambda: message(check_temperature, float("nan"))),
    ({"scene": "Nope"}, lambda: message(checked_scenes, ["Nope"])),
    ({"scene": "../../etc/passwd"}, lambda: message(checked_scenes, ["../../etc/passwd"])),
    ({"scene": "Attention", "layer": "7"}, lambda: message(check_head, 7, None, "default", model.config())),
    ({"scene": "Attention", "layer": "0"}, lambda: message(check_head, 0, None, "default", model.config())),
    ({"scene": "Attention", "token": "12"}, lambda: message(check_token, 12, 11)),
    ({"scene": "Attention", "head": "-1"}, lambda: message(check_head, None, -1, "default", model.config())),
    ({"scene": "Attention", "head": "0"}, lambda: message(check_head, None, 0, "default", model.config())),
    ({"scene": "Softmax", "checkpoint": "../../x"}, None),
    ({"scene": "Softmax", "layer": "two"}, None),
    ({"scene": "Softmax", "slide": "-1"}, None),
    ({"scene": "Softmax", "slide": "99"}, None),
    ({"scene": "Softmax", "theme": "../dark"}, None),
    ({"prompt": "Emma"}, None),
])
def test_bad_input_is_a_400_with_the_command_lines_message(live, query, expected):
    for path in ("/api/still", "/api/slide"):
        r = live.get(path, params=query)
        assert r.status_code == 400, (path, query, r.text)
        error = r.json()["error"]
        assert error and "\n" not in error and "Traceback" not in error
        if expected is not None:
            assert error == expected()
    if "scene" in query and "slide" not in query and query.get("scene") == "Softmax":
        r = live.get("/api/trace", params=query)
        assert r.status_code == 400 and r.json()["error"] == expected() if expected else r.status_code == 400


def test_slide_out_of_range_names_the_count(live):
    r = live.get("/api/still", params={"scene": "Softmax", "prompt": PROMPT, "slide": "99"})
    assert r.status_code == 400
    assert re.fullmatch(r"slide 99 is out of range: Softmax has \d+ slides, numbered 0 to \d+",
                        r.json()["error"])


@pytest.mark.parametrize("path", ["/nope", "/api", "/api/still/../../etc/passwd",
                                  "/static/../../../etc/passwd", "/static/%2e%2e/%2e%2e/app.py",
                                  "/clips/../../etc/passwd", "/clips/" + "0" * 64 + "/..%2fslides.json",
                                  "/clips/" + "0" * 64 + "/Softmax.mp4"])
def test_unknown_paths_are_404(live, path):
    r = live.get(path)
    assert r.status_code == 404, (path, r.status_code)
    assert r.json()["error"].startswith("not found")


def test_path_like_prompts_stay_in_the_cache(live, tmp_path):
    before = {p for p in tmp_path.parent.iterdir()}
    for prompt in ["../../etc/passwd", "/etc/passwd", "..\\..\\boot.ini", "%2e%2e%2f"]:
        r = live.get("/api/still", params={"scene": "Tokenization", "prompt": prompt, "slide": "0"})
        assert r.status_code == 200 and r.content[:4] == b"\x89PNG"
    assert {p for p in tmp_path.parent.iterdir()} == before
    for p in live.cache.rglob("*"):
        rel = p.relative_to(live.cache).parts
        assert rel[0] in ("stills", "clips", "renders") and (len(rel) == 1 or re.fullmatch(r"[0-9a-f]{64}", rel[1])), p


def test_the_page_and_its_assets_are_served_from_the_package(live):
    page = live.get("/").text
    assert "/static/live.js" in page and "http" not in page.replace("http-equiv", "")
    for asset in ("/static/live.js", "/static/live.css"):
        r = live.get(asset)
        assert r.status_code == 200 and "//cdn" not in r.text and "https://" not in r.text
    beats = live.get("/api/scenes").json()
    assert [b["name"] for b in beats["scenes"]][:2] == ["Title", "PredictSample"]


def test_play_renders_the_beats_clip_through_the_render_cache(live):
    import time
    q = {"scene": "Title", "prompt": PROMPT}
    deadline = time.time() + 600
    while (r := live.get("/api/clip", params=q)).status_code == 202:
        assert r.json()["state"] in ("queued", "rendering") and int(r.headers["Retry-After"]) >= 1
        assert time.time() < deadline, "the clip did not render"
        time.sleep(1)
    assert r.status_code == 200 and r.json()["state"] == "done"
    url = r.json()["url"]
    assert re.fullmatch(r"/clips/[0-9a-f]{64}/Title\.mp4", url)
    video = live.get(url)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"
    assert live.get(url, headers={"Range": "bytes=0-99"}).status_code == 206   # seekable
    assert list((live.cache / "renders").iterdir())                            # a cached render


def test_live_command_checks_its_port_and_warns_when_open_to_the_network(monkeypatch, capsys):
    import uvicorn

    import render
    from live_server import free_port
    assert render.main(["live", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "port 70000 is out of range" in err
    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(kw))
    assert render.main(["live", "--host", "0.0.0.0", "--port", str(free_port())]) == 0
    out = capsys.readouterr()
    assert "open to the network" in out.err and out.out.startswith("live: http://0.0.0.0:")
    assert served and served[0]["host"] == "0.0.0.0"
    assert render.main(["live", "--port", str(free_port())]) == 0
    out = capsys.readouterr()
    assert "warning" not in out.err and out.out.startswith("live: http://localhost:")
