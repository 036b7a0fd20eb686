"""A class set rendered by `render.py batch` on a LocalCluster of 1 and of 2 worker processes.

    python tests/benchmarks/batch.py [--prompts 4] [--scenes Title Softmax ...] [--resolution W,H]

Each run starts cold (its own empty render cache and output folder), so the prompt-free scene is
rendered once per run, as in a real class set. The times include starting the cluster and each
worker's first import of Manim and PyTorch.

Prints a table, then one JSON line last with
  speedup_2_workers              seconds with 1 worker ÷ seconds with 2 (goal ≥ 1.7 on 2 cores)
  seconds_per_prompt_film_1, _2  batch seconds ÷ prompts, with 1 and with 2 workers
  seconds_1_worker, seconds_2_workers, prompts, scenes
  scene_seconds                  each scene's median task seconds (rendered, not from the cache),
                                 from the 1-worker run's manifest
  scene_cpu_seconds              the same in CPU seconds of the worker process (all its threads):
                                 what a scene costs a worker of its own, however busy the machine
  cpu_seconds_per_prompt_film    the sum of scene_cpu_seconds over the scenes that read the prompt:
                                 the cost model's input (README, "Cost")
  cores_busy_1, cores_busy_2     CPU seconds of the whole batch (workers, their speech synthesis and
                                 encoding threads, the film joins) ÷ its wall seconds: on 2 cores a
                                 second worker can at most give 2 ÷ cores_busy_1 times the speed
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROMPTS = ["Emma smiled at her father and said that she would",
           "Mr. Darcy bowed and walked to the window",
           "In the beginning God created the heaven and the earth",
           "A cat is a small animal that",
           "Elizabeth laughed at the letter and",
           "The weather was cold and the roads were"]


def _children_cpu() -> float:
    """CPU seconds of every finished child process and its own waited-for children."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(workers: int, prompts: Path, tmp: Path, scenes: list[str], extra: list[str]) -> tuple[float, float, dict]:
    """(wall seconds, cores busy on average, manifest) of one batch."""
    out = tmp / f"out{workers}"
    env = dict(os.environ, GPTX_CACHE=str(tmp / f"cache{workers}"))
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "render.py"), "batch", str(prompts), *scenes,
                           "--out", str(out), "--workers", str(workers), *extra],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"batch with {workers} workers failed ({done.returncode}):\n{done.stdout}")
    return seconds, (_children_cpu() - cpu) / seconds, json.loads((out / "manifest.json").read_text())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=4, help=f"class size, 1 to {len(PROMPTS)} (default 4)")
    ap.add_argument("--scenes", nargs="*", default=[], help="scene names (default: the whole film)")
    ap.add_argument("--resolution", help="W,H (default: the 480p15 of --quality l)")
    args = ap.parse_args()
    extra = ["--resolution", args.resolution] if args.resolution else []
    with tempfile.TemporaryDirectory(prefix="gptx-bench-batch-") as tmp:
        tmp = Path(tmp)
        prompts = tmp / "class.txt"
        prompts.write_text("\n".join(PROMPTS[: args.prompts]) + "\n")
        t1, busy1, manifest = run(1, prompts, tmp, args.scenes, extra)
        t2, busy2, _ = run(2, prompts, tmp, args.scenes, extra)
    per_scene: dict[str, list[float]] = {}
    per_scene_cpu: dict[str, list[float]] = {}
    for e in manifest["entries"]:
        if e["status"] == "rendered":
            per_scene.setdefault(e["scene"], []).append(e["seconds"])
            per_scene_cpu.setdefault(e["scene"], []).append(e["cpu_seconds"])
    scene_seconds = {s: round(statistics.median(v), 1) for s, v in per_scene.items()}
    scene_cpu = {s: round(statistics.median(v), 1) for s, v in per_scene_cpu.items()}
    shared = {e["scene"] for e in manifest["entries"] if e["status"] == "cached"}
    film_cpu = round(sum(v for s, v in scene_cpu.items() if s not in shared), 1)
    n = args.prompts
    result = {"speedup_2_workers": round(t1 / t2, 2), "seconds_1_worker": round(t1, 1),
              "seconds_2_workers": round(t2, 1), "prompts": n, "scenes": len(manifest["scenes"]),
              "seconds_per_prompt_film_1": round(t1 / n, 1), "seconds_per_prompt_film_2": round(t2 / n, 1),
              "scene_seconds": scene_seconds, "scene_cpu_seconds": scene_cpu,
              "cpu_seconds_per_prompt_film": film_cpu,
              "cores_busy_1": round(busy1, 2), "cores_busy_2": round(busy2, 2)}
    print(f"{n} prompts x {len(manifest['scenes'])} scenes: 1 worker {t1:.0f} s, 2 workers {t2:.0f} s "
          f"(speedup {t1 / t2:.2f}); per prompt-film {t1 / n:.0f} s and {t2 / n:.0f} s")
    for s, v in scene_seconds.items():
        print(f"  {s:<18} {v:6.1f} s, {scene_cpu[s]:6.1f} CPU s")
    print(f"CPU seconds per prompt-film (scenes that read the prompt): {film_cpu:.0f}")
    print(f"cores busy on average: {busy1:.2f} with 1 worker, {busy2:.2f} with 2 "
          f"(so at most {os.cpu_count() / busy1:.2f} times the speed from more workers here)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
