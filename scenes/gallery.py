"""Every component on real numbers from the current prompt, a page at a time (not a film beat).

``Gallery.pages`` picks the pages to show; the tests render each page's last frame on its own.
``GallerySpace`` is the 3-D page (it needs a 3-D camera).
"""
from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UL, UP, FadeIn, FadeOut, Group, PI

import model

from . import derivations, style
from .base import Explainer3DScene, ExplainerScene
from .components import (AttentionGrid, EmbeddingSpace, FlowDiagram, MatrixVectorProduct,
                         MLPLayer, ParameterTally, ProbabilityBars, TokenStrip, VectorArray,
                         WeightMatrix, label, pca_3d)

PAGES = ("tokens", "weights", "product", "mlp", "structure")


class Gallery(ExplainerScene):
    description = "every drawing component on the prompt's real numbers (a reference, not a beat)"
    pages = PAGES

    def construct(self):
        self.W = model.weights(self.context.checkpoint)
        shown = Group()
        for i, page in enumerate(self.pages):
            if i:
                self.pause(f"Next gallery page: {page}.")
                self.play(FadeOut(shown), run_time=0.3)
            shown = Group(self.heading(page), *getattr(self, f"page_{page}")())
            self.play(FadeIn(shown), run_time=0.5)
            self.wait(0.5)

    def heading(self, page: str):
        return label(f"Gallery · {page}", style.BODY_SIZE, color=self.theme.muted).to_corner(UL, buff=0.3)

    # --- pages --------------------------------------------------------------------------------
    def page_tokens(self):
        t = self.trace
        n = min(len(t.tokens), 8)
        strip = TokenStrip(t.pieces[:n], t.tokens[:n], max_width=13.0, theme=self.theme).to_edge(UP, buff=0.9)
        emb = t["hook_embed"][:6]
        self.record_block("hook_embed", emb[:, :5])
        vecs = VectorArray(emb, t.pieces[:6], max_entries=5, max_vectors=6, max_width=7.0, theme=self.theme)
        vecs.to_corner(DOWN + LEFT, buff=0.4)
        probs = model.softmax(t["logits"][-1], 1.0)
        top, pieces = self.top_tokens(probs, 5)
        for k in top:
            self.record("logits", (len(t.tokens) - 1, k), probs[k], derivations.softmax(T=1))
        bars = ProbabilityBars(pieces, probs[top], max_width=2.6, row_height=0.55, label_width=1.6,
                               full=float(probs[top[0]]), theme=self.theme)
        bars.to_corner(DOWN + RIGHT, buff=0.45)
        return strip, vecs, bars, bars.highlight(0)

    def page_weights(self):
        w_q = self.W["blocks.0.attn.W_Q"][0]          # [d_model, d_head]
        # outputs × inputs, as every scene draws a matrix (scenes/shapes.py)
        mat = WeightMatrix(w_q.T, max_rows=8, max_cols=5, theme=self.theme).to_corner(DOWN + LEFT, buff=0.5)
        for (i, j), v in np.ndenumerate(mat.shown):
            self.record("blocks.0.attn.W_Q", (0, j, i), v)
        name = label("W_Q, layer 1, head 1", style.SMALL_SIZE, theme=self.theme).next_to(mat, UP, buff=0.2)
        n = min(len(self.trace.tokens), 12)
        pattern = self.trace["blocks.0.attn.hook_pattern"][0][:n, :n]
        self.record_block("blocks.0.attn.hook_pattern", pattern, (0,))
        grid = AttentionGrid(pattern, self.trace.pieces[:n], size=4.2, theme=self.theme).to_corner(DOWN + RIGHT, buff=0.3)
        return mat, name, mat.highlight_row(2), grid

    def page_product(self):
        w = self.W["blocks.0.mlp.W_in"].T                # [d_mlp, d_model]: one row per neuron
        x = self.trace["blocks.0.ln2.hook_normalized"][-1]
        mv = MatrixVectorProduct(w, x, max_rows=7, max_cols=5, theme=self.theme).move_to(DOWN * 0.3)
        self.record_block("blocks.0.mlp.W_in", mv.matrix.shown.T)
        self.record_block("blocks.0.ln2.hook_normalized", mv.x.shown, (len(self.trace.tokens) - 1,))
        for i, v in enumerate(mv.y.shown):
            self.record("blocks.0.mlp.hook_pre", (len(self.trace.tokens) - 1, i), v, derivations.MINUS_B_IN)
        caption = label("W_in · x, row by row", style.SMALL_SIZE, theme=self.theme).next_to(mv, UP, buff=0.3)
        for cover in mv.covers[:3]:
            mv.remove(cover)
        return mv, caption

    def page_mlp(self):
        t, W, last = self.trace, self.W, len(self.trace.tokens) - 1
        layer = MLPLayer(t["blocks.0.ln2.hook_normalized"][last], t["blocks.0.mlp.hook_pre"][last],
                         t["blocks.0.mlp.hook_post"][last], W["blocks.0.mlp.W_in"],
                         W["blocks.0.mlp.W_out"], t["blocks.0.hook_mlp_out"][last], theme=self.theme)
        for j, v in zip(layer.neuron_index, layer.activations):
            self.record("blocks.0.mlp.hook_post", (last, int(j)), v)
        return (layer.move_to(DOWN * 0.2),)

    def page_structure(self):
        cfg = self.trace.config
        flow = FlowDiagram(cfg["n_layer"], theme=self.theme).to_edge(UP, buff=0.9)
        def count(keys):
            return sum(int(np.prod(self.W[k].shape)) for k in keys)
        blocks = [k for k in self.W if k.startswith("blocks.")]
        groups = [("Embedding", count(["W_E", "W_pos"])), (f"{cfg['n_layer']} blocks", count(blocks)),
                  ("Unembedding", count(["ln_final.w", "ln_final.b", "W_U"]))]  # b_U: none, so not counted
        tally = ParameterTally(groups, "parameters", size=style.SMALL_SIZE, start_at_zero=False, theme=self.theme)
        tally.to_corner(DOWN + RIGHT, buff=0.3)
        return flow, tally


class GallerySpace(Explainer3DScene):
    description = "the embedding-space component: real embeddings of the prompt, projected by PCA"

    def construct(self):
        t = self.trace
        n = min(len(t.tokens), 10)
        points = pca_3d(t["hook_embed"][:n])
        space = EmbeddingSpace(points, t.pieces[:n], theme=self.theme)
        self.set_camera_orientation(phi=70 * PI / 180, theta=-50 * PI / 180)
        space.face_camera(self)
        self.add(space)
        self.wait(0.2)
