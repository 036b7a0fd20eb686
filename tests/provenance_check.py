"""Check a provenance file against a fresh forward pass: every drawn number is the model's."""
from __future__ import annotations

import numpy as np

import model
from model.atlas import frequent_word_ids
from scenes import derivations


def sources_of(trace, weights: dict) -> derivations.Sources:
    """The arrays and reference functions ``derivations.expected`` reads: ``trace``'s captures,
    ``weights`` (or another checkpoint's), ``model.softmax`` and the atlas's frequent words."""
    def array(name: str, checkpoint: str | None = None) -> np.ndarray:
        if checkpoint is not None:   # a weight of another checkpoint (it may have other layers)
            return model.weights(checkpoint)[name]
        return trace.cache[name] if name in trace.cache else weights[name]

    return derivations.Sources(array=array, softmax=model.softmax, frequent_word_ids=frequent_word_ids)


def expected_value(entry: dict, trace, weights: dict) -> float:
    """What ``entry`` of a provenance file must hold, by the derivation its ``transform`` names.
    Raises AssertionError for a transform not in ``scenes.derivations.TABLE``."""
    try:
        return derivations.expected(entry.get("transform"), entry["source"], entry["index"],
                                    sources_of(trace, weights))
    except ValueError as e:
        raise AssertionError(str(e)) from e


def check_provenance(prov: dict, rel: float = 1e-5, abs_: float = 1e-6) -> int:
    """Assert every recorded number equals a fresh Trace's; return how many were checked."""
    trace = model.run_tokens(prov["tokens"], prov["checkpoint"])
    weights = model.weights(prov["checkpoint"])
    assert prov["numbers"], "nothing recorded"
    for entry in prov["numbers"]:
        want = expected_value(entry, trace, weights)
        assert np.isclose(entry["value"], want, rtol=rel, atol=abs_), (entry, want)
    return len(prov["numbers"])
