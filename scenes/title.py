"""Beat 1: the title — Generative Pre-trained Transformer unpacked, and what transformers power."""
from __future__ import annotations

import re

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Circle, FadeIn, FadeOut, Group, Polygon,
                   Rectangle, ReplacementTransform, RoundedRectangle, VGroup, VMobject)

import model
from model.checkpoint import read_card

from . import derivations, style
from .base import ExplainerScene
from .components import label
from .components.raster import font_em, shorten
from .components.text_block import Run, TextBlock
from .components.text_image import text_image as line

WORDS = ("Generative", "Pre-trained", "Transformer")
WORD_X = -6.5            # left edge of the three words
MEANING_X = -2.7         # left edge of their meanings
ROW_TOP = (2.85, 1.1, -1.9)
N_GENERATED = 6          # tokens the model writes for the 'generative' example
EXAMPLE_W = 8.4          # its width (units) and its most lines
EXAMPLE_LINES = 2
NOT_PARAMETERS = ("b_U",)   # the unembedding has no bias; weights() names a zero one for the naming scheme


def parameter_count(weights: dict[str, np.ndarray]) -> tuple[int, list[str]]:
    """How many learned numbers the model has, and the weights counted."""
    names = [k for k in weights if k not in NOT_PARAMETERS]
    return sum(int(weights[k].size) for k in names), names


def corpus_sources(card: dict) -> list[str]:
    """The training texts as the model card names them, without their packaging notes."""
    return [re.sub(r"\s*\(.*\)\s*$", "", s) for s in card["corpus"]["sources"]]


