"""Re-render the README's pictures into docs/ (slide ends at 480p, default prompt, dark theme).

    .venv/bin/python scripts/docs_images.py
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from manim import tempconfig  # noqa: E402
from PIL import Image  # noqa: E402

from scenes.context import RenderContext  # noqa: E402
from scenes.gallery import PAGES, Gallery  # noqa: E402

DOCS = ROOT / "docs"
# the slide ends the README shows: (scene, picture name, slide index; -1 = the last frame)
SCENES = [("PredictSample", "predict_sample", -1), ("Attention", "attention", -1),
          ("EmbeddingSpace", "embedding_space", -1), ("ContextFlow", "context_flow", 1),
          ("Training", "training", 3), ("Recap", "recap", -1)]


def gallery_page(page: str) -> None:
    cls = type(f"Gallery_{page}", (Gallery,), {"pages": (page,)})
    with tempfile.TemporaryDirectory() as tmp, tempconfig({
            "quality": "low_quality", "media_dir": tmp, "disable_caching": True,
            "progress_bar": "none", "verbosity": "ERROR", "write_to_movie": False,
            "save_last_frame": True}):
        scene = cls(context=RenderContext())
        scene.render()
        Image.fromarray(scene.renderer.get_frame()).convert("RGB").save(DOCS / f"gallery_{page}.png")


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    from pipeline.live.stills import key_frames
    ctx = RenderContext(narration="none", size=(854, 480))
    for scene, name, slide in SCENES:
        (DOCS / f"{name}.png").write_bytes(key_frames(scene, ctx)[slide].png)
    for page in PAGES:
        gallery_page(page)
    print("wrote", ", ".join(sorted(p.name for p in DOCS.glob("*.png"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
