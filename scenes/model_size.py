"""Beat 3: bigger model, better text — the same prompt continued by two checkpoints side by side
(the shipped ``small`` and ``default``, or this film's checkpoint and ``--compare``'s), then the
probability each gave to each actual next token (or word) of a sentence held out from training.

Every sentence that compares the two is chosen from the measured numbers of this pair: which one
is bigger (parameters summed from its weights) and which one is less surprised by real text (bits
per character, from the model card when both have one, else measured on the held-out sentence).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from manim import DOWN, LEFT, UL, FadeIn, FadeOut, Group, Line, Write

import model
from model.hf_folder import is_folder
from model.tokenizer import piece_text

from . import derivations, style
from .base import ExplainerScene
from .components.raster import drawn_width, font_em, shorten
from .components.surprise_strip import SurpriseStrip
from .components.text import label
from .components.text_block import Run, TextBlock, text_lines
from .parameter_count import NOT_PARAMETERS

CHECKPOINTS = ("small", "default")   # the pair without --compare; left to right: fewer parameters
N_NEW = 30                           # tokens each model writes
COLUMN_W = 6.4
MAX_LINES = 6
NAME_CHARS = 28                      # a folder's name is cut to this in a heading
CLOSE_BPC = 0.05                     # bits per character closer than this: "about as good"
CLEAR_BPC = 0.3                      # this much better: "far less surprised by real prose"
# held out from training: the end of Pride and Prejudice (the last 5 % of each novel is held out)
HELDOUT = "With the Gardiners, they were always on the most intimate terms."


def trained_weights(weights: dict) -> list[str]:
    """The names of the arrays that training changes (b_U is a fixed zero: no unembedding bias;
    a tied W_U is W_E itself, counted once)."""
    tied = weights["W_U"].shape[::-1] == weights["W_E"].shape and np.array_equal(weights["W_U"], weights["W_E"].T)
    return [k for k in weights if k not in NOT_PARAMETERS and not (tied and k == "W_U")]


def card_of(checkpoint: str) -> dict | None:
    """The model-card entry of a shipped checkpoint or snapshot; None for a GPT-2 folder."""
    if is_folder(checkpoint):
        return None
    from model.checkpoint import card_entry
    return card_entry(checkpoint)


def full_name(checkpoint: str) -> str:
    """A checkpoint's name: a shipped name, or a folder's own name."""
    return Path(checkpoint).name if is_folder(checkpoint) else checkpoint


def shown_name(checkpoint: str, chars: int = NAME_CHARS) -> str:
    """``full_name`` cut short to ``chars`` characters (the notes give it in full)."""
    return shorten(full_name(checkpoint), chars)


def fitted_name(checkpoint: str, mark: str = "") -> str:
    """``shown_name``, cut further if need be so that it and ``mark`` fit a column's width at
    body size."""
    name, em = shown_name(checkpoint), font_em(style.BODY_SIZE)
    room = COLUMN_W - 0.2 - (drawn_width(mark, em) if mark else 0.0)
    return name if drawn_width(name, em) <= room else shorten(full_name(checkpoint), room - 0.1, em)


def log2_next_token_probs(logits: np.ndarray, ids: list[int]) -> np.ndarray:
    """log2 of the probability (T = 1) each real next token of ``ids`` got from ``logits``
    [n_tokens, n_vocab]: shape [n_tokens - 1] (as ``derivations`` computes it)."""
    x = np.asarray(logits, dtype=np.float64)[: len(ids) - 1]
    x = x - x.max(axis=-1, keepdims=True)
    logp = x - np.log(np.exp(x).sum(axis=-1, keepdims=True))
    return logp[np.arange(len(ids) - 1), np.asarray(ids[1:])] / np.log(2.0)


def word_groups(enc, ids: list[int], text: str, boundaries: set[int] | None = None) -> list[tuple[int, int]]:
    """The tokens of ``ids`` (``text`` encoded by ``enc``) grouped into whole words: (first, last)
    token index of each, in order. A word starts where ``text`` has a space-led run of non-space
    (byte offsets; ``boundaries``: only these may start one, e.g. those both models share); a
    token that runs over a word's end joins the words into one."""
    starts, at = [], 0
    for t in ids:
        starts.append(at)
        at += len(enc.decode_single_token_bytes(t))
    words = {len(text[: m.start()].encode("utf-8")) for m in re.finditer(r"\s*\S+", text)}
    if boundaries is not None:
        words &= boundaries
    groups: list[list[int]] = []
    for j, s in enumerate(starts):
        if not groups or s in words:
            groups.append([j, j])
        else:
            groups[-1][1] = j
    return [(a, b) for a, b in groups]


