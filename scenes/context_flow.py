"""Beat 9: vectors absorb context — one token's vector after every layer, read from the residual stream."""
from __future__ import annotations

import numpy as np
from manim import DOWN, UL, Create, FadeIn, FadeOut, Group, Write

from model.atlas import cosine

from . import derivations, style
from .base import ExplainerScene
from .components import TokenStrip, VectorArray, label, show_piece
from .components.raster import Canvas, font_em, shorten
from .components.vectors import contrast_text

MAX_STRIP = 12       # tokens shown in the strip (the last ones)
MAX_EARLIER = 8      # earlier tokens compared in the similarity grid
ENTRIES = 4          # numbers shown per vector
MAX_ROWS = 7         # rows of the similarity grid that fit the frame (start + 6 layers)


def spread(n: int, k: int) -> list[int]:
    """At most ``k`` of the indices 0..n-1: the first, the last, and evenly between."""
    return list(range(n)) if n <= k else sorted({int(round(i)) for i in np.linspace(0, n - 1, k)})


class ContextFlow(ExplainerScene):
    description = "one token's vector after every layer: it moves away from its embedding, toward its context"

    def construct(self):
        n_layer = self.trace.config["n_layer"]
        self.pos = len(self.trace.tokens) - 1
        self.stages = ["blocks.0.hook_resid_pre"] + [f"blocks.{i}.hook_resid_post" for i in range(n_layer)]
        self.names = ["start"] + [str(i + 1) for i in range(n_layer)]
        self.show_token()
        self.show_vectors()
        self.show_drift()
        self.show_neighbours()

    # --- steps ---------------------------------------------------------------------------------
    def show_token(self):
        self.title = label("Vectors absorb context", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        first = max(0, len(self.trace.tokens) - MAX_STRIP)
        self.strip_first = first
        strip = TokenStrip(self.trace.pieces[first:], self.trace.tokens[first:], size=style.SMALL_SIZE,
                           max_width=12.8, max_height=1.3, show_ids=False, theme=self.theme)
        strip.next_to(self.title, DOWN, buff=0.3).set_x(0)
        self.strip = strip
        box = strip.highlight(self.pos - first)
        self.play(Write(self.title), FadeIn(strip), run_time=0.8)
        self.play(Create(box), run_time=0.5)
        self.say(f"Follow one token, {self.trace.pieces[self.pos].strip() or 'the last'!r}, through the "
                 f"{len(self.stages) - 1} layers.", 3.5)
        self.wait(3.0)
        self.head = Group(self.title, strip, box)
        self.pause("We follow the last token's vector: the one whose final state predicts the next token.")

    def show_vectors(self):
        stages, names = self.stages, self.names
        while True:   # as many stages as fit side by side: the start, the last, evenly between
            values = np.array([self.trace[s][self.pos] for s in stages])
            row = VectorArray(values, names, max_entries=ENTRIES, max_vectors=len(stages), max_width=12.8,
                              theme=self.theme)
            if row.n_shown == len(stages):
                break
            pick = spread(len(self.stages), row.n_shown)
            stages, names = [self.stages[i] for i in pick], [self.names[i] for i in pick]
        for k, s in enumerate(stages):
            self.record_block(s, row.shown[k], (self.pos,))
        if row.shape_text is not None:
            row.remove(row.shape_text)
        row.next_to(self.strip, DOWN, buff=0.6).set_x(0)
        axis = label("after layer", style.SMALL_SIZE, color=self.theme.muted)
        axis.next_to(row, DOWN, buff=0.15)
        for k, vec in enumerate(row.vectors):
            self.play(FadeIn(vec, shift=0.2 * np.array([1, 0, 0])), run_time=0.5 if k < 2 else 0.3)
        self.play(FadeIn(axis), run_time=0.3)
        self.say("Each layer adds something to the vector: attention brings in the other tokens, "
                 "the MLP adds what it knows.", 4.5)
        self.wait(4.5)
        self.pause("The residual stream: the same token's vector after each layer. The numbers "
                   "change, and grow, as every block adds its output.")
        self.vectors = Group(row, axis)

    def show_drift(self):
        """Cosine similarity of the vector after each layer with where it started."""
        start = self.stages[0]
        sims = [self.record(s, (self.pos,), cosine(self.trace[s][self.pos], self.trace[start][self.pos]),
                            derivations.cosine_with(start)) for s in self.stages]
        chart = self.line_chart(sims)
        chart.next_to(self.strip, DOWN, buff=0.45).set_x(0)
        self.play(FadeOut(self.vectors), run_time=0.4)
        self.play(FadeIn(chart), run_time=0.8)
        self.say(f"Compared with where it started, the vector keeps turning away: its cosine "
                 f"similarity falls from 1 to {sims[-1]:.2f}.", 4.5)
        self.wait(4.5)
        self.pause("Cosine similarity 1 means the same direction. After the first layer the token's "
                   "vector already points somewhere new: it now carries context, not just the word.")
        self.chart = chart

    def line_chart(self, sims: list[float]):
        th = self.theme
        em = font_em(style.SMALL_SIZE)
        w, h = 10.0, 4.3
        left, top, bottom = 1.3, 0.95, 0.75
        c = Canvas(w, h)
        pw, ph = w - left - 0.9, h - top - bottom

        def xy(k, v):
            return left + pw * k / (len(sims) - 1), top + ph * (1 - v)

        for v in (0.0, 0.5, 1.0):
            c.line([xy(0, v), xy(len(sims) - 1, v)], th.neutral, 0.015)
            c.text(left - 0.15, xy(0, v)[1], f"{v:.1f}", em, th.muted, anchor="rm", mono=False)
        for k, name in enumerate(self.names):
            c.text(xy(k, 0)[0], h - bottom + 0.35, name, em, th.muted, mono=False)
        points = [xy(k, max(0.0, min(1.0, v))) for k, v in enumerate(sims)]
        c.line(points, th.text, 0.04)
        for (x, y), v in zip(points, sims):
            c.ellipse(x, y, 0.07, th.text)
            c.text(x + 0.08, y - 0.3, f"{v:.2f}", em, th.text, anchor="lm", mono=False)
        c.text(left + pw / 2, 0.2, "cosine similarity with its starting vector", em, th.text, mono=False)
        return c.mobject()

    def show_neighbours(self):
        """Cosine similarity with each earlier token's vector, at every layer: one grid."""
        first = max(0, self.pos - MAX_EARLIER)
        earlier = list(range(first, self.pos))
        if not earlier:
            note = label("a one-token prompt has no earlier tokens to take context from",
                         style.SMALL_SIZE, color=self.theme.muted).to_edge(DOWN, buff=0.6)
            self.play(FadeIn(note), run_time=0.5)
            self.say("With a single token there is no context to absorb: only the blocks' own additions.", 4.0)
            self.wait(4.0)
            self.pause("Try a longer prompt to see the vector take in its neighbours.")
            return
        rows = spread(len(self.stages), MAX_ROWS)      # a deep model shows some of its layers
        names = [self.names[i] for i in rows]
        grid = np.array([[self.record(s, (self.pos,), cosine(self.trace[s][self.pos], self.trace[s][q]),
                                      derivations.cosine_with_position(q)) for q in earlier]
                         for s in (self.stages[i] for i in rows)])
        image = self.similarity_grid(grid, earlier, names)
        image.next_to(self.strip, DOWN, buff=0.35).set_x(0)
        self.play(FadeOut(self.chart), run_time=0.4)
        self.play(FadeIn(image), run_time=0.8)
        mid = int(np.argmax(grid.mean(axis=1)))
        self.say(f"Meanwhile it grows more like the earlier tokens' vectors, most after layer "
                 f"{names[mid]}: it has taken in its context.", 5.0)
        self.wait(5.0)
        self.pause(f"Each row is a layer, each column an earlier token; {style.data_shading(self.theme)} means more similar. "
                   "Attention has mixed the neighbours' information into this vector.")

    def similarity_grid(self, grid: np.ndarray, earlier: list[int], names: list[str]):
        th = self.theme
        em = font_em(style.SMALL_SIZE)
        n_rows, n_cols = grid.shape
        cw, ch, left, top = 1.3, 0.5, 1.7, 0.85
        c = Canvas(left + n_cols * cw + 0.1, top + n_rows * ch + 0.05)
        vmax = max(float(np.abs(grid).max()), 1e-6)
        c.text(left + n_cols * cw / 2, 0.2, "cosine similarity with earlier tokens", em, th.text, mono=False)
        for j, q in enumerate(earlier):
            c.text(left + (j + 0.5) * cw, top - 0.22, shorten(show_piece(self.trace.pieces[q]), cw - 0.05, em, mono=True),
                   em, th.text)
        for i, name in enumerate(names):
            y = top + (i + 0.5) * ch
            c.text(left - 0.15, y, "start" if i == 0 else f"layer {name}", em, th.muted, anchor="rm", mono=False)
            for j in range(n_cols):
                fill = style.data_color(float(grid[i, j]), vmax, self.theme)
                x0 = left + j * cw
                c.rect(x0 + 0.03, top + i * ch + 0.03, x0 + cw - 0.03, top + (i + 1) * ch - 0.03, fill)
                c.text(x0 + cw / 2, y, f"{grid[i, j]:+.2f}", em, contrast_text(fill, theme=self.theme))
        return c.mobject()
