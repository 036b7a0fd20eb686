"""Render speed of every film scene at 480p15: seconds of rendering per second of video.

    python tests/benchmarks/scenes.py [SCENE...]

Renders each scene once (cold, default prompt) through the same path as `render.py render` and
prints a table, then one JSON line last: {"<Scene>": factor, ...} (factor = render s / video s).
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import scenes  # noqa: E402
from pipeline.film import video_seconds  # noqa: E402
from pipeline.render_one import render_scene  # noqa: E402
from scenes.context import RenderContext  # noqa: E402


def main(names: list[str]) -> int:
    names = names or scenes.scene_names()
    factors = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            start = time.perf_counter()
            files = render_scene(name, Path(tmp), RenderContext())
            spent = time.perf_counter() - start
            video = video_seconds(files["mp4"])
            factors[name] = round(spent / video, 3)
            print(f"{name:<22} {video:6.1f} s video  {spent:6.1f} s render  factor {factors[name]:.2f}")
    print(json.dumps(factors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
