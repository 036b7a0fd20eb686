"""Beat 2: predict, sample, repeat — the model's real next-token distribution, sampled and appended."""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, UL, UP, FadeIn, FadeOut, ReplacementTransform, Transform, VGroup,
                   Write)

import model
from model.tokenizer import running_pieces

from . import derivations, style
from .base import ExplainerScene
from .components import ProbabilityBars, PromptText, label, percent
from .components.text import piece_label
from .components.text_block import Run, TextBlock


def temperature_line(t: float) -> str:
    """What T does, in one line, for the T in use (said where T is first drawn)."""
    if t == 0:
        return "T, the temperature, is 0: no chance involved, always the likeliest token."
    if t < 1:
        return "T, the temperature, divides the scores first: below 1 the likely get likelier."
    if t == 1:
        return "T, the temperature, divides the scores first: T = 1 leaves the model's own odds."
    return f"T, the temperature, divides the scores first: at T = {t:g} unlikely tokens gain."


# the prompt's width (units): from 0.5 inside the left edge to 0.3 short of the bar labels (their
# right edge at x = 1.55, at most LABEL_W wide)
LABEL_W = 2.0
MAX_LABEL_W = 3.0    # a longer token name than LABEL_W moves the bars right (up to this), never shrinks
PROMPT_WIDTH = 7.11 - 0.5 + 1.55 - LABEL_W - 0.3


