"""The closing recap: the whole film in five lines, with this prompt's own numbers.

It follows ParameterCount, which draws the same tally for every prompt (a class set renders that
once); this scene is the one that names the prompt: its token count, the model's sizes, its
likeliest next token at T = 1 and the share of the forward pass that is matrix times vector.
"""
from __future__ import annotations

import re

import numpy as np
from manim import DOWN, LEFT, RIGHT, UL, FadeIn, Group, Write

import model

from . import derivations, style
from .base import ExplainerScene
from .components.raster import font_em, shorten
from .components.tally import fmt_count
from .components.text import label, percent, show_piece
from .components.text_block import text_lines
from .parameter_count import grouped


class Recap(ExplainerScene):
    description = "the whole film in five lines, with this prompt's numbers"

    def construct(self):
        th = self.theme
        t = self.trace
        weights = model.weights(self.context.checkpoint)
        total = sum(int(self.record(n, (), weights[n].size, derivations.SIZE))
                    for names in grouped(weights).values() for n in names)
        last = len(t.tokens) - 1
        probs = model.softmax(t["logits"][last], 1.0)
        top = int(np.argmax(probs))
        prob = self.record("logits", (last, top), probs[top], derivations.softmax(T=1))
        from model.flops import matvec_share
        share = self.record("W_E", (), matvec_share(t.config, len(t.tokens)), derivations.MATVEC_SHARE)
        lines = recap_lines(len(t.tokens), t.config, show_piece(self.piece(top)), prob, total, share,
                            self.context.sampling_rule(t.config["n_vocab"]))

        title = label("The whole film, for your prompt", style.TITLE_SIZE, theme=th).to_corner(UL, buff=0.35)
        # the prompt itself first, in quotes, its start kept when it is too long for the line
        said = shorten(re.sub(r"\s+", " ", self.context.prompt).strip(), 12.4, font_em(style.BODY_SIZE))
        rows = [text_lines([(f"“{said}”", style.BODY_SIZE, th.muted)])]
        rows += [text_lines([(line, style.BODY_SIZE, th.text)]) for line in lines[:-1]]
        rows.append(text_lines([(lines[-1], style.SMALL_SIZE, th.muted)]))
        block = Group(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.32)
        if block.width > 13.2:
            block.scale_to_fit_width(13.2)
        block.next_to(title, DOWN, buff=0.6).align_to(title, LEFT)
        self.play(Write(title), run_time=0.7)
        for row in rows:
            self.play(FadeIn(row, shift=RIGHT * 0.2), run_time=0.45)
        self.say(f"So: your {len(t.tokens)} tokens became vectors, passed through "
                 f"{t.config['n_layer']} layers of attention and MLPs, and the last vector, times "
                 f"W_U, scored all {t.config['n_vocab']:,} tokens.")
        self.say(f"Softmax made those scores probabilities: “{show_piece(self.piece(top).strip() or self.piece(top))}” comes first, "
                 f"at {percent(prob)}. Then draw one, append it, and go round again.")
        self.wait(1.0)
        self.pause("The story of the film with this prompt's numbers: tokens, vectors, layers, "
                   "scores, probabilities; all of it from the counted weights, mostly matrices "
                   "times vectors.")


def recap_lines(n_tokens: int, cfg: dict, piece: str, prob: float, total: int, share: float,
                rule: str | None = None) -> list[str]:
    """The film's story in five or six lines, with the prompt's own numbers: ``n_tokens`` tokens,
    the model's sizes ``cfg``, its top next token ``piece`` at probability ``prob`` (T = 1), the
    sampling ``rule`` (e.g. "T = 0.8, top-k 40"; None: no line), ``total`` learned numbers and
    the ``share`` (0..1) of the arithmetic that is matrices times vectors."""
    s = "s" * (n_tokens != 1)
    lines = [f"your text → {n_tokens} token{s} → {n_tokens} vector{s} of {cfg['d_model']} numbers",
             f"→ {cfg['n_layer']} layers, each: attention, then an MLP",
             f"→ the last vector × W_U: {cfg['n_vocab']:,} scores (logits)",
             f"→ softmax: “{piece}” most likely, at {percent(prob)} (T = 1)"]
    if rule is not None:
        lines.append(f"→ draw one token ({rule}), append it, and go round again")
    return lines + [f"{fmt_count(total)} learned numbers; {100 * share:.1f}% of the arithmetic is matrix × vector"]


