"""Beat 14: softmax — the real logits of the next token, exponentiated, divided by their sum."""
from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UL, UP, FadeIn, LaggedStart, VGroup, Write

import model

from . import derivations, style
from .base import ExplainerScene
from .components import ProbabilityBars, label, percent
from .components.text import piece_label


def short(v: float) -> str:
    """A number in at most ~7 characters: 12.3, 0.0412, 3.27e+06."""
    return f"{v:.3g}"


class Softmax(ExplainerScene):
    description = "logits → exp → divide by the sum: probabilities between 0 and 1 that add to 1"
    top_k = 6

    def construct(self):
        self.pick_rows()
        self.show_title()
        self.show_logits()
        self.show_exp()
        self.show_sum()
        self.show_probabilities()

    def pick_rows(self):
        self.pos = len(self.trace.tokens) - 1
        self.logits = self.trace["logits"][self.pos].astype(np.float64)
        self.rows, self.pieces = self.top_tokens(self.logits, self.top_k)
        self.row_y = [2.0 - 0.62 * i for i in range(self.top_k)]

    def column(self, texts: list[str], x: float, header: str, color=None) -> VGroup:
        head = label(header, style.SMALL_SIZE, color=self.theme.muted).move_to([x, 2.75, 0])
        cells = VGroup(*[label(t, style.SMALL_SIZE, color=color, mono=True, theme=self.theme).move_to([x, y, 0])
                         for t, y in zip(texts, self.row_y)])
        return VGroup(head, cells)

    def show_title(self):
        title = label("Softmax", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        self.play(Write(title), run_time=0.6)
        names = VGroup(*[piece_label(p, theme=self.theme).move_to([-5.2, y, 0], aligned_edge=RIGHT)
                         for p, y in zip(self.pieces, self.row_y)])
        names.shift(RIGHT * (-4.7 - names.get_right()[0]))
        head = label("next token", style.SMALL_SIZE, color=self.theme.muted).move_to([-5.6, 2.75, 0])
        self.add(head)
        self.play(FadeIn(names), run_time=0.6)
        self.say("The model's last vector gives one score, a logit, to every token in its vocabulary.", 4.0)
        self.wait(2.0)

    def show_logits(self):
        for t in self.rows:
            self.record("logits", (self.pos, t), self.logits[t])
        col = self.column([f"{self.logits[t]:+.2f}" for t in self.rows], -3.4, "logit")
        self.play(FadeIn(col), run_time=0.8)
        self.wait(2.0)
        self.pause("Logits are raw scores: any real number, negative too. These are the largest ones the model gave.")

    def show_exp(self):
        for t in self.rows:
            self.record("logits", (self.pos, t), np.exp(self.logits[t]), derivations.EXP)
        col = self.column([short(np.exp(self.logits[t])) for t in self.rows], -1.3, "e^logit")
        self.play(LaggedStart(*[FadeIn(c, shift=RIGHT * 0.3) for c in col], lag_ratio=0.2), run_time=1.0)
        self.say("Exponentiating makes every score positive and stretches the gaps between them.", 4.0)
        self.wait(3.5)
        self.pause("e to the logit: all positive now, and the biggest logit pulls far ahead.")

    def show_sum(self):
        total = float(np.exp(self.logits).sum())
        self.record("logits", (self.pos,), total, derivations.SUM_EXP)
        n = len(self.logits)
        text = label(f"sum over all {n:,} tokens = {short(total)}", style.SMALL_SIZE, theme=self.theme)
        text.move_to([-2.3, self.row_y[-1] - 0.85, 0])
        self.play(FadeIn(text, shift=UP * 0.2), run_time=0.7)
        self.say(f"Add up e to the logit over all {n:,} tokens, and divide each by that sum.", 4.0)
        self.wait(3.5)
        self.pause("Dividing by the total over the whole vocabulary makes the numbers add up to one.")

    def show_probabilities(self):
        probs = model.softmax(self.logits, 1.0)
        values = [self.record("logits", (self.pos, t), probs[t], derivations.softmax(T=1)) for t in self.rows]
        col = self.column([percent(p) for p in values], 0.9, "probability")
        bars = ProbabilityBars([""] * self.top_k, values, max_width=3.4, row_height=0.62, label_width=0.1, theme=self.theme)
        bars.shift([2.3, self.row_y[0], 0] - bars.bars[0].get_left())
        bars.remove(bars.labels, bars.percents)
        self.play(FadeIn(col), FadeIn(bars, shift=RIGHT * 0.2), run_time=1.0)
        rest = self.record("logits", (self.pos,), 1.0 - float(np.sort(probs)[::-1][: self.top_k].sum()),
                           derivations.softmax_outside_top(T=1, k=self.top_k))
        note = label(f"the other {len(self.logits) - self.top_k:,} tokens share {percent(rest)}",
                     style.SMALL_SIZE, color=self.theme.muted)
        note.to_edge(DOWN, buff=0.45)
        self.play(FadeIn(note), run_time=0.6)
        self.say("Each probability lies between zero and one, and together they add up to exactly one.", 4.5)
        self.wait(4.5)
        self.pause("That is softmax: exponentiate, then normalise. Bars between 0 and 1 that sum to 1.")
