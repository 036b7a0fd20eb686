"""Speed of the live page after warm-up, at 480p, through HTTP like the page itself.

    python tests/benchmarks/live.py [N_PROMPTS]     (default 32; at least 20)

Starts ``render.py live`` on 127.0.0.1 (its own empty cache), warms it with one request, then for
each of N unseen prompts asks one beat's first key frame (``/api/still``, slide 0; the beats that
read the prompt, in turn) and then the next-token bars at an unseen temperature (``/api/trace``),
and the PredictSample key frame at that temperature. Requests are one at a time (one student).
Prints a line per prompt, the memory of the server and its workers (RSS), then one JSON line last
with ``still_p50_s``, ``still_p95_s``, ``temperature_p50_s`` (the bars), ``temperature_still_p50_s``,
``rss_total_mb`` and each beat's median.
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from live_server import get, live_server  # noqa: E402

SUBJECTS = ["The old vicar", "Her younger cousin", "A tall stranger", "The housekeeper", "My aunt",
            "The captain", "Their neighbour", "The youngest girl", "His elder brother", "The doctor",
            "A quiet clerk", "The widow"]
ACTIONS = ["walked slowly to the window and", "wrote a long letter to", "could not believe that the",
           "laughed, and said that", "looked at the garden where", "had never seen such a"]


def prompts(n: int) -> list[str]:
    """``n`` distinct prompts no earlier run of this script has cached (the server's cache is new)."""
    return [f"{SUBJECTS[i % len(SUBJECTS)]} {ACTIONS[(i // len(SUBJECTS) + i) % len(ACTIONS)]}"
            + ("" if i < len(SUBJECTS) * len(ACTIONS) else f" {i}") for i in range(n)]


def timed(url: str) -> tuple[float, int]:
    """Seconds until the whole answer is in, waiting through 202/503 like the page does."""
    start = time.perf_counter()
    while True:
        status, headers, _ = get(url, timeout=120)
        if status not in (202, 503):
            return time.perf_counter() - start, status
        time.sleep(float(headers.get("Retry-After", 1)))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main(n: int) -> int:
    import scenes
    beats = [s for s in scenes.scene_names() if getattr(scenes.scene_class(s), "uses_prompt", True)
             and s != "Title"]
    stills, bars, hot_stills, by_beat = [], [], [], {}
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp)) as (base, proc):
        def url(path, **q):
            return f"{base}{path}?{urllib.parse.urlencode(q)}"
        timed(url("/api/still", scene="Softmax", prompt="Warm up the workers", slide=0))
        timed(url("/api/trace", prompt="Warm up the workers"))
        for i, prompt in enumerate(prompts(n)):
            beat = beats[i % len(beats)]
            s, status = timed(url("/api/still", scene=beat, prompt=prompt, slide=0, theme="light"))
            assert status == 200, (beat, prompt, status)
            t = round(0.3 + 0.05 * i, 2)      # a temperature not asked before
            b, status = timed(url("/api/trace", prompt=prompt, temperature=t))
            assert status == 200
            h, status = timed(url("/api/still", scene="PredictSample", prompt=prompt, slide=1,
                                  temperature=t, theme="light"))
            assert status == 200
            stills.append(s)
            bars.append(b)
            hot_stills.append(h)
            by_beat.setdefault(beat, []).append(s)
            print(f"{i + 1:3d} {beat:<16} key frame {s:5.2f} s   bars at T={t:<5} {b:5.3f} s   "
                  f"PredictSample at T {h:5.2f} s   {prompt!r}", flush=True)
        _, _, body = get(base + "/api/health")
        pids = [proc.pid] + json.loads(body)["workers"]
        rss = {pid: rss_mb(pid) for pid in pids}
        print("RSS (MB): " + ", ".join(f"{pid} {mb:.0f}" for pid, mb in rss.items()))
    print(json.dumps({"still_p50_s": round(statistics.median(stills), 3), "still_p95_s": round(p95(stills), 3),
                      "temperature_p50_s": round(statistics.median(bars), 4),
                      "temperature_still_p50_s": round(statistics.median(hot_stills), 3),
                      "rss_total_mb": round(sum(rss.values())), "prompts": n,
                      "beats_p50_s": {k: round(statistics.median(v), 3) for k, v in by_beat.items()}}))
    return 0


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    if count < 20:
        sys.exit("live.py: give at least 20 prompts")
    sys.exit(main(count))
