"""Beat 15: temperature — the same real logits at T from 0 to 5, then text sampled at three T."""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, UL, UP, FadeIn, FadeOut, Group, Line, Triangle, VGroup,
                   Write)

import model
from model.tokenizer import running_pieces

from . import derivations, style
from .base import ExplainerScene
from .components import ProbabilityBars, PromptText, label
from .components.formula import softmax_formula
from .components.prompt_text import words
from .components.raster import shorten

STOPS = (0.0, 0.5, 1.0, 2.0, 5.0)   # where the sweep pauses
SUBSTEPS = 4                        # real distributions drawn between two stops
SAMPLE_TS = (0.2, 1.0, 2.0)         # low, medium, high for the continuations
N_NEW = 10
TAIL_CHARS = 16                     # the prompt's end shown before each continuation (characters)


class Temperature(ExplainerScene):
    description = "the same logits at T = 0, 0.5, 1, 2, 5, and text sampled cold, warm and hot"
    top_k = 8

    def construct(self):
        self.setup_rows()
        self.show_title()
        self.show_dial()
        self.sweep()
        self.compare_samples()

    def setup_rows(self):
        self.pos = len(self.trace.tokens) - 1
        self.logits = self.trace["logits"][self.pos]
        self.rows, self.pieces = self.top_tokens(self.logits, self.top_k)

    def probs_at(self, t: float) -> list[float]:
        p = model.softmax(self.logits, t)
        return [self.record("logits", (self.pos, k), p[k], derivations.softmax(T=t)) for k in self.rows]

    def show_title(self):
        self.title = label("Temperature", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        self.play(Write(self.title), run_time=0.6)
        # the formula stays up through the whole sweep (about half a minute)
        self.formula = softmax_formula(style.SMALL_SIZE, theme=self.theme)
        self.formula_note = label("x: the logits. No top-k cut here", style.SMALL_SIZE,
                                  color=self.theme.muted)
        VGroup(self.formula, self.formula_note).arrange(DOWN, aligned_edge=LEFT, buff=0.15)\
            .next_to(self.title, DOWN, buff=0.3).align_to(self.title, LEFT)
        self.play(FadeIn(self.formula), FadeIn(self.formula_note), run_time=0.6)
        self.say("Before sampling, the logits can be divided by a temperature T.")

    def show_dial(self):
        """T on a number line from 0 to 5 (drawn from lines and labels: no LaTeX)."""
        th = self.theme
        self.x0, self.x1 = 1.2, 6.4
        y = 2.6
        line = Line([self.x0, y, 0], [self.x1, y, 0], color=th.muted, stroke_width=3)
        ticks = VGroup()
        for t in STOPS:
            x = self.t_to_x(t)
            ticks.add(Line([x, y - 0.1, 0], [x, y + 0.1, 0], color=th.muted, stroke_width=3))
            ticks.add(label(f"{t:g}", style.SMALL_SIZE, color=th.muted).move_to([x, y - 0.42, 0]))
        self.marker = Triangle(color=th.text, fill_opacity=1, stroke_width=0).scale(0.13).rotate(np.pi)
        self.marker.move_to([self.t_to_x(STOPS[0]), y + 0.25, 0])
        self.t_label = self.t_text(STOPS[0])
        self.bars = ProbabilityBars(self.pieces, self.probs_at(STOPS[0]), max_width=4.2,
                                    row_height=0.55, label_width=3.0, theme=self.theme)
        self.bars.shift([-2.6, 1.2, 0] - self.bars.bars[0].get_left())
        self.play(FadeIn(VGroup(line, ticks)), FadeIn(self.marker), FadeIn(self.t_label),
                  FadeIn(self.bars), run_time=0.8)
        self.say("At T = 0 the most likely token gets everything.", 2.5)
        self.wait(2.0)
        self.pause("At T = 0 all the probability goes to the single most likely token: greedy decoding.")

    def t_to_x(self, t: float) -> float:
        """The stops sit evenly on the dial; between two stops T runs linearly."""
        k = int(np.clip(np.searchsorted(STOPS, t, side="right") - 1, 0, len(STOPS) - 2))
        frac = (t - STOPS[k]) / (STOPS[k + 1] - STOPS[k])
        return self.x0 + (self.x1 - self.x0) * (k + frac) / (len(STOPS) - 1)

    def t_text(self, t: float):
        return label(f"T = {t:.2f}", style.BODY_SIZE, color=self.theme.text).move_to([3.8, 3.35, 0])

    def sweep(self):
        notes = {0.5: "Low T sharpens the distribution: the likely get likelier.",
                 1.0: "T = 1 is the model's own distribution.",
                 2.0: "Higher T flattens it: unlikely tokens get a real chance.",
                 5.0: "At T = 5 the mass spreads over the whole vocabulary: the text turns to nonsense."}
        for a, b in zip(STOPS, STOPS[1:]):
            for t in np.linspace(a, b, SUBSTEPS + 1)[1:]:
                t = float(t)
                new_label = self.t_text(t)
                self.play(self.bars.retarget(self.pieces, self.probs_at(t)),
                          self.marker.animate.set_x(self.t_to_x(t)),
                          FadeOut(self.t_label, run_time=0.01), FadeIn(new_label, run_time=0.01),
                          run_time=0.3)
                self.t_label = new_label
            self.say(notes[b], duration=2.5)
            self.wait(1.8)
        self.pause("Temperature rescales the logits before softmax: p = softmax(logits / T).")

    def compare_samples(self):
        self.play(FadeOut(Group(*[m for m in self.mobjects if m is not self.title])), run_time=0.5)
        s = self.context
        n_vocab = self.trace.config["n_vocab"]
        cut = f", top-k {s.top_k}" if 0 < s.top_k < n_vocab else ""
        columns = Group()
        enc, n = model.get_encoding(s.checkpoint), len(self.trace.tokens)
        for i, t in enumerate(SAMPLE_TS):
            new = s.with_(temperature=t).sample(s.prompt, N_NEW)    # the film's rule, at this T
            running = running_pieces(enc, list(self.trace.tokens) + list(new))   # whole characters
            tail = shorten(words(running[:n]), TAIL_CHARS, keep="end")   # the prompt's last words
            pieces = [tail] + running[n:]
            head = label(f"T = {t:g}{cut}", style.BODY_SIZE, color=self.theme.text)
            text = PromptText(pieces, 1, width=18, size=style.SMALL_SIZE, max_lines=6, theme=self.theme)
            col = Group(head, text.next_to(head, DOWN, buff=0.3, aligned_edge=LEFT))
            col.move_to([-6.5 + 4.6 * i, 1.6, 0], aligned_edge=UP + LEFT)
            columns.add(col)
        self.play(FadeIn(columns, lag_ratio=0.3), run_time=1.2)
        cap = label("services cap T (often at 2): past that, text falls apart", style.SMALL_SIZE,
                    color=self.theme.muted).to_edge(DOWN, buff=0.5)
        self.play(FadeIn(cap), run_time=0.5)
        self.say("Same prompt, same seed, same cut: cold text plays safe, hot text takes long shots.", 4.0)
        self.wait(4.5)
        self.pause("Same prompt and seed at three temperatures" + (f", each drawn from the {s.top_k} likeliest "
                   "tokens as everywhere in the film" if cut else "") + ". Ask: which one reads most like a person?")
