"""Beat 3: bigger model, better text — the same prompt continued by the small and the default model,
then the probability each gave to each actual next token of a sentence neither trained on."""
from __future__ import annotations

from manim import DOWN, LEFT, UL, FadeIn, FadeOut, Group, Line, Write

import model
from model.checkpoint import read_card

from . import derivations, style
from .base import ExplainerScene
from .components.text import label
from .components.surprise_strip import SurpriseStrip
from .components.text_block import Run, TextBlock, text_lines
from .parameter_count import NOT_PARAMETERS

CHECKPOINTS = ("small", "default")   # left to right: fewer parameters, then more
N_NEW = 30                           # tokens each model writes
COLUMN_W = 6.4
MAX_LINES = 6
# held out from training: the end of Pride and Prejudice (the last 5 % of each novel is held out)
HELDOUT = "With the Gardiners, they were always on the most intimate terms."


def trained_weights(weights: dict) -> list[str]:
    """The names of the arrays that training changes (b_U is a fixed zero: no unembedding bias)."""
    return [k for k in weights if k not in NOT_PARAMETERS]


class ModelSize(ExplainerScene):
    description = "the same prompt continued by a small and a bigger checkpoint, side by side"

    def construct(self):
        self.card = read_card()["checkpoints"]
        self.continue_prompt()
        self.show_title()
        self.show_models()
        self.write_side_by_side()
        self.show_quality()
        self.show_surprise()

    # --- the numbers --------------------------------------------------------------------------
    def continue_prompt(self):
        s = self.context
        self.new = {c: s.sample(s.prompt, N_NEW, checkpoint=c) for c in CHECKPOINTS}
        self.counts = {}
        for c in CHECKPOINTS:
            w = model.weights(c)
            # the other checkpoint's weights are named with it (the file speaks for this render's)
            how = derivations.SIZE if c == s.checkpoint else derivations.size_in_checkpoint(c)
            self.counts[c] = sum(int(self.record(k, (), w[k].size, how)) for k in trained_weights(w))

    def next_token_probs(self) -> tuple[list[int], dict]:
        """HELDOUT's ids, and for each checkpoint the probability (T = 1) it gave each actual
        next token, recorded with that checkpoint and those tokens."""
        ids = model.get_encoding().encode(HELDOUT)
        probs = {}
        for c in CHECKPOINTS:
            logits = model.run_tokens(ids, c)["logits"]
            probs[c] = [self.record("logits", (j, ids[j + 1]), model.softmax(logits[j], 1.0)[ids[j + 1]],
                                    derivations.softmax(1), checkpoint=c, tokens=ids)
                        for j in range(len(ids) - 1)]
        return ids, probs

    # --- drawing ------------------------------------------------------------------------------
    def show_title(self):
        self.title = label("Bigger model, better text", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        self.play(Write(self.title), run_time=0.7)
        self.say("Does size matter? Give the same prompt to two models of different size.", 3.0)
        self.wait(2.5)

    def column_x(self, i: int) -> float:
        return -6.75 + i * (COLUMN_W + 0.7)

    def show_models(self):
        th = self.theme
        self.heads, self.blocks = Group(), []
        for i, c in enumerate(CHECKPOINTS):
            cfg, card = self.card[c]["config"], self.card[c]
            name = [(c, th.text)]
            if c == self.context.checkpoint:
                name.append(("  (this film's model)", th.muted))
            head = text_lines([
                (name, style.BODY_SIZE, th.text),
                (f"{self.counts[c]:,} parameters", style.SMALL_SIZE, th.text),
                (f"{cfg['n_layer']} layers × {cfg['n_head']} heads, width {cfg['d_model']}",
                 style.SMALL_SIZE, th.muted),
                (f"trained {card['train_minutes']:g} min on {card['tokens_seen'] / 1e6:.1f} M tokens",
                 style.SMALL_SIZE, th.muted)], gap=0.1)
            head.move_to([self.column_x(i), 2.85, 0], aligned_edge=UL)
            self.heads.add(head)
            runs = [Run(self.context.prompt, th.text)] + [Run(self.piece(t), th.chosen) for t in self.new[c]]
            block = TextBlock(runs, COLUMN_W, style.SMALL_SIZE, max_lines=MAX_LINES, shown=1, theme=self.theme)
            block.next_to(head, DOWN, buff=0.3).align_to(head, LEFT)
            self.blocks.append(block)
        rule = Line([0, 2.85, 0], [0, -2.45, 0], color=th.neutral, stroke_width=2)
        rule.set_x((self.column_x(0) + COLUMN_W + self.column_x(1)) / 2)
        self.play(FadeIn(self.heads), FadeIn(rule), *[FadeIn(b) for b in self.blocks], run_time=0.8)
        times = round(self.counts[CHECKPOINTS[1]] / self.counts[CHECKPOINTS[0]])
        self.say(f"Left, a small model trained for minutes; right, one {times} times bigger, trained for hours.", 4.0)
        self.wait(4.5)
        self.pause("Two checkpoints of the same design: the small one has fewer, narrower layers and "
                   "saw less text. Same prompt, same seed, same temperature.")

    def write_side_by_side(self):
        self.say("Each model continues the prompt, one sampled token at a time.", 3.5)
        self.play(*[b.grow(1, 1 + N_NEW, run_time=7.5) for b in self.blocks])
        self.say("Read both: the small one strings words together, the bigger one holds a thought.")
        self.wait(6.0)
        self.pause("Read both aloud. The small model strings words together; the bigger one holds a "
                   "sentence together longer.")

    def show_quality(self):
        th = self.theme
        marks = Group()
        for i, c in enumerate(CHECKPOINTS):
            bpc = self.card[c]["heldout_prose_bpc"]
            t = text_lines([(f"{bpc:.2f} bits per character", style.BODY_SIZE, th.text)])
            t.move_to([self.column_x(i), -2.6, 0], aligned_edge=UL)
            marks.add(t)
        note = text_lines([("on Austen text neither model saw (model card): lower is better",
                            style.SMALL_SIZE, th.muted)]).to_edge(DOWN, buff=0.3)
        self.play(FadeIn(marks), FadeIn(note), run_time=0.6)
        self.say("On Austen text neither model saw, the bigger one is less surprised by each character.", 4.5)
        self.wait(5.5)
        self.pause("Bits per character, from the model card: how surprised each model is, on average, "
                   "by the next character of held-out prose. Lower is better. More parameters and more "
                   "training bring it down; GPT-3 has 175 billion parameters.")

    def show_surprise(self):
        th = self.theme
        ids, probs = self.next_token_probs()
        self.strip = SurpriseStrip([self.piece(t) for t in ids[1:]], [probs[c] for c in CHECKPOINTS],
                                   list(CHECKPOINTS), theme=self.theme)
        head = text_lines([(f"“{HELDOUT}”", style.SMALL_SIZE, th.text),
                           ("unseen Austen: each model's probability for each real next token",
                            style.SMALL_SIZE, th.muted)], gap=0.1)
        head.next_to(self.title, DOWN, buff=0.25).align_to(self.title, LEFT)
        self.strip.next_to(head, DOWN, buff=0.2).align_to(head, LEFT)
        room = self.strip.get_top()[1] + 3.85
        if self.strip.height > room:
            self.strip.scale(room / self.strip.height, about_edge=UL)
        self.play(*[FadeOut(m) for m in self.mobjects if m is not self.title], run_time=0.5)
        self.play(FadeIn(head), FadeIn(self.strip), run_time=0.8)
        self.say("Token by token through a sentence neither model saw: how likely did each find the real next token?", 5.0)
        self.wait(4.0)
        self.say("Outlined: tokens the bigger model expected and the small one did not.", 3.5)
        self.wait(4.5)
        self.pause("Each row is one real next token of held-out Austen and the probability each model "
                   "gave it, from its logits at temperature 1. Long bars mean little surprise. Bits per "
                   "character average exactly this surprise over a whole held-out text.")
