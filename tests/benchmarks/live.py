"""Speed of the live page after warm-up, at 480p, through HTTP like the page itself.

    python tests/benchmarks/live.py [N_PROMPTS]     (default 32; at least 20)

Starts ``render.py live`` on 127.0.0.1 (its own empty cache), warms it with one request, then for
each of N unseen prompts asks one beat's first key frame (``/api/still``, slide 0; the beats that
read the prompt, in turn) and then the next-token bars at an unseen temperature (``/api/trace``),
and the PredictSample key frame at that temperature. Requests are one at a time (one student).
Prints a line per prompt, the memory of the server and its workers (RSS), then one JSON line last
with ``still_p50_s``, ``still_p95_s``, ``still_cpu_p50_s``/``p95`` (CPU seconds the server and its
workers spent meanwhile), ``temperature_p50_s`` (the bars), ``temperature_still_p50_s``,
``rss_total_mb``, the machine's load average over the run (the timings are wall-clock: on a
shared machine they include waiting for a core) and each beat's median.
"""
from __future__ import annotations

import json
import os
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


def cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes ``pids`` have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main(n: int) -> int:
    import scenes
    beats = [s for s in scenes.scene_names() if getattr(scenes.scene_class(s), "uses_prompt", True)
             and s != "Title"]
    stills, bars, hot_stills, by_beat, cpus = [], [], [], {}, []
    with tempfile.TemporaryDirectory() as tmp, live_server(Path(tmp)) as (base, proc):
        def url(path, **q):
            return f"{base}{path}?{urllib.parse.urlencode(q)}"
        timed(url("/api/still", scene="Softmax", prompt="Warm up the workers", slide=0))
        timed(url("/api/trace", prompt="Warm up the workers"))
        pids = [proc.pid] + json.loads(get(base + "/api/health")[2])["workers"]
        for i, prompt in enumerate(prompts(n)):
            beat = beats[i % len(beats)]
            time.sleep(1.0)            # let the workers finish or give up the previous beat
            before = cpu_s(pids)
            s, status = timed(url("/api/still", scene=beat, prompt=prompt, slide=0, theme="light"))
            cpus.append(cpu_s(pids) - before)
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
            print(f"{i + 1:3d} {beat:<16} key frame {s:5.2f} s ({cpus[-1]:4.2f} s CPU)   bars at T={t:<5} {b:5.3f} s   "
                  f"PredictSample at T {h:5.2f} s   {prompt!r}", flush=True)
        rss = {pid: rss_mb(pid) for pid in pids}
        print("RSS (MB): " + ", ".join(f"{pid} {mb:.0f}" for pid, mb in rss.items()))
    print(json.dumps({"still_p50_s": round(statistics.median(stills), 3), "still_p95_s": round(p95(stills), 3),
                      "still_cpu_p50_s": round(statistics.median(cpus), 3),
                      "still_cpu_p95_s": round(p95(cpus), 3),
                      "temperature_p50_s": round(statistics.median(bars), 4),
                      "temperature_still_p50_s": round(statistics.median(hot_stills), 3),
                      "rss_total_mb": round(sum(rss.values())), "prompts": n,
                      "load_average_5min": round(os.getloadavg()[1], 1),
                      "beats_p50_s": {k: round(statistics.median(v), 3) for k, v in by_beat.items()}}))
    return 0


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    if count < 20:
        sys.exit("live.py: give at least 20 prompts")
    sys.exit(main(count))
