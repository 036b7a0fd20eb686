"""Beat 9: vectors absorb context — one token's vector in two texts, compared layer by layer.

Text A is the prompt; text B is the same token with only the prompt's first token before it (or
alone, when it is the prompt's second token). Both are real forward passes. The chart is the
cosine similarity of the token's two vectors in the residual stream (``blocks.0.hook_resid_pre``,
then ``blocks.{i}.hook_resid_post`` after layer i+1), so a falling line is the context of A
changing the vector. The token followed is ``--token`` or, measured, the word (a space and
letters) among the last ``MAX_STRIP`` tokens whose two vectors end furthest apart (the lowest
cosine after the last layer); with no word there, the most readable kind of token (``kind``): a
byte of a character only when no token after the first is whole text. What is said about the
line is read from its numbers. The control
text's numbers are recorded with their own ``tokens`` (``derivations.cosine_with_position_of``).
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UL, Create, FadeIn, FadeOut, Group, VGroup, Write

import model
from model.atlas import cosine, word_like
from model.tokenizer import char_parts

from . import derivations, style
from .base import ExplainerScene
from .token_names import sentence
from .components import TokenStrip, VectorArray, label
from .components.raster import Canvas, drawn_width, font_em

MAX_STRIP = 12       # tokens of text A shown (the last ones up to the followed token)
ENTRIES = 4          # numbers shown per vector
CHANGED = 0.05       # "the context changed it" only when the cosine falls this far below its start


def stages(n_layer: int) -> list[str]:
    """The residual stream's captures: the start, then after each of the n_layer layers."""
    return ["blocks.0.hook_resid_pre"] + [f"blocks.{i}.hook_resid_post" for i in range(n_layer)]


def control_tokens(tokens: list[int], pos: int) -> list[int]:
    """Text B for the token at ``pos`` (>= 1): the first token then it, or it alone at pos 1."""
    return [tokens[0], tokens[pos]] if pos >= 2 else [tokens[pos]]


def two_texts(trace, pos: int, checkpoint: str) -> tuple[list[int], list[float]]:
    """(text B's tokens, the cosine of the token's vectors in A and B at every stage)."""
    other = control_tokens(trace.tokens, pos)
    b = model.run_tokens(other, checkpoint)
    names = stages(trace.config["n_layer"])
    return other, [cosine(trace[s][pos], b[s][len(other) - 1]) for s in names]


def pick_token(trace, checkpoint: str) -> int:
    """The followed position: among the last MAX_STRIP tokens (from position 2), the most
    readable kind of token there (``kind``: a word first, a byte of a character last) whose two
    vectors end furthest apart; position 1 for two tokens. When none of those is whole text, the
    last whole ones of the prompt (from position 1) are looked at instead, so a byte is followed
    only when the prompt has no whole token after its first."""
    T = len(trace.tokens)
    if T <= 2:
        return T - 1
    parts = char_parts(model.get_encoding(checkpoint), trace.tokens)
    kinds = [kind(p, part) for p, part in zip(trace.pieces, parts)]
    pool = list(range(max(2, T - MAX_STRIP), T))
    if min(kinds[p] for p in pool) >= BYTES:
        pool = [p for p in range(1, T) if kinds[p] < BYTES][-MAX_STRIP:] or pool
    best = min(kinds[p] for p in pool)
    cands = [p for p in pool if kinds[p] == best]
    return min(cands, key=lambda p: (two_texts(trace, p, checkpoint)[1][-1], -p))


BYTES = 3     # ``kind`` from here on: the token is only part of a character


def kind(piece: str, part) -> int:
    """How readable a token is to follow, best first: 0 a word (a space and letters), 1 whole text
    with a letter or digit, 2 other whole text (punctuation), 3 the last byte of a character (the
    whole character read by then), 4 another byte of one, 5 only spaces (nothing to see in
    either text). ``part`` is ``model.tokenizer.char_parts``' entry."""
    if part is None:
        if not piece.strip():
            return BYTES + 2
        return 0 if word_like(piece) else 1 if any(c.isalnum() for c in piece) else 2
    chars, _, last, n = part
    return BYTES if chars and last == n else BYTES + 1


