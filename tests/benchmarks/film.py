"""The film's speed goals, measured: cold render with --jobs 2, a warm re-run, a new prompt.

    python tests/benchmarks/film.py [--jobs 2] [--narration festival]

Prints a table, then one JSON line last with
  cold_factor            film render seconds ÷ film seconds (cold cache, 480p15, --jobs N,
                         narrated: the speech is synthesised too, its cache is cold as well)
  cold_cpu_factor        CPU seconds (user + system, every process) of the cold render ÷ film
                         seconds: its cost whatever else the machine is doing (÷ 2 on 2 cores)
  warm_over_cold         the same command again, nothing changed, ÷ the cold time
  attention_new_prompt_s the Attention scene for a prompt never rendered before, in seconds
  peak_mb                the largest resident memory of any render process
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.film import video_seconds  # noqa: E402


def timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "render.py"), *args], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--narration", default="festival", help="the voice (default festival; none: silent)")
    args = ap.parse_args()
    jobs = args.jobs
    with tempfile.TemporaryDirectory(prefix="gptx-bench-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, GPTX_CACHE=str(tmp / "cache"))
        film = ["render", "--all", "--jobs", str(jobs), "--out", str(tmp / "film"),
                "--narration", args.narration]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cold = timed(film, env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cold_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        seconds = video_seconds(tmp / "film" / "film.mp4")
        warm = timed(film, env)
        new_prompt = timed(["render", "Attention", "--prompt", "Her sister laughed at the letter and",
                            "--out", str(tmp / "student"), "--narration", args.narration], env)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {"narration": args.narration, "cold_factor": round(cold / seconds, 3),
              "cold_cpu_factor": round(cold_cpu / seconds, 3), "warm_over_cold": round(warm / cold, 3),
              "attention_new_prompt_s": round(new_prompt, 1), "peak_mb": round(peak_mb)}
    print(f"film: {seconds:.0f} s of video; cold {cold:.0f} s with --jobs {jobs}, warm {warm:.1f} s; "
          f"Attention with a new prompt {new_prompt:.1f} s; peak {peak_mb:.0f} MB")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
