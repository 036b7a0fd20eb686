"""Beat 7b: training — the weights begin random and are learned from data.

Everything comes from one real training run whose snapshots ship (``small@step0`` ... the
shipped ``small``): its held-out curve, the same W_E cells then and now, a word's nearest
neighbours then and now, the render's prompt continued by each snapshot, and one real gradient
step on one real example (``model.gradient_step``; the torch work happens in ``model/``).
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UL, UP, Create, Dot, FadeIn, FadeOut, Group, Line, Write

import model
from model.atlas import nearest, single_token
from model.checkpoint import card_entry, snapshot_names
from model.gradient_step import gradient_step

from . import derivations, style
from .base import ExplainerScene
from .components import ColumnMatrix, WeightMatrix, label, show_piece
from .components.text import readable_text
from .components.raster import shorten
from .components.text_block import Run, TextBlock, text_lines

RUN = "small"              # the shipped checkpoint whose training snapshots ship
TOKENS = (" the", " she", " Emma")   # W_E columns shown then and now
ROWS = 4                   # entries shown of each column
WORD = " she"              # the word whose nearest neighbours are shown
K_NEIGHBOURS = 5
N_NEW = 7                  # tokens each snapshot writes
# one real training example: the opening of Pride and Prejudice (in the training text)
EXAMPLE = "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife."
LEARNING_RATE = 0.05
N_MOVED = 5
PLOT = dict(left=-5.6, right=5.4, bottom=-2.7, top=1.9)   # the curve's box, frame units


def run_of(checkpoint: str) -> str:
    """The run shown: the render's checkpoint if it has snapshots (or is one), else ``RUN``."""
    parent = checkpoint.partition("@")[0]
    try:
        return parent if snapshot_names(parent) else RUN
    except model.CheckpointError:
        return RUN


# how the film names a parameter in words (blocks.0.attn.b_O → "layer 1 attention output bias b_O")
PARTS = {"attn": "attention", "mlp": "MLP", "ln1": "layer norm 1", "ln2": "layer norm 2",
         "ln_final": "final layer norm"}
ROLES = {"W_Q": "query weights", "W_K": "key weights", "W_V": "value weights", "W_O": "output weights",
         "b_Q": "query bias", "b_K": "key bias", "b_V": "value bias", "b_O": "output bias",
         "W_in": "input weights", "b_in": "input bias", "W_out": "output weights", "b_out": "output bias",
         "w": "scale", "b": "shift", "W_E": "embedding", "W_pos": "position embedding",
         "W_U": "unembedding", "b_U": "unembedding bias"}
HEAD_FIRST = {"W_Q", "W_K", "W_V", "W_O", "b_Q", "b_K", "b_V"}     # attention weights [head, ...]
TOKEN_AXIS = {"W_E": 0, "W_U": 1, "b_U": 0}                          # an axis over the vocabulary


def parameter_name(name: str, index, piece) -> str:
    """A weight entry as the film names it, everything counted from 1 as on screen:
    ``blocks.0.attn.b_O`` [11] → "layer 1 attention output bias b_O, entry 12"; a vocabulary axis
    by its token in quotes (``piece``: token id → text), a head as "head 3"."""
    parts = name.split(".")
    where = []
    if parts[0] == "blocks":
        where.append(f"layer {int(parts[1]) + 1}")
        parts = parts[2:]
    symbol = parts[-1]
    where += [PARTS[p] for p in parts[:-1] if p in PARTS]
    role = ROLES.get(symbol, "")
    where.append(f"{role} {symbol}".strip() if role != symbol else symbol)
    index = [int(i) for i in index]
    at = []
    if symbol in HEAD_FIRST and parts[:1] == ["attn"] and index:
        at.append(f"head {index.pop(0) + 1}")
    token = TOKEN_AXIS.get(symbol)
    if token is not None and token < len(index):
        at.append(f"“{show_piece(piece(index.pop(token)))}”")
    if symbol == "W_pos" and index:
        at.append(f"position {index.pop(0) + 1}")
    if len(index) == 1:
        at.append(f"entry {index[0] + 1}")
    elif index:
        at.append(f"entry ({', '.join(str(i + 1) for i in index)})")
    return ", ".join([" ".join(where)] + at)


