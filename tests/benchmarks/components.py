"""Render speed of our components against the stock Manim CE equivalents, on the same frames.

    python tests/benchmarks/components.py          (needs LaTeX for the stock DecimalMatrix:
                                                    `make bench` installs it)

(a) an 8x8 weight matrix shown and moved 4 times: stock ``DecimalMatrix`` vs ``WeightMatrix``;
(b) a 32x32 attention grid shown and its values changed 4 times: a stock grid of ``Square``s vs
    ``AttentionGrid``.
Both at 480p15, real values from the model; the grids once more with the x264 preset the
project's renders use (``grid_speedup_veryfast``: encoding is half of OurGrid's time otherwise).
A third matrix, one Pango ``Text`` per entry, shows why numbers are drawn into one image rather
than as text mobjects (LaTeX or Pango alike). Prints a table, then one JSON line last:
speedup = stock seconds / our seconds; factor = render seconds / video seconds.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from manim import (DOWN, LEFT, RIGHT, UP, DecimalMatrix, FadeIn, Scene, Square,  # noqa: E402
                   Text, Transform, VGroup, tempconfig)

import model  # noqa: E402
from scenes import style  # noqa: E402
from scenes.components.attention_grid import AttentionGrid  # noqa: E402
from scenes.components.weight_matrix import WeightMatrix  # noqa: E402

TH = style.THEMES["dark"]   # the palette these tests draw in

MOVES = [RIGHT * 2, DOWN * 1.5, LEFT * 2, UP * 1.5]
PROMPT = ("It is a truth universally acknowledged, that a single man in possession of a good "
          "fortune, must be in want of a wife. However little known the feelings")


def inputs():
    w = model.weights()["blocks.0.attn.W_Q"][0][:8, :8]
    trace = model.run(PROMPT)
    n_layer, n_head = trace.config["n_layer"], trace.config["n_head"]
    heads = [(i % n_layer, i % n_head) for i in range(5)]
    patterns = [trace.cache[f"blocks.{l}.attn.hook_pattern"][h][:32, :32] for l, h in heads]
    # the first 32 queries only see the first 32 keys, so each slice is a whole causal pattern
    return w, patterns


W, PATTERNS = inputs()


class StockMatrix(Scene):
    def construct(self):
        m = DecimalMatrix(np.round(W, 2), element_to_mobject_config={"num_decimal_places": 2})
        m.scale(0.6)
        self.play(FadeIn(m), run_time=1)
        for v in MOVES:
            self.play(m.animate.shift(v), run_time=1)


class PangoMatrix(Scene):
    """The middle road: one Pango ``Text`` per entry on a coloured square (no LaTeX)."""

    def construct(self):
        cells = VGroup()
        for i, row in enumerate(W):
            for j, v in enumerate(row):
                sq = Square(side_length=0.9, stroke_width=0, fill_opacity=1,
                            fill_color=style.weight_color(v, float(np.abs(W).max()), TH))
                txt = Text(f"{v:+.2f}", font="DejaVu Sans Mono", font_size=20).move_to(sq)
                cells.add(VGroup(sq, txt).move_to([j * 0.95, -i * 0.95, 0]))
        m = cells.center().scale(0.6)
        self.play(FadeIn(m), run_time=1)
        for v in MOVES:
            self.play(m.animate.shift(v), run_time=1)


class OurMatrix(Scene):
    def construct(self):
        m = WeightMatrix(W, theme=TH).scale(0.6)
        self.play(FadeIn(m), run_time=1)
        for v in MOVES:
            self.play(m.animate.shift(v), run_time=1)


def stock_grid(p):
    n = p.shape[0]
    cells = VGroup(*[Square(side_length=0.15, stroke_width=0, fill_color=TH.data_high,
                            fill_opacity=float(p[q, k])).move_to([q * 0.16, -k * 0.16, 0])
                     for k in range(n) for q in range(n)])
    return cells.center()


class StockGrid(Scene):
    def construct(self):
        grid = stock_grid(PATTERNS[0])
        self.play(FadeIn(grid), run_time=1)
        for p in PATTERNS[1:]:
            self.play(Transform(grid, stock_grid(p)), run_time=1)


class OurGrid(Scene):
    def construct(self):
        grid = AttentionGrid(PATTERNS[0], size=5.0, theme=TH)
        self.play(FadeIn(grid), run_time=1)
        for p in PATTERNS[1:]:
            self.play(grid.retarget(p), run_time=1)


def timed(scene_cls) -> float:
    with tempfile.TemporaryDirectory() as tmp, tempconfig({
            "quality": "low_quality", "media_dir": tmp, "disable_caching": True,
            "progress_bar": "none", "verbosity": "ERROR"}):
        start = time.perf_counter()
        scene_cls().render()
        return time.perf_counter() - start


def main() -> int:
    video = 5.0  # seconds of animation in every scene above
    secs = {cls.__name__: timed(cls) for cls in (StockMatrix, PangoMatrix, OurMatrix, StockGrid, OurGrid)}
    # the grids again with the encoder every render of the project uses (x264 "veryfast",
    # scenes.manim_internals.use_fast_encoder; set last: it cannot be unset): about half of
    # OurGrid's time above is x264's default preset encoding the frames, the same for both grids
    from scenes.manim_internals import use_fast_encoder
    use_fast_encoder()
    fast = {f"{name}+veryfast": timed(cls) for name, cls in (("StockGrid", StockGrid), ("OurGrid", OurGrid))}
    secs.update(fast)
    for name, s in secs.items():
        print(f"{name:<20} {s:6.2f} s render  {s / video:5.2f} x video time")
    result = {
        "matrix_speedup": round(secs["StockMatrix"] / secs["OurMatrix"], 1),
        "grid_speedup": round(secs["StockGrid"] / secs["OurGrid"], 1),
        "grid_speedup_veryfast": round(secs["StockGrid+veryfast"] / secs["OurGrid+veryfast"], 1),
        "matrix_factor": round(secs["OurMatrix"] / video, 3),
        "grid_factor": round(secs["OurGrid"] / video, 3),
        "stock_matrix_factor": round(secs["StockMatrix"] / video, 3),
        "stock_grid_factor": round(secs["StockGrid"] / video, 3),
        "pango_matrix_factor": round(secs["PangoMatrix"] / video, 3),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
