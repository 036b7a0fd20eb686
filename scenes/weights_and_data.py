"""Beat 5: the deep-learning premise — data and weights are arrays of numbers; a weighted sum, a
matrix–vector product row by row, and a non-linear step that has no weights.

Every number is the model's: the last token's embedding (``hook_embed``), the weights of one MLP
(``layer_shown``: the last layer's, unless the MLP scene shows that layer, so the two scenes never
repeat the same digits) ``blocks.L.mlp.W_in`` and bias ``b_in``, the vector that MLP reads
(``blocks.L.ln2.hook_normalized``), the products ``W_in · x`` (``blocks.L.mlp.hook_pre`` minus ``b_in``), and GELU's input and output
(``hook_pre``, ``hook_post``).
"""
from __future__ import annotations

import math

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UL, UP, Arrow, Create, FadeIn, FadeOut, Group,
                   Line, Rectangle, ValueTracker, VGroup, VMobject, Write, always_redraw,
                   linear)

import model

from . import derivations, style
from .base import ExplainerScene
from .components import DataVector, MatrixVectorProduct, WeightMatrix, label, show_piece
from .components.raster import IMAGE_PAD, Canvas, drawn_width, font_em, shorten
from .components.vectors import contrast_text, fmt
from .components.text_image import text_image
from .components.weight_matrix import TEXT_EM, ellipsis_width

NEURON = 0           # the row of W_in worked out as a weighted sum (row 0 of the product after)
DATA_ENTRIES = 5     # entries shown of the embedding
SUM_TERMS = 5        # weight · data pairs drawn in the weighted sum (then …)
SLOW_TERMS = 4       # of which the running sum walks through one by one
PRODUCT_ROWS = 6     # rows of the product drawn (the last one ⋮)
PRODUCT_COLS = 5     # columns of W_in drawn (the last one ⋯)
ROWS_COMPUTED = 3    # rows of the product counted out
CELL_W = 1.2         # a cell of the weighted sum's two rows
ROW_PAD = 0.18       # room for brackets either side of a row


def gelu(x):
    """The exact (erf) GELU: x · Φ(x). Only used to draw the curve; the values drawn are the model's."""
    x = np.asarray(x, dtype=float)
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def layer_shown(trace: model.Trace, mlp_layer: int | None = None) -> int:
    """The MLP whose numbers this scene works with: the last layer's, unless the MLP scene shows
    that one (``mlp_layer``, else its measured ``pick_layer``), then the first. The MLP scene later
    shows its own layer's product, so the two never draw the same digits (one-layer models aside)."""
    from .mlp import pick_layer
    pos = len(trace.tokens) - 1
    shown_there = pick_layer(trace, pos) if mlp_layer is None else mlp_layer
    last = trace.config["n_layer"] - 1
    return last if shown_there != last else 0


