"""Beat 13: unembedding — the last vector times W_U gives one logit per vocabulary entry."""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UL, UP, AnimationGroup, Create, FadeIn, FadeOut, Group,
                   Rectangle, Succession, ValueTracker, Write, always_redraw, linear)

import model

from . import derivations, style
from .base import ExplainerScene
from .shapes import shape_text
from .components import ColumnMatrix, DataVector, label, percent, show_piece
from .components.raster import Canvas, font_em, shorten, text_width
from .components.vectors import contrast_text, fmt

TOP_K = 5          # logits labelled (and W_U columns shown)
FRAME_X0, FRAME_X1 = -6.95, 6.95   # what the slide may use of the frame's width
TABLE_CELL = 3.2   # the widest token label in the plot and the last table (units; longer is cut at …)
ROWS = 5           # entries shown of the 192-long vector and columns
TABLE_ROWS = 5     # positions in the "every position predicts" table


class Unembedding(ExplainerScene):
    description = "the last vector times W_U: one logit per vocabulary entry; only the last position is used"

    def construct(self):
        self.W = model.weights(self.context.checkpoint)
        self.last = len(self.trace.tokens) - 1
        self.x = self.trace["ln_final.hook_normalized"][self.last]
        self.logits = self.trace["logits"][self.last]
        self.top, self.top_pieces = self.top_tokens(self.logits, TOP_K)
        self.show_vector_and_matrix()
        self.dot_products()
        self.all_logits()
        self.every_position()

    # --- step 1: the last vector and W_U ---------------------------------------------------------
    def show_vector_and_matrix(self):
        cfg = self.trace.config
        self.title = label("Unembedding W_U", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        shape = label(shape_text("W_U", cfg), style.SMALL_SIZE, color=self.theme.muted)
        shape.next_to(self.title, RIGHT, buff=0.45).align_to(self.title, DOWN)
        self.vec = DataVector(self.x, max_entries=ROWS, show_length=True, theme=self.theme)
        self.record_block("ln_final.hook_normalized", self.vec.shown, (self.last,))
        who = shorten(show_piece(self.trace.pieces[self.last]), 2.6, font_em(style.SMALL_SIZE), mono=True)
        self.vec_name = label(f"last: {who}", style.SMALL_SIZE, color=self.theme.text)   # orange: the chosen token only
        def columns(stagger: bool) -> ColumnMatrix:
            return ColumnMatrix(self.W["W_U"], self.top, [show_piece(p) for p in self.top_pieces],
                                n_rows=ROWS, vmax=float(np.abs(self.W["W_U"]).max()), stagger=stagger,
                                theme=self.theme)
        self.matrix = columns(False)
        if self.matrix.width > FRAME_X1 - FRAME_X0 - self.vec.width - 1.0:   # long tokens: names on two lines
            self.matrix = columns(True)
        for j, i in enumerate(self.matrix.ids):
            for r in range(self.matrix.n_rows):
                self.record("W_U", (r, i), self.matrix.shown[r, j])
        self.matrix.move_to([1.3, 2.75, 0], aligned_edge=UP)
        self.vec.next_to(self.matrix.image, LEFT, buff=1.0).align_to(self.matrix.image, UP)
        over = FRAME_X0 - self.vec.get_left()[0]
        if over > 0:     # a wide matrix: move both right as far as the frame allows, then close the gap
            right = min(over, max(0.0, FRAME_X1 - self.matrix.get_right()[0]))
            self.matrix.shift(RIGHT * right)
            self.vec.shift(RIGHT * (right + min(over - right, 0.45)))
        self.vec_name.next_to(self.vec.body, UP, buff=0.12)
        if self.vec_name.get_left()[0] < -6.8:     # a long last token: kept clear of the frame's edge
            self.vec_name.shift(RIGHT * (-6.8 - self.vec_name.get_left()[0]))
        dot = label("·", style.TITLE_SIZE, theme=self.theme).move_to((self.vec.body.get_right() + self.matrix.image.get_left()) / 2)
        self.play(Write(self.title), FadeIn(shape), run_time=0.6)
        self.play(FadeIn(self.vec), FadeIn(self.vec_name), run_time=0.7)
        self.say("After the last layer, the vector at the final position is normalised once more.", 3.5)
        self.wait(3.0)
        self.play(FadeIn(self.matrix), FadeIn(dot), run_time=0.8)
        self.count_parameters("W_U")
        self.say("The unembedding matrix W_U has one column per token in the vocabulary.", 3.5)
        self.wait(3.0)
        relation = self.relation_to_w_e()
        self.play(FadeIn(relation), run_time=0.5)
        self.say(self.relation_said, 5.0)
        self.wait(4.5)
        self.head = Group(self.title, shape)
        self.step1 = Group(self.vec, self.vec_name, self.matrix, dot)
        self.relation = relation
        self.pause("W_U: learned weights again, one column for each of the vocabulary's tokens. "
                   "Shown: the columns of the tokens that will score highest.")

    def relation_to_w_e(self):
        """W_U beside W_E: the same shape as drawn (one column of d_model numbers per token); tied
        (GPT-2: W_U is W_E) or learned apart, measured by the cosine of the top token's two
        columns (recorded)."""
        cfg, top = self.trace.config, self.top[0]
        who = show_piece(self.top_pieces[0])
        w_u, w_e = self.W["W_U"], self.W["W_E"]
        cos = self.record("W_E", (top,), float(np.dot(w_u[:, top], w_e[top])
                                                / (np.linalg.norm(w_u[:, top]) * np.linalg.norm(w_e[top]))),
                          derivations.cosine_with_column("W_U"))
        same = f"like W_E: {shape_text('W_U', cfg)}, one column per token"
        if np.array_equal(w_u, w_e.T):
            second = f"here it is W_E itself (tied): “{who}” reads and scores with one column"
            self.relation_said = "It has W_E's shape, and in this model it is W_E itself: the same column reads a token in and scores it out."
        else:
            second = f"but learned apart: the two columns of “{who}” have cosine {cos:+.2f}"
            self.relation_said = ("It has W_E's shape, one column per token, but this model learned it "
                                  f"separately: for {self.top_pieces[0].strip() or repr(self.top_pieces[0])}, "
                                  f"the two columns have a cosine of {cos:+.2f}, unrelated directions.")
        lines = Group(*[label(t, style.SMALL_SIZE, color=self.theme.muted) for t in (same, second)])
        lines.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        return lines.to_edge(DOWN, buff=0.35)

    # --- step 2: column · vector = logit ---------------------------------------------------------
    def dot_products(self):
        ids = self.matrix.ids
        for i in ids:
            self.record("logits", (self.last, i), self.logits[i])
        row = self.logit_row(ids)
        row.next_to(self.matrix.image, DOWN, buff=1.0).align_to(self.matrix.image, LEFT)
        row_name = label("logit", style.SMALL_SIZE, color=self.theme.muted)
        row_name.next_to(row, LEFT, buff=0.25)
        first = self.top[0]
        terms = self.W["W_U"][:, first].astype(np.float64) * self.x.astype(np.float64)
        sums = np.cumsum(terms)
        self.record_running_sum("ln_final.hook_normalized", self.last, "W_U", first, sums)
        t = ValueTracker(1)
        th = self.theme

        def running():
            k = int(np.clip(round(t.get_value()), 1, len(sums)))
            text = label(f"Σ over {k} of {len(sums)}: {fmt(sums[k - 1], 2)}", style.SMALL_SIZE, color=th.text)
            return text.next_to(row, DOWN, buff=0.25).align_to(row, LEFT)

        box = self.matrix.highlight_column(first)
        vbox = Rectangle(width=self.vec.body.width, height=self.vec.body.height, color=th.text,
                         stroke_width=4).move_to(self.vec.body)
        counter = always_redraw(running)
        cover = Group(*[self.cell_cover(row, j) for j in range(len(ids))])
        self.play(FadeOut(self.relation), run_time=0.4)
        self.add(row, row_name, cover)
        self.play(Succession(
            AnimationGroup(Create(box), Create(vbox), FadeIn(counter), run_time=0.5),
            t.animate(rate_func=linear, run_time=2.5).set_value(len(sums)),
            AnimationGroup(FadeOut(cover[ids.index(first)]), run_time=0.4)))
        self.say("Each column's dot product with the vector gives that token a score: a logit.", 3.5)
        self.wait(1.0)
        self.play(FadeOut(counter), FadeOut(box), FadeOut(vbox),
                  *[FadeOut(c) for j, c in enumerate(cover) if ids[j] != first], run_time=0.6)
        self.wait(2.0)
        self.step1.add(row, row_name)
        self.pause(f"Column times vector, summed over all {self.trace.config['d_model']} entries: one number "
                   "per token. These raw "
                   "scores are called logits.")

    def logit_row(self, ids) -> Group:
        """Grey cells with the logits, one under each matrix column (one image)."""
        m = self.matrix
        unit = m.image.width / m.canvas_width
        em = font_em(style.SMALL_SIZE)
        h = 1.35 * em
        vmax = float(np.abs(self.logits).max())
        c = Canvas(m.canvas_width, h)
        self.row_cells = []
        for i in ids:
            x0 = m.col_x[i]
            fill = style.data_color(float(self.logits[i]), vmax, self.theme)
            c.rect(x0 + 0.03, 0, x0 + m.cw - 0.03, h, fill)
            c.text(x0 + m.cw / 2, h / 2, fmt(float(self.logits[i]), 2), em, contrast_text(fill, theme=self.theme))
            self.row_cells.append((x0, m.cw))
        img = c.mobject()
        img.scale(unit / (img.width / m.canvas_width))
        return Group(img)

    def cell_cover(self, row: Group, j: int) -> Rectangle:
        img = row[0]
        unit = img.width / self.matrix.canvas_width
        x0, w = self.row_cells[j]
        return Rectangle(width=w * unit, height=img.height * 1.05, stroke_width=0,
                         fill_color=self.theme.background, fill_opacity=1).move_to(
            img.get_corner(UL) + unit * np.array([x0 + w / 2, 0, 0]) + np.array([0, -img.height / 2, 0]))

    # --- step 3: all logits ------------------------------------------------------------------------
    def all_logits(self):
        n = len(self.logits)
        for i, v in enumerate(self.logits):
            self.record("logits", (self.last, i), v)
        plot = self.scatter()
        word = label("logits", style.TITLE_SIZE, theme=self.theme)
        word.next_to(plot, UP, buff=0.2).align_to(plot, LEFT).shift(RIGHT * 0.6)
        count = label(f"one for each of the {n:,} tokens", style.SMALL_SIZE, color=self.theme.muted)
        count.next_to(word, RIGHT, buff=0.35).align_to(word, DOWN)
        self.play(FadeOut(self.step1), run_time=0.5)
        self.play(FadeIn(plot), Write(word), FadeIn(count), run_time=1.2)
        self.say(f"Every one of the {n:,} tokens gets a logit: most are low, a few stand out.", 4.0)
        self.wait(4.0)
        self.plot_group = Group(plot, word, count)
        self.pause("One dot per vocabulary entry, placed by its logit. The labelled ones are the "
                   "highest: the model's favourite next tokens.")

    def scatter(self) -> Group:
        """One dot per token (x = id, y = logit), the top ones labelled: one image."""
        th = self.theme
        w, h, left, bottom = 12.6, 4.6, 1.3, 0.55
        c = Canvas(w, h)
        lo, hi = float(self.logits.min()), float(self.logits.max())
        span = max(hi - lo, 1e-6)
        n = len(self.logits)
        pw, ph = w - left - 0.2, h - bottom - 0.75
        em = font_em(style.SMALL_SIZE)
        texts = [shorten(show_piece(piece), TABLE_CELL, em, mono=True) for piece in self.top_pieces]
        text_w = max(text_width(t, em) for t in texts)
        far = left + pw * max(self.top) / max(n - 1, 1)      # the top token furthest right
        if far + 1.6 + text_w + 0.2 > w:     # no room right of it: the labels get a column of their own
            pw -= text_w + 0.6
            label_x = left + pw + 0.4
        else:                                # a list right of the top tokens, a thin line to each dot
            label_x = far + 1.6

        def xy(i, v):
            return left + pw * i / max(n - 1, 1), 0.75 + ph * (1 - (v - lo) / span)

        c.line([(left, 0.6), (left, h - bottom + 0.05)], th.muted, 0.02)
        c.line([(left - 0.05, h - bottom + 0.05), (left + pw + 0.1, h - bottom + 0.05)], th.muted, 0.02)
        for v in (lo, hi):
            c.text(left - 0.1, xy(0, v)[1], f"{v:+.1f}", em, th.muted, anchor="rm")
        c.text(left + pw / 2, h - 0.2, f"token id 0 … {n - 1:,}", em, th.muted)
        top = set(self.top)
        for i, v in enumerate(self.logits):
            if i not in top:
                x, y = xy(i, float(v))
                c.ellipse(x, y, 0.018, style.data_color(float(v) - lo, span, self.theme))
        # the top tokens: a list at label_x, a thin line to each dot
        dots = [xy(i, float(self.logits[i])) for i in self.top]
        inks = [th.chosen if r == 0 else th.text for r in range(len(texts))]   # orange: the top token only
        for (x, y), r in zip(dots, range(len(texts))):
            c.line([(x, y), (label_x - 0.12, 0.75 + r * 0.45)], inks[r], 0.015)
        # the labels on one patch of background: never text over the cloud's dots
        c.rect(label_x - 0.1, 0.75 - 0.25, label_x + text_w + 0.1,
               0.75 + (len(texts) - 1) * 0.45 + 0.25, th.background)
        for r, text in enumerate(texts):
            c.text(label_x, 0.75 + r * 0.45, text, em, inks[r], anchor="lm")
        for r, (x, y) in enumerate(dots):
            c.ellipse(x, y, 0.06, th.chosen if r == 0 else th.text)
        img = c.mobject()
        return Group(img.move_to([0, -0.55, 0]))

    # --- step 4: every position predicts, only the last is used ---------------------------------
    def every_position(self):
        n = len(self.trace.tokens)
        first = max(0, n - TABLE_ROWS)
        th = self.theme
        em = font_em(style.SMALL_SIZE)
        rows = []
        for p in range(first, n):
            probs = model.softmax(self.trace["logits"][p], 1.0)
            k = int(np.argmax(probs))
            self.record("logits", (p, k), probs[k], derivations.softmax(T=1))
            nxt = show_piece(self.trace.pieces[p + 1]) if p + 1 < n else "?"
            rows.append((show_piece(self.trace.pieces[p]), show_piece(self.piece(k)), percent(probs[k]), nxt))
        heads = ("at the token", "its best guess", "at T = 1", "what came next")
        # each column as wide as its widest entry (whole tokens), a token column at most TABLE_CELL
        cells = [[shorten(row[j], TABLE_CELL, em, mono=True) if j != 2 else row[j] for row in rows]
                 for j in range(4)]
        widths = [max([text_width(hd, em, mono=False)] + [text_width(t, em) for t in col])
                  for hd, col in zip(heads, cells)]
        col_x = [0.2]
        for wd in widths[:-1]:
            col_x.append(col_x[-1] + wd + 0.5)
        w, pitch = col_x[-1] + widths[-1] + 0.2, 0.56
        c = Canvas(w, pitch * (len(rows) + 1) + 0.1)
        for x, head in zip(col_x, heads):
            c.text(x, 0.3, head, em, th.muted, anchor="lm", mono=False)
        for r, (tok, guess, pct, nxt) in enumerate(zip(*cells)):
            y = pitch * (r + 1.5)
            last = r == len(rows) - 1
            c.text(col_x[0], y, tok, em, th.text, anchor="lm")
            c.text(col_x[1], y, guess, em, th.chosen if last else th.text, anchor="lm")
            c.text(col_x[2], y, pct, em, th.text, anchor="lm")
            c.text(col_x[3], y, nxt, em, th.text if last else th.muted, anchor="lm")
        table = c.mobject().move_to([0, -0.2, 0])
        title = label("Every position predicts its next token", style.BODY_SIZE, theme=self.theme)
        title.next_to(table, UP, buff=0.35)
        note = label("generating text uses only the last row", style.SMALL_SIZE, theme=self.theme)
        note.next_to(table, DOWN, buff=0.35)
        self.play(FadeOut(self.plot_group), run_time=0.5)
        self.play(FadeIn(title), FadeIn(table), run_time=0.9)
        self.say("The model computes a guess at every position: in training, each one is graded "
                 "against the token that really came next.", 5.0)
        self.wait(5.0)
        self.play(FadeIn(note, shift=UP * 0.2), run_time=0.6)
        self.say("When generating, only the last position's logits pick the next token.", 4.0)
        self.wait(4.0)
        self.pause("Each position's vector predicts what follows it; training grades all of them at "
                   "once. To continue the text, only the last position's prediction is used.")
