"""Beat 4: the data flow at a glance — text → tokens → vectors → [attention → MLP] ×L → last vector → probabilities.

The pipeline is one ``FlowDiagram`` across the top; under it a panel shows what the data looks
like at the stage marked, with the real shapes from the model's config and real numbers from the
Trace: the prompt's tokens, their vectors (``blocks.0.hook_resid_pre``), the last token's vector
after the layers (``blocks.{i}.hook_resid_post``), normalised (``ln_final.hook_normalized``), and
the top next tokens (softmax of ``logits``).
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, Dot, FadeIn, FadeOut, FadeTransform, Group,
                   MoveAlongPath, Succession, SurroundingRectangle, Transform, VMobject, Write, smooth)

import model
from model.tokenizer import piece_text, running_pieces

from . import derivations, style
from .base import ExplainerScene
from .components import (DataVector, FlowDiagram, ProbabilityBars, TokenStrip, VectorArray, label,
                         percent)
from .components.raster import Canvas, font_em, shorten, text_width
from .components.text import show_piece
from .components.text_image import text_image

LABELS = {"embed": "embed", "unembed": "unembed", "probs": "probs"}  # one row at readable size
ARROW = 0.45          # between the diagram's blocks
MAX_TOKENS = 10       # tokens drawn in the strip (the last ones)
MAX_VECTORS = 6       # token vectors drawn (the last ones)
VECTOR_GAP = 0.18     # between two of them (units), widened up to MAX_VECTOR_GAP for a long name
MAX_VECTOR_GAP = 1.4
MAX_LAYERS = 6        # layers after which the last token's vector is drawn
ENTRIES = 4           # numbers shown per vector
LAYER_ENTRIES = 3     # and per vector of the row of layers (it has a line more beneath it)
TOP_K = 5             # next tokens in the distribution
PANEL_W = 13.2        # the panel under the diagram
FRAME_W = 14.22       # the frame's width (units, 16:9)
BAR_LABEL_W = 3.0     # the widest a next token's name is drawn at full size (wider ones shrink)


def shown_layers(n_layer: int, most: int = MAX_LAYERS) -> list[int]:
    """The layers whose output is drawn: all of them, or ``most`` evenly spread ending on the last."""
    if n_layer <= most:
        return list(range(n_layer))
    return sorted({int(round(x)) for x in np.linspace(0, n_layer - 1, most)})


def tail_text(text: str, em: float, width: float) -> str:
    """The end of ``text`` that fits ``width`` on one line, "…" in front when cut."""
    text = text.replace("\r", "").replace("\n", "↵").replace("\t", " ")
    return shorten(text, width, em, keep="end")


def article(n: int) -> str:
    """ "A" or "An" before the number ``n`` read aloud in English (an 8, an 11, an 18, an 80...)."""
    s = str(n)
    return "An" if s.startswith("8") or s in ("11", "18") or (len(s) == 5 and s[:2] in ("11", "18")) else "A"


def split_character(enc, tokens: list[int]) -> tuple[str, list[str]] | None:
    """The first character of ``tokens`` (ids, all of it inside them) that the vocabulary spells
    in more than one token, and those tokens' texts (e.g. ("写", ["\\xe5", "\\x86", "\\x99"]));
    None when every character of them is within one token."""
    shares = running_pieces(enc, tokens)
    start = 0
    for j, share in enumerate(shares):
        if share and j > start and all(not x for x in shares[start:j]):
            return share, [piece_text(enc, t) for t in tokens[start: j + 1]]
        if share:
            start = j + 1
    return None


class DataFlow(ExplainerScene):
    description = "the whole forward pass at a glance, with the real shapes: text, tokens, vectors, L blocks, probabilities"

    def construct(self):
        t = self.trace
        self.T, self.last = len(t.tokens), len(t.tokens) - 1
        self.L, self.d = t.config["n_layer"], t.config["d_model"]
        self.n_vocab = t.config["n_vocab"]
        self.who = shorten(show_piece(t.pieces[self.last]), 3.0, font_em(style.SMALL_SIZE), mono=True)
        self.spoken = self.spoken_token(self.last)   # for captions
        self.show_pipeline()
        self.show_tokens()
        self.show_vectors()
        self.show_layers()
        self.show_output()

    # --- helpers ----------------------------------------------------------------------------------
    def legs(self) -> list[list[np.ndarray]]:
        """The diagram's arrows in order: tokens→embed, embed→attn, the L passes, →unembed, →probs."""
        return self.flow.waypoints()

    def travel(self, legs, step_time: float = 0.35):
        """Animations moving the data dot along ``legs`` (it fades at rest, off the labels)."""
        legs = [self.off_labels(pts) for pts in legs]
        self.dot.move_to(legs[0][0])
        moves = []
        for pts in legs:
            path = VMobject().set_points_as_corners([np.array(p, float) for p in pts])
            moves.append(MoveAlongPath(self.dot, path, run_time=step_time))
        return moves

    def off_labels(self, pts) -> list[np.ndarray]:
        """A leg of ``flow.waypoints`` (block centre to block centre) cut where it leaves the
        first block and enters the last, just outside their borders: the dot runs along the
        arrows and never covers a block's label."""
        pts = [np.array(p, float) for p in pts]
        if len(pts) < 2:
            return pts
        margin = self.dot.radius + 0.03

        def exit_point(c, toward):
            for block in self.flow.blocks.values():
                if np.allclose(block.get_center()[:2], c[:2], atol=1e-6):
                    d = toward - c
                    half = (block.width / 2 + margin, block.height / 2 + margin)
                    t = min([half[i] / abs(d[i]) for i in (0, 1) if abs(d[i]) > 1e-9] + [1.0])
                    return c + t * d
            return c
        pts[0], pts[-1] = exit_point(pts[0], pts[1]), exit_point(pts[-1], pts[-2])
        return pts

    def byte_of(self) -> str:
        """ " (last byte of “。”)" when the last token is the last of the bytes that spell one
        character (a byte-level vocabulary without it), else ""."""
        t = self.trace
        share = running_pieces(model.get_encoding(self.context.checkpoint), t.tokens)[self.last]
        return f" (last byte of “{share}”)" if share and share != t.pieces[self.last] else ""

    def move_marker(self, name: str, *anims, run_time: float = 0.5):
        self.play(Transform(self.here, self.flow.marker(name)), *anims, run_time=run_time)

    def clear_panel(self):
        if len(self.panel):
            self.play(FadeOut(self.panel), run_time=0.4)
        self.panel = Group()

    # --- steps ------------------------------------------------------------------------------------
    def show_pipeline(self):
        title = label("The data flow at a glance", style.TITLE_SIZE, theme=self.theme).to_corner(UP + LEFT, buff=0.2)
        self.flow = FlowDiagram(self.L, labels=LABELS, size=style.SMALL_SIZE, arrow_len=ARROW,
                                max_width=13.6, theme=self.theme)
        self.flow.next_to(title, DOWN, buff=0.2).set_x(0)   # the marker clears the title
        self.panel_top = self.flow.get_bottom()[1] - 0.25
        self.dot = Dot(radius=0.11, color=self.theme.data_high)
        self.panel = Group()
        self.play(Write(title), run_time=0.6)
        self.play(FadeIn(self.flow), run_time=0.8)
        self.say("Text goes in, and out comes a probability for every token that could come next.", 4.0)
        self.add(self.dot)
        self.play(Succession(*self.travel(self.legs(), step_time=0.22)))
        self.play(FadeOut(self.dot), run_time=0.3)
        self.wait(1.0)
        self.pause(f"The whole model at a glance: tokens, their vectors, {self.L} layers of attention "
                   "and MLP, and at the end a probability for each possible next token.")

    def show_tokens(self):
        t = self.trace
        self.here = self.flow.marker("tokens")
        top = self.panel_top
        line = self.text_line(t.text, style.BODY_SIZE)
        line.move_to([0, top - line.height / 2, 0])
        arrow = Arrow(line.get_bottom() + DOWN * 0.05, line.get_bottom() + DOWN * 0.75, buff=0,
                      color=self.theme.muted, stroke_width=3, max_tip_length_to_length_ratio=0.3)
        strip, first = self.token_strip()
        strip.next_to(arrow, DOWN, buff=0.15).set_x(0)
        parts = [line, arrow, strip]
        if first > 0:
            dots = self.muted("…", style.BODY_SIZE).next_to(strip.boxes[0], LEFT, buff=0.2)
            parts.append(dots)
        count = (f"{self.T} token{'s' if self.T > 1 else ''}" if first == 0 else
                 f"{self.T} tokens (the last {self.T - first} shown)")
        note = self.muted(count).next_to(strip, DOWN, buff=0.35).set_x(0)
        parts.append(note)
        split = split_character(model.get_encoding(self.context.checkpoint), t.tokens[first:])
        if split is not None:          # a character the vocabulary spells in bytes: say so, once
            char, pieces = split
            bytes_line = self.muted(f"“{char}” is {len(pieces)} tokens here: its UTF-8 bytes "
                                    + " ".join(pieces))
            note = Group(note, bytes_line.next_to(note, DOWN, buff=0.15).set_x(0))
            parts[-1] = note
        self.panel = Group(*parts)
        self.tokens_shown = dict(line=line, arrow=arrow, strip=strip, first=first, note=note,
                                 dots=dots if first > 0 else None)
        self.play(Create(self.here), FadeIn(line), run_time=0.7)
        self.play(FadeIn(arrow), FadeIn(strip, shift=DOWN * 0.2), *[FadeIn(p) for p in parts[3:]],
                  run_time=0.8)
        self.say(f"The text is cut into {self.T} token{'s' if self.T > 1 else ''}, each a number "
                 f"from a vocabulary of {self.n_vocab:,}.", 4.0)
        self.wait(4.0)
        self.pause("First the text becomes tokens: pieces of words, each with its id in the vocabulary.")

    def text_line(self, text: str, size: float):
        em = font_em(size)
        shown = tail_text(text, em, PANEL_W - 0.4)
        c = Canvas(text_width(shown, em, mono=False) + 0.1, 1.35 * em)
        c.text(0.05, 1.0 * em, shown, em, self.theme.text, anchor="ls", mono=False)
        return c.mobject()

    def token_strip(self):
        """The last tokens that fit one row, and the index of the first one drawn."""
        t = self.trace
        for k in range(min(self.T, MAX_TOKENS), 0, -1):
            first = self.T - k
            strip = TokenStrip(t.pieces[first:], t.tokens[first:], size=style.BODY_SIZE,
                               max_width=PANEL_W - 1.0, max_height=1.2, theme=self.theme)
            if strip.n_rows == 1:
                return strip, first
        return strip, first

    def show_vectors(self):
        t = self.trace
        k = min(self.T, MAX_VECTORS)
        em = font_em(style.SMALL_SIZE)
        shape = text_image(f"{self.T} × {self.d}", style.BODY_SIZE, theme=self.theme)
        shape_note = self.muted(f"{self.T} token{'s' if self.T > 1 else ''},\n{self.d} numbers\neach")
        Group(shape, shape_note).arrange(DOWN, buff=0.15, aligned_edge=LEFT)
        while True:       # the last k tokens, k as large as fits
            first = self.T - k
            # the row, its "…" before it and the shape beside it, within the frame's margins
            room_w = FRAME_W - 0.6 - Group(shape, shape_note).width - 0.5 - (0.8 if first > 0 else 0.0)

            def vectors(gap: float) -> VectorArray:
                return VectorArray(t["blocks.0.hook_resid_pre"][first:], t.pieces[first:],
                                   max_entries=ENTRIES, max_vectors=k, gap=gap,
                                   max_width=min(PANEL_W - 1.5, room_w), theme=self.theme)
            # each token's whole name under its vector: the vectors move apart for a long one
            # (up to MAX_VECTOR_GAP; a longer one is cut at the end, the notes give it whole)
            row = vectors(VECTOR_GAP)
            need = max(text_width(show_piece(p), em, mono=True) for p in t.pieces[first:])
            room = row.vectors[0].body.width + VECTOR_GAP - 0.08
            if need > room:
                row = vectors(min(MAX_VECTOR_GAP, VECTOR_GAP + need - room + 0.02))
            if row.n_shown == k or k == 1:
                break
            k -= 1
        for j in range(row.n_shown):
            self.record_block("blocks.0.hook_resid_pre", row.shown[j], (first + j,))
        for extra in (row.shape_text, row.dots):
            if extra is not None:
                row.remove(extra)
        head = self.muted("token embedding + position embedding: one vector per token")
        head.move_to([0, self.panel_top - head.height / 2, 0])
        row.next_to(head, DOWN, buff=0.22)
        Group(shape, shape_note).next_to(row, RIGHT, buff=0.5).align_to(row, UP)
        parts = [head, row]
        dots = None
        if first > 0:
            dots = self.muted("…", style.BODY_SIZE).next_to(row.vectors[0].body, LEFT, buff=0.25)
            parts.append(dots)
        Group(*parts[1:], shape, shape_note).set_x(0)
        last = row.vectors[-1].body
        box = SurroundingRectangle(last, color=self.theme.chosen, buff=0.06, stroke_width=4)

        # the tokens become the vectors: the strip's other parts go as the dot reaches "embed",
        # then each token's box grows into its vector's column and its text drops to the label
        dot_moves = self.travel(self.legs()[:1])
        self.add(self.dot)
        going, morphs = self.tokens_to_vectors(row, first, dots)
        self.move_marker("embed", *dot_moves, *[FadeOut(m) for m in going], FadeIn(head), run_time=0.6)
        self.remove(self.dot)
        self.say(f"Each token becomes a vector of {self.d} numbers: its embedding plus its "
                 "position's. This grid of numbers is what flows through the network.", 5.0)
        self.play(*morphs, run_time=1.4)
        self.panel = Group(*parts, box, shape, shape_note)
        self.play(FadeIn(shape), FadeIn(shape_note), run_time=0.5)
        self.wait(2.9)
        self.play(Create(box), run_time=0.5)
        self.say(f"We follow the last one, {self.spoken}: it will predict the next token.", 3.0)
        self.wait(3.0)
        self.pause(f"{article(self.T)} {self.T} by {self.d} array of real numbers, data, so drawn grey. The last "
                   "token's vector, boxed, is the one whose final state gives the prediction.")

    def tokens_to_vectors(self, row, first: int, dots):
        """What leaves and what morphs when the token strip turns into the vector ``row`` (whose
        first vector is token ``first``; ``dots`` its "…" or None): ``(going, morphs)``.

        A token drawn in both has its box turned into its vector's column (``FadeTransform``:
        the column grows out of the box) and its text moved down into the vector's label; the
        line of text, the arrow, the ids, the count and the tokens without a vector leave; a
        vector whose token the strip did not show fades in. The strip's groups are taken apart
        on the scene first, so each part leaves or morphs on its own."""
        shown = self.tokens_shown
        strip, s0 = shown["strip"], shown["first"]
        self.remove(self.panel)
        loose = [shown["line"], shown["arrow"], shown["note"], *strip.boxes, *strip.piece_images,
                 *strip.id_images] + ([shown["dots"]] if shown["dots"] is not None else [])
        self.add(*loose)
        morphs, kept = [], set()
        for j, vec in enumerate(row.vectors):
            s = first + j - s0                     # this token's place in the strip
            if 0 <= s < strip.n_tokens:
                kept.update({id(strip.boxes[s]), id(strip.piece_images[s])})
                morphs.append(FadeTransform(strip.boxes[s], vec.body))
                morphs.append(FadeTransform(strip.piece_images[s], vec.label_image, stretch=False))
            else:
                morphs.append(FadeIn(vec, shift=DOWN * 0.2))
        if dots is not None and shown["dots"] is not None:
            kept.add(id(shown["dots"]))
            morphs.append(FadeTransform(shown["dots"], dots, stretch=False))
        elif dots is not None:
            morphs.append(FadeIn(dots))
        going = [m for m in loose if id(m) not in kept]
        return going, morphs

    def show_layers(self):
        t = self.trace
        self.clear_panel()
        layers = shown_layers(self.L)
        stages = ["blocks.0.hook_resid_pre"] + [f"blocks.{i}.hook_resid_post" for i in layers]
        names = ["start"] + [str(i + 1) for i in layers]
        values = np.array([t[s][self.last] for s in stages])
        row = VectorArray(values, names, max_entries=LAYER_ENTRIES, max_vectors=len(stages),
                          max_width=PANEL_W, theme=self.theme)
        for k, s in enumerate(stages[: row.n_shown]):
            self.record_block(s, row.shown[k], (self.last,))
        for extra in (row.shape_text, row.dots):
            if extra is not None:
                row.remove(extra)
        head = self.muted(f"the last token's vector, “{self.who}”{self.byte_of()}, after each layer")
        head.move_to([0, self.panel_top - head.height / 2, 0])
        row.next_to(head, DOWN, buff=0.22).set_x(0)
        axis = self.muted("after layer").next_to(row, DOWN, buff=0.1)
        axis.set_x(Group(*row.vectors[1:]).get_center()[0] if len(row.vectors) > 1 else 0)
        note = self.muted(f"every layer reads {self.T} × {self.d} numbers and writes {self.T} × {self.d}")
        note.next_to(axis, DOWN, buff=0.2).set_x(0)
        self.panel = Group(head, row, axis, note)

        legs = self.legs()
        self.add(self.dot)
        self.move_marker("repeat", *self.travel(legs[1:2]), FadeIn(head), FadeIn(row.vectors[0]),
                         run_time=0.6)
        self.say(f"Then {self.L} times over: attention, where the vectors exchange information, "
                 "then an MLP, which works on each vector alone.", 5.0)
        passes = legs[2: 2 + 2 * self.L - 1]            # attn→mlp, back, attn→mlp, ...
        shown = dict(zip(layers, row.vectors[1:]))
        for i in range(self.L):       # one play per layer: back round the loop, through the pair
            leg = passes[2 * i: 2 * i + 1] if i == 0 else passes[2 * i - 1: 2 * i + 1]
            moves = Succession(*self.travel(leg, step_time=0.45 if i == 0 else 0.35))
            if i in shown:            # the new vector fades in as the dot reaches the MLP
                late = lambda a, n=len(leg): smooth(max(0.0, n * a - (n - 1)))
                self.play(moves, FadeIn(shown[i], shift=RIGHT * 0.2, rate_func=late))
            else:
                self.play(moves)
        self.play(FadeOut(self.dot), FadeIn(axis), FadeIn(note), run_time=0.4)
        self.say("The shape never changes; the numbers do. The same vector, layer after layer.", 4.0)
        self.wait(4.0)
        self.pause(f"{self.L} blocks of attention then MLP. The array keeps its shape, {self.T} by "
                   f"{self.d}, but each block adds to every vector: see the last token's numbers change.")

    @staticmethod
    def make_room(vec_head, vec, bars, label_w: float, edge: float = 6.85):
        """Spread the output panel so the arrow between ``vec`` and ``bars`` is at least as long
        as its label (``label_w`` units, plus 0.3 either side): long next-token names push the
        bars right, up to ``edge`` (the highlight's margin kept), then the vector left."""
        gap = bars.labels.get_left()[0] - vec.body.get_right()[0]
        short = label_w + 0.2 + 0.6 - gap
        if short <= 0:
            return
        right = max(0.0, min(short, edge - 0.1 - bars.percents.get_right()[0]))
        bars.shift(RIGHT * right)
        left = max(0.0, min(short - right, vec_head.get_left()[0] + edge))
        Group(vec_head, vec).shift(LEFT * left)

    def show_output(self):
        t = self.trace
        self.clear_panel()
        legs = self.legs()
        self.add(self.dot)
        self.move_marker("unembed", *self.travel(legs[-2:-1]), run_time=0.6)
        self.remove(self.dot)
        vec = DataVector(t["ln_final.hook_normalized"][self.last], label=t.pieces[self.last],
                         max_entries=ENTRIES, label_width=2.6, theme=self.theme)
        self.record_block("ln_final.hook_normalized", vec.shown, (self.last,))
        vec_head = self.muted("last vector, normalised")
        vec_head.move_to([-4.4, self.panel_top - vec_head.height / 2, 0])
        vec.shift(vec_head.get_bottom() + DOWN * 0.2 - vec.body.get_top())

        probs = model.softmax(t["logits"][self.last], 1.0)
        top, pieces = self.top_tokens(probs, TOP_K)
        for k in top:
            self.record("logits", (self.last, k), probs[k], derivations.softmax(T=1))
        bars = ProbabilityBars(pieces, probs[top], max_width=3.0, row_height=0.56, label_width=BAR_LABEL_W,
                               full=float(probs[top[0]]), theme=self.theme)
        bars.shift([2.0 - bars.bars[0].get_left()[0], vec.body.get_top()[1] - 0.28 - bars.bars[0].get_y(), 0])
        self.make_room(vec_head, vec, bars, self.muted(f"× W_U:\n{self.n_vocab:,} scores").width)
        bars_head = self.muted("next token, at T = 1").align_to(vec_head, UP).set_x(bars.get_center()[0])
        left, right = vec.body.get_right()[0] + 0.3, bars.labels.get_left()[0] - 0.3
        y = vec.body.get_center()[1]
        arrow = Arrow([left, y, 0], [right, y, 0], buff=0, color=self.theme.muted, stroke_width=3,
                      max_tip_length_to_length_ratio=0.1)
        scores = self.muted(f"× W_U: {self.n_vocab:,} scores")
        if scores.width > right - left + 0.2:     # a long bar label leaves a short arrow
            scores = self.muted(f"× W_U:\n{self.n_vocab:,} scores")
        how = Group(scores.next_to(arrow, UP, buff=0.15),
                    self.muted("softmax").next_to(arrow, DOWN, buff=0.15))
        rest = self.record("logits", (self.last,), 1.0 - float(np.sort(probs)[::-1][:TOP_K].sum()),
                           derivations.softmax_outside_top(T=1, k=TOP_K))
        other = self.muted(f"the other {self.n_vocab - TOP_K:,} tokens: {percent(rest)}")
        other.next_to(bars, DOWN, buff=0.3).align_to(bars.labels, LEFT)
        # the likeliest token, outlined in the text colour: orange is for the token the film
        # follows (the boxed vector) and for sampled tokens, and this one is neither
        pick = bars.highlight(0).set_stroke(color=self.theme.text)

        self.play(FadeIn(vec_head), FadeIn(vec, shift=DOWN * 0.2), run_time=0.6)
        self.say(f"After the last layer, only the last vector is used: normalised, then scored "
                 f"against each of the {self.n_vocab:,} tokens.", 5.0)
        self.wait(2.5)
        self.add(self.dot)
        self.move_marker("probs", *self.travel(legs[-1:]), FadeIn(arrow), FadeIn(how), run_time=0.6)
        self.remove(self.dot)
        self.play(FadeIn(bars_head), FadeIn(bars, shift=RIGHT * 0.2), run_time=0.8)
        self.play(FadeIn(other), Create(pick), run_time=0.6)
        best = f"“{show_piece(pieces[0].strip() or pieces[0])}”"
        self.say(f"Softmax turns the scores into probabilities: {best} is the most likely next "
                 f"token, at {percent(float(probs[top[0]]))}.", 5.0)
        self.wait(5.0)
        self.pause("One distribution over the whole vocabulary, from the last token's vector. The "
                   "next scenes open each box: tokens, embeddings, attention, the MLP, the output.")
