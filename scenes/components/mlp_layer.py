"""One token through the MLP: input vector, hidden neurons with their real activations, output.

The neurons are the point of the beat, so each is a real circle a scene can highlight; the weight
lines between the columns are many, so all of them are drawn as ONE raster image (see
``raster.py``), and so are the two vector columns with their numbers.

    layer = MLPLayer(x_in, pre, post, w_in, w_out, out)      # real arrays of one token
    self.play(FadeIn(layer)); self.play(Indicate(layer.neuron(layer.highlighted[0])))
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import (DOWN, LEFT, Animation, AnimationGroup, Circle, Dot, Group,
                   ImageMobject, ManimColor, VGroup)

from .checks import finite_array
from .. import style
from .raster import Canvas, rgba, unit_to_pixel
from .text import label

# Layout in scene units (1 unit = 60 px at 480p).
CELL_W = 1.3          # a vector cell, wide enough for "+0.52" in 20 px digits
ROW_H = 0.46          # a vector cell's height
DIGIT = 0.36          # raster digit size: "Hg" ~20 px at 480p, like style.SMALL_SIZE
DOTS_H = 0.5          # room for the vertical ellipsis under a column


def strength(value: float, vmax: float) -> float:
    """|value| / vmax in [0, 1] on the square-root curve the colour helpers use."""
    return float(min(1.0, abs(value) / vmax) ** 0.5)


def top_abs(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest |values|, in their original order (ties: lower index first)."""
    return np.sort(np.argsort(-np.abs(values), kind="stable")[:k])


@dataclass(frozen=True)
class WeightLine:
    """One drawn weight: ``matrix[i, j]``, its colour, and its ends in the line image's units."""
    matrix: str                   # "W_in" or "W_out"
    i: int
    j: int
    weight: float
    color: ManimColor
    opacity: float
    start: tuple[float, float]    # (x, y) in the Canvas of ``MLPLayer.lines``, y downwards
    end: tuple[float, float]


