"""Beat 12: the MLP — one token's vector up-projected to 768 neurons, through GELU, down again, added back.

Every number is the real forward pass: the layer's captured activations (``ln2.hook_normalized``,
``mlp.hook_pre``, ``mlp.hook_post``, ``hook_mlp_out``, the residual stream around it) and its
weights ``W_in``, ``b_in``, ``W_out``, ``b_out``.
"""
from __future__ import annotations

import math

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UL, UP, Arrow, Dot, FadeIn, FadeOut, Group, Indicate, Line,
                   VGroup, VMobject, Write)

import model
from model.tokenizer import running_pieces

from . import derivations, style
from .base import ExplainerScene
from .components import DataVector, MatrixVectorProduct, MLPLayer, WeightMatrix, label, show_piece
from .components.raster import Canvas, font_em, shorten, text_width

N_FIRST = 6            # neurons 0..5, whose pre-activations the product showed, again on the curve
N_TOP = 4              # and the neurons that fire most
FIRE = 0.5             # a neuron "fires" when its GELU output is above this
X_RANGE = (-4.0, 3.0)  # the GELU plot's axis, widened to take in every plotted neuron
LAYER_NEURONS = 14     # neurons in the whole-layer picture
ENTRIES = 7            # entries shown of a 192-long vector
ROW_PITCH = 0.46       # a row of the neuron table


def gelu(x):
    """The exact (erf) GELU the model uses: x · Φ(x)."""
    x = np.asarray(x, dtype=float)
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def pick_layer(trace: model.Trace, pos: int) -> int:
    """The layer whose MLP changes the token's vector most: largest |mlp_out| / |resid_mid|.

    Measured on the shipped checkpoint this is layer 0 for every prompt tried (one token, a
    sentence, a prompt past the context window): there the MLP writes a vector 11-14 times longer
    than the one it reads, while in layers 1-5 its output is 0.2-0.4 times the incoming vector.
    The first MLP does the most visible work, and it is the first one the viewer meets.
    """
    ratios = [np.linalg.norm(trace[f"blocks.{k}.hook_mlp_out"][pos])
              / max(float(np.linalg.norm(trace[f"blocks.{k}.hook_resid_mid"][pos])), 1e-9)
              for k in range(trace.config["n_layer"])]
    return int(np.argmax(ratios))


def shown_neurons(post: np.ndarray) -> list[int]:
    """The neurons put on the GELU curve: the first N_FIRST, then the N_TOP that fire most."""
    first = list(range(min(N_FIRST, post.size)))
    top = [int(j) for j in np.argsort(-post, kind="stable") if j >= N_FIRST][:N_TOP]
    return first + top