class WeightsAndData(ExplainerScene):
    description = "data (grey) and learned weights (blue/red): a weighted sum, a matrix times a vector, GELU"

    def construct(self):
        t = self.trace
        self.W = model.weights(self.context.checkpoint)
        self.pos = len(t.tokens) - 1
        self.who = show_piece(t.pieces[self.pos])
        self.spoken = self.spoken_token(self.pos)   # for captions
        self.layer = layer_shown(t, self.context.layer_index)
        self.which = "last" if self.layer == t.config["n_layer"] - 1 else "first"
        p = f"blocks.{self.layer}."
        self.names = {"W_in": p + "mlp.W_in", "b_in": p + "mlp.b_in", "x": p + "ln2.hook_normalized",
                      "pre": p + "mlp.hook_pre", "post": p + "mlp.hook_post"}
        self.w_in = self.W[self.names["W_in"]]                # [d_model, d_mlp]
        self.x = t[self.names["x"]][self.pos]
        self.d_model, self.d_mlp = self.w_in.shape
        self.show_data()
        self.show_weights()
        self.weighted_sum()
        self.product()
        self.nonlinearity()

    # --- helpers ----------------------------------------------------------------------------------
    def rec(self, key: str, index, value, transform: str | None = None) -> float:
        """Record a number of this scene's MLP; an activation's index gains the token's row."""
        return self.record_at(self.names[key], self.pos, index, value, transform)

    def clear(self, run_time: float = 0.5):
        gone = [m for m in self.mobjects if m is not self.title]
        if gone:
            self.play(FadeOut(Group(*gone)), run_time=run_time)
        self.remove(*gone)

    def header(self, text: str, mob, buff: float = 0.2):
        """A muted caption above ``mob`` (images span ascender to descender: one baseline)."""
        return self.muted(text).next_to(mob, UP, buff=buff)

    @staticmethod
    def level(heads: list) -> Group:
        """Headers of one row at one height (the highest of them)."""
        y = max(h.get_y() for h in heads)
        for h in heads:
            h.set_y(y)
        return Group(*heads)

    # --- step 1: data -----------------------------------------------------------------------------
    def show_data(self):
        self.title = label("Weights and data", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        emb = self.trace["hook_embed"][self.pos]
        vec = DataVector(emb, max_entries=DATA_ENTRIES, theme=self.theme)
        self.record_block("hook_embed", vec.shown, (self.pos,))
        vec.move_to([-4.6, -0.5, 0])
        who = shorten(self.who, 3.4, font_em(style.SMALL_SIZE), mono=True)
        name = text_image("data", style.BODY_SIZE, theme=self.theme)
        what = self.muted(f"the vector of “{who}”")
        Group(name, what).arrange(DOWN, buff=0.12).next_to(vec, UP, buff=0.25)
        self.data = Group(vec, name, what)
        self.play(Write(self.title), run_time=0.6)
        self.play(FadeIn(name), FadeIn(what), FadeIn(vec, shift=UP * 0.2), run_time=0.8)
        self.say("A transformer works only with arrays of real numbers. Here is data: the vector "
                 f"of {self.spoken}, {emb.size} numbers.", 4.5)
        self.wait(4.5)
        self.pause("Data: the numbers computed from the input, here one token's embedding. Drawn "
                   f"grey, {style.data_shading(self.theme)} for bigger values; the sign is in the digits.")

    # --- step 2: weights --------------------------------------------------------------------------
    def show_weights(self):
        mat = WeightMatrix(self.w_in.T, max_rows=7, max_cols=5, theme=self.theme)
        # W_in is stored [d_model, d_mlp]; drawn one row per neuron, i.e. transposed.
        self.record_block(self.names["W_in"], mat.shown.T)
        mat.move_to([2.3, 0.0, 0])
        mat.shift(UP * (self.data[0].body.get_top()[1] - mat.image.get_top()[1]))
        name = text_image("weights", style.BODY_SIZE, theme=self.theme)
        what = self.muted(f"W_in of the {self.which} MLP: one row per neuron")
        Group(name, what).arrange(DOWN, buff=0.12).next_to(mat.image, UP, buff=0.25)
        name.align_to(self.data[1], DOWN)
        what.align_to(self.data[2], DOWN)
        legend = self.legend().to_edge(DOWN, buff=0.25)
        self.play(FadeIn(name), FadeIn(what), FadeIn(mat, shift=UP * 0.2), run_time=0.8)
        self.say("And here are weights: numbers the model learned in training. Blue positive, red "
                 "negative, brighter when larger.", 5.0)
        self.wait(2.0)
        self.play(FadeIn(legend, shift=UP * 0.2), run_time=0.6)
        self.wait(3.0)
        self.pause(f"Weights are the model: {self.d_mlp} × {self.d_model} of them in this one matrix, "
                   "fixed once trained. Data changes with every prompt; weights do not.")

    def legend(self):
        """Two lines: a grey ramp for data, a red-to-blue ramp for weights, each with its meaning."""
        em = font_em(style.SMALL_SIZE)
        th = self.theme
        ramp_w, ramp_h, line_h = 1.6, 0.34, 0.55
        lines = [("data: computed from the prompt, new every time", style.data_color),
                 ("weights: learned in training, then fixed", style.weight_color)]
        width = ramp_w + 0.3 + max(drawn_width(s, em, mono=False) for s, _ in lines) + 0.1
        c = Canvas(width, 2 * line_h)
        n = 24
        for r, (text, color) in enumerate(lines):
            y = (r + 0.5) * line_h
            for k in range(n):
                v = (k + 0.5) / n if color is style.data_color else 2 * (k + 0.5) / n - 1
                c.rect(k * ramp_w / n, y - ramp_h / 2, (k + 1) * ramp_w / n, y + ramp_h / 2, color(v, 1.0, th))
            c.text(ramp_w + 0.3, y, text, em, th.text, anchor="lm", mono=False)
        return c.mobject()

    # --- step 3: one weighted sum -----------------------------------------------------------------
    def weighted_sum(self):
        self.clear()
        w = self.w_in[:, NEURON]
        vmax = float(np.abs(self.w_in).max())
        weights = WeightMatrix(w[None, :], max_rows=1, max_cols=SUM_TERMS + 1, vmax=vmax,
                               cell_width=CELL_W, cell_height=0.5, show_shape=False, theme=self.theme)
        for j, v in enumerate(weights.shown[0]):
            self.rec("W_in", (j, NEURON), v)
        data = self.data_row(self.x, SUM_TERMS)
        for j, v in enumerate(self.x[:SUM_TERMS]):
            self.rec("x", j, v)
        weights.move_to([0, 0.9, 0])
        data.move_to(weights.image.get_center() + DOWN * 1.15)
        times = Group(*[self.muted("×").move_to((weights.cell_center(0, j) + self.data_cell(data, j)) / 2)
                        for j in range(SUM_TERMS)])
        names = Group(text_image(f"neuron {NEURON}'s weights", theme=self.theme), text_image("x (data)", theme=self.theme))
        names[0].next_to(weights.image, LEFT, buff=0.3)
        names[1].next_to(data, LEFT, buff=0.3).align_to(names[0], RIGHT)
        what = self.muted(f"x: “{shorten(self.who, 2.6, font_em(style.SMALL_SIZE), mono=True)}” as the {self.which} "
                          "MLP reads it, after attention, normalised")
        shift = RIGHT * (-(names[0].get_left()[0] + weights.image.get_right()[0]) / 2)
        for m in (weights, data, times, names):
            m.shift(shift)
        what.next_to(data, DOWN, buff=0.3).set_x(0)
        self.sum_at = np.array([data.get_center()[0], -1.75, 0])
        self.play(FadeIn(weights), FadeIn(names[0]), run_time=0.6)
        self.play(FadeIn(data), FadeIn(names[1]), FadeIn(what), FadeIn(times), run_time=0.6)
        self.say(f"A weighted sum: multiply each number of x by its weight, and add it all up: "
                 f"{self.d_model} products, one number.", 5.0)

        sums = np.cumsum(w.astype(np.float64) * self.x.astype(np.float64))
        total = self.rec("pre", NEURON, float(sums[-1]), derivations.MINUS_B_IN)
        self.record_running_sum(self.names["x"], self.pos, self.names["W_in"], NEURON, sums)
        th = self.theme
        k = ValueTracker(0.0)
        width = max(drawn_width(f"Σ = {fmt(v, 3)}", font_em(style.BODY_SIZE), pad=IMAGE_PAD) for v in sums)

        def running():
            n = int(np.clip(math.floor(k.get_value()), 1, len(sums)))
            return text_image(f"Σ = {fmt(sums[n - 1], 3)}", style.BODY_SIZE, th.text,
                              min_width=width, align="center").move_to(self.sum_at)

        def pair_box():
            j = min(int(np.clip(math.floor(k.get_value()), 1, len(sums))) - 1, SUM_TERMS)
            top = weights.cell_center(0, j) + UP * 0.3
            bottom = self.data_cell(data, j) + DOWN * 0.3
            return Rectangle(width=CELL_W, height=top[1] - bottom[1], color=th.text,
                             stroke_width=4).move_to((top + bottom) / 2)

        counter, box = always_redraw(running), always_redraw(pair_box)
        k.set_value(1.0)
        self.play(FadeIn(counter), Create(box), run_time=0.4)
        self.play(k.animate(rate_func=linear, run_time=0.8 * (SLOW_TERMS - 1)).set_value(SLOW_TERMS + 0.999))
        self.play(k.animate(rate_func=linear, run_time=1.6).set_value(len(sums)))
        counter.clear_updaters()
        box.clear_updaters()
        result = text_image(f"Σ = {fmt(total, 3)}", style.BODY_SIZE, th.text).move_to(self.sum_at)
        note = self.muted(f"all {self.d_model} terms added up: one number, for neuron {NEURON}")
        note.next_to(result, DOWN, buff=0.3)
        self.remove(counter)
        self.add(result)
        self.play(FadeOut(box), FadeIn(note), run_time=0.5)
        self.wait(2.5)
        self.pause("A weighted sum: each weight says how much its number counts, and with which "
                   "sign. The running total over all the terms is one new number.")

    def data_row(self, values, n: int):
        """The first ``n`` numbers of a data vector as a bracketed row of grey cells, ⋯ after."""
        th = self.theme
        vmax = float(np.abs(values).max()) or 1.0
        h = 0.5
        c = Canvas(2 * ROW_PAD + n * CELL_W + ellipsis_width(CELL_W), h)
        for j in range(n):
            x0 = ROW_PAD + j * CELL_W
            fill = style.data_color(float(values[j]), vmax, self.theme)
            c.rect(x0 + 0.03, 0.03, x0 + CELL_W - 0.03, h - 0.03, fill)
            c.text(x0 + CELL_W / 2, h / 2, fmt(float(values[j])), TEXT_EM, contrast_text(fill, theme=self.theme))
        c.dots(ROW_PAD + n * CELL_W + ellipsis_width(CELL_W) / 2, h / 2, 0.11, 0, 0.035, th.muted)
        arm, lw = 0.12, 0.035
        for x, sign in ((0.04, 1), (c.width - 0.04, -1)):
            c.line([(x + sign * arm, 0.02), (x, 0.02), (x, h - 0.02), (x + sign * arm, h - 0.02)], th.text, lw)
        img = c.mobject()
        img.n_cells = n
        return img

    @staticmethod
    def data_cell(row, j: int) -> np.ndarray:
        """Where cell ``j`` of a ``data_row`` is now (the ⋯ cell for j = n)."""
        left = row.get_left()
        ew = ellipsis_width(CELL_W)
        k = row.width / (2 * ROW_PAD + row.n_cells * CELL_W + ew)
        x = ROW_PAD + (j + 0.5) * CELL_W if j < row.n_cells else ROW_PAD + row.n_cells * CELL_W + ew / 2
        return np.array([left[0] + k * x, row.get_center()[1], 0.0])

    # --- step 4: a matrix times a vector, row by row ----------------------------------------------
    def product(self):
        self.clear()
        mv = MatrixVectorProduct(self.w_in.T, self.x, max_rows=PRODUCT_ROWS, max_cols=PRODUCT_COLS, theme=self.theme)
        self.record_block(self.names["W_in"], mv.matrix.shown.T)
        for i, v in enumerate(mv.x.shown):
            self.rec("x", i, v)
        mv.move_to([-0.9, -0.1, 0])
        heads = self.level([self.header("W_in: one row per neuron", mv.matrix.image),
                            self.header("x", mv.x.body), self.header("W_in · x", mv.y.body)])
        how = self.muted("each output number is one row of weights · x: a weighted sum")
        how.to_edge(DOWN, buff=0.5)
        self.play(FadeIn(mv), FadeIn(heads), run_time=0.8)
        self.say("A matrix times a vector is many weighted sums at once: each row of weights, "
                 "dotted with x, gives one number of the output.", 5.0)
        for i in range(ROWS_COMPUTED):
            self.rec("pre", i, mv.y_values[i], derivations.MINUS_B_IN)   # the counter lands on this
            self.record_running_sum(self.names["x"], self.pos, self.names["W_in"], i, mv.partial_sums(i))
            self.play(mv.compute_row(i, run_time=1.2 if i == 0 else 0.7))
        for i, v in enumerate(mv.y.shown):
            self.rec("pre", i, v, derivations.MINUS_B_IN)
        self.play(mv.reveal_all(), FadeIn(how), run_time=0.5)
        self.say(f"{self.d_mlp} rows, so {self.d_mlp} weighted sums: the first half of an MLP.", 3.5)
        self.wait(3.0)
        from model.flops import matvec_share
        n = len(self.trace.tokens)
        share = self.record("W_E", (), matvec_share(self.trace.config, n), derivations.MATVEC_SHARE)
        most = self.muted(f"{100 * share:.1f}% of the model's arithmetic on your prompt: products like this")
        most.next_to(how, UP, buff=0.2)
        self.play(FadeIn(most), run_time=0.5)
        self.say(f"Almost all of the computation is this: {100 * share:.1f} percent of this model's "
                 "arithmetic on your prompt is weight matrices times vectors.", 5.0)
        self.wait(4.5)
        self.pause(f"Row {NEURON} is the weighted sum we just added up. The whole product: "
                   f"{self.d_mlp} × {self.d_model} weights, {self.d_mlp} results. Almost all the work "
                   f"of a transformer is products like this one: {100 * share:.1f}% of this model's "
                   "operations on this prompt (model/flops.py counts them: the rest is attention's "
                   "scores and weighted sums, softmax, layer norm, GELU, biases).")
        self.mv = mv

    # --- step 5: the step with no weights ---------------------------------------------------------
    def nonlinearity(self):
        self.clear()
        pre_all = self.trace[self.names["pre"]][self.pos]
        post_all = self.trace[self.names["post"]][self.pos]
        n = len(self.mv.y.shown)
        vmax = float(max(np.abs(pre_all).max(), np.abs(post_all).max()))   # one grey scale
        y = DataVector(self.mv.y_values, max_entries=n, vmax=vmax, show_length=False, theme=self.theme)
        for i, v in enumerate(y.shown):
            self.rec("pre", i, v, derivations.MINUS_B_IN)
        pitch = abs(y.cell_center(1)[1] - y.cell_center(0)[1])
        bias = WeightMatrix(self.W[self.names["b_in"]][:, None], max_rows=n + 1, max_cols=1,
                            vmax=float(np.abs(self.w_in).max()), cell_height=pitch, show_shape=False, theme=self.theme)
        for i, v in enumerate(bias.shown[:, 0]):
            self.rec("b_in", i, v)
        pre = DataVector(pre_all, max_entries=n, vmax=vmax, show_length=False, theme=self.theme)
        post = DataVector(post_all, max_entries=n, vmax=vmax, show_length=False, theme=self.theme)
        for i in range(n):
            self.rec("pre", i, pre.shown[i])
            self.rec("post", i, post.shown[i])
        plus, equals = text_image("+", style.BODY_SIZE, theme=self.theme), text_image("=", style.BODY_SIZE, theme=self.theme)
        row = Group(y, plus, bias, equals, pre).arrange(RIGHT, buff=0.3)
        row.move_to([-2.9, -0.55, 0])
        top = y.cell_center(0)[1]
        bias.shift(UP * (top - bias.cell_center(0, 0)[1]))
        pre.shift(UP * (top - pre.cell_center(0)[1]))
        mid = y.body.get_center()[1]
        for m in (plus, equals):
            m.set_y(mid)
        arrow = Arrow(pre.body.get_right() + RIGHT * 0.25, pre.body.get_right() + RIGHT * 2.55, buff=0,
                      color=self.theme.text, stroke_width=4, max_tip_length_to_length_ratio=0.12)
        arrow.set_y(mid)
        post.next_to(arrow, RIGHT, buff=0.25)
        post.shift(UP * (top - post.cell_center(0)[1]))
        shift = RIGHT * (-(y.get_left()[0] + post.get_right()[0]) / 2)
        for m in (row, arrow, post):
            m.shift(shift)
        curve = self.gelu_icon().next_to(arrow, UP, buff=0.2)
        fn = text_image("GELU", style.BODY_SIZE, theme=self.theme).next_to(arrow, DOWN, buff=0.2)
        heads = self.level([self.header("W_in · x", y.body), self.header("b_in", bias.image),
                            self.header("pre-activation", pre.body), self.header("after GELU", post.body)])
        note = Group(self.muted("GELU has no weights: the same fixed curve for every number."),
                     self.muted("Negatives are squashed toward 0; big positives pass almost unchanged."))
        note.arrange(DOWN, buff=0.15, aligned_edge=LEFT).to_edge(DOWN, buff=0.35)

        self.play(FadeIn(y), FadeIn(heads[0]), run_time=0.5)
        self.say("Then a learned bias is added, and a function with no weights at all: GELU, "
                 "applied to each number on its own.", 5.0)
        self.play(FadeIn(plus), FadeIn(bias), FadeIn(heads[1]), run_time=0.5)
        self.play(FadeIn(equals), FadeIn(pre, shift=RIGHT * 0.2), FadeIn(heads[2]), run_time=0.5)
        self.play(Create(curve), FadeIn(fn), FadeIn(arrow), run_time=0.8)
        self.play(FadeIn(post, shift=RIGHT * 0.3), FadeIn(heads[3]), run_time=0.7)
        self.wait(1.5)
        self.play(FadeIn(note), run_time=0.5)
        self.say("Without this non-linear step, stacked products would collapse into a single "
                 "product; with it, the layers can learn far more.", 5.0)
        self.wait(5.0)
        self.pause("The non-linearity is what makes depth worth it. Weights: learned, blue and red. "
                   "Data: grey, flowing through. Products, sums and a squashing function: that is "
                   "all a transformer does, billions of times.")

    def gelu_icon(self):
        """GELU drawn small over its own axes, x from -3 to 3."""
        th = self.theme
        sx, sy = 0.33, 0.33
        xs = np.linspace(-3, 3, 60)
        axes = VGroup(Line([-3 * sx, 0, 0], [3 * sx, 0, 0], color=th.muted, stroke_width=2),
                      Line([0, -0.4 * sy, 0], [0, 3 * sy, 0], color=th.muted, stroke_width=2))
        curve = VMobject(stroke_color=th.text, stroke_width=4)
        curve.set_points_smoothly([np.array([a * sx, b * sy, 0]) for a, b in zip(xs, gelu(xs))])
        return VGroup(axes, curve)
