"""The table of named derivations: scenes record with it, the provenance check computes with it;
a transform not in it fails when recorded."""
import numpy as np
import pytest

from scenes import derivations as d
from scenes.provenance import Provenance


def test_formatters_write_the_documented_strings():
    assert d.softmax(T=0.8) == "softmax(T=0.8)"
    assert d.softmax(T=1) == "softmax(T=1)"
    assert d.softmax(T=0) == "softmax(T=0)"
    assert d.softmax_outside_top(T=1, k=5) == "softmax(T=1) outside top 5"
    assert d.sampled(0.8, 40, 8192) == "softmax(T=0.8, top-k=40)"
    assert d.sampled(0.8, 0, 8192) == d.sampled(0.8, None, 8192) == d.sampled(0.8, 8192, 8192) == "softmax(T=0.8)"
    assert (d.EXP, d.SUM_EXP, d.MINUS_B_IN, d.SIZE) == ("exp", "sum(exp)", "minus b_in", "size")
    assert d.pca3(400) == "pca3 of 400 frequent words"
    assert d.cosine_with_row(7) == "cosine with row 7"
    assert d.cosine_with_position(2) == "cosine with position 2"
    assert d.cosine_with("hook_embed") == "cosine with hook_embed"
    assert d.along(3, 1) == "along row 3 minus row 1"
    assert d.running_dot("blocks.0.mlp.W_in", 4, 12) == "dot with blocks.0.mlp.W_in column 4, first 12 terms"
    assert d.size_in_checkpoint("small") == "size in checkpoint small"


@pytest.mark.parametrize("text, name", [
    ("softmax(T=0.8)", "softmax"), ("softmax(T=1) outside top 5", "softmax outside top"),
    ("softmax(T=0.8, top-k=40)", "softmax top-k"),
    ("cosine with row 3", "cosine with row"), ("cosine with position 3", "cosine with position"),
    ("cosine with blocks.0.hook_resid_post", "cosine with source"), ("size", "size"),
    ("size in checkpoint small", "size in checkpoint")])
def test_each_string_names_one_derivation(text, name):
    assert d.parse(text)[0].name == name


@pytest.mark.parametrize("typo", ["softmax(T=0.8", "softmx(T=1)", "cosine wiht row 3", "sizes", "exp "])
def test_a_typo_fails_when_recorded(typo):
    prov = Provenance("X", "p", "default", [1])
    with pytest.raises(ValueError, match="unknown transform"):
        prov.record("logits", (0, 1), 0.5, typo)
    assert prov.numbers == []


def test_expected_values_on_small_arrays():
    arrays = {"x": np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]]), "W": np.arange(6.0).reshape(3, 2)}

    def softmax(x, t):
        e = np.exp(np.asarray(x, float) / t)
        return e / e.sum(-1, keepdims=True)

    s = d.Sources(array=lambda name, checkpoint=None: arrays[name], softmax=softmax,
                  frequent_word_ids=lambda n: list(range(n)))
    assert d.expected(None, "x", (0, 2), s) == 3.0
    assert d.expected("exp", "x", (0, 1), s) == pytest.approx(np.e ** 2)
    assert d.expected("sum(exp)", "x", (0,), s) == pytest.approx(np.e + np.e ** 2 + np.e ** 3)
    assert d.expected("softmax(T=1)", "x", (0, 2), s) == pytest.approx(softmax([1, 2, 3], 1)[2])
    assert d.expected("softmax(T=1) outside top 1", "x", (0,), s) == pytest.approx(1 - softmax([1, 2, 3], 1)[2])
    # top-k 2 of [1, 2, 3]: the two largest renormalised, the smallest cut to 0
    kept = softmax([2, 3], 1)
    assert d.expected("softmax(T=1, top-k=2)", "x", (0, 2), s) == pytest.approx(kept[1])
    assert d.expected("softmax(T=1, top-k=2)", "x", (0, 1), s) == pytest.approx(kept[0])
    assert d.expected("softmax(T=1, top-k=2)", "x", (0, 0), s) == 0.0
    assert d.expected("softmax(T=1, top-k=3)", "x", (0, 0), s) == pytest.approx(softmax([1, 2, 3], 1)[0])
    assert d.expected("cosine with row 1", "x", (0,), s) == pytest.approx(2 / np.sqrt(14))
    assert d.expected("dot with W column 1, first 2 terms", "x", (0,), s) == 1 * 1 + 2 * 3
    assert d.expected("size", "W", (), s) == 6
    with pytest.raises(ValueError):
        d.expected("softmax(T=1", "x", (0, 2), s)


@pytest.mark.parametrize("text, name", [
    ("size in checkpoint small@step0", "size in checkpoint"),
    ("size in checkpoint /home/teacher/models/gpt 2", "size in checkpoint"),
    ("bits per character of the tokens", "bits per character"),
    ("probability of tokens 2 to 4", "probability of tokens")])
def test_the_compare_strings_name_their_derivations(text, name):
    assert d.parse(text)[0].name == name
    assert d.size_in_checkpoint("small@step25") == "size in checkpoint small@step25"
    assert d.tokens_probability(2, 4) == "probability of tokens 2 to 4"
    assert d.BITS_PER_CHARACTER == "bits per character of the tokens"


def test_bits_per_character_and_word_probability_on_small_arrays():
    logits = np.log(np.array([[0.5, 0.25, 0.25], [0.125, 0.5, 0.375], [0.25, 0.25, 0.5], [1 / 3] * 3]))

    def softmax(x, t):
        e = np.exp(np.asarray(x, float) / t)
        return e / e.sum(-1, keepdims=True)

    s = d.Sources(array=lambda name, checkpoint=None: logits, softmax=softmax,
                  frequent_word_ids=lambda n: [], tokens=(2, 1, 0, 2), characters=lambda: 4)
    # p(1 | 2) = 0.25, p(0 | 2 1) = 0.125, p(2 | 2 1 0) = 0.5: 2 + 3 + 1 bits over 4 characters
    assert d.expected("bits per character of the tokens", "logits", (), s) == pytest.approx(6 / 4)
    assert d.expected("probability of tokens 1 to 2", "logits", (), s) == pytest.approx(0.25 * 0.125)
    assert d.expected("probability of tokens 3 to 3", "logits", (), s) == pytest.approx(0.5)
    with pytest.raises(ValueError):       # the first token is never predicted
        d.expected("probability of tokens 0 to 1", "logits", (), s)