class MLP(ExplainerScene):
    description = "one token's vector: up-projection to d_mlp (4 × d_model) neurons, GELU, down-projection, added back"

    def construct(self):
        self.pick()
        self.show_title()
        self.show_input()
        self.up_projection()
        self.add_bias()
        self.nonlinearity()
        self.whole_layer()
        self.down_projection()
        self.add_back()

    # --- what is shown ----------------------------------------------------------------------------
    def pick(self):
        t = self.trace
        self.W = model.weights(self.context.checkpoint)
        self.pos = len(t.tokens) - 1                   # the last token: the one that predicts
        given = self.context.layer_index             # --layer (1…L on screen), else measured
        self.layer = given if given is not None else pick_layer(t, self.pos)   # 0-based: blocks.{i}
        p = f"blocks.{self.layer}."
        self.names = {k: p + v for k, v in {
            "mid": "hook_resid_mid", "x": "ln2.hook_normalized", "pre": "mlp.hook_pre",
            "post": "mlp.hook_post", "out": "hook_mlp_out", "resid": "hook_resid_post",
            "W_in": "mlp.W_in", "b_in": "mlp.b_in", "W_out": "mlp.W_out", "b_out": "mlp.b_out"}.items()}
        self.v = {k: (t[n][self.pos] if n in t.cache else self.W[n]) for k, n in self.names.items()}
        self.d_model, self.d_mlp = self.v["W_in"].shape
        self.wider = self.d_mlp // self.d_model

    def rec(self, key: str, index, value, transform: str | None = None) -> float:
        """Record a drawn number of this layer (an activation's index gains the token's row)."""
        return self.record_at(self.names[key], self.pos, index, value, transform)

    def rec_vector(self, key: str, values):
        for i, v in enumerate(values):
            self.rec(key, i, v)

    def muted(self, text: str):
        return label(text, style.SMALL_SIZE, color=self.theme.muted)

    def header(self, text: str, mob, buff: float = 0.2):
        """A muted caption above ``mob``, on a fixed baseline so a row of them lines up."""
        t = label("|" + text, style.SMALL_SIZE, color=self.theme.muted)
        t[0].set_opacity(0)          # an invisible bar: every header spans ascender to descender
        t.next_to(mob, UP, buff=buff)
        return t.shift(RIGHT * (mob.get_center()[0] - VGroup(*t[1:]).get_center()[0]))

    @staticmethod
    def level(heads: VGroup) -> VGroup:
        """Headers of one row at one height (the highest of them)."""
        y = max(h.get_y() for h in heads)
        for h in heads:
            h.set_y(y)
        return heads

    def clear(self, run_time: float = 0.5):
        keep = [*self.title_group, getattr(self, "parameter_counter", None)]
        gone = [m for m in self.mobjects if m not in keep]
        if gone:
            self.play(FadeOut(Group(*gone)), run_time=run_time)

    # --- steps ------------------------------------------------------------------------------------
    def show_title(self):
        title = label("The MLP", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        piece = shorten(show_piece(self.trace.pieces[self.pos]), 3.2, font_em(style.SMALL_SIZE), mono=True)
        n = len(self.trace.tokens)
        text = f"layer {self.layer + 1} · token “{piece}” ({self.pos + 1} of {n})"
        running = running_pieces(model.get_encoding(self.context.checkpoint), self.trace.tokens)
        if running[self.pos] != self.trace.pieces[self.pos]:   # a byte: say which character it is part of
            whole = next((r for r in running[self.pos:] if r), "").strip()
            if whole:
                text = f"layer {self.layer + 1} · token “{piece}” of “{whole}” ({self.pos + 1} of {n})"
        where = self.muted(text)
        where.next_to(title, RIGHT, buff=0.45).align_to(title, DOWN)
        self.title_group = VGroup(title, where)
        self.say("After attention, each token's vector goes through the MLP on its own.", 4.0)
        self.play(Write(title), FadeIn(where), run_time=0.8)

    def show_input(self):
        piece = show_piece(self.trace.pieces[self.pos])
        a = DataVector(self.v["mid"], label=piece, max_entries=ENTRIES - 1, label_width=3.0, theme=self.theme)
        b = DataVector(self.v["x"], max_entries=ENTRIES - 1, theme=self.theme)
        self.rec_vector("mid", a.shown)
        self.rec_vector("x", b.shown)
        a.shift([-2.6, 0.1, 0] - a.body.get_center())
        b.shift([2.6, 0.1, 0] - b.body.get_center())
        arrow = Arrow(a.body.get_right() + RIGHT * 0.25, b.body.get_left() + LEFT * 0.25,
                      color=self.theme.muted, buff=0, stroke_width=4)
        norm = self.muted("LayerNorm").next_to(arrow, UP, buff=0.15)
        heads = VGroup(self.header("the vector after attention", a.body, 0.25),
                       self.header("x, what the MLP reads", b.body, 0.25))
        self.play(FadeIn(a), FadeIn(heads[0]), run_time=0.7)
        self.play(FadeIn(arrow), FadeIn(norm), FadeIn(b, shift=RIGHT * 0.3), FadeIn(heads[1]),
                  run_time=0.8)
        self.wait(1.7)
        self.say(f"It is normalised first; the MLP reads these {self.d_model} numbers.", 3.0)
        self.wait(3.0)
        self.pause(f"The vector of this token after the attention step of layer {self.layer + 1}, and "
                   "the same vector normalised. Grey: data, not learned weights.")

    def up_projection(self):
        self.clear()
        # W_in is stored [d_model, d_mlp]; the product is drawn with one row per neuron, so the
        # matrix on screen is W_in transposed (768 rows × 192 columns). Recorded in stored order.
        mv = MatrixVectorProduct(self.v["W_in"].T, self.v["x"], max_rows=ENTRIES, max_cols=5, theme=self.theme)
        self.record_block(self.names["W_in"], mv.matrix.shown.T)
        self.rec_vector("x", mv.x.shown)
        mv.to_edge(LEFT, buff=0.45).set_y(-0.35)
        heads = self.level(VGroup(self.header("W_in: one row per neuron", mv.matrix.image),
                                  self.header("x", mv.x.body), self.header("W_in · x", mv.y.body)))
        self.play(FadeIn(mv), FadeIn(heads), run_time=0.8)
        self.count_parameters("W_in")
        # the row-by-row weighted sum was worked out in WeightsAndData (on another layer): here the
        # whole product lands at once, and the beat moves on to what is new, the neurons
        self.say("Up-projection: each row of W_in, dotted with x, gives one neuron's value, all "
                 "at once.", 4.0)
        for i, v in enumerate(mv.y.shown):
            self.rec("pre", i, v, derivations.MINUS_B_IN)
        self.play(mv.reveal_all(), run_time=0.8)
        self.say(f"{self.d_mlp} rows, so {self.d_mlp} numbers come out: one per neuron.", 3.0)
        self.wait(2.5)
        self.pause("Each row of W_in is one neuron's pattern: its dot product with x scores how "
                   "well the vector matches it. Blue positive, red negative.")
        self.product, self.product_heads, self.product_head = mv, heads, heads[2]

    def add_bias(self):
        mv, y = self.product, self.product.y
        # revealing the outputs took the product apart (manim splits a group when a part of it
        # leaves the scene): gather it again, its headers one by one (the output's header stays,
        # and fading the row of headers would take it along, to pop back a moment later), then
        # all but the output column and its header go
        self.remove(mv, self.product_heads)
        self.add(mv.matrix, mv.x, mv.equals, y, *self.product_heads)
        gone = [m for m in self.mobjects if m not in self.title_group
                and m not in (y, self.product_head, getattr(self, "parameter_counter", None))]
        self.play(FadeOut(Group(*gone)), run_time=0.5)

        n = len(y.shown)
        pitch = abs(y.cell_center(1)[1] - y.cell_center(0)[1])
        vmax = float(np.abs(self.v["W_in"]).max())        # the colour scale of W_in
        bias = WeightMatrix(self.v["b_in"][:, None], max_rows=n + 1, max_cols=1, vmax=vmax,
                            cell_height=pitch, theme=self.theme)
        self.record_block(self.names["b_in"], bias.shown[:, 0])
        pre = DataVector(self.v["pre"], max_entries=n, theme=self.theme)
        self.rec_vector("pre", pre.shown)
        shift = np.array([-5.6 - y.body.get_center()[0], 0, 0])
        row0 = y.cell_center(0)[1]
        mid = row0 - (n - 1) / 2 * pitch
        plus = label("+", style.BODY_SIZE, theme=self.theme).move_to([-4.2, mid, 0])
        bias.shift([-2.8, row0, 0] - np.array([bias.image.get_center()[0], bias.cell_center(0, 0)[1], 0]))
        equals = label("=", style.BODY_SIZE, theme=self.theme).move_to([-1.35, mid, 0])
        pre.shift([0.0 - pre.body.get_center()[0], row0 - pre.cell_center(0)[1], 0])
        heads = VGroup(self.header("bias b_in", bias.image), self.header("pre-activations", pre.body))
        for h in heads:                  # on the line of the product's header
            h.set_y(self.product_head.get_y())
        wider = label(f"{self.wider}× wider: {self.d_mlp} neurons", style.BODY_SIZE, theme=self.theme)
        wider.move_to([4.1, mid, 0])
        self.play(y.animate.shift(shift), self.product_head.animate.shift(shift), run_time=0.6)
        self.say(f"Plus a learned bias: the pre-activations of {self.d_mlp} neurons, "
                 f"{self.wider} times as many numbers as went in.", 5.0)
        self.play(FadeIn(plus), FadeIn(bias), FadeIn(heads[0]), run_time=0.6)
        self.play(FadeIn(equals), FadeIn(pre, shift=RIGHT * 0.3), FadeIn(heads[1]), run_time=0.6)
        self.play(FadeIn(wider, shift=UP * 0.2), run_time=0.5)
        self.wait(3.3)
        self.pause(f"{self.d_model} numbers in, {self.d_mlp} out: the MLP works in a space "
                   f"{self.wider} times wider. Each entry belongs to one neuron.")

    def nonlinearity(self):
        self.clear()
        pre, post = self.v["pre"], self.v["post"]
        idx = shown_neurons(post)
        lo = min(X_RANGE[0], math.floor(pre[idx].min()))
        hi = max(X_RANGE[1], math.ceil(pre[idx].max()))
        left, right, y0, top = -6.4, -0.6, -1.25, 2.55   # the plot's box in scene units
        sx, sy = (right - left) / (hi - lo), (top - y0) / hi
        ox = left - lo * sx

        def at(px, py):
            return np.array([ox + px * sx, y0 + py * sy, 0.0])

        th = self.theme
        axes = VGroup(Line(at(lo, 0), at(hi, 0), color=th.muted, stroke_width=2.5),
                      Line(at(0, -0.35), at(0, hi), color=th.muted, stroke_width=2.5))
        ticks = VGroup()
        for k in range(math.ceil(lo), math.floor(hi) + 1):
            if k % 2 == 0 and k != 0:
                ticks.add(Line(at(k, 0) + DOWN * 0.08, at(k, 0) + UP * 0.08, color=th.muted, stroke_width=2))
                ticks.add(self.muted(f"{k}").move_to(at(k, 0) + DOWN * 0.38))
        xs = np.linspace(lo, hi, 120)
        curve = VMobject(stroke_color=th.text, stroke_width=4)
        curve.set_points_smoothly([at(a, b) for a, b in zip(xs, gelu(xs))])
        name = label("GELU", style.BODY_SIZE, theme=self.theme).next_to(at(0, hi), LEFT, buff=0.25).align_to(at(0, hi), UP)
        x_name = self.muted("pre-activation").next_to(at(hi, 0), DOWN, buff=0.72).align_to(at(hi, 0), RIGHT)
        self.say("Then each neuron goes through a nonlinearity, GELU: negatives are squashed to "
                 "nearly zero, positives pass almost unchanged.", 6.0)
        self.play(FadeIn(axes), FadeIn(ticks), FadeIn(x_name), run_time=0.5)
        self.play(Write(curve), FadeIn(name), run_time=1.0)

        vmax = float(max(np.abs(post).max(), 1e-6))
        dots, rows = VGroup(), []
        for j in idx:
            a = self.rec("pre", j, pre[j])
            b = self.rec("post", j, post[j])
            fires = b > FIRE
            dot = Dot(at(a, 0), radius=0.085, fill_color=style.data_color(b, vmax, self.theme),
                      stroke_color=th.text if fires else th.muted, stroke_width=2.5 if fires else 1.5)
            dot.target_point = at(a, b)
            dots.add(dot)
            rows.append((f"#{j:<5d} {a:+.2f} → {b:+.2f}", th.text if fires else th.muted))
        head, table = self.neuron_table(rows)
        head.move_to([3.9, 2.6, 0])
        table.next_to(head, DOWN, buff=0.05)
        self.play(FadeIn(head), FadeIn(dots), run_time=0.5)
        self.play(*[d.animate.move_to(d.target_point) for d in dots], FadeIn(table), run_time=1.5)
        self.wait(2.5)

        n_fire, n_off = int((post > FIRE).sum()), int((post <= 0).sum())
        counts = VGroup(label(f"{n_fire} of {self.d_mlp} neurons fire (GELU above {FIRE:g})",
                              style.SMALL_SIZE, theme=self.theme),
                        self.muted(f"{n_off} of {self.d_mlp} are at or below zero: silenced"))
        counts.arrange(DOWN, aligned_edge=LEFT, buff=0.18).to_corner(DOWN + LEFT, buff=0.45)
        self.say(f"For this token, {n_fire} of the {self.d_mlp} neurons fire clearly; "
                 f"{n_off} are switched off.", 4.0)
        self.play(FadeIn(counts, shift=UP * 0.2), run_time=0.6)
        self.wait(3.4)
        self.pause(f"The first {N_FIRST} neurons from the product, and the ones that fire most. Which "
                   "neurons fire depends on the token and its context: that is what the MLP detects.")

    def neuron_table(self, rows: list[tuple[str, object]]):
        """The header and the rows "#j  pre → GELU" as two images (one text mobject per row
        would make every fade copy hundreds of glyphs), a rule after the first N_FIRST rows."""
        em = font_em(style.SMALL_SIZE)
        head_text = f"{'neuron':<6} {'pre':>5}   {'GELU':>5}"
        width = max(text_width(t, em) for t, _ in rows + [(head_text, None)]) + 0.1
        head = Canvas(width, ROW_PITCH)
        head.text(0.05, ROW_PITCH / 2, head_text, em, self.theme.muted, anchor="lm")
        table = Canvas(width, ROW_PITCH * len(rows))
        for r, (text, color) in enumerate(rows):
            table.text(0.05, (r + 0.5) * ROW_PITCH, text, em, color, anchor="lm")
        if len(rows) > N_FIRST:
            table.rect(0, N_FIRST * ROW_PITCH - 0.015, width, N_FIRST * ROW_PITCH + 0.015,
                       self.theme.neutral)
        return head.mobject(), table.mobject()

    def whole_layer(self):
        self.clear()
        v = self.v
        layer = MLPLayer(v["x"], v["pre"], v["post"], v["W_in"], v["W_out"], v["out"],
                         max_neurons=LAYER_NEURONS, n_entries=ENTRIES,
                         data_vmax=float(np.abs(v["post"]).max()), theme=self.theme)
        self.rec_vector("x", layer.input_values)
        self.rec_vector("out", layer.output_values)
        for ln in layer.line_weights:
            self.record(self.names[ln.matrix], (ln.i, ln.j), ln.weight)
        for j, a, b in zip(layer.neuron_index, layer.pre_activations, layer.activations):
            self.rec("pre", j, a)      # the neurons' first fill
            self.rec("post", j, b)     # and their fill after GELU
        layer.show_pre()
        layer.move_to([0, -0.45, 0])
        self.say("The whole MLP for this token: up to the neurons, through GELU, and down again.", 4.0)
        self.play(FadeIn(layer), run_time=0.9)
        self.wait(0.4)
        self.play(layer.apply_gelu(run_time=1.0))
        self.play(*[Indicate(layer.neuron(j), color=self.theme.text, scale_factor=1.5)
                    for j in layer.highlighted], run_time=0.9)
        self.wait(0.8)
        self.say("Rings mark the neurons that fire most: through W_out they write into the output.", 4.0)
        self.wait(4.0)
        self.pause(f"The {layer.neuron_index.size} neurons with the largest outputs for this token, "
                   f"lit by their GELU value; rings mark the {len(layer.highlighted)} that fire most. "
                   "Lines: real weights from the largest inputs and to the largest outputs.")

    def down_projection(self):
        self.clear()
        v = self.v
        n_out = ENTRIES - 1
        vmax = float(np.abs(v["W_out"]).max())
        out = DataVector(v["out"], max_entries=n_out, theme=self.theme)
        self.rec_vector("out", out.shown)
        pitch = abs(out.cell_center(1)[1] - out.cell_center(0)[1])   # W_out's rows meet out's
        # W_out is stored [d_mlp, d_model]; drawn one row per output number, i.e. transposed.
        mat = WeightMatrix(v["W_out"].T, max_rows=n_out + 1, max_cols=4, vmax=vmax, cell_height=pitch, theme=self.theme)
        self.record_block(self.names["W_out"], mat.shown.T)
        h = DataVector(v["post"], max_entries=mat.shown.shape[1], theme=self.theme)
        self.rec_vector("post", h.shown)
        bias = WeightMatrix(v["b_out"][:, None], max_rows=n_out + 1, max_cols=1, vmax=vmax,
                            cell_height=pitch, theme=self.theme)
        self.record_block(self.names["b_out"], bias.shown[:, 0])
        plus, equals = label("+", style.BODY_SIZE, theme=self.theme), label("=", style.BODY_SIZE, theme=self.theme)
        Group(mat, h, plus, bias, equals, out).arrange(RIGHT, buff=0.3, aligned_edge=UP).move_to([0, -0.5, 0])
        top = mat.cell_center(0, 0)[1]
        bias.shift(UP * (top - bias.cell_center(0, 0)[1]))
        out.shift(UP * (top - out.cell_center(0)[1]))
        h.shift(UP * (mat.image.get_top()[1] - h.body.get_top()[1]))
        plus.set_y(mat.image.get_center()[1])
        equals.set_y(mat.image.get_center()[1])
        heads = VGroup(self.header("W_out: one row per output", mat.image), self.header("neurons", h.body),
                       self.header("b_out", bias.image), self.header("MLP output", out.body))
        self.level(heads)
        self.say(f"Down-projection: W_out has {self.d_model} rows of {self.d_mlp}, so the output "
                 f"has {self.d_model} numbers again, like the vector the MLP read.", 5.0)
        self.play(FadeIn(mat), FadeIn(h), FadeIn(heads[:2]), run_time=0.7)
        self.count_parameters("W_out")
        self.play(FadeIn(plus), FadeIn(bias), FadeIn(heads[2]), FadeIn(equals),
                  FadeIn(out, shift=RIGHT * 0.3), FadeIn(heads[3]), run_time=0.8)
        self.wait(3.6)
        self.pause(f"Down-projection: each output number is a weighted sum of all {self.d_mlp} "
                   f"neuron values, plus a bias. Back to the model's width, {self.d_model}.")

    def add_back(self):
        self.clear()
        keys = ("mid", "out", "resid")
        vmax = float(max(np.abs(self.v[k]).max() for k in keys))   # one grey scale for all three
        vecs = [DataVector(self.v[k], max_entries=ENTRIES, vmax=vmax, theme=self.theme) for k in keys]
        for k, vec in zip(keys, vecs):
            self.rec_vector(k, vec.shown)
        plus, equals = label("+", style.BODY_SIZE, theme=self.theme), label("=", style.BODY_SIZE, theme=self.theme)
        Group(vecs[0], plus, vecs[1], equals, vecs[2]).arrange(RIGHT, buff=0.9, aligned_edge=UP).move_to([0, -0.05, 0])
        for m in (plus, equals):
            m.set_y(vecs[0].body.get_center()[1])
        heads = VGroup(*[self.header(t, vec.body, 0.25)
                         for t, vec in zip(("vector in", "MLP output", "vector out"), vecs)])
        # lengths as arrows (√ of the sum of squares): both hold d_model numbers
        read = self.rec("mid", (), float(np.linalg.norm(self.v["mid"].astype(np.float64))), derivations.LENGTH)
        added = self.rec("out", (), float(np.linalg.norm(self.v["out"].astype(np.float64))), derivations.LENGTH)
        lengths = f"(lengths, √ of the sum of squares: {read:.2f} read, {added:.2f} added)"
        note = VGroup(self.muted("a big change: the MLP adds a vector longer than the one it read" if added > read
                                 else "a nudge: the MLP adds a vector shorter than the one it read"),
                      self.muted(lengths)).arrange(DOWN, buff=0.12)
        note.to_edge(DOWN, buff=0.3)
        self.say("The MLP's output is added to the vector it read; the sum flows on to the next layer.", 5.0)
        self.play(FadeIn(vecs[0]), FadeIn(heads[0]), run_time=0.6)
        self.play(FadeIn(plus), FadeIn(vecs[1], shift=RIGHT * 0.3), FadeIn(heads[1]), run_time=0.6)
        self.play(FadeIn(equals), FadeIn(vecs[2], shift=RIGHT * 0.3), FadeIn(heads[2]), run_time=0.7)
        self.play(FadeIn(note), run_time=0.5)
        self.wait(3.5)
        self.pause("Nothing is replaced: the MLP adds its contribution to the token's vector, "
                   "entry by entry. Then the next block starts again with attention.")
