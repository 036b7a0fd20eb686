"""Beat 6: tokenization — the prompt cut into the model's BPE pieces, each with its token id."""
from __future__ import annotations

import numpy as np
import regex
from manim import (DOWN, LEFT, RIGHT, UL, UP, Create, FadeIn, FadeOut, Group, LaggedStart,
                   SurroundingRectangle, Transform, Write, interpolate_color)

import model
from model.tokenizer import PAT_STR

from . import style
from .base import ExplainerScene
from .components import TokenStrip, label, show_piece
from .components.raster import IMAGE_PAD, Canvas, drawn_width, font_em, shorten, text_width
from .components.text_image import text_image

GPT3_VOCAB = 50_257          # GPT-3's vocabulary (GPT-2's byte-level BPE)
EXAMPLE_WORD = " tokenization"   # cut for the class when the prompt has no split word
SAMPLE_IDS = (65, 97, 256, 1024, 4096, 8000)   # a few vocabulary entries shown by id
TEXT_TOP = 2.55              # top of the prompt text / token strip
TEXT_WIDTH = 12.8
TEXT_HEIGHT = 6.2            # room for the wrapped prompt
STRIP_HEIGHT = 4.7           # room for the strip (up to two notes go beneath it)
NOTE_GAP = 0.5
STRIP_SIZE = 36              # the strip's largest font size (long prompts shrink to SMALL_SIZE)


# --- what the tokenizer did (pure functions, tested) --------------------------------------------
def word_spans(text: str, tokens: list[int], checkpoint: str = "default") -> list[tuple[int, int]]:
    """Token index ranges [a, b) of the pre-tokenizer's chunks (a word with its leading space,
    a number, a run of punctuation) among ``tokens``, the last tokens of ``text``'s encoding.

    BPE never merges across chunks, so every token lies in exactly one. Empty if ``text`` holds
    special tokens (whose spelling the chunks do not follow). ``checkpoint``: whose tokenizer.
    """
    enc = model.get_encoding(checkpoint)
    spans, start, joined = [], 0, []
    for chunk in regex.findall(PAT_STR, text):
        ids = enc.encode_ordinary(chunk)
        spans.append((start, start + len(ids)))
        joined += ids
        start += len(ids)
    tokens = list(tokens)
    if not tokens or joined[-len(tokens):] != tokens or len(joined) < len(tokens):
        return []
    offset = len(joined) - len(tokens)
    return [(a - offset, b - offset) for a, b in spans if a >= offset]


def split_word(text: str, tokens: list[int], limit: int | None = None,
               checkpoint: str = "default") -> tuple[int, int] | None:
    """The word (a chunk with a letter in it) cut into the most pieces among the first ``limit``
    tokens; the first such one on a tie. With none, a character spelled from several byte tokens
    (an emoji: just its bytes, not the space before it), the longest such. None if every word
    and every character has a token of its own: only then is nothing here cut."""
    enc = model.get_encoding(checkpoint)
    best, best_key = None, (False, 0)
    for a, b in word_spans(text, tokens, checkpoint):
        if limit is not None and b > limit:
            break
        word = enc.decode(list(tokens[a:b]))
        if b - a >= 2 and any(ch.isalpha() for ch in word):
            found = [(True, a, b)]
        else:
            found = [(False, i, j) for i, j, _ in spelled_in_bytes(tokens, a, b, checkpoint)]
        for is_word, i, j in found:
            if (is_word, j - i) > best_key:
                best, best_key = (i, j), (is_word, j - i)
    return best


