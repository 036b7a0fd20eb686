import math

import numpy as np
import pytest

import model
from model.sampling import filter_probs, sample

LOGITS = np.array([2.0, 1.0, 0.5, -1.0, 3.0])


def test_softmax_sums_to_one_and_keeps_order():
    p = model.softmax(LOGITS, 1.0)
    assert math.isclose(p.sum(), 1.0)
    assert list(np.argsort(p)) == list(np.argsort(LOGITS))
    np.testing.assert_allclose(p, np.exp(LOGITS) / np.exp(LOGITS).sum())


def test_temperature_zero_is_greedy():
    p = model.softmax(LOGITS, 0)
    assert p.tolist() == [0, 0, 0, 0, 1]


def test_low_temperature_approaches_greedy_high_approaches_uniform():
    assert model.softmax(LOGITS, 0.01)[4] > 0.999
    hot = model.softmax(LOGITS, 1000.0)
    np.testing.assert_allclose(hot, np.full(5, 0.2), atol=1e-3)


def test_softmax_works_on_batches_and_huge_logits():
    p = model.softmax(np.array([[1000.0, 0.0], [0.0, 1000.0]]), 1.0)
    np.testing.assert_allclose(p, [[1, 0], [0, 1]])


@pytest.mark.parametrize("bad", [-0.1, float("nan"), -1])
def test_bad_temperature_raises(bad):
    with pytest.raises(ValueError):
        model.softmax(LOGITS, bad)


def test_top_k_and_top_p():
    p = model.softmax(LOGITS, 1.0)
    k2 = filter_probs(p, top_k=2)
    assert np.count_nonzero(k2) == 2 and math.isclose(k2.sum(), 1.0)
    assert set(np.nonzero(k2)[0]) == {0, 4}
    p1 = filter_probs(p, top_p=0.01)
    assert np.nonzero(p1)[0].tolist() == [4]
    assert np.count_nonzero(filter_probs(p, top_p=1.0)) == 5
    with pytest.raises(ValueError):
        filter_probs(p, top_k=0)
    with pytest.raises(ValueError):
        filter_probs(p, top_p=0)


def test_sample_follows_the_distribution():
    rng = np.random.default_rng(0)
    p = np.array([0.7, 0.2, 0.1])
    draws = np.bincount([sample(p, rng) for _ in range(4000)], minlength=3) / 4000
    np.testing.assert_allclose(draws, p, atol=0.03)


def test_generate_is_seeded():
    a = model.generate("Mr. Darcy", 8, temperature=1.0, seed=3)
    b = model.generate("Mr. Darcy", 8, temperature=1.0, seed=3)
    c = model.generate("Mr. Darcy", 8, temperature=1.0, seed=4)
    assert a == b and len(a) == 8
    assert a != c


def test_greedy_generation_follows_the_argmax():
    new = model.generate("Mr. Darcy", 3, temperature=0)
    ids = model.run("Mr. Darcy").tokens
    for t in new:
        assert t == int(np.argmax(model.run_tokens(ids).cache["logits"][-1]))
        ids = ids + [t]


def test_generate_validates():
    with pytest.raises(ValueError):
        model.generate("x", 2, temperature=-1)
    with pytest.raises(ValueError):
        model.generate("x", -1)
