"""Check a provenance file against a fresh forward pass: every drawn number is the model's."""
from __future__ import annotations

import re

import numpy as np

import model


def expected_value(entry: dict, trace, weights: dict) -> float:
    source, index = entry["source"], tuple(entry["index"])
    arr = trace.cache[source] if source in trace.cache else weights[source]
    transform = entry.get("transform")
    if transform is None:
        return float(arr[index])
    if transform == "exp":
        return float(np.exp(np.float64(arr[index])))
    if transform == "sum(exp)":
        return float(np.exp(arr[index].astype(np.float64)).sum())
    m = re.fullmatch(r"softmax\(T=([0-9.]+)\) outside top (\d+)", transform)
    if m:
        p = np.sort(model.softmax(arr[index], float(m.group(1))))[::-1]
        return float(1.0 - p[: int(m.group(2))].sum())
    m = re.fullmatch(r"softmax\(T=([0-9.]+)\)", transform)
    if m:
        return float(model.softmax(arr[index[:-1]], float(m.group(1)))[index[-1]])
    if transform == "minus b_in":
        layer = source.split(".")[1]
        return float(arr[index] - weights[f"blocks.{layer}.mlp.b_in"][index[-1]])
    raise AssertionError(f"unknown transform {transform!r}")


def check_provenance(prov: dict, rel: float = 1e-5, abs_: float = 1e-6) -> int:
    """Assert every recorded number equals a fresh Trace's; return how many were checked."""
    trace = model.run_tokens(prov["tokens"], prov["checkpoint"])
    weights = model.weights(prov["checkpoint"])
    assert prov["numbers"], "nothing recorded"
    for entry in prov["numbers"]:
        want = expected_value(entry, trace, weights)
        assert np.isclose(entry["value"], want, rtol=rel, atol=abs_), (entry, want)
    return len(prov["numbers"])
