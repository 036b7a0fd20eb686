"""ParameterCounter: the corner count of learned numbers, growing matrix by matrix in film order."""
import numpy as np
import pytest

import model
from scenes import derivations, style
from scenes.components.parameter_counter import FILM_ORDER, ParameterCounter, arrays_of, introduced_before

TH = style.THEMES["dark"]
W = model.weights()


class Recorder:
    def __init__(self):
        self.numbers, self.played = [], 0

    def record(self, source, index, value, transform=None):
        derivations.parse(transform)
        self.numbers.append((source, tuple(index), value, transform))
        return float(value)

    def play(self, *anims, **kw):
        self.played += 1


def test_film_order_and_what_came_before():
    assert introduced_before("EmbeddingMatrix") == []
    assert introduced_before("MLP") == ["W_E", "W_pos", "W_Q", "W_K", "W_V", "W_O"]
    with pytest.raises(KeyError):
        introduced_before("Softmax")
    assert arrays_of(W, "W_E") == ["W_E"]
    assert arrays_of(W, "W_Q") == [f"blocks.{i}.attn.W_Q" for i in range(6)]
    with pytest.raises(KeyError):
        arrays_of(W, "W_X")


def test_counts_are_the_checkpoints_sizes_and_grow_to_every_matrix():
    total = 0
    for scene, shorts in FILM_ORDER:
        c = ParameterCounter(W, scene, theme=TH)
        assert c.total == total
        rec = Recorder()
        for s in shorts:
            c.grow(s, rec)
            total += sum(W[n].size for n in arrays_of(W, s))
            assert c.total == total
        assert rec.played == 3 * len(shorts)        # the "+ W" line in, the count, the heading back
    matrices = [n for n in W if n.split(".")[-1] in {s for _, ss in FILM_ORDER for s in ss}]
    assert total == sum(W[n].size for n in matrices) == 5_824_512


def test_every_count_drawn_is_recorded_and_recomputes():
    c = ParameterCounter(W, "Attention", theme=TH)
    rec = Recorder()
    c.record(rec)
    c.grow("W_Q", rec)
    s = derivations.Sources(array=lambda n, o=None: W[n], softmax=model.softmax, frequent_word_ids=lambda n: [])
    assert [v for *_, v, _ in rec.numbers] == [1_597_440, 221_184, 1_818_624]
    for source, index, value, transform in rec.numbers:
        assert derivations.expected(transform, source, list(index), s) == value


def test_refuses_a_matrix_not_new_here():
    c = ParameterCounter(W, "MLP", theme=TH)
    with pytest.raises(ValueError):
        c.grow("W_Q", Recorder())
    c.grow("W_in", Recorder())
    with pytest.raises(ValueError):
        c.grow("W_in", Recorder())
    with pytest.raises(ValueError):
        ParameterCounter(W, "MLP", size=10, theme=TH)