def spelled_in_bytes(tokens: list[int], a: int, b: int,
                     checkpoint: str = "default") -> list[tuple[int, int, str]]:
    """Runs [i, j) of tokens in a..b that are loose bytes of characters the vocabulary lacks
    whole (e.g. é as \\xc3 \\xa9), with the characters they spell."""
    enc = model.get_encoding(checkpoint)
    raw = [enc.decode_single_token_bytes(int(t)) for t in tokens[a:b]]

    def whole(bs: bytes) -> bool:
        try:
            bs.decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False

    runs, i = [], 0
    while i < len(raw):
        if whole(raw[i]):
            i += 1
            continue
        j, buf = i + 1, raw[i]
        while j < len(raw) and not whole(buf):
            buf += raw[j]
            j += 1
        if whole(buf):
            runs.append((a + i, a + j, buf.decode("utf-8")))
        i = j
    return runs


def without_spaces(text: str) -> bool:
    """Whether ``text`` holds characters of a script written without spaces between words
    (CJK ideographs, kana, Thai, Lao, Khmer, Myanmar)."""
    return any(0x3040 <= ord(c) <= 0x9FFF or 0xF900 <= ord(c) <= 0xFAFF or 0x20000 <= ord(c) <= 0x2FFFF
               or 0x0E00 <= ord(c) <= 0x0EFF or 0x1000 <= ord(c) <= 0x109F or 0x1780 <= ord(c) <= 0x17FF
               for c in text)


def cut_unit(text: str) -> str:
    """What a cut chunk is, for "…: <unit>, n tokens": "one word"; "5 characters" in a script
    written without spaces (the chunk is a run of characters); "one character" (an emoji)."""
    if without_spaces(text):
        return f"{len(text.strip())} characters"
    if any(ch.isalpha() for ch in text):
        return "one word"
    n = len(text.strip())
    return "one character" if n == 1 else f"{n} characters"


def char_name(text: str) -> str:
    """Characters as they can be drawn here: emoji (no font for them) by their code point."""
    return "".join(f"U+{ord(c):04X}" if ord(c) >= 0x1F000 else c for c in text)


# --- the prompt as wrapped text, optionally tinted token by token -------------------------------
def flow(widths: list[float], breaks: list[bool], width: float) -> list[tuple[float, int]]:
    """(x, line) of each item laid out left to right; wraps at ``width``; ``breaks[i]`` ends the
    line after item i (a newline)."""
    out, x, line = [], 0.0, 0
    for w, brk in zip(widths, breaks):
        if x > 0 and x + w > width:
            x, line = 0.0, line + 1
        out.append((x, line))
        x += w
        if brk:
            x, line = 0.0, line + 1
    return out


class PromptPieces(Group):
    """The prompt wrapped into lines as one image: plain words, or each token on its own grey tint.

    ``parts[i]`` (default 1 each) is how many tokens item i stands for: a character spelled from
    several byte tokens is drawn whole, on that many stripes of alternating tint, one per token.
    ``n_shown`` items fit (the rest, if any, are cut with …); ``size`` is the font size chosen.
    Raises ValueError when ``parts`` and ``items`` differ in length.
    """

    def __init__(self, items: list[str], tinted: bool, width: float = TEXT_WIDTH,
                 max_height: float = TEXT_HEIGHT, *, theme: style.Theme, parts: list[int] | None = None):
        super().__init__()
        parts = [1] * len(items) if parts is None else list(parts)
        if len(parts) != len(items):
            raise ValueError(f"{len(parts)} part counts for {len(items)} items")
        self.theme = th = theme
        for size in (style.BODY_SIZE, style.SMALL_SIZE):
            em = font_em(size)
            pitch = 1.5 * em
            texts = [it.replace("\n", "↵" if tinted else "").replace("\t", "⇥") for it in items]
            widths = [text_width(t, em) for t in texts]
            where = flow(widths, ["\n" in it for it in items], width)
            n_lines = where[-1][1] + 1
            if n_lines * pitch <= max_height:
                break
        self.size = size
        max_lines = max(1, int(max_height / pitch))
        shown = [i for i, (_, line) in enumerate(where) if line < max_lines]
        self.n_shown = len(shown)
        lines = where[shown[-1]][1] + 1
        cut = self.n_shown < len(items)
        used = max(where[i][0] + widths[i] for i in shown) + (0.35 if cut else 0.0)
        c = Canvas(min(width, used), lines * pitch)
        shades = (th.data_low, interpolate_color(th.data_low, th.data_high, 0.3))
        inset = 0.02   # a thin gap shows where one token ends and the next begins
        starts = np.cumsum([0] + parts[:-1])       # the token each item starts with
        for i in shown:
            x, line = where[i]
            y = line * pitch
            if tinted:
                step = widths[i] / parts[i]
                gap = min(inset, step / 4)          # a zero-width character has no room for gaps
                for k in range(parts[i] if step > 0.01 else 0):   # nothing to shade at zero width
                    c.rect(x + k * step + gap, y + 0.12 * em, x + (k + 1) * step - gap,
                           y + pitch - 0.12 * em, shades[(starts[i] + k) % 2])
            c.text(x, y + pitch / 2, texts[i], em, th.text, anchor="lm")
        if cut:
            x, line = where[shown[-1]]
            c.text(min(x + widths[shown[-1]] + 0.05, width - 0.3), line * pitch + pitch / 2, "…",
                   em, th.muted, anchor="lm")
        self.image = c.mobject()
        self.add(self.image)


