"""Beat 16: from predictor to chatbot — a system prompt and turn markers, the reply sampled token by token."""
from __future__ import annotations

import re

from manim import DOWN, LEFT, RIGHT, UL, FadeIn, FadeOut, Write

import model

from . import derivations, style
from .base import ExplainerScene
from .components.raster import HAIR, Canvas, StepImage, drawn_width, font_em, shorten
from .components.text import label, percent, show_piece
from .components.text_block import Run, TextBlock, text_lines

# The model learned Austen, the Bible and WordNet, never chat: the framing asks for a dialogue
# in a style it knows, with the turn markers a chat model would be tuned on.
SYSTEM = "A dialogue between a User and an Assistant, in the style of Jane Austen."
USER, ASSISTANT = "User:", "Assistant:"
MAX_NEW = 20             # the reply stops at a line break or after this many tokens
MAX_USER_CHARS = 64      # the user's message is the prompt's end, so the chat fits on screen
PANEL_W = 6.3
EDGE = 0.35              # units kept clear at the frame's bottom edge (the strip, the note)


def user_message(prompt: str, limit: int = MAX_USER_CHARS) -> str:
    """The prompt on one line; if longer than ``limit``, its last whole words after "…"."""
    return shorten(re.sub(r"\s+", " ", prompt).strip() or "…", limit, keep="end")


def framed_prompt(message: str) -> str:
    """The one text the model reads: system prompt, the user's turn, the assistant's marker."""
    return f"{SYSTEM}\n{USER} {message}\n{ASSISTANT}"


def reply_tokens(new: list[int], pieces: list[str]) -> list[int]:
    """The sampled tokens up to and including the first one holding a line break."""
    for k, piece in enumerate(pieces):
        if "\n" in piece:
            return new[: k + 1]
    return list(new)


class ChanceStrip(StepImage):
    """One grey bar per sampled token, its height the chance the model gave it; the newest in the
    accent colour with its text and percentage. ``show(k)`` draws the first ``k``."""

    def __init__(self, pieces: list[str], probs: list[float], width: float, n_slots: int, *,
                 theme: style.Theme, rule: str = ""):
        self.theme, self.rule = theme, rule
        self.pieces, self.probs = pieces, [float(p) for p in probs]
        self.w, self.em = width, font_em(style.SMALL_SIZE)
        self.slot = width / max(n_slots, 1)
        self.bar_h = 0.6
        self.h = 1.35 * self.em + 0.1 + self.bar_h
        super().__init__(width, self.h, len(self.probs))
        self.show(0)

    def draw(self, c: Canvas, k: int) -> None:
        th = self.theme
        base = self.h
        c.line([(0, base - 0.01), (self.w, base - 0.01)], th.neutral, 0.02)
        for i in range(k):
            top = base - max(0.03, self.bar_h * self.probs[i])
            c.rect(i * self.slot + 0.04, top, (i + 1) * self.slot - 0.04, base,
                   th.chosen if i == k - 1 else th.muted)
        y = 1.0 * self.em
        head = f"chance of each sampled token ({self.rule})" if self.rule else "chance of each sampled token"
        c.text(0, y, head, self.em, th.muted, anchor="ls", mono=False)
        if k > 0:
            x = drawn_width(head + "   ", self.em, pad=HAIR)
            pct = percent(self.probs[k - 1])
            room = self.w - x - drawn_width(f"“”: {pct}", self.em, pad=HAIR)
            piece = shorten(show_piece(self.pieces[k - 1]), room, self.em, mono=False)
            c.text(x, y, f"“{piece}”: {pct}", self.em, th.chosen, anchor="ls", mono=False)