class Title(ExplainerScene):
    description = "Generative · Pre-trained · Transformer unpacked; what transformers power"

    def construct(self):
        self.card = read_card()
        self.show_acronym()
        self.generative()
        self.pretrained()
        self.transformer()
        self.uses()

    # --- steps ------------------------------------------------------------------------------------
    def show_acronym(self):
        th = self.theme
        self.gpt = label("GPT", 120, theme=self.theme).move_to([0, 0.5, 0])
        sub = label("Generative · Pre-trained · Transformer", style.BODY_SIZE, color=th.muted)
        sub.next_to(self.gpt, DOWN, buff=0.5)
        self.play(FadeIn(self.gpt, scale=0.9), run_time=0.8)
        self.play(FadeIn(sub, shift=UP * 0.2), run_time=0.6)
        self.say("GPT stands for Generative Pre-trained Transformer. Three words, one at a time.", 3.5)
        self.wait(3.0)
        self.words = [label(w, style.TITLE_SIZE, theme=self.theme) for w in WORDS]
        for w, top in zip(self.words, ROW_TOP):
            w.move_to([WORD_X, top, 0], aligned_edge=UP + LEFT)
        self.play(FadeOut(sub), *[ReplacementTransform(self.gpt[i], w[0]) for i, w in enumerate(self.words)],
                  run_time=1.0)
        self.pause("GPT: Generative Pre-trained Transformer. Each word says something about the model "
                   "we are about to open up.")

    def meaning(self, row: int, lines: list) -> Group:
        """Lines of text (mobjects) stacked left-aligned beside word ``row``."""
        group = Group(*lines).arrange(DOWN, aligned_edge=LEFT, buff=0.05)
        return group.move_to([MEANING_X, ROW_TOP[row] + 0.02, 0], aligned_edge=UP + LEFT)

    def reveal(self, row: int, lines: Group, caption: str, seconds: float, notes: str):
        word = self.words[row]
        self.play(FadeIn(word[1:], shift=RIGHT * 0.2), FadeIn(lines, shift=RIGHT * 0.2), run_time=0.8)
        self.say(caption, seconds)
        self.wait(seconds)
        self.pause(notes)

    def generative(self):
        s = self.context
        new = s.sample(s.prompt, N_GENERATED)
        enc = model.get_encoding(s.checkpoint)
        lines = self.meaning(0, [line("it writes new text, one piece at a time", theme=self.theme),
                                 self.example(enc.decode(self.trace.tokens), enc.decode(new))])
        self.reveal(0, lines, "Generative: it writes new text. Here is this film's model continuing your prompt.", 4.5,
                    "Generative: it produces text. The orange words were written by the model in this "
                    f"film, continuing the prompt, each token drawn at "
                    f"{s.sampling_rule(self.trace.config['n_vocab'])}.")

    def example(self, prompt: str, written: str):
        """The end of the prompt, then the model's continuation in the accent colour and "…" (the
        model would go on), wrapped over at most EXAMPLE_LINES lines of EXAMPLE_W units: the
        prompt keeps as many of its last words as fit (cut with "…" in front, the notes give it
        whole)."""
        th = self.theme
        em = font_em(style.SMALL_SIZE)
        prompt, written = (re.sub(r"\s+", " ", t) for t in (prompt, written))   # runs of text
        head, room = prompt, EXAMPLE_W * EXAMPLE_LINES
        while True:
            block = TextBlock([Run(head, th.text), Run(written, th.chosen), Run("…", th.chosen)], EXAMPLE_W,
                              style.SMALL_SIZE, mono=True, pitch=1.25, theme=th)
            if len(block.lines) <= EXAMPLE_LINES or room <= 0.5:
                return block
            room -= 0.25
            head = shorten(prompt, room, em, mono=True, keep="end")

    def pretrained(self):
        th = self.theme
        chars = self.card["corpus"]["train_chars"]
        sources = corpus_sources(self.card)
        lines = [line("it learned from a lot of text before being used;", theme=self.theme),
                 line(f"this one read about {chars / 1e6:.0f} million characters of", theme=self.theme)]
        lines += [line(f"·  {src}", color=th.muted) for src in sources]
        self.reveal(1, self.meaning(1, lines),
                    "Pre-trained: before anyone uses it, it learns from a great deal of text.", 4.0,
                    "Pre-trained: all its numbers were tuned in advance on a big pile of text, here: "
                    + "; ".join(sources) + ".")

    def transformer(self):
        cfg = self.trace.config
        W = model.weights(self.context.checkpoint)
        total, names = parameter_count(W)
        for name in names:
            self.record(name, [], W[name].size, derivations.SIZE)
        lines = [line("the kind of neural network: attention and MLP", theme=self.theme),
                 line("blocks, stacked many times over;", theme=self.theme),
                 line(f"this one: {cfg['n_layer']} layers, {total:,} parameters", theme=self.theme)]
        self.reveal(2, self.meaning(2, lines),
                    f"Transformer: the kind of network. This one has {cfg['n_layer']} layers and "
                    f"{total:,} learned numbers.", 5.0,
                    "Transformer names the architecture: attention blocks and MLP blocks, repeated. "
                    "It is the piece this film takes apart, number by number.")

    def uses(self):
        th = self.theme
        self.play(FadeOut(Group(*self.mobjects)), run_time=0.6)
        head = label("Transformers are behind", style.BODY_SIZE, theme=self.theme).move_to([0, 3.0, 0])
        rows = [("transcription", self.sound_wave(), line("“Good morning!”", theme=self.theme)),
                ("image generation", line("“a sun over hills”", theme=self.theme), self.picture()),
                ("chat", self.bubble("What is a GPT?", th.muted), self.bubble("It predicts text.", th.text))]
        drawn = Group()
        for r, (name, src, out) in enumerate(rows):
            y = 1.35 - 1.9 * r
            box = RoundedRectangle(width=2.6, height=0.8, corner_radius=0.12, stroke_color=th.text,
                                   stroke_width=3).move_to([0, y, 0])
            inside = line("transformer", theme=self.theme).move_to(box)
            task = line(name, color=th.muted).next_to(box, UP, buff=0.14)
            src.move_to([-2.75, y, 0], aligned_edge=RIGHT)
            out.move_to([2.75, y, 0], aligned_edge=LEFT)
            a1 = Arrow([-2.65, y, 0], box.get_left(), buff=0.1, color=th.muted, stroke_width=3,
                       max_tip_length_to_length_ratio=0.3)
            a2 = Arrow(box.get_right(), [2.65, y, 0], buff=0.1, color=th.muted, stroke_width=3,
                       max_tip_length_to_length_ratio=0.3)
            drawn.add(Group(task, box, inside, src, a1, a2, out))
        self.play(FadeIn(head), run_time=0.5)
        for row in drawn:
            self.play(FadeIn(row, shift=RIGHT * 0.2), run_time=0.7)
        self.say("The same kind of network turns speech into text, text into pictures, and carries on "
                 "conversations.", 5.0)
        self.wait(4.5)
        self.pause("Transcription, image generation, chatbots: all built on transformers. This film "
                   "opens up a small one, and every number you will see comes from it.")

    # --- little drawings ---------------------------------------------------------------------------
    def sound_wave(self) -> VMobject:
        x = np.linspace(-1.8, 1.8, 220)
        envelope = 0.32 * (0.35 + 0.65 * np.abs(np.sin(x * 1.7))) * np.exp(-0.15 * x ** 2)
        y = envelope * np.sin(x * 23)
        wave = VMobject(stroke_color=self.theme.muted, stroke_width=3)
        wave.set_points_as_corners(np.stack([x, y, np.zeros_like(x)], axis=1))
        return wave

    def picture(self) -> VGroup:
        th = self.theme
        frame = Rectangle(width=2.0, height=1.3, stroke_color=th.text, stroke_width=3)
        sun = Circle(radius=0.2, fill_color=th.text, fill_opacity=1, stroke_width=0).move_to([0.45, 0.25, 0])
        hill1 = Polygon([-1.0, -0.65, 0], [-0.3, 0.1, 0], [0.4, -0.65, 0], fill_color=th.muted,
                        fill_opacity=1, stroke_width=0)
        hill2 = Polygon([-0.2, -0.65, 0], [0.45, -0.1, 0], [1.0, -0.65, 0],
                        fill_color=style.data_color(0.5, 1.0, self.theme), fill_opacity=1, stroke_width=0)
        return VGroup(sun, hill1, hill2, frame)

    def bubble(self, text: str, color) -> Group:
        words = line(text, color=color, theme=self.theme)
        shape = RoundedRectangle(width=words.width + 0.4, height=words.height + 0.3, corner_radius=0.18,
                                 stroke_color=color, stroke_width=2.5)
        return Group(shape, words.move_to(shape))
