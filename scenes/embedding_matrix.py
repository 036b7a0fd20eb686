"""Beat 7: the embedding matrix W_E — the prompt's tokens pick their columns, then positions add in."""
from __future__ import annotations

from manim import DOWN, LEFT, RIGHT, UL, UP, Create, FadeIn, FadeOut, Transform, Write

import model

from . import style
from .base import ExplainerScene
from .parameter_count import GPT3
from .shapes import shape_text
from .components import ColumnMatrix, VectorArray, label, show_piece

MAX_TOKENS = 6   # tokens that fly out (the rest of a long prompt is counted, not drawn)
ROWS = 4         # entries shown of each 192-long column
MATRIX_TOP = 2.75


class EmbeddingMatrix(ExplainerScene):
    description = "W_E: one column per vocabulary entry; the prompt's tokens pick theirs, positions add in"

    def construct(self):
        self.W = model.weights(self.context.checkpoint)
        self.n = min(len(self.trace.tokens), MAX_TOKENS)
        self.show_matrix()
        self.pick_columns()
        self.add_positions()

    # --- steps ----------------------------------------------------------------------------------
    def show_matrix(self):
        cfg = self.trace.config
        self.title = label("Embedding matrix W_E", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        self.title_mob = self.title
        self.shape = self.shape_label(shape_text("W_E", cfg))
        ids = self.trace.tokens[: self.n]
        self.matrix = self.columns(self.W["W_E"].T, ids, [show_piece(self.piece(t)) for t in ids], "W_E")
        self.play(Write(self.title), run_time=0.6)
        self.play(FadeIn(self.matrix), FadeIn(self.shape), run_time=1.0)
        self.count_parameters("W_E")
        self.say(f"The model keeps one column of {cfg['d_model']} learned numbers for each of its "
                 f"{cfg['n_vocab']:,} tokens.", 4.0)
        self.wait(3.5)
        self.pause("W_E has a column for every token in the vocabulary: learned weights, blue for "
                   "positive, red for negative. We only show the columns this prompt uses.")

    def shape_label(self, text: str):
        shape = label(text, style.SMALL_SIZE, color=self.theme.muted)
        return shape.next_to(self.title, RIGHT, buff=0.45).align_to(self.title, DOWN)

    def columns(self, matrix, ids, headers, source: str) -> ColumnMatrix:
        """``matrix`` [d_model, n] with columns ``ids``; records what it draws (rows of ``source``)."""
        cols = ColumnMatrix(matrix, ids, headers, n_rows=ROWS, vmax=float(abs(matrix).max()), theme=self.theme)
        for j, i in enumerate(cols.ids):
            self.record_block(source, cols.shown[:, j], (i,))
        cols.move_to([0, MATRIX_TOP, 0], aligned_edge=UP)
        return cols

    def vector_row(self, name: str, values) -> VectorArray:
        pieces = self.trace.pieces[: self.n]
        row = VectorArray(values, pieces, max_entries=ROWS, max_vectors=self.n, max_width=9.8, theme=self.theme)
        if row.shape_text is not None:   # said in the side notes instead, where there is room
            row.remove(row.shape_text)
        self.record_block(name, row.shown)
        row.move_to([-6.6, -0.6, 0], aligned_edge=UL)
        return row

    def side_note(self, text: str, color=None):
        """A short note in the column right of the vectors, below the previous one."""
        row = self.notes_shown = getattr(self, "notes_shown", -1) + 1
        note = label(text, style.SMALL_SIZE, color=color or self.theme.muted)
        left = self.vectors.vectors.get_right()[0] + 0.35
        if note.width > 6.9 - left:
            note.scale_to_fit_width(6.9 - left)
        return note.move_to([left, -0.8 - 0.55 * row, 0], aligned_edge=LEFT)

    def pick_columns(self):
        total = len(self.trace.tokens)
        self.vectors = self.vector_row("hook_embed", self.trace["hook_embed"][: self.n])
        self.say("Each token of the prompt picks out its own column.", 3.0)
        for j in range(self.n):
            tok = self.trace.tokens[j]
            box = self.matrix.highlight_column(tok)
            vec = self.vectors.vector(j)
            slow = j < 2
            self.play(Create(box), run_time=0.5 if slow else 0.25)
            self.play(FadeIn(vec, target_position=self.matrix.column_center(tok), scale=0.8),
                      FadeOut(box), run_time=0.9 if slow else 0.45)
        notes = [self.side_note(f"{self.trace.config['d_model']} numbers each")]
        if total > self.n:
            notes.append(self.side_note(f"first {self.n} of {total} tokens"))
        notes.append(self.side_note(f"(GPT-3: {GPT3.d_embed:,} each)"))
        self.play(*[FadeIn(m) for m in notes], run_time=0.4)
        self.say("Copied out, the columns become the vectors the network works on: data now, so grey.", 4.0)
        self.wait(3.5)
        self.say(f"GPT-3 gives each token {GPT3.d_embed:,} numbers: so many directions that a great "
                 "many distinct meanings can each have their own.", 5.0)
        self.wait(4.5)
        self.pause("The same token always starts from the same vector. Once copied out, the numbers "
                   "are data flowing through the network, drawn grey.")

    def add_positions(self):
        positions = list(range(self.n))
        w_pos = self.columns(self.W["W_pos"].T, positions, ["pos"] * self.n, "W_pos")
        title = label("Position embedding W_pos", style.TITLE_SIZE, theme=self.theme).move_to(self.title, aligned_edge=LEFT)
        self.title = title
        pos_shape = self.shape_label(shape_text("W_pos", self.trace.config))
        self.play(FadeOut(self.matrix), FadeOut(self.shape), run_time=0.4)
        self.play(FadeIn(w_pos), FadeIn(pos_shape), Transform(self.title_mob, title), run_time=0.7)
        self.count_parameters("W_pos")
        self.say("Word order matters too: a second matrix holds one learned vector per position.", 3.5)
        self.wait(3.0)
        self.pause("W_pos: one learned column per position in the context window. The model knows "
                   "where a token sits only through these numbers.")
        summed = self.vector_row("blocks.0.hook_resid_pre", self.trace["blocks.0.hook_resid_pre"][: self.n])
        self.play(*[Create(w_pos.highlight_column(p)) for p in positions], run_time=0.6)
        plus = self.side_note("= token + position", self.theme.text)
        self.play(*[Transform(a.body, b.body) for a, b in zip(self.vectors.vectors, summed.vectors)],
                  FadeIn(plus), run_time=1.2)
        self.say("Each token's vector plus its position's vector: that is what the first layer reads.", 4.0)
        self.wait(4.0)
        self.pause("Token vector plus position vector, entry by entry. These sums enter the first "
                   "attention block.")
