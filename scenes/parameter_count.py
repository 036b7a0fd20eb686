"""Beat 17: counting parameters — GPT-3's tally by matrix group, then this model's, from its weights.

Every shape is written rows × columns in the film's one orientation (``scenes.shapes``): a matrix
that maps a vector has one row per output and one column per input (W_Q 32 × 192, W_in 768 × 192,
W_out 192 × 768, W_O 192 × 192 per layer), the token tables one column per token or position
(W_E 192 × 8,192, W_pos 192 × 128, W_U 192 × 8,192), as EmbeddingMatrix, Attention,
WeightsAndData, MLP and Unembedding draw them."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import DOWN, LEFT, RIGHT, UL, UP, FadeIn, FadeOut, Group, UpdateFromAlphaFunc, Write, smooth

import model

from . import derivations, style
from .base import ExplainerScene
from .components.raster import HAIR, Canvas, drawn_width, font_em
from .components.tally import ParameterTally, fmt_count
from .components.text import label
from .components.text_block import text_lines
from .shapes import drawn_shape, shape_text


@dataclass(frozen=True)
class MatrixGroup:
    """``count`` matrices of ``rows`` × ``cols`` each; ``how`` says where the count comes from."""
    name: str
    weight: str          # the TransformerLens name of the matrix (W_Q, W_in, ...)
    rows: int
    cols: int
    count: int
    how: str = ""        # e.g. "96 × 96" (layers × heads), "" for a single matrix

    @property
    def parameters(self) -> int:
        return self.rows * self.cols * self.count


class GPT3:
    """GPT-3's sizes and the video's tally of its weight matrices, in one place. Shapes are written
    in the film's one orientation (``scenes.shapes``: outputs × inputs, token tables one column
    per token), the same as every earlier scene draws this model's matrices."""
    n_vocab, d_embed, d_head, n_heads, n_layers, d_mlp, n_ctx = 50_257, 12_288, 128, 96, 96, 49_152, 2_048
    CONFIG = {"n_vocab": n_vocab, "d_model": d_embed, "d_head": d_head, "n_head": n_heads,
              "n_layer": n_layers, "d_mlp": d_mlp, "n_ctx": n_ctx}
    # the figures as the storyboard states them (a test derives each from the sizes above)
    FIGURES = {"Embedding": 617_558_016, "Key": 14_495_514_624, "Query": 14_495_514_624,
               "Value-down": 14_495_514_624, "Value-up": 14_495_514_624,
               "Up-projection": 57_982_058_496, "Down-projection": 57_982_058_496,
               "Unembedding": 617_558_016}
    TOTAL = 175_181_291_520
    MATRICES = 27_938
    # Value-up: each layer's heads' value-up maps (128 → 12,288) side by side make one
    # 12,288 × 12,288 output matrix per layer; counted that way the matrices come to 27,938.
    groups = ()   # filled in below, from CONFIG


# --- this model's weights, grouped -------------------------------------------------------------
MATRIX_GROUPS = (("Embedding", "W_E"), ("Key", "W_K"), ("Query", "W_Q"), ("Value-down", "W_V"),
                 ("Value-up", "W_O"), ("Up-projection", "W_in"), ("Down-projection", "W_out"),
                 ("Unembedding", "W_U"))
EXTRA_GROUPS = ("Position embedding", "Biases", "Layer norms")   # what GPT-3's tally leaves out
NOT_PARAMETERS = ("b_U",)   # the unembedding has no bias: weights() fills b_U with zeros


def matrix_groups(cfg: dict) -> tuple[MatrixGroup, ...]:
    """The eight matrix groups of a model with config ``cfg`` (n_vocab, n_ctx, n_layer, n_head,
    d_model, d_head, d_mlp), each shape as drawn (``scenes.shapes.drawn_shape``): W_Q, W_K, W_V
    one per head in every layer, W_O, W_in, W_out one per layer, W_E and W_U once."""
    L, H = cfg["n_layer"], cfg["n_head"]
    counts = {"W_Q": (L * H, f"{L} × {H}"), "W_K": (L * H, f"{L} × {H}"), "W_V": (L * H, f"{L} × {H}"),
              "W_O": (L, f"{L}"), "W_in": (L, f"{L}"), "W_out": (L, f"{L}")}
    out = []
    for name, w in MATRIX_GROUPS:
        count, how = counts.get(w, (1, ""))
        out.append(MatrixGroup(name, w, *drawn_shape(w, cfg), count, how))
    return tuple(out)


