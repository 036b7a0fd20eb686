import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# A one-token, a medium and a long (past the context window) prompt for scene tests.
SCENE_PROMPTS = ["Emma", "Elizabeth looked at her sister and",
                 " ".join(["She walked on through the long wet fields, thinking of nothing at all,"] * 8)]
sys.path.insert(0, str(ROOT))


def pytest_configure(config):
    """Each test process its own Manim media folder: a Text made outside a render caches its SVG
    under ``media_dir``, and two pytest-xdist workers writing the same file read each other's
    half-written SVG."""
    import atexit
    import os
    import shutil
    import tempfile

    from manim import config as manim_config
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    media = tempfile.mkdtemp(prefix=f"gptx-test-media-{worker}-")
    manim_config.media_dir = media
    atexit.register(shutil.rmtree, media, ignore_errors=True)


def render(scene: str, folder: Path, prompt: str | None = None, movie: bool = True, **options):
    """``render_scene`` with a RenderContext of ``prompt`` (None: the default) and ``options``."""
    from pipeline.render_one import render_scene
    from scenes.context import RenderContext
    ctx = RenderContext(**options) if prompt is None else RenderContext(prompt=prompt, **options)
    return render_scene(scene, folder, ctx, movie=movie)


def still_provenance(scene: str, folder: Path, prompt: str, **options) -> dict:
    """Render ``scene``'s last frame small for ``prompt``; return its provenance file's content."""
    import json

    files = render(scene, folder, prompt, movie=False, size=(256, 144), **options)
    return json.loads(files["numbers.json"].read_text())


@pytest.fixture(scope="session")
def trace():
    import model
    return model.run("Emma smiled at her father, and said that she would")


@pytest.fixture(scope="session")
def cfg(trace):
    return trace.config