class MLPLayer(Group):
    """Input vector → hidden neurons (GELU) → output vector, for one token, with weight lines.

    Columns show real corner slices: the first ``n_entries`` entries of each vector, then "⋮" and
    the true length. The hidden column shows the ``max_neurons`` neurons with the largest |post|
    in their original order, each filled by its activation (grey, ``style.data_color``); rings
    mark the ``n_highlight`` that fire most. Lines: ``w_in[i, j]`` from the ``n_lines`` input
    entries with largest |x_in| to every shown neuron, and ``w_out[j, o]`` from every shown
    neuron to the ``n_lines`` output entries with largest |out|, in ``style.weight_color``.
    """

    def __init__(self, x_in, pre, post, w_in, w_out, out, max_neurons: int = 16,
                 n_lines: int = 4, n_entries: int = 8, n_highlight: int = 3,
                 neuron_spacing: float = 0.34, neuron_radius: float = 0.125, span: float = 3.9,
                 data_vmax: float | None = None, weight_vmax: float | None = None,
                 labels: tuple[str, str, str] = ("up-projection W_in", "GELU",
                                                 "down-projection W_out"), *, theme: style.Theme):
        """Raises ValueError naming an array with a wrong shape or NaN/inf, a count (``max_neurons``,
        ...) below 1 or a vmax that is not a finite number > 0."""
        super().__init__()
        self.theme = theme
        x_in = finite_array("x_in", x_in, (None,))
        d_model = x_in.size
        pre = finite_array("pre", pre, (None,))
        d_mlp = pre.size
        post = finite_array("post", post, (d_mlp,))
        w_in = finite_array("w_in", w_in, (d_model, d_mlp))
        w_out = finite_array("w_out", w_out, (d_mlp, d_model))
        out = finite_array("out", out, (d_model,))
        for name, v in (("max_neurons", max_neurons), ("n_lines", n_lines), ("n_entries", n_entries)):
            if int(v) < 1:
                raise ValueError(f"{name} must be at least 1, got {v}")
        for name, v in (("data_vmax", data_vmax), ("weight_vmax", weight_vmax)):
            if v is not None and not (np.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {v}")
        th = theme
        self.d_model, self.d_mlp = d_model, d_mlp
        self.span, self.radius = span, neuron_radius

        # --- what is shown ------------------------------------------------------------------
        self.neuron_index = top_abs(post, min(max_neurons, d_mlp))
        self.activations = post[self.neuron_index].copy()
        self.pre_activations = pre[self.neuron_index].copy()
        self.data_vmax = float(data_vmax or max(np.abs(post).max(), 1e-6))
        n_shown = min(n_entries, d_model)
        self.input_index = np.arange(n_shown)
        self.input_values, self.output_values = x_in[:n_shown].copy(), out[:n_shown].copy()
        self.input_wired = np.sort(top_abs(self.input_values, n_lines))
        self.output_wired = np.sort(top_abs(self.output_values, n_lines))
        firing = [k for k in np.argsort(-self.activations, kind="stable")[:n_highlight]
                  if self.activations[k] > 0]
        self.highlighted = [int(self.neuron_index[k]) for k in sorted(firing)]

        # --- geometry (local units, neuron column at x = 0, y upwards) ----------------------
        n = self.neuron_index.size
        self.neuron_y = ((n - 1) / 2 - np.arange(n)) * neuron_spacing
        self.entry_y = ((n_shown - 1) / 2 - np.arange(n_shown)) * ROW_H
        top = max(self.neuron_y[0] + neuron_radius, self.entry_y[0] + ROW_H / 2)
        bottom = min(self.neuron_y[-1] - neuron_radius, self.entry_y[-1] - ROW_H / 2)
        self._line_top = top

        # --- weight lines: one image --------------------------------------------------------
        wires = [("W_in", int(i), int(j), float(w_in[i, j])) for i in self.input_wired
                 for j in self.neuron_index]
        wires += [("W_out", int(j), int(o), float(w_out[j, o])) for j in self.neuron_index
                  for o in self.output_wired]
        self.weight_vmax = float(weight_vmax or max(max(abs(w[3]) for w in wires), 1e-6))
        canvas = Canvas(2 * span, top - bottom)
        row_of_neuron = {int(j): k for k, j in enumerate(self.neuron_index)}
        self.line_weights: list[WeightLine] = []
        for matrix, i, j, w in wires:
            if matrix == "W_in":
                a, b = (-span + 0.04, self.entry_y[i]), (0.0, self.neuron_y[row_of_neuron[j]])
            else:
                a, b = (0.0, self.neuron_y[row_of_neuron[i]]), (span - 0.04, self.entry_y[j])
            a, b = self._clip_to_circle(a, b, matrix)
            s = strength(w, self.weight_vmax)
            self.line_weights.append(WeightLine(
                matrix, i, j, w, style.weight_color(w, self.weight_vmax, theme), 0.35 + 0.65 * s,
                (a[0] + span, top - a[1]), (b[0] + span, top - b[1])))
        for ln in sorted(self.line_weights, key=lambda ln: abs(ln.weight)):  # strongest on top
            s = strength(ln.weight, self.weight_vmax)
            width = max(1, round((0.014 + 0.03 * s) * canvas.scale))
            canvas.draw.line([tuple(canvas.px(*ln.start)), tuple(canvas.px(*ln.end))],
                             fill=rgba(ln.color, ln.opacity), width=width)
        self.lines: ImageMobject = canvas.mobject()
        self.lines.move_to([0, (top + bottom) / 2, 0])

        # --- the two vector columns: one image each -----------------------------------------
        self.input_column = self._vector_image(self.input_values, np.abs(x_in).max(), n_shown < d_model)
        self.output_column = self._vector_image(self.output_values, np.abs(out).max(), n_shown < d_model)
        dy = -DOTS_H / 2 if n_shown < d_model else 0.0
        self.input_column.move_to([-span - CELL_W / 2, dy, 0])
        self.output_column.move_to([span + CELL_W / 2, dy, 0])

        # --- neurons ------------------------------------------------------------------------
        self.neurons = VGroup(*[
            Circle(radius=neuron_radius, stroke_color=th.muted, stroke_width=1.5,
                   fill_color=style.data_color(a, self.data_vmax, theme), fill_opacity=1.0).move_to([0, y, 0])
            for a, y in zip(self.activations, self.neuron_y)])
        self.rings = VGroup(*[
            Circle(radius=neuron_radius + 0.045, stroke_color=th.text, stroke_width=2.5).move_to(
                self.neuron(j).get_center()) for j in self.highlighted])

        # --- words: headers, ellipses, true sizes -------------------------------------------
        up, act, down = (label(s, style.SMALL_SIZE, theme=theme) for s in labels)
        head_y = top + 0.42
        act.move_to([0, head_y, 0])
        up.move_to([min(-span / 2, act.get_left()[0] - 0.3 - up.width / 2), head_y, 0])
        down.move_to([max(span / 2, act.get_right()[0] + 0.3 + down.width / 2), head_y, 0])
        self.headers = VGroup(up, act, down)
        # "⋮ 256 neurons" under the last neuron: no line runs below the lowest neuron
        below = self.neuron_y[-1] - neuron_radius - 0.3
        self.dots = VGroup()
        if n < d_mlp:
            self.dots = VGroup(*[Dot([0, below + 0.11 * (1 - k), 0], radius=0.035, color=th.muted)
                                 for k in range(3)])
        self.count_text = f"{d_mlp:,} neurons"
        self.count_label = label(self.count_text, style.SMALL_SIZE, color=th.muted)
        self.count_label.move_to([0.2, below, 0], aligned_edge=LEFT)
        self.size_text = f"{d_model:,} numbers"
        self.size_labels = VGroup(*[
            label(self.size_text, style.SMALL_SIZE, color=th.muted).next_to(col, DOWN, buff=0.12)
            for col in (self.input_column, self.output_column)])
        self.add(self.lines, self.input_column, self.output_column, self.neurons, self.rings,
                 self.dots, self.headers, self.count_label, self.size_labels)

    # --- building blocks ---------------------------------------------------------------------
    def _clip_to_circle(self, a, b, matrix: str):
        """End (W_in) or start (W_out) a line on the neuron's rim rather than its centre."""
        a, b = np.array(a, float), np.array(b, float)
        d = (b - a) / max(np.linalg.norm(b - a), 1e-9)
        if matrix == "W_in":
            b = b - d * self.radius
        else:
            a = a + d * self.radius
        return tuple(a), tuple(b)

    def _vector_image(self, values: np.ndarray, vmax: float, more: bool) -> ImageMobject:
        """Cells filled grey by |value| with the signed value written in; "⋮" if truncated."""
        th = self.theme
        vmax = max(float(vmax), 1e-6)
        canvas = Canvas(CELL_W, values.size * ROW_H + (DOTS_H if more else 0.0))
        for r, v in enumerate(values):
            y0 = r * ROW_H
            canvas.rect(0.02, y0 + 0.03, CELL_W - 0.02, y0 + ROW_H - 0.03, style.data_color(v, vmax, self.theme))
            ink = th.background if strength(v, vmax) > 0.6 else th.text
            text = f"{v:+.2f}" if abs(v) < 9.995 else f"{v:+.1f}"
            canvas.text(CELL_W / 2, y0 + ROW_H / 2, text, DIGIT, ink)
        if more:
            for k in range(3):
                canvas.ellipse(CELL_W / 2, values.size * ROW_H + 0.14 + 0.11 * k, 0.035, th.muted)
        return canvas.mobject()

    # --- what scenes call --------------------------------------------------------------------
    def neuron(self, index: int) -> Circle:
        """The circle of original neuron ``index`` (one of ``neuron_index``).
        Raises ValueError for a neuron that is not drawn."""
        hits = np.flatnonzero(self.neuron_index == index)
        if hits.size == 0:
            raise ValueError(f"neuron {index} is not shown; shown: {self.neuron_index.tolist()}")
        return self.neurons[int(hits[0])]

    def show_pre(self) -> "MLPLayer":
        """Fill the neurons by their pre-activations (before GELU), on the same grey scale."""
        for c, v in zip(self.neurons, self.pre_activations):
            c.set_fill(style.data_color(v, self.data_vmax, self.theme), opacity=1.0)
        return self

    def apply_gelu(self, run_time: float = 1.0) -> Animation:
        """Neurons from their pre-activation fill to the real post-GELU activation fill."""
        return AnimationGroup(*[c.animate.set_fill(style.data_color(v, self.data_vmax, self.theme), opacity=1.0)
                                for c, v in zip(self.neurons, self.activations)], run_time=run_time)

    def line_pixel(self, k: int, t: float = 0.5) -> np.ndarray:
        """RGBA of the line image at fraction ``t`` along ``line_weights[k]``."""
        ln = self.line_weights[k]
        x = ln.start[0] + t * (ln.end[0] - ln.start[0])
        y = ln.start[1] + t * (ln.end[1] - ln.start[1])
        return self.lines.pixel_array[unit_to_pixel(self.lines, x, y)]


__all__ = ["MLPLayer", "WeightLine", "finite_array"]
