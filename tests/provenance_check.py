"""Check a provenance file against a fresh forward pass: every drawn number is the model's."""
from __future__ import annotations

import re

import numpy as np

import model


def expected_value(entry: dict, trace, weights: dict) -> float:
    source, index = entry["source"], tuple(entry["index"])
    m = re.fullmatch(r"size in checkpoint (\w+)", entry.get("transform") or "")
    if m:   # a weight of another checkpoint (it may have layers this one lacks)
        return float(model.weights(m.group(1))[source].size)
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
    m = re.fullmatch(r"pca3 of (\d+) frequent words", transform)
    if m:
        return float(_pca_coordinates(arr, int(m.group(1)), index[0], trace.checkpoint)[index[1]])
    m = re.fullmatch(r"cosine with row (\d+)", transform)
    if m:
        return _cos(arr[index[0]], arr[int(m.group(1))])
    m = re.fullmatch(r"along row (\d+) minus row (\d+)", transform)
    if m:
        d = arr[int(m.group(1))].astype(np.float64) - arr[int(m.group(2))].astype(np.float64)
        return float(arr[index[0]].astype(np.float64) @ d / np.sqrt(d @ d))
    m = re.fullmatch(r"dot with (\S+) column (\d+), first (\d+) terms", transform)
    if m:
        w, c, k = weights[m.group(1)], int(m.group(2)), int(m.group(3))
        return float(arr[index][:k].astype(np.float64) @ w[:k, c].astype(np.float64))
    if transform == "size":
        return float(np.asarray(arr).size)
    m = re.fullmatch(r"cosine with position (\d+)", transform)
    if m:
        return _cos(arr[index[0]], arr[int(m.group(1))])
    m = re.fullmatch(r"cosine with (\S+)", transform)
    if m and (m.group(1) in trace.cache or m.group(1) in weights):
        other = trace.cache[m.group(1)] if m.group(1) in trace.cache else weights[m.group(1)]
        return _cos(arr[index[0]], other[index[0]])
    if transform == "minus b_in":
        layer = source.split(".")[1]
        return float(arr[index] - weights[f"blocks.{layer}.mlp.b_in"][index[-1]])
    raise AssertionError(f"unknown transform {transform!r}")


def _cos(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


_pca_fits: dict = {}


def _pca_coordinates(w: np.ndarray, n: int, row: int, checkpoint: str = "default") -> np.ndarray:
    """The row's coordinates on the top 3 eigenvectors of the covariance of the n fitted rows."""
    key = (id(w), n, checkpoint)
    if key not in _pca_fits:
        from model.atlas import frequent_word_ids
        fit = w[frequent_word_ids(n, checkpoint)].astype(np.float64)
        mean = fit.mean(axis=0)
        _, vecs = np.linalg.eigh(np.cov(fit - mean, rowvar=False))
        top = vecs[:, ::-1][:, :3]
        coords = (fit - mean) @ top
        signs = np.array([np.sign(coords[np.argmax(np.abs(coords[:, c])), c]) for c in range(3)])
        _pca_fits[key] = (w, mean, top * signs)   # w kept alive so its id stays unique
    _, mean, basis = _pca_fits[key]
    return (w[row].astype(np.float64) - mean) @ basis


def check_provenance(prov: dict, rel: float = 1e-5, abs_: float = 1e-6) -> int:
    """Assert every recorded number equals a fresh Trace's; return how many were checked."""
    trace = model.run_tokens(prov["tokens"], prov["checkpoint"])
    weights = model.weights(prov["checkpoint"])
    assert prov["numbers"], "nothing recorded"
    for entry in prov["numbers"]:
        want = expected_value(entry, trace, weights)
        assert np.isclose(entry["value"], want, rtol=rel, atol=abs_), (entry, want)
    return len(prov["numbers"])