def running(pieces: list[str], before: str = "") -> list[str]:
    """Sampled tokens' texts as the side-by-side columns draw them: each line break as "↵" (the
    film's mark for it) set off by spaces, so blank lines never push the prompt out of a column.
    ``before``: the text drawn in front of the first piece."""
    out = []
    for piece in pieces:
        shown = ""
        for ch in piece:
            if ch == "\n":
                prev = (before + shown)[-1:]
                shown += ("" if prev in ("", " ") else " ") + "↵ "
            else:
                shown += ch
        shown = re.sub(r"(↵ ) +", r"\1", shown)
        out.append(shown)
        before += shown
    return out


def token_starts(enc, ids: list[int]) -> set[int]:
    """The byte offset where each token of ``ids`` starts."""
    out, at = set(), 0
    for t in ids:
        out.add(at)
        at += len(enc.decode_single_token_bytes(t))
    return out


class ModelSize(ExplainerScene):
    description = "the same prompt continued by a small and a bigger checkpoint, side by side"
    uses_compare = True      # the cache key holds --compare (pipeline/many.scene_key)

    def construct(self):
        self.measure()
        self.show_title()
        self.show_models()
        self.write_side_by_side()
        self.show_quality()
        self.show_surprise()

    # --- the numbers --------------------------------------------------------------------------
    def pair(self) -> list[str]:
        """The two checkpoints, before ordering: the shipped pair, or the film's and --compare's."""
        s = self.context
        return list(CHECKPOINTS) if s.compare is None else [s.checkpoint, s.compare]

    def measure(self):
        """Counts, cards, bits per character and continuations of both; ``self.models`` ordered
        by parameter count (fewer left; of two the same size, the more surprised one left)."""
        s = self.context
        self.counts, self.cards, self.enc, self.cfg, self.heldout, self.logits = {}, {}, {}, {}, {}, {}
        for c in self.pair():
            w = model.weights(c)
            # the other checkpoint's weights are named with it (the file speaks for this render's)
            how = derivations.SIZE if c == s.checkpoint else derivations.size_in_checkpoint(c)
            self.counts[c] = sum(int(self.record(k, (), w[k].size, how)) for k in trained_weights(w))
            self.cards[c], self.enc[c], self.cfg[c] = card_of(c), model.get_encoding(c), model.config(c)
            self.heldout[c] = self.enc[c].encode(HELDOUT)[: self.cfg[c]["n_ctx"]]
            self.logits[c] = model.run_tokens(self.heldout[c], c)["logits"]
        self.bpc_from_card = all(card is not None and "heldout_prose_bpc" in card for card in self.cards.values())
        self.bpc = {}
        for c in self.pair():
            if self.bpc_from_card:
                self.bpc[c] = self.record("heldout_prose_bpc", (), self.cards[c]["heldout_prose_bpc"],
                                          derivations.MODEL_CARD, checkpoint=c)
            else:
                ids = self.heldout[c]
                bits = -log2_next_token_probs(self.logits[c], ids).sum()
                chars = len(self.enc[c].decode(ids[1:]))
                self.bpc[c] = self.record("logits", (), bits / chars, derivations.BITS_PER_CHARACTER,
                                          checkpoint=c, tokens=ids)
        self.models = sorted(self.pair(), key=lambda c: (self.counts[c], -self.bpc[c]))
        self.new = {c: s.sample(s.prompt, N_NEW, checkpoint=c) for c in self.models}
        self.rule = s.sampling_rule(self.trace.config["n_vocab"])

    def next_token_probs(self) -> tuple[list[int], dict]:
        """HELDOUT's ids (the same for both models), and for each checkpoint the probability
        (T = 1) it gave each actual next token, recorded with that checkpoint and those tokens."""
        ids = self.heldout[self.models[0]]
        probs = {}
        for c in self.models:
            logits = self.logits[c]
            probs[c] = [self.record("logits", (j, ids[j + 1]), model.softmax(logits[j], 1.0)[ids[j + 1]],
                                    derivations.softmax(1), checkpoint=c, tokens=ids)
                        for j in range(len(ids) - 1)]
        return ids, probs

    def next_word_probs(self) -> tuple[list[str], dict]:
        """HELDOUT's words after the first (the first is never predicted), and for each checkpoint
        the probability it gave each whole word: the product of its own tokens' (T = 1), recorded."""
        shared = set.intersection(*[token_starts(self.enc[c], self.heldout[c]) for c in self.models])
        words, probs = None, {}
        for c in self.models:
            ids, enc = self.heldout[c], self.enc[c]
            groups = word_groups(enc, ids, HELDOUT, shared)[1:]
            log2p = log2_next_token_probs(self.logits[c], ids)
            probs[c] = [self.record("logits", (), 2.0 ** log2p[a - 1: b].sum(),
                                    derivations.tokens_probability(a, b), checkpoint=c, tokens=ids)
                        for a, b in groups]
            text = [enc.decode_bytes(ids[a: b + 1]).decode("utf-8", errors="backslashreplace") for a, b in groups]
            if words is not None and text != words:     # the shared boundaries make them one
                raise RuntimeError(f"the two models split the held-out sentence differently: {words} / {text}")
            words = text
        return words, probs

    # --- what the numbers let us say ----------------------------------------------------------
    def bigger(self) -> bool:
        return self.counts[self.models[0]] < self.counts[self.models[1]]

    def better(self) -> str | None:
        """The checkpoint with the lower bits per character; None when they are within CLOSE_BPC."""
        a, b = self.models
        if abs(self.bpc[a] - self.bpc[b]) < CLOSE_BPC:
            return None
        return a if self.bpc[a] < self.bpc[b] else b

    def called(self, c: str) -> str:
        """How a sentence names a model: by size when the sizes differ, else by name."""
        if self.bigger():
            return "the bigger model" if c == self.models[1] else "the smaller model"
        return shown_name(c)

    def unseen(self) -> str:
        """The held-out text, as said: no shipped model trained on it; a folder's data is unknown."""
        if any(is_folder(c) for c in self.models):
            return "held out from our models' training"
        return "neither model saw"

    def training_line(self, c: str) -> str:
        """What the model card says of ``c``'s training (its numbers recorded); a folder has none."""
        card = self.cards[c]
        if card is None:
            return "no model card"
        tokens = self.record("tokens_seen", (), card["tokens_seen"], derivations.MODEL_CARD, checkpoint=c)
        if "parent" in card:        # a snapshot: the run's minutes are the whole run's, not its own
            step = int(self.record("step", (), card["step"], derivations.MODEL_CARD, checkpoint=c))
            if step == 0:
                return "step 0: random weights"
            return f"trained {step} steps on {tokens / 1e6:.1f} M tokens"
        minutes = self.record("train_minutes", (), card["train_minutes"], derivations.MODEL_CARD, checkpoint=c)
        return f"trained {minutes:g} min on {tokens / 1e6:.1f} M tokens"

    def spoken_training(self, c: str) -> str:
        card = self.cards[c]
        if card is None:
            return "a GPT-2 folder with no model card"
        if "parent" in card:
            return "random weights, never trained" if card["step"] == 0 else f"after {card['step']} training steps"
        return "trained for minutes" if card["train_minutes"] < 60 else "trained for hours"

    # --- drawing ------------------------------------------------------------------------------
    def show_title(self):
        better = self.better()
        if not self.bigger():
            title = "Same size, different weights"
        elif better == self.models[1]:
            title = "Bigger model, better text"
        else:
            title = "Two models, side by side"
        self.title_text = title
        self.title = label(title, style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        self.play(Write(self.title), run_time=0.7)
        if self.bigger():
            self.say("Does size matter? Give the same prompt to two models of different size.", 3.0)
        else:
            self.say("Give the same prompt to two models of the same size, with different weights.", 3.0)
        self.wait(2.5)

    def column_x(self, i: int) -> float:
        return -6.75 + i * (COLUMN_W + 0.7)

    def show_models(self):
        th = self.theme
        self.heads, self.blocks = Group(), []
        for i, c in enumerate(self.models):
            cfg = self.cfg[c]
            mark = "  (this film's model)" if c == self.context.checkpoint else ""
            name = [(fitted_name(c, mark), th.text)] + ([(mark, th.muted)] if mark else [])
            head = text_lines([
                (name, style.BODY_SIZE, th.text),
                (f"{self.counts[c]:,} parameters", style.SMALL_SIZE, th.text),
                (f"{cfg['n_layer']} layers × {cfg['n_head']} heads, width {cfg['d_model']}",
                 style.SMALL_SIZE, th.muted),
                (self.training_line(c), style.SMALL_SIZE, th.muted)], gap=0.1)
            head.move_to([self.column_x(i), 2.85, 0], aligned_edge=UL)
            self.heads.add(head)
            enc = self.enc[c]       # each model's own tokens, drawn with its own tokenizer
            pieces = running([piece_text(enc, t) for t in self.new[c]], self.context.prompt)
            runs = [Run(self.context.prompt, th.text)] + [Run(p, th.chosen) for p in pieces]
            block = TextBlock(runs, COLUMN_W, style.SMALL_SIZE, max_lines=MAX_LINES, shown=1, theme=self.theme)
            block.next_to(head, DOWN, buff=0.3).align_to(head, LEFT)
            self.blocks.append(block)
        # how both were sampled, at the foot until the bits per character take its place
        self.rule_line = text_lines([(f"both sampled at {self.rule}, same seed", style.SMALL_SIZE,
                                      th.muted)]).to_edge(DOWN, buff=0.3)
        self.heads.add(self.rule_line)
        rule = Line([0, 2.85, 0], [0, -2.45, 0], color=th.neutral, stroke_width=2)
        rule.set_x((self.column_x(0) + COLUMN_W + self.column_x(1)) / 2)
        self.play(FadeIn(self.heads), FadeIn(rule), *[FadeIn(b) for b in self.blocks], run_time=0.8)
        left, right = self.models
        times = self.counts[right] / self.counts[left]
        size = (f"{round(times)} times bigger" if times >= 1.5 else "a little bigger" if self.bigger()
                else "the same size")
        self.say(f"Left, {shown_name(left)}, {self.spoken_training(left)}; right, {shown_name(right)}, "
                 f"{size}, {self.spoken_training(right)}.", 4.0)
        self.wait(4.5)
        notes = [f"Same prompt, same seed, same sampling rule ({self.rule})."]
        a, b = (self.cfg[c] for c in self.models)
        if a["n_layer"] < b["n_layer"] and a["d_model"] < b["d_model"]:
            notes.insert(0, "The left model has fewer, narrower layers.")
        elif (a["n_layer"], a["n_head"], a["d_model"]) == (b["n_layer"], b["n_head"], b["d_model"]):
            notes.insert(0, "Both have the same design; only their weights differ.")
        if self.enc[left].encode(self.context.prompt) != self.enc[right].encode(self.context.prompt):
            notes.append("Each model reads the prompt in its own tokens.")
        self.pause(" ".join(notes))

    def write_side_by_side(self):
        self.say("Each model continues the prompt, one sampled token at a time.", 3.5)
        self.play(*[b.grow(1, 1 + N_NEW, run_time=7.5) for b in self.blocks])
        left, right = self.models
        better = self.better()
        gap = abs(self.bpc[left] - self.bpc[right])
        if better is None:
            line = "Read both: by the numbers that follow, the two are about equally good."
        elif self.bigger() and better == right and gap >= CLEAR_BPC:
            line = ("Read both. By the numbers that follow, the bigger model is far less surprised "
                    "by real prose.")
        elif self.bigger() and better == left:
            line = (f"Read both: here the smaller model, {shown_name(left)}, is the less surprised by "
                    "real text. Size is not everything; training matters.")
        else:
            line = f"Read both: by the numbers that follow, {self.called(better)} is the better one."
        self.say(line)
        self.wait(6.0)
        self.pause(line + " Bits per character, next, say by how much.")

    def show_quality(self):
        th = self.theme
        marks = Group()
        for i, c in enumerate(self.models):
            t = text_lines([(f"{self.bpc[c]:.2f} bits per character", style.BODY_SIZE, th.text)])
            t.move_to([self.column_x(i), -2.6, 0], aligned_edge=UL)
            marks.add(t)
        if self.bpc_from_card:
            how = f"on Austen text {self.unseen()} (model card): lower is better"
        else:
            how = "measured here on one held-out Austen sentence: lower is better"
        note = text_lines([(how, style.SMALL_SIZE, th.muted)]).to_edge(DOWN, buff=0.3)
        self.heads.remove(self.rule_line)
        self.play(FadeOut(self.rule_line), FadeIn(marks), FadeIn(note), run_time=0.6)
        better = self.better()
        if better is None:
            self.say(f"On Austen text {self.unseen()}, the two are about equally surprised by each character.", 4.5)
        else:
            self.say(f"On Austen text {self.unseen()}, {self.called(better)} is less surprised by each character.", 4.5)
        self.wait(5.5)
        if self.bpc_from_card:
            what = ("Bits per character, from the model card: how surprised each model is, on average, "
                    "by the next character of held-out prose.")
        else:
            what = ("Bits per character, measured on one held-out sentence: each real next token's "
                    "surprise in bits, summed, divided by the characters they spell. One sentence is a "
                    "small sample; the model card measures whole held-out books.")
        self.pause(what + " Lower is better. More parameters and more training bring it down; "
                   "GPT-3 has 175 billion parameters.")

    def show_surprise(self):
        th = self.theme
        left, right = self.models
        names = [shown_name(c, 22) for c in self.models]     # a strip column
        self.per_word = self.heldout[left] != self.heldout[right]
        if self.per_word:
            words, probs = self.next_word_probs()
            rows, unit = words, "word"
            what = "each model's T = 1 probability for each next whole word"
        else:
            ids, probs = self.next_token_probs()
            rows, unit = [piece_text(self.enc[left], t) for t in ids[1:]], "token"
            what = "each model's T = 1 probability for each real next token"
        self.strip = SurpriseStrip(rows, [probs[c] for c in self.models], names,
                                   label_width=2.8 if self.per_word else 2.2, theme=self.theme)
        where = "unseen Austen" if not any(map(is_folder, self.models)) else "held-out Austen"
        head = text_lines([(f"“{HELDOUT}”", style.SMALL_SIZE, th.text),
                           (f"{where}: {what}", style.SMALL_SIZE, th.muted)], gap=0.1)
        head.next_to(self.title, DOWN, buff=0.25).align_to(self.title, LEFT)
        self.strip.next_to(head, DOWN, buff=0.2).align_to(head, LEFT)
        room = self.strip.get_top()[1] + 3.85
        if self.strip.height > room:
            self.strip.scale(room / self.strip.height, about_edge=UL)
        self.play(*[FadeOut(m) for m in self.mobjects if m is not self.title], run_time=0.5)
        self.play(FadeIn(head), FadeIn(self.strip), run_time=0.8)
        if self.per_word:
            self.say(f"Word by word through a sentence {self.unseen()}: how likely did each model find the "
                     "real next word? Each reads it in its own tokens.", 5.0)
        else:
            self.say(f"Token by token through a sentence {self.unseen()}: how likely did each find the "
                     "real next token?", 5.0)
        self.wait(4.0)
        if any(self.strip.surprised):
            self.say(f"Marked: {unit}s {self.called(right)} expected and {self.called(left)} did not.", 3.5)
        else:
            self.say(f"No {unit} here that {self.called(right)} expected and {self.called(left)} found "
                     "unlikely.", 3.5)
        self.wait(4.5)
        if self.per_word:
            how = ("The two models split text into different tokens, so each row is one whole word: "
                   "the probability each model gave it is the product of its own tokens' probabilities, "
                   "from its logits at temperature 1.")
        else:
            how = ("Each row is one real next token of held-out Austen and the probability each model "
                   "gave it, from its logits at temperature 1.")
        if any(self.strip.surprised):
            how += (f" A marked {unit} (its name on a solid chip) is one {self.called(right)} gave at least "
                    f"{self.strip.min_p:.0%} and at least {self.strip.surprise_ratio:g} times what "
                    f"{self.called(left)} gave.")
        self.pause(how + " Long bars mean little surprise. Bits per character average exactly this "
                   "surprise over a whole text.")
