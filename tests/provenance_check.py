"""Check a provenance file against a fresh forward pass: every drawn number is the model's."""
from __future__ import annotations

import functools

import numpy as np

import model
from model.atlas import frequent_word_ids
from scenes import derivations


def sources_of(trace, weights: dict, checkpoint: str = "default") -> derivations.Sources:
    """The arrays and reference functions ``derivations.expected`` reads: ``trace``'s captures,
    ``weights`` (or another checkpoint's), ``model.softmax``, the atlas's frequent words, the
    model card, one gradient step (recomputed with torch) and the tokenizer (characters of the
    predicted tokens) of ``checkpoint``."""
    def array(name: str, other: str | None = None) -> np.ndarray:
        if other is not None:   # a weight of another checkpoint (it may have other layers)
            return model.weights(other)[name]
        return trace.cache[name] if name in trace.cache else weights[name]

    def after_step(lr: float):
        from model.gradient_step import gradient_step, weights_after_step
        return (gradient_step(trace.tokens, checkpoint, lr).loss_after,
                weights_after_step(trace.tokens, checkpoint, lr))

    def card() -> dict:
        from model.checkpoint import card_entry
        return card_entry(checkpoint)

    def array_of(tokens: tuple, name: str) -> np.ndarray:
        return _other_trace(tuple(tokens), checkpoint).cache[name]
    def characters() -> int:
        return len(model.get_encoding(checkpoint).decode(list(trace.tokens[1:])))

    return derivations.Sources(array=array, softmax=model.softmax,
                               frequent_word_ids=lambda n: frequent_word_ids(n, checkpoint),
                               tokens=tuple(trace.tokens), card=card, after_step=after_step,
                               array_of=array_of, characters=characters)


@functools.lru_cache(maxsize=16)
def _other_trace(tokens: tuple, checkpoint: str):
    """A fresh forward pass of other token ids (a derivation compares two texts)."""
    return model.run_tokens(list(tokens), checkpoint)


def expected_value(entry: dict, trace, weights: dict, checkpoint: str = "default") -> float:
    """What ``entry`` of a provenance file must hold, by the derivation its ``transform`` names,
    from ``trace`` (of the entry's tokens) and ``weights`` (of ``checkpoint``, the entry's own or
    the file's). Raises AssertionError for a transform not in ``scenes.derivations.TABLE``."""
    try:
        return derivations.expected(entry.get("transform"), entry["source"], entry["index"],
                                    sources_of(trace, weights, checkpoint))
    except ValueError as e:
        raise AssertionError(str(e)) from e


def check_provenance(prov: dict, rel: float = 1e-5, abs_: float = 1e-6) -> int:
    """Assert every recorded number equals a fresh Trace's; return how many were checked.

    An entry with its own ``checkpoint`` and/or ``tokens`` is checked against a fresh trace and
    the weights of those (e.g. a training snapshot ``small@step0``)."""
    traces, weights = {}, {}
    assert prov["numbers"], "nothing recorded"
    for entry in prov["numbers"]:
        ckpt = entry.get("checkpoint", prov["checkpoint"])
        tokens = tuple(entry.get("tokens", prov["tokens"]))
        if (ckpt, tokens) not in traces:
            traces[ckpt, tokens] = model.run_tokens(list(tokens), ckpt)
        if ckpt not in weights:
            weights[ckpt] = model.weights(ckpt)
        want = expected_value(entry, traces[ckpt, tokens], weights[ckpt], ckpt)
        assert np.isclose(entry["value"], want, rtol=rel, atol=abs_), (entry, want)
    return len(prov["numbers"])