def fitted_strip(pieces: list[str], ids: list[int], theme: style.Theme) -> tuple[TokenStrip, int]:
    """The token strip of as many leading tokens as fit in TEXT_WIDTH x STRIP_HEIGHT, and how many."""
    k = len(pieces)
    while True:
        strip = TokenStrip(pieces[:k], ids[:k], size=STRIP_SIZE, max_width=TEXT_WIDTH,
                           max_height=STRIP_HEIGHT, theme=theme)
        if strip.height <= STRIP_HEIGHT + 1e-6 or k == 1:
            return strip, k
        # rows have a fixed pitch plus a gap between them: a guess, checked on the next turn
        fit_rows = max(1, int(strip.n_rows * (STRIP_HEIGHT + 0.3) / (strip.height + 0.3)))
        k = max(1, min(k - 1, sum(1 for r in strip.rows if r < fit_rows)))


class Tokenization(ExplainerScene):
    description = "the prompt cut into BPE pieces (spaces shown as ␣), each with its token id"

    def construct(self):
        self.enc = model.get_encoding(self.context.checkpoint)
        self.tokens = list(self.trace.tokens)
        self.pieces = list(self.trace.pieces)
        self.text = self.enc.decode(self.tokens)
        self.show_text()
        self.cut_text()
        self.show_strip()
        self.show_ids()
        self.point_out_split_word()
        self.vocabulary()

    # --- steps ----------------------------------------------------------------------------------
    def show_text(self):
        self.title = label("Tokenization", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        words = regex.findall(PAT_STR, self.text)
        self.plain = PromptPieces(words, tinted=False, theme=self.theme).move_to([0, TEXT_TOP, 0], aligned_edge=UP)
        self.play(Write(self.title), run_time=0.6)
        self.play(FadeIn(self.plain), run_time=0.8)
        self.say("A transformer does not read letters. First, the text is cut into pieces called tokens.", 4.0)
        self.wait(3.5)
        self.pause("Here is the prompt as we typed it. The network cannot take text in directly: "
                   "the first step cuts it into tokens.")

    def cut_text(self):
        n = len(self.tokens)
        # a character spelled from several byte tokens is drawn whole, one tint stripe per token
        items, parts, i = [], [], 0
        runs = {a: (b, chars) for a, b, chars in spelled_in_bytes(self.tokens, 0, n, self.context.checkpoint)}
        while i < n:
            if i in runs:
                b, chars = runs[i]
                items.append(char_name(chars))
                parts.append(b - i)
                i = b
            else:
                items.append(self.pieces[i])
                parts.append(1)
                i += 1
        self.tinted = PromptPieces(items, tinted=True, parts=parts, theme=self.theme)
        self.tinted.move_to([0, TEXT_TOP, 0], aligned_edge=UP)
        self.bytes_drawn = max(parts) > 1
        count = f"{n} tokens" if n != 1 else "1 token"
        if len(self.enc.encode(self.context.prompt, allowed_special="all")) > n:
            count = f"the last {n} tokens (the model's window)"
        self.count = label(count, style.SMALL_SIZE, color=self.theme.muted)
        self.count.next_to(self.title, RIGHT, buff=0.45).align_to(self.title, DOWN)
        self.play(FadeOut(self.plain), FadeIn(self.tinted), FadeIn(self.count), run_time=1.0)
        self.say("Each shaded piece is one token: often a whole word with the space before it, "
                 "sometimes part of a word.", 4.5)
        if self.bytes_drawn:
            self.say("A character the vocabulary lacks is spelled byte by byte: one stripe per token.", 4.0)
        self.wait(4.5)
        self.pause("The tokenizer is byte-pair encoding: common words are one token, rarer ones are "
                   "built from pieces. Same cut every time for the same text."
                   + (" A character with no token of its own is spelled from its UTF-8 bytes, one token "
                      "each: its shading is cut into that many stripes." if self.bytes_drawn else ""))

    def show_strip(self):
        self.strip, self.n_strip = fitted_strip(self.pieces, self.tokens, self.theme)
        self.strip.move_to([0, TEXT_TOP, 0], aligned_edge=UP)
        self.below = self.strip.get_bottom()[1]
        changes = [FadeOut(self.tinted)]
        if self.n_strip < len(self.tokens):   # said beside the title: the notes' room is for words
            count = label(f"the first {self.n_strip} of {len(self.tokens)} tokens", style.SMALL_SIZE,
                          color=self.theme.muted).move_to(self.count, aligned_edge=LEFT)
            changes.append(Transform(self.count, count))
        self.play(*changes, run_time=0.4)
        self.play(LaggedStart(*[Create(b) for b in self.strip.boxes], lag_ratio=0.6 / max(1, self.n_strip)),
                  FadeIn(self.strip.piece_images), run_time=1.2)
        self.say("One box per token. A space belongs to the word after it: we draw it as ␣.", 4.0)
        self.wait(4.0)
        spaced = any(p.startswith(" ") for p in self.pieces[:self.n_strip])
        self.pause("Each box is one token. "
                   + ("Point out the ␣: the space is part of the token that follows it, so "
                      if spaced else "This prompt has no spaces; in text that has them, the space is "
                      "part of the token that follows it, so ")
                   + f"“␣father” is {self.spelled(' father')} and “father” is {self.spelled('father')}.")

    def show_ids(self):
        self.play(LaggedStart(*[FadeIn(m, shift=UP * 0.15) for m in self.strip.id_images],
                              lag_ratio=0.5 / max(1, self.n_strip)), run_time=1.0)
        self.say("Each piece is an entry in the model's vocabulary. Its number there, the token id, "
                 "is all the network receives.", 5.0)
        self.wait(5.0)
        self.pause("The ids beneath are positions in the vocabulary. From here on the model only "
                   "sees these numbers, never the letters.")

    def point_out_split_word(self):
        span = split_word(self.context.prompt, self.tokens, self.n_strip, self.context.checkpoint)
        if span is None:
            self.example_word()
            return
        a, b = span
        rows = {self.strip.rows[i] for i in range(a, b)}
        if len(rows) == 1:
            boxes = [SurroundingRectangle(Group(*[self.strip.box(i) for i in range(a, b)]),
                                          color=self.theme.text, buff=0.06, stroke_width=5)]
        else:
            boxes = [self.strip.highlight(i, color=self.theme.text) for i in range(a, b)]
        cut = " + ".join(show_piece(self.pieces[i]) for i in range(a, b))
        text = self.enc.decode(self.tokens[a:b])
        word = show_piece(text)
        unit = cut_unit(text)
        notes = [self.note([f"{cut}: {unit}, {b - a} tokens", f"{word}: {unit}, {b - a} tokens"],
                           self.theme.text, mono=True)]
        left_out = ""
        runs = spelled_in_bytes(self.tokens, a, b, self.context.checkpoint)
        for i, j, chars in runs[:1]:
            spelled = " ".join(show_piece(self.pieces[t]) for t in range(i, j))
            line = f"{spelled}: the {j - i} bytes of {char_name(chars)}"
            if self.room_for_note():
                notes.append(self.note([line], self.theme.muted, mono=True))
            else:                        # a strip of many rows: the line goes to the notes
                left_out = f" ({line}.)"
        self.play(*[Create(r) for r in boxes], *[FadeIn(m) for m in notes], run_time=0.8)
        if unit == "one word":
            self.say("A word the vocabulary lacks whole is built from several tokens.", 3.5)
            self.wait(3.5)
            self.pause("One word, several tokens: the vocabulary has no entry for the whole word, so "
                       "the tokenizer spells it from pieces it does have." + left_out)
        elif not without_spaces(text):      # a symbol or emoji spelled from its bytes
            self.say("A character the vocabulary lacks is spelled from its bytes, one token each.", 4.0)
            self.wait(3.5)
            self.pause(f"{unit.capitalize()}, {b - a} tokens: the vocabulary has no entry for "
                       f"“{text.strip()}”, so the tokenizer spells it from its UTF-8 bytes, "
                       "one token each." + left_out)
        else:
            every = sum(j - i for i, j, _ in runs) == b - a
            self.say("With no spaces, the tokenizer cuts a run of characters at a time; a character "
                     "the vocabulary lacks is built from several tokens.", 5.0)
            self.wait(3.0)
            self.pause(f"No spaces between these words, so the tokenizer's chunk is a run of {unit}, "
                       f"cut into {b - a} tokens: "
                       + ("the vocabulary has none of these characters whole, so each is spelled "
                          "from its bytes." if every else
                          "pieces the vocabulary has, and characters it lacks spelled from their bytes.")
                       + left_out)
        self.strip_extras = Group(*boxes, *notes)

    def example_word(self):
        """No split word in the prompt: cut a rarer word for the class instead."""
        ids = self.enc.encode_ordinary(EXAMPLE_WORD)
        pieces = [self.piece(t) for t in ids]
        strip = TokenStrip(pieces, ids, max_width=TEXT_WIDTH, theme=self.theme)
        head = label("No word here is cut in pieces. A rarer word:", style.SMALL_SIZE, color=self.theme.muted)
        cut = " + ".join(show_piece(p) for p in pieces)
        note = label(f"{cut}: one word, {len(ids)} tokens", style.SMALL_SIZE, color=self.theme.text, mono=True)
        self.play(FadeOut(self.strip), run_time=0.4)
        head.move_to([0, 1.6, 0])
        strip.next_to(head, DOWN, buff=0.45)
        note.next_to(strip, DOWN, buff=0.45)
        self.play(FadeIn(head), FadeIn(strip), run_time=0.7)
        self.play(FadeIn(note), run_time=0.5)
        self.say("A word the vocabulary lacks whole is built from several tokens.", 3.5)
        self.wait(3.5)
        whole = ("This prompt's words" if self.n_strip >= len(self.tokens) else "The words shown")
        self.pause(f"{whole} each have their own token, every character too. A rarer word like "
                   "“tokenization” is spelled from several pieces the vocabulary does have.")
        self.strip = strip
        self.strip_extras = Group(head, note)

    def vocabulary(self):
        n_vocab = int(self.trace.config["n_vocab"])
        self.play(FadeOut(self.strip), FadeOut(self.strip_extras), run_time=0.5)
        head = label("The vocabulary: every token the model knows", style.BODY_SIZE, theme=self.theme)
        head.move_to([0, 2.3, 0])
        bars = self.vocab_bars(n_vocab)
        bars.next_to(head, DOWN, buff=0.5)
        samples = [t for t in SAMPLE_IDS if t < n_vocab]
        strip = TokenStrip([self.piece(t) for t in samples], samples, size=style.SMALL_SIZE,
                           max_width=TEXT_WIDTH, gap=0.3, theme=self.theme)
        strip.next_to(bars, DOWN, buff=0.55)
        self.play(FadeIn(head), run_time=0.5)
        self.play(FadeIn(bars[0], shift=RIGHT * 0.3), run_time=0.8)
        self.say(f"This model's vocabulary has {n_vocab:,} tokens. GPT-3's had {GPT3_VOCAB:,}.", 4.0)
        self.play(FadeIn(bars[1], shift=RIGHT * 0.3), run_time=0.8)
        self.wait(3.2)
        extra = [strip]
        if all(len(self.enc.decode_single_token_bytes(i)) == 1 for i in range(256)):
            bytes_note = label("ids 0–255 are the 256 single bytes, so any text can be spelled",
                               style.SMALL_SIZE, color=self.theme.muted)
            bytes_note.next_to(strip, DOWN, buff=0.4)
            extra.append(bytes_note)
        self.play(*[FadeIn(m) for m in extra], run_time=0.7)
        self.say("A few of its entries, with their ids. The first 256 are single bytes, "
                 "so nothing is ever out of vocabulary.", 5.0)
        self.wait(5.0)
        self.pause(f"{n_vocab:,} entries here, {GPT3_VOCAB:,} in GPT-3. Whatever you type, it can be "
                   "written with them: at worst, byte by byte.")

    # --- helpers ----------------------------------------------------------------------------------
    def spelled(self, text: str) -> str:
        """How the tokenizer writes ``text``: "token 818", or "2 tokens (f + ather)"."""
        ids = self.enc.encode_ordinary(text)
        if len(ids) == 1:
            return f"token {ids[0]}"
        return f"{len(ids)} tokens ({' + '.join(show_piece(self.piece(t)) for t in ids)})"

    def room_for_note(self) -> bool:
        """Whether one more line fits beneath the notes before the frame's bottom margin."""
        from manim import config
        height = 1.25 * font_em(style.SMALL_SIZE) + 0.1
        return self.below - NOTE_GAP - height >= -config.frame_height / 2 + 0.2

    def note(self, texts: list[str], color, mono: bool = False):
        """A line beneath the strip, below the previous one: the first of ``texts`` that fits the
        width at the readable size (the last one cut with … if none does)."""
        em = font_em(style.SMALL_SIZE)
        text = next((t for t in texts if drawn_width(t, em, mono, pad=IMAGE_PAD) <= TEXT_WIDTH), None)
        if text is None:
            text = shorten(texts[-1], TEXT_WIDTH - 0.3, em, mono=mono)   # room for hinting
        m = text_image(text, color=color, mono=mono, theme=self.theme)
        self.below -= NOTE_GAP
        m.move_to([0, self.below, 0], aligned_edge=UP)
        self.below -= m.height
        return m

    def vocab_bars(self, n_vocab: int) -> Group:
        """This model's vocabulary and GPT-3's as bars on one scale (one image)."""
        th = self.theme
        em = font_em(style.SMALL_SIZE)
        name_w, full = 2.4, 7.6
        rows = [("this model", n_vocab, th.text), ("GPT-3", GPT3_VOCAB, th.muted)]
        h, pitch = 0.45, 0.8
        scale = full / max(v for _, v, _ in rows)
        group = Group()
        for r, (name, v, color) in enumerate(rows):
            c = Canvas(name_w + full + 3.2, pitch)
            c.text(name_w - 0.2, pitch / 2, name, em, th.text, anchor="rm", mono=False)
            w = v * scale
            fill = interpolate_color(th.data_low, th.data_high, 0.45)
            c.rect(name_w, (pitch - h) / 2, name_w + w, (pitch + h) / 2, fill)
            c.text(name_w + w + 0.2, pitch / 2, f"{v:,} tokens", em, color, anchor="lm", mono=False)
            group.add(c.mobject().move_to([0, -r * pitch, 0]))
        return group
