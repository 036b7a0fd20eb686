"""Beat 14: softmax — the real logits of the next token, exponentiated, divided by their sum."""
from __future__ import annotations

import numpy as np
from manim import DOWN, RIGHT, UL, UP, FadeIn, LaggedStart, Line, VGroup, Write

import model

from . import derivations, style
from .base import ExplainerScene
from .components import ProbabilityBars, label, percent
from .components.formula import softmax_formula
from .components.text import piece_label, plain_number


def low_word(logits, piece) -> int:
    """The token id of the lowest logit whose text is a whole word (a space, then two or more
    letters); the lowest of all when none is."""
    order = np.argsort(np.asarray(logits), kind="stable")
    for t in order:
        text = piece(int(t))
        word = text[1:]
        if text.startswith(" ") and word.isalpha() and word.isascii() and len(word) > 1:
            return int(t)
    return int(order[0])


NAMES_RIGHT = -4.7    # x of the token names' right edge (scene units)
LEFT_EDGE = -6.75     # nothing drawn left of this
MAX_SHIFT = 1.0       # how far a long token may push every column right
# centres of the number columns, spread for the widest they write: -13.05, 0.00000216, <0.00010%
LOGIT_X, EXP_X, PROB_X = -3.55, -1.4, 1.0


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
        """The ``top_k`` largest logits, then (after a gap) one of the lowest: the lowest-scored
        token that is a whole word, so a negative logit is on screen when the prompt has one."""
        self.pos = len(self.trace.tokens) - 1
        self.logits = self.trace["logits"][self.pos].astype(np.float64)
        self.rows, self.pieces = self.top_tokens(self.logits, self.top_k)
        self.row_y = [2.0 - 0.62 * i for i in range(self.top_k)]
        self.low = low_word(self.logits, self.piece)
        self.rows.append(self.low)
        self.pieces.append(self.piece(self.low))
        self.row_y.append(self.row_y[-1] - 0.62 * 1.5)       # below a "⋮" gap
        self.negative = bool(self.logits[self.low] < 0)

    def column(self, texts: list[str], x: float, header: str, color=None) -> VGroup:
        x += self.dx
        head = label(header, style.SMALL_SIZE, color=self.theme.muted).move_to([x, 2.75, 0])
        cells = VGroup(*[label(t, style.SMALL_SIZE, color=color, mono=True, theme=self.theme).move_to([x, y, 0])
                         for t, y in zip(texts, self.row_y)])
        return VGroup(head, cells)

    def show_title(self):
        title = label("Softmax", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        self.play(Write(title), run_time=0.6)
        names = VGroup(*[piece_label(p, theme=self.theme).move_to([-5.2, y, 0], aligned_edge=RIGHT)
                         for p, y in zip(self.pieces, self.row_y)])
        # a long token moves every column right (at most MAX_SHIFT), then the names shrink to fit
        if names.width > NAMES_RIGHT + MAX_SHIFT - LEFT_EDGE:
            names.scale_to_fit_width(NAMES_RIGHT + MAX_SHIFT - LEFT_EDGE)
        self.dx = max(0.0, LEFT_EDGE - (NAMES_RIGHT - names.width))
        names.shift(RIGHT * (NAMES_RIGHT + self.dx - names.get_right()[0]))
        head = label("next token", style.SMALL_SIZE, color=self.theme.muted).move_to([-5.6 + self.dx, 2.75, 0])
        gap = (self.row_y[-2] + self.row_y[-1]) / 2
        self.dots = VGroup(*[label("⋮", style.SMALL_SIZE, color=self.theme.muted).move_to([x + self.dx, gap, 0])
                             for x in (-5.2, LOGIT_X, EXP_X, PROB_X)])
        self.add(head)
        self.play(FadeIn(names), FadeIn(self.dots[0]), run_time=0.6)
        self.say("The model's last vector gives one score, a logit, to every token in its vocabulary.", 4.0)
        self.wait(2.0)

    def show_logits(self):
        for t in self.rows:
            self.record("logits", (self.pos, t), self.logits[t])
        col = self.column([f"{self.logits[t]:+.2f}" for t in self.rows], LOGIT_X, "logit")
        self.play(FadeIn(col), FadeIn(self.dots[1]), run_time=0.8)
        low = f"“{self.pieces[-1].strip()}”, one of the lowest, scores {self.logits[self.low]:+.2f}"
        self.say(f"Logits are raw scores, any real number. The top ones are shown, and {low}.", 4.0)
        self.wait(2.0)
        self.pause("Logits are raw scores: any real number, negative too. The six largest the model gave, "
                   f"and below the gap a word it scored among the lowest of all {len(self.logits):,}.")

    def show_exp(self):
        for t in self.rows:
            self.record("logits", (self.pos, t), np.exp(self.logits[t]), derivations.EXP)
        col = self.column([plain_number(np.exp(self.logits[t])) for t in self.rows], EXP_X, "e^logit")
        self.play(LaggedStart(*[FadeIn(c, shift=RIGHT * 0.3) for c in col], lag_ratio=0.2),
                  FadeIn(self.dots[2]), run_time=1.0)
        if self.negative:
            self.say(f"Exponentiating makes every score positive: even {self.logits[self.low]:+.2f} becomes "
                     f"{plain_number(np.exp(self.logits[self.low]))}. And it stretches the gaps.", 5.0)
        else:
            self.say("Exponentiating makes every score positive and stretches the gaps between them.", 4.0)
        self.wait(3.5)
        self.pause("e to the logit: all positive now (a negative logit gives a number between 0 and 1), "
                   "and the biggest logit pulls far ahead.")

    def show_sum(self):
        total = float(np.exp(self.logits).sum())
        self.record("logits", (self.pos,), total, derivations.SUM_EXP)
        n = len(self.logits)
        text = label(f"sum over all {n:,} tokens = {plain_number(total)}", style.SMALL_SIZE, theme=self.theme)
        text.move_to([-2.3 + self.dx, self.row_y[-1] - 0.7, 0])
        formula = softmax_formula(style.SMALL_SIZE, theme=self.theme)
        where = label("here T = 1", style.SMALL_SIZE, color=self.theme.muted)
        shown = VGroup(formula, where).arrange(RIGHT, buff=0.4).to_corner(UP + RIGHT, buff=0.4)
        self.play(FadeIn(text, shift=UP * 0.2), FadeIn(shown), run_time=0.7)
        self.say(f"Add up e to the logit over all {n:,} tokens, and divide each by that sum.", 4.0)
        self.wait(3.5)
        self.pause("Dividing by the total over the whole vocabulary makes the numbers add up to one.")

    def probability_scale(self, x0: float, width: float) -> VGroup:
        """A muted axis under the bars from p = 0 (at ``x0``) to p = 1 (``width`` units right), so
        "between 0 and 1" is seen: a bar reaching the end would be a certain next token."""
        th = self.theme
        y = self.row_y[-1] - 0.42
        axis = Line([x0, y, 0], [x0 + width, y, 0], color=th.muted, stroke_width=2)
        ticks = VGroup(*[Line([x, y - 0.07, 0], [x, y + 0.07, 0], color=th.muted, stroke_width=2)
                         for x in (x0, x0 + width)])
        names = VGroup(*[label(t, style.SMALL_SIZE, color=th.muted).move_to([x, y - 0.3, 0])
                         for t, x in (("0", x0), ("1", x0 + width))])
        return VGroup(axis, ticks, names)

    def show_probabilities(self):
        probs = model.softmax(self.logits, 1.0)
        values = [self.record("logits", (self.pos, t), probs[t], derivations.softmax(T=1)) for t in self.rows]
        col = self.column([percent(p) for p in values], PROB_X, "p at T = 1")
        bars = ProbabilityBars([""] * len(self.rows), values, max_width=3.4, row_height=0.62, label_width=0.1,
                               theme=self.theme)
        bars.shift([2.3 + self.dx, self.row_y[0], 0] - bars.bars[0].get_left())
        bars.bars[-1].set_y(self.row_y[-1])
        bars.remove(bars.labels, bars.percents)
        scale = self.probability_scale(bars.bars[0].get_left()[0], bars.max_width)
        self.play(FadeIn(col), FadeIn(bars, shift=RIGHT * 0.2), FadeIn(scale), FadeIn(self.dots[3]), run_time=1.0)
        rest = self.record("logits", (self.pos,), 1.0 - float(np.sort(probs)[::-1][: self.top_k].sum()),
                           derivations.softmax_outside_top(T=1, k=self.top_k))
        note = label(f"all {len(self.logits) - self.top_k:,} tokens below the top {self.top_k} share {percent(rest)}",
                     style.SMALL_SIZE, color=self.theme.muted)
        note.to_edge(DOWN, buff=0.45)
        self.play(FadeIn(note), run_time=0.6)
        self.say("Each probability lies between zero and one, and together they add up to exactly one.", 4.5)
        self.wait(4.5)
        self.pause("That is softmax: exponentiate, then normalise. Bars between 0 and 1 that sum to 1. "
                   "Here at T = 1, the model's own probabilities: the Temperature scene divides the logits by T "
                   f"first; the film's samples use T = {self.context.temperature:g} and "
                   f"{'keep only the ' + str(self.context.top_k) + ' likeliest tokens' if self.context.top_k else 'no cut'}.")
