"""Beat 10: context size — the model reads at most n_ctx tokens; a long text slides through that window."""
from __future__ import annotations

import functools

from manim import (DOWN, RIGHT, UL, UP, FadeIn, FadeOut, Group, ValueTracker, Write,
                   interpolate_color, linear)

import model
from model.tokenizer import running_pieces

from . import style
from .base import ExplainerScene
from .manim_internals import set_picture
from .components import label
from .components.raster import Canvas, font_em, shorten, text_width
from .components.text_image import text_image

GPT3_CONTEXT = 2_048
PAST_WINDOW = 32            # the text runs this many tokens past a full window
TAPE_Y = 1.45               # centre of the tape of tokens
TAPE_WIDTH = 12.6
TAPE_HEIGHT = 0.5
PANEL_TOP = 0.2             # top of the two edge readouts
PANEL_WIDTH = 6.2
FILL_SECONDS = 4.0          # the text growing from the prompt's end until it fills the window
SLIDE_SECONDS = 5.0         # the window sliding on from there to the text's end
EDGE_TOKENS = 48            # the edge readouts cut from this many tokens (the notes give them whole)


@functools.lru_cache(maxsize=8)
def long_text(prompt: str, n_ctx: int, seed: int, checkpoint: str = "default",
              temperature: float = 0.8, top_k: int = model.TOP_K) -> tuple[tuple[int, ...], int]:
    """The prompt's tokens, all of them, then as many the model writes after it as it takes to run
    ``PAST_WINDOW`` tokens past a full window. Returns (tokens, how many are the prompt's).

    Seeded, so the same arguments give the same text: kept for the next render in this process.
    """
    prompt_ids = model.get_encoding(checkpoint).encode(prompt, allowed_special="all")
    need = n_ctx + PAST_WINDOW - len(prompt_ids)
    new = (model.generate(prompt, need, temperature=temperature, top_k=top_k or None, seed=seed,
                          checkpoint=checkpoint) if need > 0 else [])
    return tuple(prompt_ids) + tuple(new), len(prompt_ids)


def window(n_seen: int, n_ctx: int) -> tuple[int, int]:
    """Token index range [start, end) the model can see once ``n_seen`` tokens exist."""
    return max(0, n_seen - n_ctx), n_seen


def dropped(tokens: list[int], n_ctx: int) -> list[int]:
    """What has fallen out of the window at the end: everything before the last ``n_ctx``."""
    return list(tokens[: max(0, len(tokens) - n_ctx)])


def repaint(image, new) -> None:
    """Give ``image`` the pixels of ``new``, a drawing of the same size (the mobject stays the
    same one, so Manim's list of what moves this frame still holds it)."""
    set_picture(image, new.pixel_array)
    image.drawing = new.drawing
    image.text_boxes = list(getattr(new, "text_boxes", []))   # what it now reads (layout check, notes)


def readable(piece: str) -> str:
    return piece.replace("\n", "↵").replace("\t", "⇥")