GPT3.groups = matrix_groups(GPT3.CONFIG)


def group_of(name: str) -> str | None:
    """The tally group of a weight name (None for b_U, which is not a trained parameter).
    Raises ValueError for a weight name no group holds."""
    if name in NOT_PARAMETERS:
        return None
    last = name.split(".")[-1]
    for group, w in MATRIX_GROUPS:
        if last == w:
            return group
    if last == "W_pos":
        return "Position embedding"
    if last.startswith("b_"):
        return "Biases"
    parts = name.split(".")
    if len(parts) > 1 and parts[-2].startswith("ln") and last in ("w", "b"):
        return "Layer norms"
    raise ValueError(f"weight {name!r} belongs to no group of the tally")


def grouped(weights: dict) -> dict[str, list[str]]:
    """Group name → the weight names in it, in the order of ``weights``."""
    out: dict[str, list[str]] = {g: [] for g, _ in MATRIX_GROUPS}
    out.update({g: [] for g in EXTRA_GROUPS})
    for name in weights:
        g = group_of(name)
        if g is not None:
            out[g].append(name)
    return out


def sci2(x: float) -> str:
    """A ratio rounded to two significant digits, with separators: 30,000."""
    digits = int(np.floor(np.log10(x))) - 1
    return f"{int(round(x / 10 ** digits) * 10 ** digits):,}"