class PredictSample(ExplainerScene):
    description = "the next-token distribution, one token sampled and appended, again and again"
    n_steps = 6          # tokens generated on screen
    top_k = 8            # bars shown

    def construct(self):
        self.temperature = self.context.temperature
        self.generate_continuation()
        self.show_title()
        self.show_prompt()
        for step in range(self.n_steps):
            self.predict_and_sample(step)
        self.finish()

    # --- steps --------------------------------------------------------------------------------
    def generate_continuation(self):
        """Sample with the project's seeded sampler, then trace prompt + samples in one pass.

        The network is causal, so position p of that one pass holds exactly the distribution the
        sampler saw when it chose token p + 1.
        """
        s = self.context
        self.new_tokens = s.sample(s.prompt, self.n_steps)
        self.n_vocab = self.trace.config["n_vocab"]
        self.rule = s.sampling_rule(self.n_vocab)
        self.cut = 0 < s.top_k < self.n_vocab
        n_prompt = len(self.trace.tokens)
        self.use_trace(model.run_tokens(self.trace.tokens + self.new_tokens, s.checkpoint, s.prompt))
        self.first_pos = len(self.trace.tokens) - self.n_steps - 1
        self.n_prompt = n_prompt - (n_prompt + self.n_steps - len(self.trace.tokens))
        # the widest token name any step's bars will show, at full size (up to MAX_LABEL_W)
        names = [self.piece(t) for step in range(self.n_steps) for t in self.rows(step)]
        widest = max(piece_label(p, theme=self.theme).width for p in names)
        self.label_w = min(MAX_LABEL_W, max(LABEL_W, widest + 0.05))

    def show_title(self):
        self.title = label("Predict, sample, repeat", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.4)
        self.play(Write(self.title), run_time=0.8)
        self.say("A GPT reads text and predicts what comes next, as a probability for every token.", 4.0)
        self.wait(2.0)

    def show_prompt(self):
        self.text = self.prompt_text(0)
        self.play(FadeIn(self.text), run_time=0.8)
        self.pause("This is the prompt. Ask the class: what word would you put next?")

    def prompt_text(self, n_generated: int) -> PromptText:
        # running text: a character split over byte tokens is drawn whole, not as \xNN bytes
        pieces = running_pieces(model.get_encoding(self.context.checkpoint),
                                self.trace.tokens[: self.n_prompt + n_generated])
        # wrapped narrow enough to end left of the bars' longest label (any script, any length);
        # four lines at most (a long prompt shows its end), so the rule's lines fit below it
        for chars in range(30, 7, -2):
            text = PromptText(pieces, self.n_prompt, width=chars, max_lines=4, theme=self.theme)
            if text.width <= PROMPT_WIDTH:
                break
        return text.to_edge(LEFT, buff=0.5).shift(UP * 1.5)

    def distribution(self, step: int):
        """Rows of exactly the distribution the token was drawn from at this step (T, then the
        cut to the top-k tokens, renormalised), always including the sampled token.

        Rows are ranked by logit, which orders them as the probabilities do at any T > 0 and
        still names the runners-up at T = 0 and tiny T, where their probabilities are all 0.
        A row outside the cut (only when --top-k is below the rows shown) has probability 0.
        """
        pos = self.first_pos + step
        logits = self.trace["logits"][pos]
        probs = self.context.sampled_distribution(logits)
        chosen = self.new_tokens[step]
        rows = self.rows(step)
        transform = derivations.sampled(self.temperature, self.context.top_k, self.n_vocab)
        values = [self.record("logits", (pos, t), probs[t], transform) for t in rows]
        pieces = [self.piece(t) for t in rows]
        return pieces, np.array(values), rows.index(chosen)

    def rows(self, step: int) -> list[int]:
        """The token ids of step ``step``'s bars: the likeliest, the sampled one always among them."""
        rows, _ = self.top_tokens(self.trace["logits"][self.first_pos + step], self.top_k)
        if self.new_tokens[step] not in rows:
            rows[-1] = self.new_tokens[step]
        return rows

    def make_bars(self, pieces: list[str], probs) -> ProbabilityBars:
        """The chart at its place; a token outside the cut says "cut" instead of 0%."""
        extra = self.label_w - LABEL_W        # long names: the bars move right, the names keep their left edge
        bars = ProbabilityBars(pieces, probs, max_width=3.2 - max(0.0, extra - 0.3), row_height=0.6,
                               label_width=self.label_w, theme=self.theme)
        # anchor the bars' zero line, not the group's box: bars grow and shrink in place
        bars.shift([1.7 + extra, 1.6, 0] - bars.bars[0].get_left())
        for i, p in enumerate(probs):
            if p == 0 and self.cut:
                old = bars.percents[i]
                mark = self.muted("cut").move_to(old.get_left(), aligned_edge=LEFT)
                mark.text = "cut"
                bars.percents.remove(old)
                bars.percents.insert(i, mark)
        return bars

    def show_rule(self):
        """The sampling rule, the first time it is used: what T is, and what the cut left out."""
        s, pos = self.context, self.first_pos
        t = self.temperature
        head = ("T = 0: greedy, the likeliest token every time" if t == 0 else
                f"drawn at T = {t:g} from the {s.top_k} likeliest tokens" if self.cut else
                f"drawn at T = {t:g} from all {self.n_vocab:,} tokens")
        runs = [Run(head + "\n", self.theme.text), Run(temperature_line(t), self.theme.muted)]
        if self.cut:
            rest = self.record("logits", (pos,), 1.0 - float(np.sort(model.softmax(self.trace["logits"][pos],
                               t))[::-1][: s.top_k].sum()),
                               derivations.softmax_outside_top(T=t, k=s.top_k))
            runs.append(Run(f"\nthe other {self.n_vocab - s.top_k:,} tokens ({percent(rest)} at T = {t:g}) are cut: "
                            f"the {s.top_k} kept share 100%", self.theme.muted))
        self.rule_text = TextBlock(runs, 6.2, style.SMALL_SIZE, pitch=1.2, theme=self.theme)
        self.rule_text.to_edge(LEFT, buff=0.5).to_edge(DOWN, buff=0.45)
        return self.rule_text

    def predict_and_sample(self, step: int):
        pieces, probs, chosen_row = self.distribution(step)
        first = step == 0
        self.pace = 0.75 ** step      # each round runs faster than the one before
        if first:
            self.bars = self.make_bars(pieces, probs)
            self.caption = label(f"next token · {self.rule}", style.SMALL_SIZE, color=self.theme.muted)
            self.caption.next_to(self.bars, UP, buff=0.3).align_to(self.bars.labels, LEFT)
            self.play(FadeIn(self.bars, shift=UP * 0.2), FadeIn(self.caption), FadeIn(self.show_rule()),
                      run_time=1.0)
            self.say("Each bar is the model's probability for one possible next token.", 3.5)
            self.wait(1.0)
            self.say(self.rule_sentence(), 4.0)
            self.wait(2.0)
            self.pause("These are the model's real probabilities for the next token, exactly as the token "
                       f"is drawn: {self.rule_notes()}. The top few are shown.")
        else:
            if step == 1:   # the rule stays in the caption above the bars
                self.play(FadeOut(self.rule_text), run_time=0.4)
                self.say("Again and again: new probabilities, a new draw, one more token.")
            new = self.make_bars(pieces, probs)
            self.play(Transform(self.bars, new), FadeOut(self.box), run_time=0.6 * self.pace)
            self.remove(self.bars)
            self.add(new)
            self.bars = new
        self.sample_with_hops(chosen_row, hops=4 if first else 2)
        self.last_row = chosen_row
        self.append_token(step, chosen_row)
        if first:
            self.say("One token is drawn at random by these weights, appended, and the loop runs again.", 4.0)
            self.wait(3.0)
            self.pause("Sampling picks one token in proportion to its bar. It is appended to the text and the whole model runs again.")

    def rule_sentence(self) -> str:
        t, k = self.temperature, self.context.top_k
        if t == 0:
            return "At temperature zero there is no chance involved: the likeliest token is always taken."
        sharp = ("which makes likely tokens a little likelier" if t < 1 else
                 "the model's own probabilities" if t == 1 else "which gives unlikely tokens more chance")
        cut = (f" Only the {k} likeliest tokens may be drawn, so a freak token never is." if self.cut else "")
        return f"The draw uses a temperature T of {t:g}, {sharp}.{cut}"

    def rule_notes(self) -> str:
        t, k = self.temperature, self.context.top_k
        notes = f"the logits divided by the temperature T = {t:g} before softmax"
        if self.cut:
            notes += (f", then every token but the {k} likeliest cut and the rest renormalised to 100% "
                      "(top-k sampling: it keeps a one-in-a-thousand token from derailing the text)")
        return notes

    def sample_with_hops(self, chosen_row: int, hops: int):
        """The highlight hops over a few rows (a flourish, not data) and lands on the sample."""
        if not hasattr(self, "hop_rng"):
            self.hop_rng = np.random.default_rng(self.context.seed)
        rows = [int(r) for r in self.hop_rng.integers(0, len(self.bars.bars), size=hops)] + [chosen_row]
        box = self.bars.highlight(rows[0])
        self.play(FadeIn(box), run_time=0.2)
        for r in rows[1:]:
            self.play(Transform(box, self.bars.highlight(r)), run_time=max(0.1, 0.18 * self.pace))
        self.wait(0.3 * self.pace)
        self.box = box

    def append_token(self, step: int, chosen_row: int):
        """The sampled label flies into its own place in the text (its glyphs there are hidden
        until it lands), while the text re-wraps: it never lands on other words. The highlight
        stays on the drawn bar until the next step's bars replace these."""
        flying = self.bars.labels[chosen_row].copy().set_color(self.theme.chosen)
        new_text = self.prompt_text(step + 1)
        n_glyphs = len("".join(new_text.pieces[-1].split()))
        if n_glyphs == 0:              # a space or a line break: nothing to fly
            self.play(ReplacementTransform(self.text, new_text), FadeOut(flying),
                      run_time=max(0.2, 0.4 * self.pace))
            self.text = new_text
            return
        glyphs = VGroup(*new_text[-n_glyphs:])
        glyphs.set_opacity(0)
        self.play(ReplacementTransform(self.text, new_text),
                  Transform(flying, glyphs.copy().set_opacity(1)), run_time=max(0.3, 0.7 * self.pace))
        self.remove(flying)
        glyphs.set_opacity(1)
        self.text = new_text

    def finish(self):
        note = label("continued by the model, one sampled token at a time", style.SMALL_SIZE,
                     color=self.theme.muted)
        note.to_corner(DOWN + LEFT, buff=0.5)  # below the bars, whatever the text's length
        self.play(FadeIn(note), run_time=0.6)
        self.say("Repeat this loop and a short prompt grows into a passage.", 3.5)
        self.wait(3.5)
        last = ("the likeliest one" if self.last_row == 0 else
                "not the likeliest: a draw takes a less likely token now and then")
        self.pause("Predict, sample, repeat: that loop is all a GPT does when it writes. The box marks "
                   f"the last token drawn, {last}.")
