"""Named derivations: how a drawn number that is not a plain ``source[index]`` was computed.

One table, read by both sides of the provenance file:

* scenes **record** with the formatters below, so they never write a ``transform`` string by hand:
  ``self.record("logits", (pos, t), p, derivations.softmax(T=0.8))`` writes ``"softmax(T=0.8)"``;
  ``Provenance.record`` parses every transform and raises ``ValueError`` for one not in the table,
  so a typo fails when the scene records it, not when a test reads the file;
* tests/provenance_check.py **checks** with ``expected(...)``: each entry's ``compute`` gives the
  value from the source array, the index and the other arrays it names.

The strings are the vocabulary of DESIGN.md and ``scenes/provenance.py`` (others read these
files): a new derivation is one ``Derivation`` here plus its row in those two lists.

numpy only: the reference functions a check trusts (softmax, the atlas's frequent words, arrays
of a trace or a checkpoint) come in through ``Sources``, so this module imports neither torch
nor the model package.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Sources:
    """What ``expected`` may read, given by the checker.

    array(name, checkpoint)     a capture of the checked trace or a weight, as numpy; with a
                                ``checkpoint`` name, that checkpoint's weight (raises KeyError
                                for a name it does not hold)
    softmax(x, T)               probabilities over the last axis of ``x`` at temperature ``T``
    frequent_word_ids(n)        the ``n`` token ids the embedding-space PCA is fitted on
    tokens                      the token ids of the checked text (the entry's own or the file's)
    card()                      the model-card entry of the checked checkpoint or snapshot
    after_step(lr)              (mean next-token loss in nats, every weight) after one plain
                                gradient-descent step on ``tokens`` at learning rate ``lr``
    array_of(tokens, name)      capture ``name`` of a fresh forward pass of other token ids
                                (same checkpoint), as numpy
    characters()                how many characters the text of ``tokens[1:]`` holds (decoded
                                with the checked checkpoint's tokenizer): what a next-token
                                loss predicts, the denominator of bits per character
    """
    array: Callable[..., np.ndarray]
    softmax: Callable[[np.ndarray, float], np.ndarray]
    frequent_word_ids: Callable[[int], list[int]]
    tokens: tuple[int, ...] = ()
    card: Callable[[], dict] | None = None
    after_step: Callable[[float], tuple[float, dict]] | None = None
    array_of: Callable[[tuple[int, ...], str], np.ndarray] | None = None
    characters: Callable[[], int] | None = None


@dataclass(frozen=True)
class Derivation:
    """One transform: ``pattern`` (a regex whose named groups are its parameters) matches its
    string; ``compute(source, index, sources, **groups)`` gives the value it names."""
    name: str
    pattern: str
    compute: Callable[..., float]

    def match(self, transform: str) -> dict | None:
        m = re.fullmatch(self.pattern, transform)
        return m.groupdict() if m else None


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _cos(a, b) -> float:
    a, b = _f64(a), _f64(b)
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


_pca_fits: dict = {}


def _pca_coordinates(w: np.ndarray, ids: list[int], row: int) -> np.ndarray:
    """Row ``row`` of ``w`` [n_vocab, d] on the top 3 eigenvectors of the covariance of the rows
    ``ids`` (centred; each direction signed so its largest |coordinate| is positive): shape [3]."""
    key = (id(w), tuple(ids))
    if key not in _pca_fits:
        fit = _f64(w[ids])
        mean = fit.mean(axis=0)
        _, vecs = np.linalg.eigh(np.cov(fit - mean, rowvar=False))
        top = vecs[:, ::-1][:, :3]
        coords = (fit - mean) @ top
        signs = np.array([np.sign(coords[np.argmax(np.abs(coords[:, c])), c]) for c in range(3)])
        _pca_fits[key] = (w, mean, top * signs)   # w kept alive so its id stays unique
    _, mean, basis = _pca_fits[key]
    return (_f64(w[row]) - mean) @ basis


def _outside_top(source, index, s, t, k):
    p = np.sort(s.softmax(s.array(source)[index], float(t)))[::-1]
    return float(1.0 - p[: int(k)].sum())


def _top_k_cut(p: np.ndarray, k: int) -> np.ndarray:
    """``p`` with all but its ``k`` largest entries set to 0 (ties at the k-th kept), renormalised:
    the cut ``model.sampling.filter_probs`` makes, written again here so the check is independent."""
    p = _f64(p).copy()
    if k < p.size:
        p[p < np.sort(p)[-k]] = 0.0
    return p / p.sum()


def _sampled(source, index, s, t, k):
    return float(_top_k_cut(s.softmax(s.array(source)[index[:-1]], float(t)), int(k))[index[-1]])


def _along(source, index, s, b, a):
    arr = s.array(source)
    d = _f64(arr[int(b)]) - _f64(arr[int(a)])
    return float(_f64(arr[index[0]]) @ d / np.sqrt(d @ d))


def _running_dot(source, index, s, w, c, k):
    x, weight = s.array(source)[index], s.array(w)
    return float(_f64(x[: int(k)]) @ _f64(weight[: int(k), int(c)]))


def _minus_b_in(source, index, s):
    layer = source.split(".")[1]
    return float(s.array(source)[index] - s.array(f"blocks.{layer}.mlp.b_in")[index[-1]])


def _next_token_loss(source, index, s):
    """Mean cross-entropy (nats) of each token of ``s.tokens`` given the ones before, from the
    ``source`` logits [n_tokens, n_vocab]."""
    x = _f64(s.array(source))[:-1]
    x = x - x.max(axis=-1, keepdims=True)
    logp = x - np.log(np.exp(x).sum(axis=-1, keepdims=True))
    return float(-logp[np.arange(len(s.tokens) - 1), np.asarray(s.tokens[1:])].mean())


def _cosine_other_text(source, index, s, j, ids):
    other = s.array_of(tuple(int(t) for t in ids.split(",")), source)
    return _cos(s.array(source)[index[0]], other[int(j)])
def _log2_next_token_probs(source, s) -> np.ndarray:
    """log2 of the probability (T = 1) the ``source`` logits [n_tokens, n_vocab] gave each real
    next token of ``s.tokens``: shape [n_tokens - 1]."""
    x = _f64(s.array(source))[: len(s.tokens) - 1]
    x = x - x.max(axis=-1, keepdims=True)
    logp = x - np.log(np.exp(x).sum(axis=-1, keepdims=True))
    return logp[np.arange(len(s.tokens) - 1), np.asarray(s.tokens[1:])] / np.log(2.0)


def _bits_per_character(source, index, s):
    """Total surprise (bits) of every real next token of ``s.tokens`` / the characters they spell."""
    return float(-_log2_next_token_probs(source, s).sum() / s.characters())


def _bpc_after_step(source, index, s, lr):
    """The mean next-token loss (nats) after one gradient step, as bits per character: times
    the predicted tokens (all but the first), in bits (/ ln 2), over the characters they spell."""
    return float(s.after_step(float(lr))[0] * (len(s.tokens) - 1) / np.log(2.0) / s.characters())


def _tokens_probability(source, index, s, a, b):
    """The probability of tokens a..b (inclusive, a >= 1) given the ones before: the product of
    the probability (T = 1) of each."""
    a, b = int(a), int(b)
    if not 1 <= a <= b < len(s.tokens):
        raise ValueError(f"tokens {a} to {b} are not predicted tokens of a {len(s.tokens)}-token text")
    return float(2.0 ** _log2_next_token_probs(source, s)[a - 1: b].sum())


def _curve_point(source, index, s, n):
    points = [p for p in s.card()["curve"] if p["step"] == int(n)]
    if len(points) != 1:
        raise ValueError(f"the model card has no single curve point at step {n}")
    return float(points[0][source])


def _layer_arrays(s: Sources, name: str) -> list[np.ndarray]:
    """Weight ``name`` itself (W_E, W_pos, W_U) or every layer's copy (W_Q → blocks.i.attn.W_Q)."""
    try:
        return [np.asarray(s.array(name))]
    except KeyError:
        pass
    out = []
    for i in range(10_000):
        found = []
        for part in ("attn", "mlp"):
            try:
                found.append(np.asarray(s.array(f"blocks.{i}.{part}.{name}")))
            except KeyError:
                pass
        if not found:
            break
        out += found
    if not out:
        raise KeyError(f"no weight {name!r} in any layer")
    return out


def _summed_size(source, index, s, names):
    return float(sum(a.size for n in names.split(",") for a in _layer_arrays(s, n)))


def _matvec_share(source, index, s):
    """Weight-matrix products against everything else, counted from the weights' shapes and the
    number of tokens (the convention of model/flops.py, written out again here to check it)."""
    v, d = np.asarray(s.array("W_E")).shape
    W_Q = _layer_arrays(s, "W_Q")
    L, (H, _, dh) = len(W_Q), W_Q[0].shape
    m = np.asarray(s.array("blocks.0.mlp.W_in")).shape[1]
    T = len(s.tokens)
    pairs = T * (T + 1) / 2
    weights = T * L * (4 * d * H * dh + 2 * d * m) + T * d * v
    other = (L * 2 * H * dh * pairs + L * 4 * H * pairs + (2 * L + 1) * 5 * d * T + L * m * T
             + T * L * (4 * d + 3 * H * dh + m))
    return float(weights / (weights + other))


_NUM = r"[0-9]+(?:\.[0-9]+)?"
_LR = r"[0-9.e-]+"

# Order matters where one string could match two patterns: the more specific comes first.
TABLE: tuple[Derivation, ...] = (
    Derivation("softmax outside top", rf"softmax\(T=(?P<t>{_NUM})\) outside top (?P<k>\d+)", _outside_top),
    Derivation("softmax top-k", rf"softmax\(T=(?P<t>{_NUM}), top-k=(?P<k>\d+)\)", _sampled),
    Derivation("softmax", rf"softmax\(T=(?P<t>{_NUM})\)",
               lambda source, index, s, t: float(s.softmax(s.array(source)[index[:-1]], float(t))[index[-1]])),
    Derivation("exp", r"exp", lambda source, index, s: float(np.exp(np.float64(s.array(source)[index])))),
    Derivation("sum(exp)", r"sum\(exp\)",
               lambda source, index, s: float(np.exp(_f64(s.array(source)[index])).sum())),
    Derivation("minus b_in", r"minus b_in", _minus_b_in),
    Derivation("pca3", r"pca3 of (?P<n>\d+) frequent words",
               lambda source, index, s, n: float(_pca_coordinates(
                   s.array(source), s.frequent_word_ids(int(n)), index[0])[index[1]])),
    Derivation("cosine with row", r"cosine with row (?P<j>\d+)",
               lambda source, index, s, j: _cos(s.array(source)[index[0]], s.array(source)[int(j)])),
    Derivation("cosine with position of tokens", r"cosine with position (?P<j>\d+) of tokens (?P<ids>\d+(?:,\d+)*)",
               _cosine_other_text),
    Derivation("cosine with position", r"cosine with position (?P<j>\d+)",
               lambda source, index, s, j: _cos(s.array(source)[index[0]], s.array(source)[int(j)])),
    Derivation("cosine with source", r"cosine with (?P<other>[^\s\d][^\s]*)",
               lambda source, index, s, other: _cos(s.array(source)[index[0]], s.array(other)[index[0]])),
    Derivation("along", r"along row (?P<b>\d+) minus row (?P<a>\d+)", _along),
    Derivation("running dot", r"dot with (?P<w>\S+) column (?P<c>\d+), first (?P<k>\d+) terms", _running_dot),
    Derivation("summed size", r"size summed over (?P<names>[\w,]+) in every layer", _summed_size),
    Derivation("matrix-vector share", r"matrix-vector share of the forward pass", _matvec_share),
    Derivation("cosine with column", r"cosine with column of (?P<other>\S+)",
               lambda source, index, s, other: _cos(np.asarray(s.array(source))[index[0]],
                                                    np.asarray(s.array(other))[:, index[0]])),
    Derivation("size in checkpoint", r"size in checkpoint (?P<checkpoint>\S.*)",
               lambda source, index, s, checkpoint: float(np.asarray(s.array(source, checkpoint)).size)),
    Derivation("size", r"size", lambda source, index, s: float(np.asarray(s.array(source)).size)),
    Derivation("length", r"length",
               lambda source, index, s: float(np.linalg.norm(_f64(s.array(source)[tuple(index)])))),
    Derivation("bits per character after step",
               rf"bits per character after one gradient step \(lr=(?P<lr>{_LR})\)", _bpc_after_step),
    Derivation("next-token loss after step", rf"next-token loss after one gradient step \(lr=(?P<lr>{_LR})\)",
               lambda source, index, s, lr: float(s.after_step(float(lr))[0])),
    Derivation("next-token loss", r"next-token loss", _next_token_loss),
    Derivation("bits per character", r"bits per character of the tokens", _bits_per_character),
    Derivation("probability of tokens", r"probability of tokens (?P<a>\d+) to (?P<b>\d+)", _tokens_probability),
    Derivation("after step", rf"after one gradient step \(lr=(?P<lr>{_LR})\)",
               lambda source, index, s, lr: float(s.after_step(float(lr))[1][source][index])),
    Derivation("model card curve", r"model card curve at step (?P<n>\d+)", _curve_point),
    Derivation("model card", r"model card", lambda source, index, s: float(s.card()[source])),
)


def parse(transform: str) -> tuple[Derivation, dict]:
    """The table entry ``transform`` names and its parameters (strings, as matched).

    Raises ValueError for a string no entry matches (a typo, or a derivation not yet in the table).
    """
    for d in TABLE:
        params = d.match(transform)
        if params is not None:
            return d, params
    raise ValueError(f"unknown transform {transform!r}: not in scenes/derivations.py TABLE")


def expected(transform: str | None, source: str, index, sources: Sources) -> float:
    """The value an entry of the provenance file must hold: ``source[index]`` when ``transform``
    is None, else the derivation it names. Raises ValueError for an unknown transform and
    KeyError for a source ``sources`` does not hold."""
    index = tuple(int(i) for i in index)
    if transform is None:
        return float(sources.array(source)[index])
    d, params = parse(transform)
    return d.compute(source, index, sources, **params)


# --- formatters: what scenes pass as ``transform`` ----------------------------------------------

def _checked(text: str) -> str:
    parse(text)
    return text


def softmax(T: float) -> str:
    """``softmax(T=<t>)``: the probability at temperature ``T`` (index[-1] is the token)."""
    return _checked(f"softmax(T={float(T):g})")


def sampled(T: float, top_k: int | None, n_vocab: int) -> str:
    """The distribution a sample was drawn from (``model.sampled_distribution``):
    ``softmax(T=<t>, top-k=<k>)``, the probability at temperature T renormalised over the k
    likeliest tokens (0 for the others); plain ``softmax(T=<t>)`` when there is no cut (k None,
    0, or at least ``n_vocab``)."""
    if not top_k or top_k >= n_vocab:
        return softmax(T)
    return _checked(f"softmax(T={float(T):g}, top-k={int(top_k)})")


def softmax_outside_top(T: float, k: int) -> str:
    """``softmax(T=<t>) outside top <k>``: 1 minus the k largest probabilities."""
    return _checked(f"softmax(T={float(T):g}) outside top {int(k)}")


def pca3(n_words: int) -> str:
    """``pca3 of <n> frequent words``: a coordinate on the embedding space's PCA axes."""
    return _checked(f"pca3 of {int(n_words)} frequent words")


def cosine_with_row(j: int) -> str:
    return _checked(f"cosine with row {int(j)}")


def cosine_with_position(j: int) -> str:
    return _checked(f"cosine with position {int(j)}")


def cosine_with_position_of(j: int, tokens) -> str:
    """``cosine with position <j> of tokens <id,id,...>``: row index[0] of the source against row j
    of the same capture in a forward pass of those other token ids (one word in two texts)."""
    return _checked(f"cosine with position {int(j)} of tokens {','.join(str(int(t)) for t in tokens)}")


def cosine_with(other_source: str) -> str:
    """``cosine with <other source>``: row index[0] of the source against the same row of another."""
    return _checked(f"cosine with {other_source}")


def along(b: int, a: int) -> str:
    """``along row <b> minus row <a>``: the projection on the unit vector from row a to row b."""
    return _checked(f"along row {int(b)} minus row {int(a)}")


def running_dot(w_source: str, column: int, k: int) -> str:
    """``dot with <W> column <c>, first <k> terms``: x · W[:k, c] over the first k terms."""
    return _checked(f"dot with {w_source} column {int(column)}, first {int(k)} terms")


def summed_size(names) -> str:
    """The number of parameters in weights ``names`` (W_E, W_Q, ...), every layer's copy counted."""
    return _checked(f"size summed over {','.join(names)} in every layer")


def cosine_with_column(other_source: str) -> str:
    """Cosine similarity of row index[0] of the source (W_E) and column index[0] of another (W_U)."""
    return _checked(f"cosine with column of {other_source}")


def size_in_checkpoint(name: str) -> str:
    """``size in checkpoint <name>``: a weight's size in another checkpoint (a shipped name, a
    snapshot such as ``small@step0`` or a GPT-2 folder's absolute path)."""
    return _checked(f"size in checkpoint {name}")


def loss_after_step(lr: float) -> str:
    """``next-token loss after one gradient step (lr=<x>)`` (source ``logits``, index [])."""
    return _checked(f"next-token loss after one gradient step (lr={float(lr):g})")


def bpc_after_step(lr: float) -> str:
    """``bits per character after one gradient step (lr=<x>)`` (source ``logits``, index []):
    the entry's tokens' bits per character once that step is taken."""
    return _checked(f"bits per character after one gradient step (lr={float(lr):g})")


def after_step(lr: float) -> str:
    """``after one gradient step (lr=<x>)``: the weight ``source[index]`` after that step."""
    return _checked(f"after one gradient step (lr={float(lr):g})")


def tokens_probability(a: int, b: int) -> str:
    """``probability of tokens <a> to <b>``: (source ``logits``, index []) the probability of the
    entry's tokens a..b together (e.g. one whole word), the product of each one's at T = 1."""
    return _checked(f"probability of tokens {int(a)} to {int(b)}")


def card_curve_at(step: int) -> str:
    """``model card curve at step <n>``: the source field of that training-curve point."""
    return _checked(f"model card curve at step {int(step)}")


EXP = _checked("exp")
SUM_EXP = _checked("sum(exp)")
MINUS_B_IN = _checked("minus b_in")
SIZE = _checked("size")
LENGTH = _checked("length")
MATVEC_SHARE = _checked("matrix-vector share of the forward pass")
NEXT_TOKEN_LOSS = _checked("next-token loss")
MODEL_CARD = _checked("model card")
BITS_PER_CHARACTER = _checked("bits per character of the tokens")