class ContextFlow(ExplainerScene):
    description = "one token's vector in two texts: how the context changes it, layer by layer"

    def construct(self):
        t, s = self.trace, self.context
        s.check_token(len(t.tokens))
        self.n_layer = t.config["n_layer"]
        self.stages = stages(self.n_layer)
        self.names = ["start"] + [str(i + 1) for i in range(self.n_layer)]
        self.pos = s.token_index if s.token is not None else pick_token(t, s.checkpoint)
        self.word = self.spoken_token(self.pos)
        self.title = label("Vectors absorb context", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        if self.pos == 0:
            self.only_one()
            return
        self.other, self.sims = two_texts(t, self.pos, s.checkpoint)
        self.b_trace = model.run_tokens(self.other, s.checkpoint)
        self.show_texts()
        self.show_chart()
        self.show_vectors()

    # --- steps ---------------------------------------------------------------------------------
    def only_one(self):
        note = label("the first token has nothing before it to take context from",
                     style.SMALL_SIZE, color=self.theme.muted).next_to(self.title, DOWN, buff=0.6).set_x(0)
        self.play(Write(self.title), FadeIn(note), run_time=0.8)
        self.say(sentence(f"{self.word} is the first token: there is no context before it to absorb."), 4.0)
        self.wait(2.0)
        self.pause("Try a longer prompt, or --token with a later position, to see a vector take in "
                   "its context.")

    def strip_row(self, tag: str, pieces: list[str], ids: list[int], top: float):
        """The text's name, then its tokens in one row (the first ones left out, with "…", when
        they do not fit), the last one outlined."""
        th = self.theme
        name = label(tag, style.SMALL_SIZE, color=th.muted)
        for cut in range(len(pieces)):
            strip = TokenStrip((["…"] if cut else []) + pieces[cut:], ([0] if cut else []) + list(ids[cut:]),
                               size=style.SMALL_SIZE, max_width=10.6, max_height=0.9, show_ids=False,
                               theme=self.theme)
            if len(set(strip.rows)) == 1:
                break
        name.move_to([-6.85, top, 0], aligned_edge=UL)
        strip.move_to([-4.4, top + 0.05, 0], aligned_edge=UL)
        box = strip.highlight(len(pieces) - cut + bool(cut) - 1)
        return Group(name, strip), box

    def show_texts(self):
        t = self.trace
        first = max(0, self.pos + 1 - MAX_STRIP)
        a, a_box = self.strip_row("text A", t.pieces[first: self.pos + 1], t.tokens[first: self.pos + 1], 2.45)
        b, b_box = self.strip_row("text B", self.b_trace.pieces, self.other, 1.45)
        about = label("only the first token, then the same one" if len(self.other) == 2
                      else "the same token on its own", style.SMALL_SIZE, color=self.theme.muted)
        b.add(about.next_to(b[1], RIGHT, buff=0.4))
        drop = b[1].get_top()[1] - (a[1].get_bottom()[1] - 0.3)
        if drop > 0:                   # A wrapped to a second row: B goes below it
            b.shift(DOWN * drop)
            b_box.shift(DOWN * drop)
        self.play(Write(self.title), run_time=0.6)
        self.play(FadeIn(a), Create(a_box), run_time=0.8)
        self.play(FadeIn(b), Create(b_box), run_time=0.8)
        where = (f"after only {self.spoken_token(0)}" if len(self.other) == 2 else "on its own")
        self.say(f"The same token, {self.word}, in two texts: your prompt, and {where}.", 4.0)
        self.wait(2.0)
        self.head = Group(a, a_box, b, b_box)
        later = len(t.tokens) - 1 - self.pos
        self.pause(f"We follow {self.word} (token {self.pos + 1} of {len(t.tokens)}) in two real forward "
                   f"passes: A is your prompt up to it, B is the same token {where}. "
                   + self.later_words(later) + self.choice_words())

    @staticmethod
    def later_words(later: int) -> str:
        """Why the tokens after the followed one are not drawn ("" when there are none)."""
        if not later:
            return ""
        if later == 1:
            return "The 1 token after it cannot reach it (the causal mask), so it is not shown. "
        return f"The {later} tokens after it cannot reach it (the causal mask), so they are not shown. "

    def choice_words(self) -> str:
        """How the token was chosen: given, or measured (and of which kind, when not a word)."""
        if self.context.token is not None:
            return "Chosen with --token."
        k = kind(self.trace.pieces[self.pos], char_parts(model.get_encoding(self.context.checkpoint),
                                                          self.trace.tokens)[self.pos])
        if k < BYTES:
            return ("Chosen with --token, or as here measured: the word (or, with no word near the end, "
                    "the most readable token) whose two vectors end furthest apart.")
        # the byte fallback is taken only when no token after the first is whole text but spaces
        spaces = any(not self.trace.pieces[p].strip() for p in range(1, len(self.trace.tokens)))
        return ("Chosen with --token, or as here measured: every token after the first is only part "
                "of a character" + (" or only spaces" if spaces else "") + " here, so of "
                + ("the characters' last bytes" if k == BYTES else "those")
                + " the one whose two vectors end furthest apart.")

    def show_chart(self):
        sims = [self.record(st, (self.pos,), v, derivations.cosine_with_position_of(len(self.other) - 1, self.other))
                for st, v in zip(self.stages, self.sims)]
        chart = self.line_chart(sims)
        chart.move_to([0, -1.45, 0])
        self.play(FadeIn(chart), run_time=0.8)
        for line in self.sentences(sims):
            self.say(line, 4.0)
            self.wait(1.0)
        self.pause("Cosine similarity 1 means the two vectors point the same way. Each layer's "
                   "attention mixes in the other tokens of its text, so the same token drifts apart "
                   "in two texts by as much as its context differs. Measured here: a"
                   + " ".join(self.sentences(sims))[1:])     # "At the start" goes on as "at the start"
        self.chart = chart

    def sentences(self, sims: list[float]) -> list[str]:
        """What the line shows, from its numbers only."""
        c0, low = sims[0], int(np.argmin(sims[1:])) + 1
        out = [f"At the start the two vectors have a cosine similarity of {c0:.2f}: the same "
               "token's embedding, only the position differs"
               + (", and that already sets them apart." if c0 < 0.8 else ".")]
        self.changed = c0 - sims[low] >= CHANGED
        if self.changed:
            text = f"After layer {low} it is {sims[low]:.2f}"
            if low != len(sims) - 1:
                text += f", and after the last layer {sims[-1]:.2f}"
            out.append(text + f": the words before {self.word} changed its vector.")
        elif sims[-1] - c0 >= CHANGED:
            out.append(f"Here the two vectors grow more alike, {sims[-1]:.2f} after the last layer: the "
                       f"words before {self.word} did not pull it away from the other text.")
        else:
            out.append(f"Here it stays near {c0:.2f} (lowest {sims[low]:.2f}, after layer {low}): "
                       f"the words before {self.word} changed its vector little.")
        return out

    def line_chart(self, sims: list[float]):
        th = self.theme
        em = font_em(style.SMALL_SIZE)
        w, h = 11.0, 3.9
        left, top, bottom = 1.3, 0.7, 0.75
        pw = w - left - 0.9
        gap = (pw - 0.45) / max(1, len(sims) - 1)           # between two layers' points
        crowded = drawn_width(f"layer {self.names[-1]}", em) + 0.15 > gap
        if crowded:          # a deep model: numbers only under the points, "after layer" once below
            h += 0.35
        c = Canvas(w, h)
        ph = h - top - bottom - (0.35 if crowded else 0.0)
        # the axis shows the range the line uses, in the finest step that leaves its numbers
        # room (at most 5 of them, a line and a half apart)
        for step in (0.1, 0.2, 0.25, 0.5):
            lo = float(np.floor(min(sims) / step + 1e-9) * step)
            if min(sims) - lo < 0.3 * step:
                lo -= step
            lo = max(-1.0, lo)
            if (1.0 - lo) / step + 1 <= 5.01 and ph * step / (1.0 - lo) >= 1.5 * em:
                break

        inner = 0.45      # the first point stands clear of the axis's numbers

        def xy(k, v):
            return left + inner + (pw - inner) * k / (len(sims) - 1), top + ph * (1 - (v - lo) / (1 - lo))

        for v in np.arange(lo, 1.0 + step / 2, step):
            c.line([(left, xy(0, v)[1]), xy(len(sims) - 1, v)], th.neutral, 0.015)
            c.text(left - 0.15, xy(0, v)[1], f"{v:.2f}", em, th.muted, anchor="rm", mono=False)
        label_y = top + ph + 0.35
        for k, name in enumerate(self.names):
            text = name if k == 0 or crowded else f"layer {name}"
            c.text(xy(k, lo)[0], label_y, text, em, th.muted, mono=False)
        if crowded:
            c.text((xy(1, lo)[0] + xy(len(sims) - 1, lo)[0]) / 2, label_y + 0.35, "after layer", em, th.muted,
                   mono=False)
        points = [xy(k, v) for k, v in enumerate(sims)]
        # every value when there is room; else the start, the lowest, the highest and the last
        named = (set(range(len(sims))) if drawn_width("0.00", em) + 0.1 < gap else
                 {0, int(np.argmin(sims)), int(np.argmax(sims)), len(sims) - 1})
        path = np.concatenate([np.linspace(p, q, 40) for p, q in zip(points[:-1], points[1:])]) \
            if len(points) > 1 else np.array(points)
        labels = []
        for k, ((x, y), v) in enumerate(zip(points, sims)):
            if k not in named and k != 0:
                continue
            hw, hh = drawn_width(f"{v:.2f}", em) / 2 + 0.04, 0.55 * em
            # above the point, else below: the side the line does not run through
            sides = (0.3, -0.3) if k == 0 and len(sims) > 1 and sims[1] > v else (-0.3, 0.3)
            for dy in sides:
                ty = y + dy
                if not ((np.abs(path[:, 0] - x) < hw) & (np.abs(path[:, 1] - ty) < hh)).any():
                    break
            else:
                ty = y + sides[0]
            labels.append((x, ty, hw, hh, f"{v:.2f}"))
        for x, ty, hw, hh, _ in labels:      # no grid line through a number
            c.rect(x - hw, ty - hh, x + hw, ty + hh, th.background)
        c.line(points, th.text, 0.04)
        for x, y in points:
            c.ellipse(x, y, 0.07, th.text)
        for x, ty, _, _, text in labels:
            c.text(x, ty, text, em, th.text, mono=False)
        c.text(left + pw / 2, 0.2, f"cosine similarity of the two vectors of {self.word}", em, th.text, mono=False)
        return c.mobject()

    def show_vectors(self):
        """The token's two vectors after the last layer, their first numbers side by side."""
        last = self.stages[-1]
        va, vb = self.trace[last][self.pos], self.b_trace[last][len(self.other) - 1]
        row = VectorArray(np.array([va, vb]), ["A", "B"], max_entries=ENTRIES, max_vectors=2,
                          theme=self.theme)
        self.record_block(last, row.shown[0], (self.pos,))
        for i, v in enumerate(row.shown[1]):
            self.record(last, (len(self.other) - 1, i), v, tokens=self.other)
        if row.shape_text is not None:
            row.remove(row.shape_text)
        note = VGroup(label(f"{self.word} after layer {self.n_layer}", style.SMALL_SIZE, theme=self.theme),
                      label(f"first {ENTRIES} of {self.trace.config['d_model']} numbers", style.SMALL_SIZE,
                            color=self.theme.muted)).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        group = Group(row, note)
        note.next_to(row, RIGHT, buff=0.5)
        group.move_to([0, -1.25, 0])
        self.play(FadeOut(self.chart), run_time=0.4)
        self.play(FadeIn(group), run_time=0.8)
        if self.changed:
            self.say(f"Same token, same weights, different numbers: the vector of {self.word} now "
                     "carries its context.", 4.0)
        else:
            self.say(f"Same token, same weights: here the context moved the two vectors of {self.word} "
                     "no further apart than they started.", 4.0)
        self.wait(2.0)
        self.pause("Both vectors come from the same embedding and the same weights; only the text "
                   "before the token differs. Attention brought that text into the vector.")