class Training(ExplainerScene):
    description = "the weights start random and are learned: loss curve, W_E then and now, one gradient step"

    def construct(self):
        self.run = run_of(self.context.checkpoint)
        self.snapshots = snapshot_names(self.run)
        self.first, self.last = self.snapshots[0], self.snapshots[-1]
        self.steps = {s: card_entry(s)["step"] for s in self.snapshots}
        self.title = label("Training: learned, not written", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        self.play(Write(self.title), run_time=0.7)
        self.show_curve()
        self.show_weights()
        self.show_neighbours()
        self.show_continuations()
        self.show_gradient_step()

    # --- helpers ------------------------------------------------------------------------------
    def clear(self, *mobs):
        self.play(*[FadeOut(m) for m in mobs], run_time=0.5)

    def step_name(self, snap: str) -> str:
        return f"step {self.steps[snap]:,}"

    def text(self, s: str, size=style.SMALL_SIZE, color=None):
        return text_lines([(s, size, color or self.theme.text)])

    # --- 1. the loss curve --------------------------------------------------------------------
    def show_curve(self):
        th = self.theme
        curve = card_entry(self.run)["curve"]
        steps = np.array([p["step"] for p in curve], dtype=float)
        bpc = np.array([self.record("heldout_prose_bpc", (), p["heldout_prose_bpc"],
                                    derivations.card_curve_at(p["step"]), checkpoint=self.run)
                        for p in curve])
        lo, hi = float(bpc.min()), float(bpc.max())
        lo -= 0.08 * (hi - lo)    # the last point sits a little above the axis
        x0, x1, y0, y1 = PLOT["left"], PLOT["right"], PLOT["bottom"], PLOT["top"]

        span, last = max(hi - lo, 1e-9), max(float(steps.max()), 1.0)

        def at(step, value):
            return [x0 + (x1 - x0) * step / last, y0 + (y1 - y0) * (value - lo) / span, 0]

        axes = Group(Line([x0, y0, 0], [x1, y0, 0], color=th.muted, stroke_width=3),
                     Line([x0, y0, 0], [x0, y1 + 0.2, 0], color=th.muted, stroke_width=3))
        y_name = self.text("bits per character on unseen Austen (lower is better)", color=th.muted)
        y_name.next_to(axes[1], UP, buff=0.12).align_to(axes[1], LEFT)
        entry = card_entry(self.run)
        per_step = entry["tokens_seen"] // max(1, entry["steps"])
        x_name = self.text(f"training step (each on {per_step:,} tokens of text)", color=th.muted)
        x_name.next_to(axes[0], DOWN, buff=0.3).align_to(axes[0], RIGHT)
        line = Line(at(steps[0], bpc[0]), at(steps[-1], bpc[-1]), color=th.text, stroke_width=5)
        line.set_points_as_corners([at(s, v) for s, v in zip(steps, bpc)])
        marks = Group()
        for snap in self.snapshots:     # a dot where each shipped snapshot was taken
            i = int(np.flatnonzero(steps == self.steps[snap])[0])
            marks.add(Dot(at(steps[i], bpc[i]), radius=0.07, color=th.text))
        xs = np.array([at(s, v)[0] for s, v in zip(steps, bpc)])
        ys = np.array([at(s, v)[1] for s, v in zip(steps, bpc)])
        for snap, where in ((self.first, RIGHT), (self.last, UL)):
            i = int(np.flatnonzero(steps == self.steps[snap])[0])
            t = self.text(f"{self.step_name(snap)}: {bpc[i]:.2f} bits", color=th.text)
            t.next_to(at(steps[i], bpc[i]), where, buff=0.15)
            if where is UL:   # the end's label ends at its point, clear above the curve it spans
                t.align_to(at(steps[i], bpc[i]), RIGHT)
                under = np.interp(np.linspace(t.get_left()[0], t.get_right()[0], 40), xs, ys).max()
                t.shift(UP * max(0.0, under + 0.2 - t.get_bottom()[1]))
            marks.add(t)
        self.play(FadeIn(axes), FadeIn(y_name), FadeIn(x_name), run_time=0.6)
        self.say("Nobody writes a model's weights: they are learned. This is one real training run.")
        self.play(Create(line), run_time=2.5)
        self.play(FadeIn(marks), run_time=0.5)
        self.say("At step 0 the weights are random numbers: every next character is a blind guess.", 4.0)
        self.wait(3.0)
        self.say("Each step nudges every weight to make the training text a little less surprising.", 4.0)
        self.wait(3.5)
        self.pause(f"The {self.run} model's real training run, read from the model card: held-out bits "
                   "per character after each stretch of training. Random weights score about "
                   "log2(vocabulary) bits per token; training brings it down fast, then slowly.")
        self.clear(axes, y_name, x_name, line, marks)

    # --- 2. the same W_E cells, random and trained -------------------------------------------
    def show_weights(self):
        th = self.theme
        ids = [t for t in (single_token(w) for w in TOKENS) if t is not None]
        heads = [show_piece(self.piece(t)) for t in ids]
        groups = Group()
        snaps = (self.first, self.last)
        # one colour scale for both, as for every weight in the film: step 0's small random
        # numbers look as faint as they are
        vmax = max(float(np.abs(model.weights(snap)["W_E"]).max()) for snap in snaps)
        for i, snap in enumerate(snaps):
            w_e = model.weights(snap)["W_E"]
            cols = ColumnMatrix(w_e.T, ids, heads, n_rows=ROWS, cell_width=1.2, vmax=vmax, theme=self.theme)
            for j, t in enumerate(cols.ids):
                self.record_block("W_E", cols.shown[:, j], (t,), checkpoint=snap)
            name = "random" if i == 0 else "trained"
            caption = self.text(f"{self.step_name(snap)} ({name})", style.BODY_SIZE,
                                th.text if i else th.muted)
            group = Group(caption, cols).arrange(DOWN, buff=0.3, aligned_edge=LEFT)
            group.move_to([-6.6 + 7.0 * i, 2.3, 0], aligned_edge=UL)
            groups.add(group)
        note = self.text("the same cells of W_E, on one colour scale: the largest |value| of either",
                         color=th.muted).to_edge(DOWN, buff=0.45)
        self.play(FadeIn(groups[0]), run_time=0.7)
        self.say("These are the same few cells of the embedding matrix, at step 0: random.", 3.5)
        self.wait(3.0)
        self.play(FadeIn(groups[1]), FadeIn(note), run_time=0.7)
        self.say("After training, the same cells hold learned values.", 3.0)
        self.wait(3.5)
        self.pause("Nobody wrote these numbers. At step 0 they are drawn at random (small, around "
                   "zero); every training step moved each of them a little.")
        self.clear(groups, note)

    # --- 3. one word's nearest neighbours, then and now ---------------------------------------
    def show_neighbours(self):
        th = self.theme
        word = single_token(WORD)
        head = self.text(f"nearest words to “{WORD.strip()}” in W_E (cosine)", style.BODY_SIZE)
        head.next_to(self.title, DOWN, buff=0.5).align_to(self.title, LEFT)
        columns = Group()
        for i, snap in enumerate((self.first, self.last)):
            rows = [(self.step_name(snap), style.BODY_SIZE, th.text if i else th.muted)]
            for t, cos in nearest(word, K_NEIGHBOURS, checkpoint=snap):
                cos = self.record("W_E", (t,), cos, derivations.cosine_with_row(word), checkpoint=snap)
                rows.append((f"{show_piece(self.piece(t)):<12} {cos:+.2f}", style.BODY_SIZE,
                             th.text if i else th.muted))
            block = text_lines(rows, gap=0.2, mono=True)
            block.move_to([-5.0 + 6.5 * i, 1.3, 0], aligned_edge=UL)
            columns.add(block)
        self.play(FadeIn(head), FadeIn(columns[0]), run_time=0.6)
        self.say(f"Which words sit closest to “{WORD.strip()}”? At step 0: any words at all.", 3.5)
        self.wait(3.0)
        self.play(FadeIn(columns[1]), run_time=0.6)
        self.say("After training, words used in the same places have moved close together.", 3.5)
        self.wait(4.0)
        self.pause("Cosine similarity of the word's embedding column with every other word's. "
                   "Random vectors are all nearly unrelated; training gathers words that fill the "
                   "same slots in sentences.")
        self.clear(head, columns)

    # --- 4. the same prompt continued by each snapshot ---------------------------------------
    def show_continuations(self):
        th, s = self.theme, self.context
        rule = "greedy" if s.temperature == 0 else f"sampled at {s.sampling_rule(self.trace.config['n_vocab'])}, seed {s.seed}"
        head = text_lines([("each snapshot continues the prompt", style.BODY_SIZE, th.text),
                           (rule, style.SMALL_SIZE, th.muted)], gap=0.08)
        head.next_to(self.title, DOWN, buff=0.3).align_to(self.title, LEFT)
        tail = s.prompt.replace("\n", " ")
        tail = shorten(tail, 16, keep="end")
        self.new = {}
        rows = Group()
        for snap in self.snapshots:
            self.new[snap] = s.sample(s.prompt, N_NEW, checkpoint=snap)
            bpc = self.record("heldout_prose_bpc", (), card_entry(snap)["heldout_prose_bpc"],
                              derivations.MODEL_CARD, checkpoint=snap)
            name = text_lines([(f"{self.step_name(snap):>9} {bpc:.2f} bits", style.SMALL_SIZE, th.muted)],
                              mono=True)
            # decoded whole (a character's bytes join up), line breaks as ↵, never \xNN
            new = readable_text(model.get_encoding(snap).decode(list(self.new[snap])))
            block = TextBlock([Run(tail, th.text), Run(new, th.chosen)], 9.2, style.SMALL_SIZE, max_lines=2, theme=th)
            row = Group(name, block).arrange(RIGHT, buff=0.35, aligned_edge=UP)
            rows.add(row)
        rows.arrange(DOWN, buff=0.12, aligned_edge=LEFT).next_to(head, DOWN, buff=0.3).align_to(head, LEFT)
        if rows.get_bottom()[1] < -3.2:
            rows.scale((rows.get_top()[1] + 3.2) / rows.height, about_edge=UL)
        note = self.text("bits: per character of unseen Austen at that step", color=th.muted)
        note.to_edge(DOWN, buff=0.2).align_to(head, LEFT)
        self.play(FadeIn(head), FadeIn(note), run_time=0.5)
        self.say("The same prompt, the same seed, each snapshot in turn: from noise to English.")
        for row in rows:
            self.play(FadeIn(row), run_time=0.5)
            self.wait(0.6)
        bits = [card_entry(snap)["heldout_prose_bpc"] for snap in self.snapshots]
        if all(b > a for a, b in zip(bits[1:], bits)):     # measured: each snapshot less surprised
            self.say(f"Read down the rows: at every step the bits fall, from {bits[0]:.2f} to {bits[-1]:.2f}.")
        else:
            self.say(f"Read down the rows: from {bits[0]:.2f} bits at the start to {bits[-1]:.2f} at the end.")
        self.wait(3.0)
        self.pause("Each line is a real snapshot of the run continuing this prompt. Random weights "
                   "pick any token; a few steps later it has learned common words and spaces; "
                   "by the end, phrases.")
        self.clear(head, rows, note)

    # --- 5. one real gradient step on one real example ---------------------------------------
    def show_gradient_step(self):
        th = self.theme
        ids = model.get_encoding().encode(EXAMPLE)
        step = gradient_step(ids, self.last, LEARNING_RATE, k=N_MOVED)
        # the loss in the curve's unit: bits per character of the example
        per_char = (len(ids) - 1) / np.log(2.0) / len(model.get_encoding(self.last).decode(ids[1:]))
        before = self.record("logits", (), step.loss_before * per_char, derivations.BITS_PER_CHARACTER,
                             self.last, ids)
        after = self.record("logits", (), step.loss_after * per_char,
                            derivations.bpc_after_step(LEARNING_RATE), self.last, ids)
        head = self.text(f"one gradient step on one example ({self.step_name(self.last)}, "
                         f"learning rate {LEARNING_RATE:g})", style.BODY_SIZE)
        head.next_to(self.title, DOWN, buff=0.4).align_to(self.title, LEFT)
        example = TextBlock([Run(EXAMPLE, th.text)], 12.4, style.SMALL_SIZE, theme=th)
        example.next_to(head, DOWN, buff=0.25).align_to(head, LEFT)
        loss = text_lines([([("loss before ", th.muted), (f"{before:.3f}", th.text),
                             ("   after ", th.muted), (f"{after:.3f}", th.text),
                             ("  bits per character", th.muted)], style.BODY_SIZE, th.text)])
        loss.next_to(example, DOWN, buff=0.3).align_to(head, LEFT)
        vmax = max(max(abs(m.before), abs(m.after)) for m in step.moved)
        cells, names = Group(), Group()
        for m in step.moved:
            b = self.record(m.name, m.index, m.before, checkpoint=self.last)
            a = self.record(m.name, m.index, m.after,
                            derivations.after_step(LEARNING_RATE), self.last, ids)
            cells.add(WeightMatrix(np.array([[b, a]]), vmax=vmax, cell_width=1.55, digits=3,
                                   show_shape=False, theme=self.theme))
            names.add(text_lines([(parameter_name(m.name, m.index, self.piece), style.SMALL_SIZE, th.text)]))
        cells.arrange(DOWN, buff=0.08)
        cells.next_to(loss, DOWN, buff=0.6).align_to(head, LEFT).shift(RIGHT * (names.width + 0.35))
        for name, cell in zip(names, cells):
            name.next_to(cell, LEFT, buff=0.35).align_to(head, LEFT)
        rule = text_lines([([(f"every weight: w ← w − {LEARNING_RATE:g} × ∂loss/∂w", th.text),
                             ("; these moved the most", th.muted)], style.SMALL_SIZE, th.text)])
        rule.next_to(cells, DOWN, buff=0.2).align_to(head, LEFT)
        rows = Group(names, cells, rule)
        arrow = self.text("before → after", color=th.muted).next_to(cells, UP, buff=0.1)
        self.play(FadeIn(head), FadeIn(example), run_time=0.6)
        self.say("One real example from the training text. How surprised is the model by each next token?", 4.0)
        self.wait(3.0)
        self.play(FadeIn(loss), run_time=0.6)
        self.say("Backpropagation gives every weight a direction that lowers this loss; one step moves them all.", 4.5)
        self.wait(3.5)
        self.play(FadeIn(rows), FadeIn(arrow), run_time=0.8)
        self.say("These weights moved the most. Training repeats this millions of times.", 3.5)
        self.wait(4.0)
        self.pause("One step of gradient descent: the loss on this sentence (its surprise in bits per "
                   "character, as on the training curve), the gradient of that loss "
                   "for every weight (backpropagation), each weight moved a little against its "
                   "gradient, and the loss measured again. The run did this on batches of 32 "
                   "windows, with the AdamW optimizer.")
