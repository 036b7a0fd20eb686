"""Beat 11: attention — queries and keys, their scaled dot products, the causal mask, softmax down
each query's column, and the weighted sum of values added back to the vectors: one real head.

Which head and which query token are followed is measured on the prompt's own trace
(``scenes.attention_reading.choose_focus``): the strongest attention weight from a token to an
earlier one that is neither the first token nor the token just before it (that one only when no
look further back reaches 40 %). ``--layer``/``--head``/``--token`` fix any of the three; the rest
is measured the same way. What the followed token attends to is said from its weights
(``read_row``): the keys it weighs most, with their weights; that much of the attention rests on
the first token when it is 30 % or more; "the token just before it" or "a name" only when the
numbers show it on this prompt. Layers and heads are numbered from 1 on screen (layer L, head H
is ``blocks.{L-1}``, head index ``H-1`` in the provenance file)."""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UL, UP, UR, Arrow, Create, FadeIn, FadeOut, Group, Rectangle,
                   SurroundingRectangle, Transform, VGroup, Write)

import model

from . import style
from .attention_reading import FIRST_SHARE, choose_focus, read_row
from .base import ExplainerScene
from .components import AttentionGrid, DataVector, VectorArray, WeightMatrix, label, percent
from .components.attention_parts import RoleVector, ScoreGrid, grid_label_width
from .components.raster import font_em, shorten, text_width
from .components.text import show_piece
from .components.vectors import BRACKET, PAD, fmt, label_image
from .token_names import continued, told_apart

MAX_VECTORS = 8       # token vectors side by side (fewer if they do not fit)
GRID_MAX = 12         # tokens in the score grid: the last ones of a longer prompt
CELL_MAX = 1.0        # the grid's cells never grow past this (a one-token grid stays small)
GRID_MIN = 1.4        # ... and the grid never shrinks below this (room for its "query →")
TOP_KEYS = 3          # keys whose values are summed on screen
ROW_GAP_MAX = 0.9     # the widest gap between the row's vectors (room for a ~10-character token)
NAME_X = -6.85        # left edge of the row names
ROW_X = -5.2          # left edge of the first vector in a row
GRID_BOX = (-0.55, 6.95, -3.75, 3.8)   # where the grid may go: x0, x1, y0, y1
PANEL_X = -6.8        # left edge of the explanations beside the grid
HEADS_BOX = (-6.9, 1.9, -3.9, 3.05)    # where the small grids of every head go
HEADS_GAP = 0.25


