"""Check a provenance file against a fresh forward pass: every drawn number is the model's."""
from __future__ import annotations

import re

import numpy as np

import model


def expected_value(entry: dict, trace, weights: dict, checkpoint: str = "default") -> float:
    """The value ``entry`` should hold, from ``trace`` (of the entry's tokens) and ``weights``
    (of ``checkpoint``, the entry's own or the file's)."""
    source, index = entry["source"], tuple(entry["index"])
    m = re.fullmatch(r"size in checkpoint (\w+)", entry.get("transform") or "")
    if m:   # a weight of another checkpoint (it may have layers this one lacks)
        return float(model.weights(m.group(1))[source].size)
    card = _card_value(entry, checkpoint)
    if card is not None:
        return card
    step = _step_value(entry, trace, checkpoint)
    if step is not None:
        return step
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
        return float(_pca_coordinates(arr, int(m.group(1)), index[0])[index[1]])
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


def _card_value(entry: dict, checkpoint: str) -> float | None:
    """A model-card number (held-out bpc of a checkpoint or snapshot, a training-curve point)."""
    from model.checkpoint import card_entry
    transform = entry.get("transform") or ""
    if transform == "model card":
        return float(card_entry(checkpoint)[entry["source"]])
    m = re.fullmatch(r"model card curve at step (\d+)", transform)
    if m:
        points = [p for p in card_entry(checkpoint)["curve"] if p["step"] == int(m.group(1))]
        assert len(points) == 1, f"no single curve point at step {m.group(1)} of {checkpoint}"
        return float(points[0][entry["source"]])
    return None


def _step_value(entry: dict, trace, checkpoint: str) -> float | None:
    """A loss or weight of one gradient step on the trace's tokens (recomputed with torch)."""
    from model.gradient_step import gradient_step, next_token_loss, weights_after_step
    transform = entry.get("transform") or ""
    if transform == "next-token loss":
        return next_token_loss(trace.cache[entry["source"]], trace.tokens)
    m = re.fullmatch(r"next-token loss after one gradient step \(lr=([0-9.e-]+)\)", transform)
    if m:
        return gradient_step(trace.tokens, checkpoint, float(m.group(1))).loss_after
    m = re.fullmatch(r"after one gradient step \(lr=([0-9.e-]+)\)", transform)
    if m:
        after = weights_after_step(trace.tokens, checkpoint, float(m.group(1)))
        return float(after[entry["source"]][tuple(entry["index"])])
    return None


def _cos(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


_pca_fits: dict = {}


def _pca_coordinates(w: np.ndarray, n: int, row: int) -> np.ndarray:
    """The row's coordinates on the top 3 eigenvectors of the covariance of the n fitted rows."""
    key = (id(w), n)
    if key not in _pca_fits:
        from model.atlas import frequent_word_ids
        fit = w[frequent_word_ids(n)].astype(np.float64)
        mean = fit.mean(axis=0)
        _, vecs = np.linalg.eigh(np.cov(fit - mean, rowvar=False))
        top = vecs[:, ::-1][:, :3]
        coords = (fit - mean) @ top
        signs = np.array([np.sign(coords[np.argmax(np.abs(coords[:, c])), c]) for c in range(3)])
        _pca_fits[key] = (w, mean, top * signs)   # w kept alive so its id stays unique
    _, mean, basis = _pca_fits[key]
    return (w[row].astype(np.float64) - mean) @ basis


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
