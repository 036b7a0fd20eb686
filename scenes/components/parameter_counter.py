"""A parameter counter in a corner: the matrices' learned numbers met so far in the film, growing
as each matrix first appears (W_E and W_pos in EmbeddingMatrix, W_Q W_K W_V W_O in Attention, W_in W_out
in MLP, W_U in Unembedding), summed from the checkpoint's real array sizes.

A scene rendered on its own starts from what the scenes before it in the film have introduced.
Every count drawn is recorded by the scene (``derivations.summed_size``): the total before, each
matrix's own count ("+ W_Q: 221,184", every layer's copies) and the total after it.

    counter = ParameterCounter(W, cfg, "Attention", theme=th)
    self.play(FadeIn(counter)); counter.record(self)
    counter.grow("W_Q", self)
"""
from __future__ import annotations

from manim import DOWN, RIGHT, UR, FadeIn, FadeOut, Group

from .. import style
from .text_image import text_image

SOURCE = "parameters"    # the provenance source of every count (its transform names the weights)

# The film's order: which scene first shows which matrices.
FILM_ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("EmbeddingMatrix", ("W_E", "W_pos")),
    ("Attention", ("W_Q", "W_K", "W_V", "W_O")),
    ("MLP", ("W_in", "W_out")),
    ("Unembedding", ("W_U",)),
)


def arrays_of(weights: dict, short: str) -> list[str]:
    """The weight names a short name covers: ``W_E`` itself, or every layer's ``blocks.i.*.W_Q``.
    Raises KeyError when none exists."""
    if short in weights:
        return [short]
    names = [n for n in weights if n.startswith("blocks.") and n.split(".")[-1] == short]
    if not names:
        raise KeyError(f"no weight {short!r} in any layer")
    return names


def introduced_before(scene: str) -> list[str]:
    """The matrices the scenes before ``scene`` in the film have shown (short names, in order).
    Raises KeyError for a scene that introduces no matrix."""
    out: list[str] = []
    for name, shorts in FILM_ORDER:
        if name == scene:
            return out
        out += shorts
    raise KeyError(f"{scene!r} introduces no matrix; one of {', '.join(n for n, _ in FILM_ORDER)}")


class ParameterCounter(Group):
    """"weights so far" (the matrices' entries) over a count, in the top-right corner; ``grow`` adds one matrix.
    Biases and LayerNorm are left out here, as in GPT-3's tally; ParameterCount adds them.

    ``names`` the short names counted so far, ``total`` their parameters, ``sizes`` each short
    name's parameters (every layer's copy), ``copies`` how many arrays it covers.
    """

    def __init__(self, weights: dict, scene: str, size: float = style.SMALL_SIZE, *, theme: style.Theme):
        """``weights`` the checkpoint's arrays (TransformerLens names), ``scene`` the scene it sits
        in (see ``FILM_ORDER``). Raises KeyError for another scene or a missing weight, ValueError
        for a font size below the readable minimum."""
        super().__init__()
        if size < style.SMALL_SIZE:
            raise ValueError(f"font size {size} is below the readable minimum {style.SMALL_SIZE}")
        self.theme, self.size, self.weights = theme, size, weights
        self.scene = scene
        self.to_add = dict(FILM_ORDER)[scene]
        self.names = introduced_before(scene)
        self.sizes = {s: sum(int(weights[n].size) for n in arrays_of(weights, s))
                      for _, shorts in FILM_ORDER for s in shorts}
        self.copies = {s: len(arrays_of(weights, s)) for s in self.sizes}
        self.total = sum(self.sizes[s] for s in self.names)
        self.heading = text_image("weights so far", size, color=theme.muted)
        self.number = self._number(self.total)
        self.add(self.heading, self.number)
        self._place()

    def _number(self, n: int):
        return text_image(f"{n:,}", self.size, color=self.theme.text)

    def _place(self):
        self.number.next_to(self.heading, DOWN, buff=-0.08).align_to(self.heading, RIGHT)   # descender room only
        self.to_corner(UR, buff=0.2)

    def record(self, scene) -> None:
        """Record the total now shown (call once it is drawn, before any ``grow``)."""
        if self.names:
            from .. import derivations
            scene.record(SOURCE, (), self.total, derivations.summed_size(self.names))

    def grow(self, short: str, scene) -> None:
        """Play it: "+ W_Q: 221,184" (every layer's W_Q) takes the heading's place, the count becomes the
        new total, the heading comes back (1.5 s). Records both numbers with ``scene``. Raises ValueError for a matrix this scene
        does not introduce or one already counted."""
        from .. import derivations
        if short not in self.to_add or short in self.names:
            raise ValueError(f"{self.scene} introduces {', '.join(self.to_add)}; {short!r} is not new here")
        scene.record(SOURCE, (), self.sizes[short], derivations.summed_size([short]))
        self.names.append(short)
        self.total += self.sizes[short]
        scene.record(SOURCE, (), self.total, derivations.summed_size(self.names))
        # no wider than the heading whose place it takes (every layer's copies are counted)
        what = f"+ {short}: {self.sizes[short]:,}"
        plus = text_image(what, self.size, color=self.theme.muted)
        old = self.number
        self.number = self._number(self.total).move_to(old, aligned_edge=RIGHT)
        # in the heading's place for a moment: the counter never reaches into the scene's content
        plus.move_to(self.heading, aligned_edge=RIGHT)
        self.remove(old)
        self.add(self.number)
        scene.play(FadeOut(self.heading), FadeIn(plus), run_time=0.5)
        scene.play(FadeOut(old), FadeIn(self.number), run_time=0.6)
        scene.play(FadeOut(plus), FadeIn(self.heading), run_time=0.4)