def heads_layout(n_head: int) -> tuple[int, float]:
    """Rows of small grids, and their size, that make each head's grid as big as HEADS_BOX allows."""
    x0, x1, y0, y1 = HEADS_BOX
    best = (1, 0.0)
    for rows in range(1, 5):
        cols = -(-n_head // rows)
        size = min((x1 - x0 + HEADS_GAP) / cols - HEADS_GAP - 0.55,
                   (y1 - y0 + HEADS_GAP) / rows - HEADS_GAP - 0.55 - 0.5)   # 0.5: the "head h" tag
        if size > best[1]:
            best = (rows, min(size, 3.0))
    return best


class Attention(ExplainerScene):
    description = "queries · keys → scores, causal mask, softmax per query, values summed back: one real head"

    def construct(self):
        self.choose_head()
        self.show_vectors()
        self.show_w_q()
        self.show_queries_keys()
        self.show_scores()
        self.show_mask()
        self.show_softmax()
        self.show_values()
        self.show_all_heads()

    # --- which head, which tokens ----------------------------------------------------------------
    def choose_head(self):
        """The user's layer/head/token, the rest measured on this prompt (``choose_focus``; see the
        module's docstring). Raises ValueError when the context's layer, head or token is out of
        the model's or the prompt's range."""
        cfg, s = self.trace.config, self.context
        s.check_layer_head(cfg)
        self.T = len(self.trace.tokens)
        s.check_token(self.T)
        patterns = np.stack([self.trace[f"blocks.{i}.attn.hook_pattern"] for i in range(cfg["n_layer"])])
        whole = [name.startswith("“") for name in self.spoken_tokens()]   # not a byte of a character
        self.focus = choose_focus(patterns, s.layer_index, s.head_index, s.token_index,
                                  first_query=self.T - min(self.T, GRID_MAX), whole=whole)
        self.L, self.H, self.q = self.focus.layer, self.focus.head, self.focus.query
        # the drawn tokens end at the followed one when it lies before the last GRID_MAX
        self.end = self.T if self.q >= self.T - GRID_MAX else self.q + 1
        self.gs = self.end - min(self.end, GRID_MAX)          # the grid's first token
        self.d_head = cfg["d_head"]
        self.pattern = self.trace[f"blocks.{self.L}.attn.hook_pattern"][self.H]
        self.raw_scores = self.trace[f"blocks.{self.L}.attn.hook_attn_scores_unmasked"][self.H]
        self.scores = self.trace[f"blocks.{self.L}.attn.hook_attn_scores"][self.H]   # -inf: key > query
        self.names = self.said_names()
        self.reading = read_row(self.trace.pieces, self.pattern[self.q], self.q, self.names)
        self.top = [k for k, _ in self.reading.top]
        self.q_said = self.names[self.q]

    def said_names(self) -> list[str]:
        """Each token as the sentences name it: readable for a byte of a character, with its
        position when another visible token sounds the same (“he” #6), and "(not in the grid)"
        for a key before the drawn grid's first token."""
        names = told_apart(self.spoken_tokens(), upto=self.q)
        return [f"{n} (not in the grid)" if k < self.gs else n for k, n in enumerate(names)]

    def hook(self, name: str) -> str:
        return f"blocks.{self.L}.{name}"

    def record_window(self, hook: str, head: int, block, skip_masked: bool = False) -> None:
        """Record a drawn [query, key] block of the grid's tokens: ``hook[head, gs + q, gs + k]``."""
        for (q, k), v in np.ndenumerate(np.asarray(block)):
            if not (skip_masked and k > q):   # a masked cell shows −∞, not its score
                self.record(self.hook(hook), (head, self.gs + q, self.gs + k), v)

    def key_name(self, k: int, numbered: bool = False) -> str:
        """A key's token as shown (at most ~10 characters), with its position when it occurs twice
        (or ``numbered``)."""
        text = shorten(show_piece(self.trace.pieces[k]), 2.2, font_em(style.SMALL_SIZE), mono=True)
        if numbered or self.trace.pieces.count(self.trace.pieces[k]) > 1:
            text += f" #{k + 1}"   # its position counted from 1, as "token n of T" and --token
        return text

    def row_name(self, name: str, subs: list[str], top: float, color) -> VGroup:
        """A row's name in its colour, then short muted lines, in the column left of the row."""
        room = ROW_X - NAME_X - 0.1
        lines = [label(shorten(name, room, font_em(style.SMALL_SIZE)), style.SMALL_SIZE, color=color, theme=self.theme)]
        lines += [label(sub, style.SMALL_SIZE, color=self.theme.muted) for sub in subs]
        group = VGroup(*lines).arrange(DOWN, aligned_edge=LEFT, buff=0.1)
        return group.move_to([NAME_X, top - 0.02, 0], aligned_edge=UL)

    # --- 1. the tokens' vectors ------------------------------------------------------------------
    def show_vectors(self):
        t, th = self.trace, self.theme
        self.title = label("Attention", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        self.subtitle = label(f"layer {self.L + 1} · head {self.H + 1}", style.BODY_SIZE, color=th.muted)
        self.subtitle.next_to(self.title, RIGHT, buff=0.4).align_to(self.title, DOWN)
        x_all = t[self.hook("ln1.hook_normalized")]
        n = min(self.end, MAX_VECTORS)
        while True:   # as many of the last drawn tokens as fit side by side, whole labels if they can
            # the followed token is drawn; an early one with the first n tokens, never fewer
            row_end = self.end if self.q >= self.end - n else max(self.q + 1, n)
            start = row_end - n
            row = VectorArray(x_all[start:row_end], t.pieces[start:row_end], max_entries=3, max_vectors=n,
                              max_width=6.95 - ROW_X, gap=self.row_gap(x_all[start:row_end], t.pieces[start:row_end]),
                              theme=self.theme)
            if row.n_shown == n:
                break
            n -= 1
        self.row_end = row_end
        if row.shape_text is not None:
            row.remove(row.shape_text)
        row.shift([ROW_X, 2.85, 0] - row.vectors[0].body.get_corner(UL))
        for j, vec in enumerate(row.vectors):
            self.record_block(self.hook("ln1.hook_normalized"), vec.shown, (start + j,))
        self.start, self.x_row = start, row
        self.x_name = self.row_name("x", [str(t.config["d_model"]), "numbers"], 2.85, th.text)
        self.window_note = None
        if start > 0 or row_end < self.T:
            if row_end == self.T:
                self.window_note = label(self.window_text(start, n, row_end), style.SMALL_SIZE, color=th.muted)
                self.window_note.to_corner(UR, buff=0.35).align_to(self.title, DOWN)
            else:   # "tokens a–b" over "of T": narrow enough to leave the corner counter its room
                self.window_note = VGroup(label(f"tokens {start + 1}–{row_end}", style.SMALL_SIZE, color=th.muted),
                                          label(f"of {self.T}", style.SMALL_SIZE, color=th.muted))
                self.window_note.arrange(DOWN, aligned_edge=RIGHT, buff=0.12).to_corner(UR, buff=0.35)
        self.play(Write(self.title), FadeIn(self.subtitle), run_time=0.7)
        self.play(FadeIn(row, lag_ratio=0.1), FadeIn(self.x_name),
                  *([FadeIn(self.window_note)] if self.window_note else []), run_time=1.0)
        self.say("Attention lets each token's vector take in information from the tokens before it.", 3.5)
        self.wait(2.5)
        self.pause("Here are the vectors entering the attention block of layer "
                   f"{self.L + 1}, each normalised first (LayerNorm). Grey: data. We follow head "
                   f"{self.H + 1} and the token {self.spoken_token(self.q)} (token {self.q + 1} of {self.T}): "
                   + self.choice_words())

    def window_text(self, start: int, n: int, end: int) -> str:
        """The drawn tokens ``start`` … ``end - 1`` (``n`` of them) among the prompt's."""
        if end == self.T:
            return f"last {n} of {self.T} tokens"
        return f"tokens {start + 1}–{end} of {self.T}"

    def row_gap(self, x, pieces: list[str]) -> float:
        """The gap between the row's vectors that gives every token label its whole width, at
        least VectorArray's 0.18 and at most ROW_GAP_MAX units (a longer token is cut)."""
        em = font_em(style.SMALL_SIZE)
        vec_w = max(text_width(fmt(v, 2), em) for v in np.asarray(x)[:, :3].ravel()) + 2 * PAD + 2 * BRACKET
        need = max(text_width(show_piece(p), em, mono=True) for p in pieces) + 0.06 - vec_w
        return min(max(0.18, need + 0.02), ROW_GAP_MAX)

    def choice_words(self) -> str:
        """Why this head and token, in the teacher's words (what was given, what was measured)."""
        s, f = self.context, self.focus
        given = [w for w, v in (("layer", s.layer), ("head", s.head), ("token", s.token)) if v is not None]
        if f.key is None:
            return ("the prompt has no token between the first one and this one to look back at."
                    if not given else f"{' and '.join(given)} as chosen.")
        what = (f"of every head and token, this one looks back hardest: {100 * f.weight:.0f}% of its "
                f"attention on {told_apart(self.spoken_tokens(), upto=f.query)[f.key]}, an earlier token that is not the first")
        if given:
            what = f"{' and '.join(given)} as chosen; for the rest, " + what
        return what + " (measured on this prompt)."

    # --- 2. W_Q, once ----------------------------------------------------------------------------
    def show_w_q(self):
        th = self.theme
        w_q = model.weights(self.context.checkpoint)[self.hook("attn.W_Q")][self.H]   # [d_model, d_head]
        mat = WeightMatrix(w_q.T, max_rows=5, max_cols=6, theme=self.theme)
        for (i, j), v in np.ndenumerate(mat.shown):       # shown[i, j] is W_Q[H][j, i]
            self.record(self.hook("attn.W_Q"), (self.H, j, i), v)
        mat.move_to([ROW_X, -0.3, 0], aligned_edge=UL)
        words = VGroup(label(f"W_Q of head {self.H + 1}", style.BODY_SIZE, theme=self.theme),
                       label("learned weights:", style.SMALL_SIZE, color=th.muted),
                       label("blue +, red −", style.SMALL_SIZE, color=th.muted))
        words.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        words.next_to(mat.image, RIGHT, buff=0.4).align_to(mat.image, UP)
        self.q_name = self.row_name("query", ["W_Q·x", "+ b_Q"], -0.15, th.query)
        self.w_q = Group(mat, words)
        self.play(FadeIn(self.w_q), FadeIn(self.q_name), run_time=0.9)
        # the top-right corner holds "last n of T tokens" on a long prompt: the counter sits left of it
        self.count_parameters("W_Q", self.window_note.get_left()[0] - 0.3 if self.window_note else None)
        self.say(f"Each head has its own learned matrix W_Q, {self.d_head} rows by "
                 f"{self.trace.config['d_model']} columns.", 3.5)
        self.wait(2.5)
        self.pause("W_Q is a real corner of this head's query matrix: weights, so blue and red. "
                   "Times a token's vector (plus a bias) it gives that token's query.")

    # --- 3. queries and keys ---------------------------------------------------------------------
    def role_row(self, hook: str, color, top: float) -> Group:
        data = self.trace[self.hook(hook)][self.start: self.start + len(self.x_row.vectors), self.H]
        vmax = float(np.abs(data).max()) or 1.0
        row = Group()
        for j, x_vec in enumerate(self.x_row.vectors):
            vec = RoleVector(data[j], color, max_entries=2, vmax=vmax, theme=self.theme)
            vec.move_to([x_vec.body.get_center()[0], top, 0], aligned_edge=UP)
            self.record_block(self.hook(hook), vec.shown, (self.start + j, self.H))
            row.add(vec)
        return row

    def show_queries_keys(self):
        th = self.theme
        self.q_row = self.role_row("attn.hook_q", th.query, -0.15)
        self.play(FadeOut(self.w_q, shift=DOWN * 0.3), FadeIn(self.q_row, shift=DOWN * 0.3, lag_ratio=0.1),
                  run_time=1.0)
        self.say("The query: what this token is looking for.", 2.5)
        self.wait(1.5)
        self.k_row = self.role_row("attn.hook_k", th.key, -2.1)
        self.k_name = self.row_name("key", ["W_K·x", "+ b_K"], -2.1, th.key)
        self.play(FadeIn(self.k_row, shift=DOWN * 0.3, lag_ratio=0.1), FadeIn(self.k_name), run_time=1.0)
        self.count_parameters("W_K")
        self.say("Another matrix, W_K, gives each token a key: what it has to offer.", 3.0)
        self.wait(2.5)
        self.pause(f"Every token gets a query and a key, {self.d_head} numbers each, from this head's "
                   "W_Q and W_K. A query asks, a key answers: where they align, attention flows.")

    # --- 4. the grid of scaled dot products ------------------------------------------------------
    def grid_layout(self):
        n = min(self.end, GRID_MAX)
        self.gs = self.end - n                      # first token of the grid (it ends at self.end)
        self.glabels = self.trace.pieces[self.gs:self.end]
        self.glw = grid_label_width(self.glabels)
        _, _, y0, y1 = GRID_BOX
        self.gsize = max(GRID_MIN, min(y1 - y0 - self.glw - 0.55, n * CELL_MAX))
        self.gn = n

    def place_grid(self, grid):
        x0, x1, y0, y1 = GRID_BOX
        grid.move_to([(x0 + x1) / 2, (y0 + y1) / 2, 0])
        if grid.get_right()[0] > x1:
            grid.shift(LEFT * (grid.get_right()[0] - x1))
        return grid

    def score_grid(self, masked: bool) -> ScoreGrid:
        """The grid's scores (the last ``gn`` tokens): before the mask (``hook_attn_scores_unmasked``,
        every cell) or after it (``hook_attn_scores``, keys after the query drawn as −∞ and not
        recorded); every cell drawn as a number or a grey is recorded. The masked grid keeps the
        unmasked one's grey scale so the two blend in place."""
        if not masked:
            w = self.raw_scores[self.gs:self.end, self.gs:self.end]
            grid = ScoreGrid(w, self.glabels, self.gsize, self.glw, theme=self.theme)
            self.record_window("attn.hook_attn_scores_unmasked", self.H, w)
        else:
            w = self.scores[self.gs:self.end, self.gs:self.end]
            raw = self.grid
            grid = ScoreGrid(w, self.glabels, self.gsize, self.glw, masked=True, low=raw.low,
                             high=raw.high, numbers=raw.numbers, theme=self.theme)
            self.record_window("attn.hook_attn_scores", self.H, w, skip_masked=True)
        return self.place_grid(grid)

    def cell_rect(self, grid, q: int, k: int, color, rows: int = 1, halo: bool = False):
        """A frame around cell (q, k) of ``grid`` (``rows`` cells down); with ``halo`` a thin line
        of the background colour inside it, so the frame stands out on a cell of its own colour."""
        unit = grid.image.width / grid.canvas_size[0]
        box = Rectangle(width=grid.cell * unit, height=grid.cell * unit * rows, color=color,
                        stroke_width=4)
        top = grid.cell_center(q, k) + np.array([0, grid.cell * unit / 2, 0])
        box.move_to(top, aligned_edge=UP)
        if not halo:
            return box
        inner = Rectangle(width=box.width - 0.09, height=box.height - 0.09, color=self.theme.background,
                          stroke_width=3).move_to(box)
        return VGroup(inner, box)

    def panel(self, *lines, top: float = 2.6, buff: float = 0.25) -> VGroup:
        """Lines of text left of the grid (each short enough to fit its ~5.9 units)."""
        group = VGroup(*lines).arrange(DOWN, aligned_edge=LEFT, buff=buff)
        return group.move_to([PANEL_X, top, 0], aligned_edge=UL)

    def show_scores(self):
        th = self.theme
        self.grid_layout()
        self.grid = self.score_grid(masked=False)
        gq = self.q - self.gs
        window = self.pattern[self.q, self.gs:self.end]
        gk = int(np.argmax(window))                 # the key this query weighs most, in the grid
        k = self.gs + gk
        qv = self.trace[self.hook("attn.hook_q")][self.q, self.H]
        kv = self.trace[self.hook("attn.hook_k")][k, self.H]
        vmax = float(max(np.abs(qv).max(), np.abs(kv).max())) or 1.0
        q_vec = RoleVector(qv, th.query, 4, self.trace.pieces[self.q], vmax, label_width=2.3, theme=self.theme)
        k_vec = RoleVector(kv, th.key, 4, self.trace.pieces[k], vmax, label_width=2.3, theme=self.theme)
        self.record_block(self.hook("attn.hook_q"), q_vec.shown, (self.q, self.H))
        self.record_block(self.hook("attn.hook_k"), k_vec.shown, (k, self.H))
        score = self.record(self.hook("attn.hook_attn_scores_unmasked"), (self.H, self.q, k),
                            self.raw_scores[self.q, k])
        dot, div = label("·", style.BODY_SIZE, theme=self.theme), label(f"/ √{self.d_head}", style.BODY_SIZE, theme=self.theme)
        eq = label(f"= {score:.2f}", style.BODY_SIZE, color=th.text)
        demo = Group(q_vec, dot, k_vec, div, eq)
        q_vec.move_to([PANEL_X, 1.6, 0], aligned_edge=UL)
        dot.next_to(q_vec.body, RIGHT, buff=0.15)
        k_vec.next_to(dot, RIGHT, buff=0.15).align_to(q_vec, UP)
        overlap = q_vec.label_image.get_right()[0] + 0.2 - k_vec.label_image.get_left()[0]
        if overlap > 0:   # two long token labels: move the key (and what follows it) right
            k_vec.shift(RIGHT * overlap)
            dot.move_to([(q_vec.body.get_right()[0] + k_vec.body.get_left()[0]) / 2, dot.get_y(), 0])
        div.next_to(k_vec.body, RIGHT, buff=0.15)
        eq.next_to(div, DOWN, buff=0.25).align_to(div, LEFT)
        head = label("query · key / √d_head", style.BODY_SIZE,
                     t2c={"query": th.query, "key": th.key}, theme=self.theme)
        notes = [label(f"scaled by √d_head = √{self.d_head}", style.SMALL_SIZE, color=th.muted)]
        if not self.grid.numbers:
            notes.append(label(f"{style.data_shading(th)} cell = higher score", style.SMALL_SIZE, color=th.muted))
        if self.gs > 0 or self.end < self.T:
            notes.append(label(f"grid: {self.window_text(self.gs, self.gn, self.end)}", style.SMALL_SIZE, color=th.muted))
        top_text = self.panel(head, top=2.75)
        bottom = self.panel(*notes, top=demo.get_bottom()[1] - 0.35, buff=0.15)
        old = [self.x_row, self.x_name, self.q_row, self.q_name, self.k_row, self.k_name]
        old += [self.window_note] if self.window_note else []
        old += [self.parameter_counter] if getattr(self, "parameter_counter", None) else []   # the grid's corner
        self.play(*[FadeOut(m) for m in old], run_time=0.5)
        self.play(FadeIn(self.grid), FadeIn(top_text), FadeIn(demo), run_time=1.0)
        self.hl = self.cell_rect(self.grid, gq, gk, th.text, halo=True)
        self.play(Create(self.hl), FadeIn(bottom), run_time=0.6)
        self.say(f"Every query meets every key: a dot product, divided by the square root of "
                 f"{self.d_head} to keep the numbers tame.", 4.0)
        self.wait(3.0)
        self.pause(f"One score per (query, key) pair: the dot product of the two {self.d_head}-number "
                   f"vectors, divided by √{self.d_head}. Queries are columns, keys are rows. "
                   "A large score means this key answers this query well.")
        self.panel_items = [top_text, demo, bottom, self.hl]

    # --- 5. the causal mask ----------------------------------------------------------------------
    def show_mask(self):
        th = self.theme
        masked = self.score_grid(masked=True)
        lines = [label("The causal mask", style.BODY_SIZE, theme=self.theme),
                 label("a token may not look ahead:", style.SMALL_SIZE, color=th.muted),
                 label("key after query → −∞", style.SMALL_SIZE, color=th.text,
                       t2c={"key": th.key, "query": th.query})]
        if not masked.numbers:
            lines.append(label("(drawn as ×)", style.SMALL_SIZE, color=th.muted))
        if self.gn == 1:
            lines.append(label("(one token: nothing to hide)", style.SMALL_SIZE, color=th.muted))
        text = self.panel(*lines, top=2.75, buff=0.2)
        self.play(*[FadeOut(m) for m in self.panel_items], run_time=0.4)
        self.play(Transform(self.grid.image, masked.image), FadeIn(text), run_time=1.2)
        self.say("A token may not look at the tokens after it: those scores become minus infinity.", 3.5)
        self.wait(2.5)
        self.pause("While training, the model predicts every next token at once, so no position may "
                   "peek at the words it has to predict. Later keys get −∞ before the softmax.")
        self.panel_items = [text]

    # --- 6. softmax down each column -------------------------------------------------------------
    def show_softmax(self):
        th = self.theme
        window = self.pattern[self.gs:self.end, self.gs:self.end]
        self.record_window("attn.hook_pattern", self.H, window)
        attn = self.place_grid(AttentionGrid(window, self.glabels, self.gsize, self.glw, theme=self.theme))
        gq = self.q - self.gs
        column = self.cell_rect(attn, gq, 0, th.query, rows=self.gn)
        lines = [label("softmax down each column", style.BODY_SIZE, theme=self.theme),
                 label("weights ≥ 0 that add up to 1", style.SMALL_SIZE, color=th.muted),
                 label("(−∞ becomes exactly 0)", style.SMALL_SIZE, color=th.muted)]
        text = self.panel(*lines, top=2.75, buff=0.2)
        rows = [label(f"{shorten(show_piece(self.trace.pieces[self.q]), 3.0, font_em(style.SMALL_SIZE))} looks at:",
                      style.SMALL_SIZE, color=th.query)]
        for k in self.top:
            w = self.record(self.hook("attn.hook_pattern"), (self.H, self.q, k), self.pattern[self.q, k])
            pct = f"{percent(w):>6}"
            row = label(f"{pct}  {self.key_name(k, numbered=k < self.gs)}", style.SMALL_SIZE, mono=True,
                        theme=self.theme)
            row[len(pct.replace(" ", "")):].set_color(th.key)   # glyphs only: spaces have none
            rows.append(row)
        off = [f"#{k + 1}" for k in self.top if k < self.gs]     # keys before the grid's first token
        if off:
            rows.append(label(f"({', '.join(off)} not in the grid)", style.SMALL_SIZE, color=th.muted))
        if self.gs > 0:
            rows.append(label(f"(of all {self.T} keys)", style.SMALL_SIZE, color=th.muted))
        if self.gs > 0 or self.end < self.T:
            rows.append(label(f"grid: {self.window_text(self.gs, self.gn, self.end)}", style.SMALL_SIZE,
                              color=th.muted))
        focus = self.panel(*rows, top=0.4, buff=0.18)
        self.play(*[FadeOut(m) for m in self.panel_items], run_time=0.4)
        self.play(Transform(self.grid.image, attn.image), FadeIn(text), run_time=1.2)
        self.play(Create(column), FadeIn(focus), run_time=0.7)
        self.say("Softmax turns each column into weights that add up to one: the square's area is the weight.", 4.0)
        self.wait(2.0)
        for sentence in self.reading.sentences:     # measured on this prompt: see read_row
            self.say(sentence, 3.5)
            self.wait(1.5)
        self.pause(self.softmax_notes())
        self.panel_items = [text, focus, column]

    def softmax_notes(self) -> str:
        base = ("Each query's column is a softmax: how much this token attends to each earlier token. "
                "Masked cells are exactly 0. Measured on this prompt: ")
        notes = base + continued(" ".join(self.reading.sentences))
        listed = any(k == 0 for k, _ in self.reading.top)      # its weight is said already
        if self.reading.query > 0 and not self.reading.first_heavy and not listed:
            notes += (f" The first token, {self.names[0]}, gets "
                      f"{100 * self.reading.first:.0f}% here; many heads rest much of their attention "
                      "there when they find nothing they need.")
        return notes

    # --- 7. values: the weighted sum, added back -------------------------------------------------
    def show_values(self):
        th = self.theme
        v_all = self.trace[self.hook("attn.hook_v")][:, self.H]
        z = self.trace[self.hook("attn.hook_z")][self.q, self.H]
        vmax = float(max(np.abs(v_all[self.top]).max(), np.abs(z).max())) or 1.0
        terms = Group()
        for k in self.top:
            w = self.record(self.hook("attn.hook_pattern"), (self.H, self.q, k), self.pattern[self.q, k])
            vec = RoleVector(v_all[k], th.value, 3, None, vmax, theme=self.theme)
            name = label_image(shorten(self.key_name(k), 2.4, font_em(style.SMALL_SIZE), mono=True), theme=self.theme)
            vec.add(name.next_to(vec.body, DOWN, buff=0.1))
            self.record_block(self.hook("attn.hook_v"), vec.shown, (k, self.H))
            weight = label(f"{percent(w)} ×", style.SMALL_SIZE, theme=self.theme)
            terms.add(Group(weight, vec))
        z_vec = RoleVector(z, th.value, 3, None, vmax, theme=self.theme)
        self.record_block(self.hook("attn.hook_z"), z_vec.shown, (self.q, self.H))
        z_name = label("z", style.SMALL_SIZE, color=th.value)
        plus = [label("+", style.BODY_SIZE, theme=self.theme) for _ in self.top[1:]]
        more = label("+ …", style.BODY_SIZE, theme=self.theme) if self.T > len(self.top) else None
        eq = label("=", style.BODY_SIZE, theme=self.theme)
        top = 2.35
        x = ROW_X
        pieces_row = []
        for i, term in enumerate(terms):
            weight, vec = term
            vec.move_to([x, top, 0], aligned_edge=UL)
            weight.next_to(vec.body, UP, buff=0.12)
            x = vec.get_right()[0] + 0.2
            ops = plus[i] if i < len(plus) else (more if more is not None else eq)
            ops.move_to([x, vec.body.get_center()[1], 0], aligned_edge=LEFT)
            pieces_row.append(ops)
            x = ops.get_right()[0] + 0.2
            if ops is more:
                eq.move_to([x, vec.body.get_center()[1], 0], aligned_edge=LEFT)
                pieces_row.append(eq)
                x = eq.get_right()[0] + 0.2
        z_vec.move_to([x, top, 0], aligned_edge=UL)
        z_name.next_to(z_vec.body, DOWN, buff=0.15)
        v_name = self.row_name("value", ["W_V·x", "+ b_V"], top, th.value)
        row1 = Group(terms, *pieces_row, z_vec, z_name, v_name)
        self.play(*[FadeOut(m) for m in self.panel_items], FadeOut(self.grid), run_time=0.5)
        self.play(FadeIn(v_name), FadeIn(terms, lag_ratio=0.15), run_time=1.0)
        self.say(f"Each earlier token also offers a value. The query's weights mix those values into one "
                 f"vector z, {self.d_head} numbers for this head.", 4.5)
        self.count_parameters("W_V")
        self.play(FadeIn(Group(*pieces_row)), FadeIn(z_vec, shift=RIGHT * 0.3), FadeIn(z_name), run_time=0.8)
        self.wait(1.5)
        self.pause(f"W_V gives each token a value vector. The column of weights of {self.q_said} mixes them: "
                   "z is the weighted sum over every visible key (only the largest weights are drawn).")

        # the residual stream: before + attention output = after
        pre = self.trace[self.hook("hook_resid_pre")][self.q]
        out = self.trace[self.hook("hook_attn_out")][self.q]
        mid = self.trace[self.hook("hook_resid_mid")][self.q]
        vm = float(max(np.abs(pre).max(), np.abs(out).max(), np.abs(mid).max()))
        vecs = []
        for name, values in (("hook_resid_pre", pre), ("hook_attn_out", out), ("hook_resid_mid", mid)):
            vec = DataVector(values, None, 3, vmax=vm, show_length=False, theme=self.theme)
            self.record_block(self.hook(name), vec.shown, (self.q,))
            vecs.append(vec)
        y2 = -1.15
        names = ["before", "attention", "after"]
        row2 = Group()
        x = ROW_X
        for i, (vec, name) in enumerate(zip(vecs, names)):
            vec.move_to([x, y2, 0], aligned_edge=UL)
            tag = label(name, style.SMALL_SIZE, color=th.muted).next_to(vec.body, DOWN, buff=0.12)
            row2.add(vec, tag)
            x = vec.get_right()[0] + 0.25
            if i < 2:
                op = label("+" if i == 0 else "=", style.BODY_SIZE, theme=self.theme)
                op.move_to([x, vec.body.get_center()[1], 0], aligned_edge=LEFT)
                row2.add(op)
                x = op.get_right()[0] + 0.25
        r_name = self.row_name(show_piece(self.trace.pieces[self.q]), ["its", "vector"], y2, th.text)
        n_head = self.trace.config["n_head"]
        note = VGroup(label("attention =", style.SMALL_SIZE, color=th.muted),
                      label(f"W_O · (z of all {n_head} heads)", style.SMALL_SIZE, color=th.muted),
                      label("+ bias b_O", style.SMALL_SIZE, color=th.muted))
        note.arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        note.next_to(row2, RIGHT, buff=0.45).align_to(vecs[0].body, UP)
        arrow = Arrow(z_name.get_bottom(), vecs[1].body.get_top(), color=th.value, buff=0.12,
                      stroke_width=4, max_tip_length_to_length_ratio=0.15)
        self.play(Create(arrow), FadeIn(r_name), FadeIn(row2, lag_ratio=0.1), run_time=1.0)
        self.play(FadeIn(note), run_time=0.5)
        self.count_parameters("W_O")
        self.say("Through W_O, together with the other heads, it is added to the token's vector.", 3.5)
        self.wait(3.0)
        self.pause(f"The attention output of layer {self.L + 1} sums all {n_head} heads (each z through its "
                   "part of W_O) plus a bias, and is added to the vector: the residual stream now "
                   "carries what this token gathered from the others.")
        self.values_items = [row1, row2, r_name, note, arrow]

    # --- 8. every head of the layer --------------------------------------------------------------
    def show_all_heads(self):
        th = self.theme
        n_head = self.trace.config["n_head"]
        window = self.trace[self.hook("attn.hook_pattern")][:, self.gs:self.end, self.gs:self.end]
        rows, size = heads_layout(n_head)
        grids = Group()
        for h in range(n_head):
            self.record_window("attn.hook_pattern", h, window[h])
            g = AttentionGrid(window[h], None, size, theme=self.theme)
            tag = label(f"head {h + 1}", style.SMALL_SIZE, color=th.text if h == self.H else th.muted)
            tag.next_to(g, DOWN, buff=0.12)
            grids.add(Group(g, tag))
        cols = -(-n_head // rows)
        grids.arrange_in_grid(rows, cols, buff=(HEADS_GAP, HEADS_GAP))
        x0, x1, y0, y1 = HEADS_BOX
        grids.move_to([(x0 + x1) / 2, (y0 + y1) / 2, 0])
        chosen = SurroundingRectangle(grids[self.H], color=th.text, buff=0.06, stroke_width=4)
        lines = [label(line, style.BODY_SIZE if i == 0 else style.SMALL_SIZE, color=th.text)
                 for i, line in enumerate(self.head_lines())]
        lines += [label(line, style.SMALL_SIZE, color=th.text) for line in self.first_token_lines(n_head)]
        lead = len(lines)
        lines += [label(f"layer {self.L + 1}: {n_head} heads,", style.SMALL_SIZE, color=th.muted),
                  label("each with its own", style.SMALL_SIZE, color=th.muted),
                  label("W_Q, W_K and W_V", style.SMALL_SIZE, color=th.muted)]
        if self.gs > 0 or self.end < self.T:
            lines.append(label(self.window_text(self.gs, self.gn, self.end), style.SMALL_SIZE, color=th.muted))
        text = VGroup(*lines).arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        if 0 < lead < len(lines):   # a gap between what this head does and what every layer has
            for line in lines[lead:]:
                line.shift(DOWN * 0.2)
        text.move_to([x1 + 0.45, (y0 + y1) / 2, 0], aligned_edge=LEFT)
        self.play(*[FadeOut(m) for m in self.values_items], run_time=0.5)
        self.play(FadeIn(grids, lag_ratio=0.1), run_time=1.2)
        self.play(Create(chosen), FadeIn(text), run_time=0.6)
        self.say(f"Layer {self.L + 1} runs {n_head} heads side by side, each with its own pattern; "
                 f"we followed head {self.H + 1}.", 3.5)
        if self.first_heavy_heads:
            self.wait(1.0)
            self.say(self.first_token_sentence(n_head), 3.5)
        self.wait(3.0)
        self.pause(self.heads_notes(n_head))

    def head_lines(self) -> list[str]:
        """What the followed head does for the followed token, measured (at most 4 short lines)."""
        r, room, em = self.reading, 4.3, font_em(style.SMALL_SIZE)
        if self.T == 1:
            return ["one token: each head", "sees only that token"]
        k, w = r.top[0]
        said = shorten(f"{self.key_name(self.q)} → {self.key_name(k)}", room, em)
        if r.kind == "previous":
            return [f"head {self.H + 1}:", "the token just before:", said, f"{percent(w)} of its attention"]
        if r.kind == "name":
            return [f"head {self.H + 1}:", "looks back at a name:", said, f"{percent(w)} of its attention"]
        return [f"head {self.H + 1}:", said, f"{percent(w)} of its attention"]

    def first_token_lines(self, n_head: int) -> list[str]:
        """How many heads rest 30 % or more of the followed token's attention on the first token
        (each head's weight recorded); nothing when none does."""
        if self.q == 0:
            self.first_heavy_heads = []
            return []
        shares = [self.record(self.hook("attn.hook_pattern"), (h, self.q, 0),
                              self.trace[self.hook("attn.hook_pattern")][h, self.q, 0]) for h in range(n_head)]
        self.first_heavy_heads = [h for h, w in enumerate(shares) if w >= FIRST_SHARE]
        if not self.first_heavy_heads:
            return []
        return [f"{len(self.first_heavy_heads)} of {n_head} heads rest", f"≥ {100 * FIRST_SHARE:.0f}% on the first token"]

    def first_token_sentence(self, n_head: int) -> str:
        n = len(self.first_heavy_heads)
        heads = "one head" if n == 1 else f"{n} of the {n_head} heads"
        return (f"In {heads}, {self.q_said} puts {100 * FIRST_SHARE:.0f}% or more of its attention on the "
                f"first token, {self.names[0]}: a common resting place when a head finds "
                "nothing it needs.")

    def heads_notes(self, n_head: int) -> str:
        text = (f"All {n_head} heads of layer {self.L + 1} on the same tokens: each learned its own way of "
                f"looking back, and their outputs add up. For {self.q_said}, measured: "
                + continued(" ".join(self.reading.sentences)) + " ")
        if self.first_heavy_heads:
            text += self.first_token_sentence(n_head) + " "
        return text + ("Try the others with --layer (1 to "
                       f"{self.trace.config['n_layer']}), --head (1 to {n_head}) and "
                       f"--token (which token to follow, from 1 to {self.T}).")
