"""The drawing short cuts of the raster components give the same pixels as drawing in full:
the attention grid's kept frame picture (masked cells, axes, labels drawn once per layout) and
the camera painting an image only inside its visible box (``manim_internals.use_boxed_overlay``)."""
from __future__ import annotations

import numpy as np
import pytest
from manim import Scene, Square, tempconfig

import model
from scenes import style
from scenes.components.attention_grid import AttentionGrid
from scenes.components.raster import Canvas

PROMPT = "He looked at Emma and he spoke with great care, then he looked at the window and"


def drawn_in_one_go(grid: AttentionGrid) -> np.ndarray:
    """The grid drawn as it was before the frame picture was kept: frame, every cell in order
    (masked or weighted), then the axes, on one canvas."""
    c = Canvas(*grid.canvas_size)
    n, s = grid.n, grid.cell
    ox, oy = grid.origin
    c.rect(ox, oy, ox + n * s, oy + n * s, grid.theme.neutral)
    for q in range(n):
        for k in range(n):
            x0, y0 = ox + q * s, oy + k * s
            if k > q:
                grid._draw_masked(c, x0, y0)
            else:
                grid._draw_cell(c, q, k, x0, y0)
    grid._draw_axes(c, n)
    return np.asarray(c.image)


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("resolution", [(854, 480), (1280, 720)])
def test_attention_grid_with_a_kept_frame_is_drawn_pixel_for_pixel_the_same(theme, resolution):
    trace = model.run(PROMPT)
    th = style.THEMES[theme]
    with tempconfig({"pixel_width": resolution[0], "pixel_height": resolution[1]}):
        for n, labels, size in [(6, True, 5.2), (16, True, 4.2), (len(trace.tokens), False, 5.0)]:
            for layer, head in [(0, 0), (2, 1), (5, 3)]:      # same layout again: the kept frame
                p = trace.cache[f"blocks.{layer}.attn.hook_pattern"][head][:n, :n]
                grid = AttentionGrid(p, trace.pieces[:n] if labels else None, size=size, theme=th)
                assert np.array_equal(grid.image.pixel_array, drawn_in_one_go(grid)), (n, layer, head)
                assert grid.image.text_boxes, "the labels' boxes are kept for the layout check"


def frame(scene: Scene) -> np.ndarray:
    scene.renderer.update_frame(scene, ignore_skipping=True)
    return scene.renderer.get_frame().copy()


def test_images_painted_inside_their_box_give_the_same_frame():
    from manim.camera.camera import Camera
    trace = model.run(PROMPT)
    p = trace.cache["blocks.1.attn.hook_pattern"][0]
    with tempconfig({"pixel_width": 854, "pixel_height": 480}):
        scene = Scene()
        grid = AttentionGrid(p, trace.pieces, size=4.0, theme=style.THEMES["light"]).shift([0.013, -0.27, 0])
        faded = grid.copy().shift([3.1, 1.7, 0]).set_opacity(0.55)     # partly off the frame
        under = Square(1.5, fill_opacity=0.6, color="#d96c00").shift([0.4, 0.3, 0])
        scene.add(under, grid, faded)
        assert getattr(Camera, "_gptx_boxed", False), "RasterImage sets the boxed overlay up"
        boxed = frame(scene)
        boxed_fn = Camera.overlay_PIL_image
        try:
            Camera.overlay_PIL_image = Camera._gptx_stock_overlay
            stock = frame(scene)
        finally:
            Camera.overlay_PIL_image = boxed_fn
    assert boxed.shape == stock.shape and np.array_equal(boxed, stock)
    assert (boxed != frame_of_background(boxed)).any()


def frame_of_background(f: np.ndarray) -> np.ndarray:
    return np.broadcast_to(f[0, 0], f.shape)
