"""Key frames for the live page: drawn by the scene's own code, the same pixels whether each
add/remove animation and plain Transform is jumped over or played through Manim's still mode."""
from __future__ import annotations

import io

import numpy as np
import pytest

from pipeline.live.stills import STILL_SIZE, key_frames
from scenes.context import RenderContext


def pixels(png: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


@pytest.mark.parametrize("scene", ["PredictSample", "Attention", "Softmax", "MLP", "Unembedding", "EmbeddingSpace"])
def test_jumping_to_end_states_draws_the_same_key_frames(scene):
    ctx = RenderContext(prompt="The doctor wrote to", theme="light")
    stock = key_frames(scene, ctx, end_states=False)
    fast = key_frames(scene, ctx)
    assert len(fast) == len(stock) >= 2
    for a, b in zip(stock, fast):
        assert (a.notes, a.numbers, a.tokens) == (b.notes, b.numbers, b.tokens)
        pa, pb = pixels(a.png), pixels(b.png)
        assert pa.shape == pb.shape == (STILL_SIZE[1], STILL_SIZE[0], 3)
        assert np.abs(pa - pb).max() <= 2          # antialiasing at most; nothing moved or missing


def test_slides_arrive_one_by_one_with_their_notes():
    seen = []
    slides = key_frames("Softmax", RenderContext(prompt="Emma smiled"), on_slide=lambda i, s: seen.append(i))
    assert seen == list(range(len(slides)))
    assert all(s.notes for s in slides[:-1]) and len({s.png for s in slides}) == len(slides)
    assert sum(len(s.numbers) for s in slides) > 0