class ContextSize(ExplainerScene):
    description = "the model's real context window (n_ctx tokens) sliding over a long text; GPT-3's 2,048"

    def construct(self):
        self.n_ctx = int(self.trace.config["n_ctx"])
        self.make_text()
        self.show_window()
        self.slide_window()
        self.what_fell_out()
        self.compare_gpt3()

    # --- the text ---------------------------------------------------------------------------------
    def make_text(self):
        s = self.context
        tokens, self.n_prompt = long_text(s.prompt, self.n_ctx, s.seed, s.checkpoint, s.temperature, s.top_k)
        self.tokens = list(tokens)
        # each token's share of the text as read: a character split over several byte tokens (CJK)
        # is drawn whole at the token that completes it, never as \xNN bytes
        self.pieces = [readable(p) for p in running_pieces(model.get_encoding(s.checkpoint), self.tokens)]
        self.n = len(self.tokens)
        self.em = font_em(style.SMALL_SIZE)
        self.widths = [text_width(p, self.em) for p in self.pieces]
        self.cell_colors = [(self.colors(i, True), self.colors(i, False)) for i in range(self.n)]
        # the film's provenance names what the model sees at the end: the last n_ctx tokens
        self.use_trace(model.run_tokens(self.tokens[-self.n_ctx:], s.checkpoint, s.prompt))
        self.start = self.n_prompt if self.n_prompt < self.n else min(self.n_ctx, self.n)
        self.seen = ValueTracker(self.start)

    # --- steps ------------------------------------------------------------------------------------
    def show_window(self):
        th = self.theme
        self.title = label("Context size", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        sub = label(f"this model reads at most {self.n_ctx} tokens at once", style.SMALL_SIZE, color=th.muted)
        sub.next_to(self.title, RIGHT, buff=0.45).align_to(self.title, DOWN)
        self.legend = self.legend_image().move_to([0, TAPE_Y + 0.75, 0])
        self.tape = self.draw_tape()
        self.panels = self.draw_panels()
        self.play(Write(self.title), FadeIn(sub), run_time=0.7)
        self.play(FadeIn(self.tape), FadeIn(self.legend), run_time=0.8)
        self.play(FadeIn(self.panels), run_time=0.5)
        self.say(f"A transformer reads a fixed number of tokens at once: its context window. "
                 f"This model's holds {self.n_ctx}.", 4.5)
        self.wait(4.5)
        self.pause(f"The frame is the model's context window: {self.n_ctx} tokens, the size it was "
                   "built and trained with. Each thin cell on the tape is one token of text.")

    def slide_window(self):
        full = min(max(self.start, self.n_ctx), self.n)
        if full > self.start:
            self.advance(full, max(1.0, FILL_SECONDS * (full - self.start) / self.n_ctx))
            self.say("As the model writes, the text grows until it fills the window.", 3.5)
            self.wait(3.5)
            self.pause("The window is full now. The model still sees every token so far: the "
                       "prompt and everything it wrote after it.")
        if self.n > full:
            self.say("From now on, each new token pushes the oldest one out.", 3.5)
            self.advance(self.n, SLIDE_SECONDS)
        self.wait(0.5)

    def advance(self, to: int, seconds: float) -> None:
        """Grow the text to ``to`` tokens, the window following its end."""
        live = [(self.tape, self.draw_tape), (self.panels, self.draw_panels)]
        for image, draw in live:   # repainted every frame while the window moves, static after
            image.add_updater(lambda m, draw=draw: repaint(m, draw()))
        self.play(self.seen.animate(rate_func=linear).set_value(to), run_time=seconds)
        for image, _ in live:
            image.clear_updaters()

    def what_fell_out(self):
        lost = self.n - self.n_ctx
        if lost <= 0:
            return
        what = "the whole prompt" if self.n_prompt <= lost else "the prompt's start"
        note = text_image(f"{lost} tokens have left the window, {what} among them", theme=self.theme)
        note.to_edge(DOWN, buff=0.45)
        self.play(FadeIn(note, shift=UP * 0.2), run_time=0.6)
        self.say("The earliest tokens fall out of the window. The model cannot see them any more: "
                 "in a long chat, it forgets how the conversation began.", 5.5)
        self.wait(5.5)
        self.pause("Whatever slides out on the left is gone for the model: not blurred, not summarised, "
                   "simply not in its input. That is why a long chat can forget its first messages.")
        self.note = note

    def compare_gpt3(self):
        gone = [self.panels, self.legend] + ([self.note] if hasattr(self, "note") else [])
        self.play(*[FadeOut(m) for m in gone], run_time=0.5)
        bars = self.compare_bars().move_to([0, -1.3, 0])
        self.play(FadeIn(bars, shift=RIGHT * 0.3), run_time=1.0)
        self.say(f"GPT-3's window held {GPT3_CONTEXT:,} tokens, {GPT3_CONTEXT // self.n_ctx} times "
                 f"this model's {self.n_ctx}. The rule is the same: outside the window, nothing.", 5.5)
        self.wait(5.5)
        self.pause(f"GPT-3: {GPT3_CONTEXT:,} tokens of context. Bigger windows cost more: attention "
                   "compares every token in the window with every other.")

    # --- drawings -----------------------------------------------------------------------------------
    def colors(self, i: int, inside: bool):
        th = self.theme
        prompt = i < self.n_prompt
        base = (interpolate_color(th.data_low, th.data_high, 0.45 if i % 2 else 0.3) if prompt
                else interpolate_color(th.background, th.chosen, 0.85 if i % 2 else 0.65))
        return base if inside else interpolate_color(th.background, base, 0.3)

    def draw_tape(self):
        th = self.theme
        n_seen = int(round(self.seen.get_value()))
        lo, hi = window(n_seen, self.n_ctx)
        cw = TAPE_WIDTH / self.n
        pad = 0.12
        c = Canvas(TAPE_WIDTH + 2 * pad, TAPE_HEIGHT + 2 * pad + 0.55)
        gap = 0.012 if cw > 0.05 else 0.0
        for i in range(n_seen):
            x = pad + i * cw
            c.rect(x + gap, pad, x + cw - gap, pad + TAPE_HEIGHT, self.cell_colors[i][0 if lo <= i < hi else 1])
        x0, x1 = pad + lo * cw, pad + (lo + self.n_ctx) * cw
        stroke = 0.05
        c.rect(x0 - stroke, pad - 0.09, x1 + stroke, pad - 0.09 + stroke, th.text)
        c.rect(x0 - stroke, pad + TAPE_HEIGHT + 0.09 - stroke, x1 + stroke, pad + TAPE_HEIGHT + 0.09, th.text)
        c.rect(x0 - stroke, pad - 0.09, x0, pad + TAPE_HEIGHT + 0.09, th.text)
        c.rect(x1, pad - 0.09, x1 + stroke, pad + TAPE_HEIGHT + 0.09, th.text)
        em = font_em(style.SMALL_SIZE)
        text = f"window: {self.n_ctx} tokens"
        w = text_width(text, em, mono=False)
        cx = min(max((x0 + x1) / 2, w / 2 + 0.05), TAPE_WIDTH + 2 * pad - w / 2 - 0.05)
        c.text(cx, pad + TAPE_HEIGHT + 0.38, text, em, th.text, anchor="mm", mono=False)
        return c.mobject().move_to([0, TAPE_Y - 0.275, 0])

    def draw_panels(self):
        """The text at the window's two edges: what just fell out and what is newest."""
        th = self.theme
        n_seen = int(round(self.seen.get_value()))
        lo, hi = window(n_seen, self.n_ctx)
        em = font_em(style.SMALL_SIZE)
        pitch = 1.5 * em
        total_w = 2 * PANEL_WIDTH + 0.6
        c = Canvas(total_w, 4 * pitch)
        top = 0.0
        # left panel: the window's first tokens, and before them what has fallen out
        left = 0.0
        c.text(left, top + pitch / 2, "left the window", em, th.muted, anchor="lm", mono=False)
        out = self.tail_text(lo, PANEL_WIDTH, em) if lo > 0 else ""
        if out:
            c.text(left, top + 1.5 * pitch, out, em, interpolate_color(th.background, th.text, 0.45), anchor="lm")
            ow = text_width(out, em)
            c.rect(left, top + 1.5 * pitch - 0.012, left + ow, top + 1.5 * pitch + 0.012,
                   interpolate_color(th.background, th.text, 0.45))
        else:
            c.text(left, top + 1.5 * pitch, "nothing yet", em, th.muted, anchor="lm", mono=False)
        c.text(left, top + 2.5 * pitch, "first tokens inside", em, th.muted, anchor="lm", mono=False)
        self.draw_head(c, left, top + 3.5 * pitch, lo, hi, PANEL_WIDTH, em)
        # right panel: the newest tokens (written by the model in the accent colour)
        right = PANEL_WIDTH + 0.6
        c.text(right, top + pitch / 2, "newest tokens", em, th.muted, anchor="lm", mono=False)
        self.draw_tail(c, right, top + 1.5 * pitch, lo, hi, PANEL_WIDTH, em)
        room = lo + self.n_ctx - hi
        if room > 0:
            c.text(right, top + 2.5 * pitch, f"room for {room} more", em, th.muted, anchor="lm", mono=False)
        return c.mobject().move_to([0, PANEL_TOP, 0], aligned_edge=UP)

    def tail_text(self, end: int, width: float, em: float) -> str:
        """The text just before token ``end`` (of its last EDGE_TOKENS tokens), as much as fits, cut
        at the left with … between words"""
        return shorten("".join(self.pieces[max(0, end - EDGE_TOKENS):end]), width, em, mono=True, keep="end")

    def head_text(self, start: int, end: int, width: float, em: float) -> str:
        """The text from token ``start`` on (its first EDGE_TOKENS tokens), as much as fits, cut at
        the right with …"""
        pieces = list(self.pieces[start:min(end, start + EDGE_TOKENS)])
        if pieces:   # the readout starts at its left edge, not one space in
            pieces[0] = pieces[0].lstrip(" ")
        return shorten("".join(pieces), width, em, mono=True)   # cut between words

    def draw_head(self, c: Canvas, x: float, y: float, lo: int, hi: int, width: float, em: float):
        """The window's first tokens (``head_text``), each in its colour as on the tape and in the
        legend: the prompt's in the text colour, the written ones in the accent."""
        th = self.theme
        text = self.head_text(lo, hi, width, em)
        body = text[:-1] if text.endswith("…") and len(text) > 1 else text
        cx, used, first_box = x, 0, len(c.text_boxes)
        for i in range(lo, hi):
            piece = self.pieces[i].lstrip(" ") if i == lo else self.pieces[i]
            if not piece:            # a byte of a character the next token completes
                continue
            part = body[used:used + len(piece)]
            if not part:
                break
            c.text(cx, y, part, em, th.text if i < self.n_prompt else th.chosen, anchor="lm")
            cx += text_width(part, em)
            used += len(part)
        if len(body) < len(text):
            c.text(cx, y, "…", em, th.muted, anchor="lm")
        # one text as read (for the layout check and the notes' "cut short" list), not its parts
        parts = c.text_boxes[first_box:]
        if parts:
            del c.text_boxes[first_box:]
            c.text_boxes.append((min(b[0] for b in parts), min(b[1] for b in parts),
                                 max(b[2] for b in parts), max(b[3] for b in parts), text))

    def draw_tail(self, c: Canvas, x: float, y: float, lo: int, hi: int, width: float, em: float):
        """The newest tokens, right-most last, prompt in the text colour, written ones in the accent;
        cut with … before a whole word."""
        th = self.theme
        parts, used = [], text_width("…", em)
        for i in range(hi - 1, lo - 1, -1):
            w = self.widths[i]
            if used + w > width:
                break
            parts.append(i)
            used += w
        parts.reverse()
        # start at a word: drop a leading piece that continues a Latin word begun before it
        while (len(parts) > 1 and parts[0] > lo and self.pieces[parts[0]][:1].isascii()
               and self.pieces[parts[0]][:1].isalnum() and self.pieces[parts[0] - 1][-1:].isascii()
               and self.pieces[parts[0] - 1][-1:].isalnum()):
            parts.pop(0)
        cx = x
        if parts and parts[0] > lo:
            c.text(cx, y, "…", em, th.muted, anchor="lm")
            cx += text_width("…", em)
        for i in parts:
            c.text(cx, y, self.pieces[i], em, th.text if i < self.n_prompt else th.chosen, anchor="lm")
            cx += self.widths[i]

    def legend_image(self):
        th = self.theme
        em = font_em(style.SMALL_SIZE)
        items = [("prompt", self.colors(0, True))]
        if self.n > self.n_prompt:
            items.append(("written by the model", self.colors(self.n_prompt, True)))
        items.append((f"{self.n} tokens of text", None))
        widths = [0.4 + text_width(t, em, mono=False) + 0.6 for t, _ in items]
        c = Canvas(sum(widths), 0.5)
        x = 0.0
        for (text, color), w in zip(items, widths):
            if color is not None:
                c.rect(x, 0.12, x + 0.26, 0.38, color)
                c.text(x + 0.38, 0.25, text, em, th.text, anchor="lm", mono=False)
            else:
                c.text(x, 0.25, text, em, th.muted, anchor="lm", mono=False)
            x += w
        return c.mobject()

    def compare_bars(self) -> Group:
        th = self.theme
        em = font_em(style.SMALL_SIZE)
        name_w, full, h, pitch = 2.6, 7.4, 0.45, 0.8
        rows = [("this model", self.n_ctx, th.text), ("GPT-3", GPT3_CONTEXT, th.muted)]
        scale = full / GPT3_CONTEXT
        c = Canvas(name_w + full + 2.8, pitch * len(rows))
        for r, (name, v, color) in enumerate(rows):
            y = r * pitch + pitch / 2
            c.text(name_w - 0.2, y, name, em, th.text, anchor="rm", mono=False)
            c.rect(name_w, y - h / 2, name_w + v * scale, y + h / 2, interpolate_color(th.data_low, th.data_high, 0.45))
            c.text(name_w + v * scale + 0.2, y, f"{v:,} tokens", em, color, anchor="lm", mono=False)
        return Group(c.mobject())
