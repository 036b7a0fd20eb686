"""A classroom at once: 30 concurrent mixed requests (bad ones among them) against a live server
on 127.0.0.1; every one answered (the picture, a queue position, or its error), identical
requests drawn once, memory under 2 GB, and the server still answers afterwards."""
from __future__ import annotations

import json
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from live_server import get, live_server

SAME = {"scene": "Softmax", "prompt": "The whole class asked at once and", "slide": "0"}
NEW = [("Tokenization", "Emma laughed"), ("Softmax", "The vicar said that"),
       ("Attention", "Mr. Knightley rode to"), ("PredictSample", "It was a cold morning and"),
       ("Unembedding", "She opened the letter and"), ("EmbeddingMatrix", "Harriet blushed"),
       ("ContextFlow", "The carriage stopped at"), ("Temperature", "Anne walked along the")]
BAD = [({"scene": "Softmax", "prompt": ""}, 400), ({"scene": "../../etc/passwd"}, 400),
       ({"scene": "Softmax", "temperature": "99"}, 400), ({"scene": "Attention", "layer": "9"}, 400),
       ({"scene": "Softmax", "slide": "-3"}, 400), ({"scene": "Softmax", "prompt": "a\x00b"}, 400)]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_thirty_students_at_once(tmp_path):
    with live_server(tmp_path / "cache") as (base, proc):
        def still(q):
            return ("/api/still?" + urllib.parse.urlencode(q), "png", 200)

        requests = [still(SAME)] * 10
        requests += [still({"scene": s, "prompt": p, "slide": "0"}) for s, p in NEW]
        requests += [("/api/still?" + urllib.parse.urlencode(q), "error", code) for q, code in BAD]
        requests += [("/api/trace?" + urllib.parse.urlencode({"prompt": p}), "json", 200) for _, p in NEW[:3]]
        requests += [("/no/such/page", "error", 404), ("/static/../../../etc/passwd", "error", 404),
                     ("/api/slide?" + urllib.parse.urlencode(SAME), "json", 200)]
        assert len(requests) == 30

        def ask(r):
            return r, get(base + r[0], timeout=150)

        with ThreadPoolExecutor(max_workers=30) as pool:
            answers = list(pool.map(ask, requests, timeout=300))
        assert len(answers) == 30
        for (path, kind, want), (status, headers, body) in answers:
            if status in (202, 503):        # queued, or the queue is full: a position and a retry time
                data = json.loads(body)
                assert "queue_position" in data and int(headers["Retry-After"]) >= 1, (path, data)
                continue
            assert status == want, (path, status, body[:200])
            if kind == "png":
                assert headers["content-type"] == "image/png" and body[:4] == b"\x89PNG"
            elif kind == "error":
                error = json.loads(body)["error"]
                assert error and "Traceback" not in error
            else:
                assert json.loads(body)
        _, _, health = get(base + "/api/health")
        health = json.loads(health)
        # the ten identical requests were drawn once: one job per distinct picture at most
        assert health["renders"] <= 1 + len(NEW), health
        total = sum(rss_mb(pid) for pid in [proc.pid] + health["workers"])
        assert total < 2048, f"server and workers use {total:.0f} MB"
        status, headers, body = get(base + "/api/still?" + urllib.parse.urlencode(SAME))
        assert status == 200 and body[:4] == b"\x89PNG"
        assert proc.poll() is None


def test_a_full_queue_answers_503_with_retry_after(tmp_path):
    from starlette.testclient import TestClient

    from pipeline.live.app import create_app
    app = create_app(cache=tmp_path, processes=0, warm=False, max_queue=1, wait_s=0.3)
    with TestClient(app) as client:     # no worker: whatever is asked stays in the queue
        first = client.get("/api/still", params={"scene": "Softmax", "prompt": "First in the queue"})
        second = client.get("/api/still", params={"scene": "Softmax", "prompt": "Second, no room"})
        assert first.status_code == 202 and first.json()["queue_position"] == 1
        assert int(first.headers["Retry-After"]) >= 1
        assert second.status_code == 503 and second.json()["error"]
        assert int(second.headers["Retry-After"]) >= 1
        again = client.get("/api/still", params={"scene": "Softmax", "prompt": "First in the queue"})
        assert again.status_code == 202 and again.json()["queue_position"] == 1   # joins its job