class Chatbot(ExplainerScene):
    description = "a system prompt and User/Assistant turns: the model continues the assistant's turn"

    def construct(self):
        self.generate_reply()
        self.show_title()
        self.show_raw_text()
        self.show_chat()
        self.what_it_learned()
        self.write_reply()
        self.what_the_reply_is()

    # --- the numbers --------------------------------------------------------------------------
    def generate_reply(self):
        """Frame the prompt as a chat, sample the reply, and trace framing + reply in one pass.

        The framed text and the reply fit in the model's window together, so position p of that
        pass holds exactly the distribution the sampler drew token p + 1 from.
        """
        s = self.context
        n_ctx = self.trace.config["n_ctx"]
        enc = model.get_encoding(s.checkpoint)
        limit = MAX_USER_CHARS
        self.message = user_message(s.prompt, limit)
        while len(enc.encode(framed_prompt(self.message), allowed_special="all")) + MAX_NEW > n_ctx:
            limit -= 8      # a tiny context (not this model's 128) would squeeze the message
            self.message = user_message(s.prompt, limit)
        self.framed = framed_prompt(self.message)
        framed_ids = enc.encode(self.framed, allowed_special="all")
        new = s.sample(self.framed, MAX_NEW)
        self.reply = reply_tokens(new, [self.piece(t) for t in new])
        self.use_trace(model.run_tokens(framed_ids + self.reply, s.checkpoint, self.framed))
        first = len(framed_ids) - 1
        n_vocab = self.trace.config["n_vocab"]
        self.rule = s.sampling_rule(n_vocab)
        transform = derivations.sampled(s.temperature, s.top_k, n_vocab)
        self.chances = []
        for k, tok in enumerate(self.reply):     # exactly the chance the sampler drew it with
            p = s.sampled_distribution(self.trace["logits"][first + k])[tok]
            self.chances.append(self.record("logits", (first + k, tok), p, transform))
        self.reply_pieces = [self.piece(t) for t in self.reply]

    # --- drawing ------------------------------------------------------------------------------
    def show_title(self):
        self.title = label("From predictor to chatbot", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        self.play(Write(self.title), run_time=0.7)
        self.say("A chatbot is the same next-token predictor, given text laid out as a conversation.", 3.5)
        self.wait(3.0)

    def show_raw_text(self):
        th = self.theme
        runs = [Run(SYSTEM + "\n", th.muted), Run(USER, th.text, box=th.muted),
                Run(f" {self.message}\n", th.text), Run(ASSISTANT, th.text, box=th.muted)]
        self.n_fixed = len(runs)
        runs += [Run(p.replace("\n", "↵"), th.chosen) for p in self.reply_pieces]
        self.raw = TextBlock(runs, PANEL_W, style.SMALL_SIZE, max_lines=10, shown=self.n_fixed, theme=self.theme)
        self.raw_head = text_lines([("what the model reads", style.SMALL_SIZE, th.muted)])
        self.raw_head.move_to([-6.75, 2.95, 0], aligned_edge=UL)
        self.raw.next_to(self.raw_head, DOWN, buff=0.2).align_to(self.raw_head, LEFT)
        self.play(FadeIn(self.raw_head), FadeIn(self.raw), run_time=0.8)
        self.say(f"The model reads one text: a system prompt, then turns marked {USER} and {ASSISTANT}", 4.0)
        self.wait(4.0)
        self.pause("This is all the model gets: one string. The first line sets the scene, the markers "
                   "say who speaks. The user's message is the prompt (its end, if it is long).")

    def show_chat(self):
        th = self.theme
        x0 = 0.45
        self.chat_head = text_lines([("what the user sees", style.SMALL_SIZE, th.muted)])
        self.chat_head.move_to([x0, 2.95, 0], aligned_edge=UL)
        self.user_bubble = TextBlock([Run(self.message, th.text)], PANEL_W - 0.9, style.SMALL_SIZE,
                                     max_lines=3, bubble=(th.neutral, None), align="right", theme=self.theme)
        self.user_bubble.next_to(self.chat_head, DOWN, buff=0.2).align_to([x0 + PANEL_W, 0, 0], RIGHT)
        shown = [p.replace("\n", "") for p in self.reply_pieces]
        if shown:
            shown[0] = shown[0].lstrip()
        self.bot_bubble = TextBlock([Run(p, th.chosen) for p in shown], PANEL_W - 0.3, style.SMALL_SIZE,
                                    max_lines=5, bubble=(None, th.chosen), shown=0, theme=self.theme)
        self.bot_bubble.next_to(self.user_bubble, DOWN, buff=0.25).align_to([x0, 0, 0], LEFT)
        self.strip = ChanceStrip(self.reply_pieces, self.chances, 2 * PANEL_W + 0.9, MAX_NEW,
                                  theme=self.theme, rule=self.rule)
        self.strip.to_edge(DOWN, buff=EDGE).set_x(-6.75, direction=LEFT)
        self.play(FadeIn(self.chat_head), FadeIn(self.user_bubble), run_time=0.6)
        self.say("A chat window shows only the turns; the framing stays hidden.", 3.0)
        self.wait(3.0)
        self.pause("The chat window hides the system prompt and the markers. Underneath, it is the same "
                   "text the model reads on the left.")

    def write_reply(self):
        n = len(self.reply)
        run_time = max(2.0, 0.35 * n)
        ended = "a line break ends its turn" if "\n" in "".join(self.reply_pieces) else \
            f"here it stops after {n} tokens"
        self.say(f"The model continues the Assistant's turn, one sampled token at a time; {ended}.", 4.5)
        self.play(FadeIn(self.strip), run_time=0.4)
        self.play(self.raw.grow(self.n_fixed, self.n_fixed + n, run_time=run_time),
                  self.bot_bubble.grow(0, n, run_time=run_time),
                  self.strip.grow(0, n, run_time=run_time))
        self.wait(3.5)
        self.pause("Each token is sampled from the model's real distribution; the bars show the chance it "
                   "gave each one. A chat program stops at a line break (or a length limit) and shows the reply.")

    def learned_note(self):
        th = self.theme
        note = text_lines([("Trained only on Austen's novels, the Bible and WordNet's definitions:",
                            style.SMALL_SIZE, th.text),
                           ("never on user-assistant chats, never tuned to answer. It continues text.",
                            style.SMALL_SIZE, th.text)], gap=0.08)
        return note.to_edge(DOWN, buff=EDGE)

    def what_it_learned(self):
        """Before the reply: what the model was trained on, and what that implies."""
        self.note = self.learned_note()
        self.play(FadeIn(self.note), run_time=0.6)
        self.say("But this model never saw a chat with an assistant. It learned from Austen, the Bible "
                 "and WordNet's definitions, and was never tuned to answer: it only continues the text.", 6.0)
        self.wait(2.0)
        self.pause("Honest framing before the reply: the model was trained on Jane Austen's novels, the "
                   "World English Bible and WordNet's glosses (see the model card), never on dialogue, "
                   "and never tuned to follow instructions. The user's message is your prompt, not a question.")
        self.play(FadeOut(self.note), run_time=0.4)

    def what_the_reply_is(self):
        """After the reply: what it shows, measured on this reply (turn ended, turn markers written),
        and what makes a real assistant's continuation an answer."""
        th = self.theme
        text = "".join(self.reply_pieces)
        wrote_turn = any(m.rstrip(":") in text for m in (USER, ASSISTANT))
        ended = "\n" in text
        if wrote_turn:
            fact = "it even writes a turn marker itself: to the model the markers are just more text"
            shown = "Here the reply writes a turn marker itself: to the model, markers are text."
        elif ended:
            fact = "it happens to end the line, which the chat program takes as the end of the reply"
            shown = "Here the reply happens to end its line, so the chat program stops there."
        else:
            fact = f"it runs on for all {len(self.reply)} tokens, and the chat program cuts it off"
            shown = f"Here the reply runs on for {len(self.reply)} tokens until the chat program cuts it off."
        note = text_lines([(shown, style.SMALL_SIZE, th.text),
                           ("Real assistants are predictors too, then trained on chats and human feedback.",
                            style.SMALL_SIZE, th.text)], gap=0.08)
        if note.width > 13.4:
            note.scale_to_fit_width(13.4)
        note.to_edge(DOWN, buff=EDGE)
        self.play(FadeOut(self.strip), FadeIn(note), run_time=0.6)
        self.say(f"So the reply only continues the text. Here {fact}.", 5.0)
        self.wait(3.0)
        self.pause("Honest caveat: this model never saw a chat. Real assistants are the same kind of "
                   "predictor, then trained further on conversations and human feedback, which is what "
                   "makes their continuations read as answers.")