class ParameterCount(ExplainerScene):
    description = "a running tally of parameters by matrix group: GPT-3's 175 billion, then this model's own"
    uses_prompt = False   # the same tally for every prompt (the render cache keys on this)

    def construct(self):
        self.W = model.weights(self.context.checkpoint)
        self.count_own_weights()
        self.show_title()
        self.gpt3_tally()
        self.own_tally()
        self.left_out()

    # --- the numbers --------------------------------------------------------------------------
    def count_own_weights(self):
        """Every trained array's size, recorded one entry per weight; groups are sums of those."""
        self.groups = grouped(self.W)
        self.sizes = {name: int(self.record(name, (), self.W[name].size, derivations.SIZE))
                      for names in self.groups.values() for name in names}
        self.group_total = {g: sum(self.sizes[n] for n in names) for g, names in self.groups.items()}
        self.total = sum(self.sizes.values())

    def total_note(self, card: int | None) -> str:
        tied = np.array_equal(self.W["W_U"], self.W["W_E"].T)
        return total_note_text(self.total, card, self.sizes["W_U"] if tied else None)

    def own_matrix_groups(self) -> list[MatrixGroup]:
        """This model's eight matrix groups, shapes as drawn in every scene (``scenes.shapes``).
        Raises AssertionError when a group's shape × count disagrees with its weights' sizes."""
        out = list(matrix_groups(self.trace.config))
        for g in out:
            if g.parameters != self.group_total[g.name]:
                raise AssertionError(f"{g.name}: shape says {g.parameters}, weights hold {self.group_total[g.name]}")
        return out

    # --- drawing ------------------------------------------------------------------------------
    def show_title(self):
        self.title = label("Counting parameters", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        self.play(Write(self.title), run_time=0.7)
        self.say("How many numbers does a GPT learn? Count the weights, one matrix group at a time.", 3.5)
        self.wait(3.0)

    def table(self, groups: list[MatrixGroup], counts: list[int], title: str, n_matrices: int):
        """The tally with two columns between names and counts: the weight and its sizes."""
        th = self.theme
        em = font_em(style.SMALL_SIZE)
        formulas = [(f"{g.rows:,} × {g.cols:,}", f" × {g.how}" if g.how else "") for g in groups]
        foot = f"{n_matrices:,} matrices"
        header = "shape × layers × heads"
        w_col = max(drawn_width(g.weight, em, mono=True, pad=HAIR) for g in groups)
        f_col = max([drawn_width(a + b, em, mono=False, pad=HAIR) for a, b in formulas]
                    + [drawn_width(foot, em, mono=False, pad=HAIR), drawn_width(header, em, mono=False, pad=HAIR)])
        gap = 0.45
        # names end in a space: the tally sizes its name column a hair narrower than small text draws
        tally = ParameterTally([(g.name + " ", c) for g, c in zip(groups, counts)], title,
                               size=style.SMALL_SIZE, column_gap=3 * gap + w_col + f_col, theme=self.theme)
        k = tally.names_image.height / tally.height_units
        top = tally.names_image.get_top()[1]

        def baseline(i):
            return (top - tally.row_center(i)[1]) / k + 0.35 * em

        mid = Canvas(w_col + gap + f_col, tally.height_units)
        x = w_col + gap
        for i, (g, (shape, how)) in enumerate(zip(groups, formulas)):
            mid.text(0, baseline(i), g.weight, em, th.muted, anchor="ls")
            mid.text(x, baseline(i), shape, em, th.text, anchor="ls", mono=False)
            mid.text(x + drawn_width(shape, em, mono=False, pad=HAIR), baseline(i), how, em, th.muted,
                     anchor="ls", mono=False)
        middle = mid.mobject()
        middle.next_to(tally.names_image, RIGHT, buff=gap).align_to(tally.names_image, UP)
        last = Canvas(w_col + gap + f_col, tally.height_units)
        last.text(x, baseline(len(groups)), foot, em, th.text, anchor="ls", mono=False)
        matrices = last.mobject().move_to(middle)
        # column heads on the title's line; the title moves up a line
        head = Canvas(w_col + gap + f_col, 1.4 * em)
        head.text(x, 1.1 * em, header, em, th.muted, anchor="ls", mono=False)
        heads = head.mobject().next_to(middle, UP, buff=0.12).align_to(middle, LEFT)
        tally.title.next_to(heads, UP, buff=0.25).align_to(tally.names_image, LEFT)
        return tally, Group(middle, heads), matrices

    def place(self, *parts):
        """Every table at one place: its left edge under the title's, so slides do not jump."""
        g = Group(*parts)
        g.move_to([0, -0.45, 0])
        g.shift(RIGHT * (self.title.get_left()[0] - g.get_left()[0]))
        return g

    def gpt3_tally(self):
        groups = list(GPT3.groups)
        tally, middle, matrices = self.table(groups, [g.parameters for g in groups],
                                             f"GPT-3 ({GPT3.n_layers} layers, {GPT3.n_heads} heads)",
                                             GPT3.MATRICES)
        self.place(tally, middle, matrices)
        self.play(FadeIn(tally), FadeIn(middle), run_time=0.8)
        self.say("Each group is a matrix shape times how many there are: per layer, or per head in every layer.", 4.0)
        self.wait(3.0)
        tally.count_up(self, run_time=4.0)
        self.play(FadeIn(matrices, shift=UP * 0.1), run_time=0.5)
        self.say("GPT-3: 175,181,291,520 weights in 27,938 matrices.", 3.0)
        self.wait(3.0)
        self.shown = Group(tally, middle, matrices)
        self.pause("GPT-3's weights, grouped as in the video: the embedding, per head a key, query and "
                   "value-down matrix in every layer, per layer one value-up (output) matrix and the "
                   "two MLP matrices, and the unembedding. About 175 billion numbers, all learned.")

    def own_tally(self):
        cfg = self.trace.config
        groups = self.own_matrix_groups()
        self.n_matrices = sum(g.count for g in groups)
        tally, middle, matrices = self.table(
            groups, [self.group_total[g.name] for g in groups],
            f"this model, {self.checkpoint_name} ({cfg['n_layer']} layers, {cfg['n_head']} heads)",
            self.n_matrices)
        self.place(tally, middle, matrices)
        self.play(FadeOut(self.shown), run_time=0.5)
        self.play(FadeIn(tally), FadeIn(middle), run_time=0.6)
        self.say("The same groups in this film's model, counted from its own weights.", 3.5)
        tally.count_up(self, run_time=3.0)
        self.play(FadeIn(matrices, shift=UP * 0.1), run_time=0.5)
        self.wait(1.5)
        self.shown = Group(tally, middle, matrices)
        self.pause("The same tally for the model that drew every number in this film, summed from "
                   "the sizes of its real weight arrays.")

    def left_out(self):
        """What the video's GPT-3 tally leaves out: position embeddings, biases, layer norms.
        Raises AssertionError when the parts do not add up to the model's parameter count."""
        th = self.theme
        cfg = self.trace.config
        L, d, d_mlp, n_ctx = cfg["n_layer"], cfg["d_model"], cfg["d_mlp"], cfg["n_ctx"]
        matrices = sum(self.group_total[g] for g, _ in MATRIX_GROUPS)
        rows = [(f"The {self.n_matrices:,} matrices", matrices, "")]
        # W_pos; b_Q, b_K, b_V, b_O, b_in, b_out per layer; scale and shift of 2 norms per layer + 1
        formulas = {"Position embedding": (shape_text("W_pos", cfg), n_ctx * d),
                    "Biases": (f"{L} × (4 × {d} + {d_mlp} + {d})", L * (4 * d + d_mlp + d)),
                    "Layer norms": (f"({L} × 2 + 1) × 2 × {d}", (L * 2 + 1) * 2 * d)}
        for g in EXTRA_GROUPS:
            formula, product = formulas[g]
            if product != self.group_total[g]:
                raise AssertionError(f"{g}: {formula} = {product}, weights hold {self.group_total[g]}")
            rows.append((g, self.group_total[g], formula))
        em = font_em(style.SMALL_SIZE)
        f_col = max(drawn_width(r[2], em, mono=False, pad=HAIR) for r in rows)
        gap = 0.6
        tally = ParameterTally([(r[0] + " ", r[1]) for r in rows],
                               f"every parameter of this model ({self.checkpoint_name})",
                               size=style.SMALL_SIZE, column_gap=2 * gap + f_col, theme=self.theme)
        k = tally.names_image.height / tally.height_units
        top = tally.names_image.get_top()[1]
        mid = Canvas(f_col, tally.height_units)
        for i, (_, _, formula) in enumerate(rows):
            y = (top - tally.row_center(i)[1]) / k + 0.35 * em
            mid.text(0, y, formula, em, th.text, anchor="ls", mono=False)
        middle = mid.mobject().next_to(tally.names_image, RIGHT, buff=gap).align_to(tally.names_image, UP)
        card = read_card_parameters(self.context.checkpoint)
        notes = [text_lines([("GPT-3's count left out the last three rows.",
                               style.SMALL_SIZE, th.muted)]),
                 text_lines([(self.total_note(card), style.SMALL_SIZE, th.muted)])]
        block = Group(tally, middle)
        block.move_to([0, 0.5, 0])
        block.shift(RIGHT * (self.title.get_left()[0] - block.get_left()[0]))
        notes[0].next_to(block, DOWN, buff=0.5).align_to(tally.names_image, LEFT)
        notes[1].next_to(notes[0], DOWN, buff=0.2).align_to(tally.names_image, LEFT)
        overhang = max(n.get_right()[0] for n in notes) - 6.9   # a narrow tally: keep the notes in frame
        if overhang > 0:
            for n in notes:
                n.shift(LEFT * overhang)
        # the first row is already known: it starts counted, then the others count in turn
        n = len(rows)
        tally.lag_ratio = 1.0
        tally.set_progress(1.0 / n)
        self.play(FadeOut(self.shown), run_time=0.5)
        self.play(FadeIn(tally), FadeIn(middle), run_time=0.6)
        self.shown_all = Group(tally, middle, *notes)
        self.say("Now every learned number of this model, not only its matrices.")
        self.play(UpdateFromAlphaFunc(tally.numbers_image,
                                      lambda m, a: tally.set_progress(1.0 / n + (1 - 1.0 / n) * a),
                                      run_time=2.5, rate_func=smooth))
        self.play(FadeIn(notes[0]), run_time=0.5)
        self.say("GPT-3's count leaves out position embeddings, biases and layer norms: GPT-3 has them "
                 "too, but next to the matrices they are tiny.", 4.5)
        self.wait(4.5)
        self.play(FadeIn(notes[1]), run_time=0.5)
        ratio = GPT3.TOTAL / matrices
        self.say(f"Group for group, GPT-3 has about {sci2(ratio)} times as many weights as this model.", 3.5)
        self.wait(3.5)
        self.pause("Every learned number counted: the matrices, plus position embeddings, biases and "
                   "layer-norm scales and shifts, which the GPT-3 figure leaves out. The unembedding "
                   f"has no bias. Group for group, GPT-3 is about {sci2(ratio)} times bigger.")


def total_note_text(total: int, card: int | None, tied_size: int | None) -> str:
    """The line under the full tally: how the total compares with the model card, or, for a model
    whose W_U is W_E reused (GPT-2's tied unembedding), how many distinct numbers it holds."""
    if tied_size is not None:
        return f"W_U is W_E reused (tied): {fmt_count(total - tied_size)} distinct numbers"
    if card is None:
        return "(a GPT-2 folder has no model card: summed from its weights)"
    return (f"The total is the model card's count: {fmt_count(card)}." if card == total
            else "(the model card counts differently)")


def read_card_parameters(checkpoint: str) -> int | None:
    """The model card's parameter count of a shipped checkpoint or snapshot; None for a GPT-2 folder."""
    from model import hf_folder
    from model.checkpoint import card_entry
    if hf_folder.is_folder(checkpoint):
        return None
    return int(card_entry(checkpoint)["parameters"])
