"""The provenance file: every number a scene draws, with the tensor and index it came from.

Sources are capture points (``logits``, ``blocks.0.attn.hook_pattern``) or weights under
TransformerLens names (``W_E``, ``blocks.0.mlp.W_in``). A derived number names its derivation in
``transform``; the vocabulary (checked by tests/test_provenance.py against a fresh Trace):

    softmax(T=<t>)     softmax over the last axis of the source at temperature t; index is the
                       element of the result
    softmax(T=<t>, top-k=<k>)
                       the distribution a sample was drawn from: softmax(T=t) over the last
                       axis, every token but the k likeliest set to 0 (ties at the k-th kept),
                       renormalised; index is the element of the result
    exp                e to the source value
    sum(exp)           the sum of e^x over the last axis of the source; index names the rest
    softmax(T=<t>) outside top <k>
                       1 minus the k largest probabilities of softmax(T=t) over the last axis;
                       index names the rest
    minus b_in         the value minus the MLP's input bias ``b_in`` of the same layer at the
                       index's last position (W_in · x before the bias is added)
    pca3 of <n> frequent words
                       coordinate index[1] of row index[0] of the source (W_E) on the top three
                       principal directions of the rows ``model.atlas.frequent_word_ids(n)``
                       (centred; each direction signed so its largest |coordinate| is positive)
    cosine with row <j>
                       cosine similarity of row index[0] and row j of the source
    along row <b> minus row <a>
                       row index[0] of the source dotted with the unit vector from row a to row b
    dot with <W> column <c>, first <k> terms
                       a running sum: the source's row index (a vector x) times column c of the
                       weight W (stored [d_in, d_out]), summed over the first k entries; at k =
                       d_in it is the whole product (W x)[c] without the bias
    size               how many numbers the source holds (a parameter count); index is []
    length             the vector source[index]'s length, the square root of the sum of its
                       squares (index: a token row, e.g. [pos])
    size summed over <W>,<W>,... in every layer
                       how many numbers those weights hold together, each layer's copy counted
                       (W_Q is every blocks.i.attn.W_Q); the source is "parameters"
    matrix-vector share of the forward pass
                       (source W_E, index []) the fraction of the forward pass's operations over
                       the checked tokens that are weight matrices times vectors (model/flops.py)
    cosine with column of <other source>
                       cosine similarity of row index[0] of the source (W_E) and column index[0]
                       of the other source (W_U): a token's embedding and unembedding vectors
    size in checkpoint <name>
                       the same for the weight of that name in another checkpoint: a shipped
                       name, a snapshot (``small@step0``) or a GPT-2 folder's absolute path
    cosine with position <j>
                       cosine similarity of the source's rows index[0] and j (e.g. two tokens'
                       residual vectors)
    cosine with position <j> of tokens <id,id,...>
                       cosine similarity of the source's row index[0] and row j of the same
                       capture in a forward pass of those token ids (one word in two texts)
    cosine with <other source>
                       cosine similarity of row index[0] of the source and of the other source
                       (e.g. a residual vector and the same token's embedding)

Scenes write these strings with the formatters of ``scenes.derivations`` (its one table also
computes each value for the provenance test); ``Provenance.record`` refuses any other string.
    next-token loss    (source ``logits``, index []) the mean cross-entropy in nats of each
                       token of the entry's tokens given the ones before it
    bits per character of the tokens
                       (source ``logits``, index []) the surprise in bits, -log2 p at T = 1, of
                       each of the entry's tokens given the ones before, summed, divided by the
                       number of characters those tokens (all but the first) spell
    probability of tokens <a> to <b>
                       (source ``logits``, index []) the probability of the entry's tokens a..b
                       (inclusive) given the ones before: the product of each token's at T = 1
                       (one whole word spelled by several tokens)
    next-token loss after one gradient step (lr=<x>)
                       the same after one plain gradient-descent step on those tokens
                       (``model.gradient_step``, learning rate x)
    bits per character after one gradient step (lr=<x>)
                       bits per character of the tokens after that step: the mean loss after
                       it, times the predicted tokens, / ln 2, / the characters they spell
    after one gradient step (lr=<x>)
                       the weight ``source[index]`` after that step
    model card         the checkpoint's (or snapshot's) model-card field named by the source
                       (``heldout_prose_bpc``); index []
    model card curve at step <n>
                       that field of the checkpoint's training-curve point at step n

An entry from another checkpoint (a training snapshot such as ``small@step0``, the small model)
or another text carries its own ``checkpoint`` and/or ``tokens``; the rest use the file's.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from . import derivations


class Provenance:
    def __init__(self, scene: str, prompt: str, checkpoint: str, tokens: list[int]):
        self.scene, self.prompt, self.checkpoint, self.tokens = scene, prompt, checkpoint, list(tokens)
        self.numbers: list[dict] = []

    def record(self, source: str, index, value: float, transform: str | None = None,
               checkpoint: str | None = None, tokens=None) -> float:
        """Note that ``value`` (drawn on screen) is ``source[index]`` (after ``transform``, a
        string from ``scenes.derivations``). Returns ``value`` as a float.

        ``checkpoint`` / ``tokens``: the number comes from another checkpoint (a snapshot, the
        small model) or another text than the file's own; the entry then carries its own.
        Raises ValueError for a non-finite value or a transform not in ``derivations.TABLE``.
        """
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"non-finite value drawn from {source}{list(index)}")
        if transform:
            derivations.parse(transform)
        entry = {"source": source, "index": [int(i) for i in index], "value": value}
        if transform:
            entry["transform"] = transform
        if checkpoint is not None and checkpoint != self.checkpoint:
            entry["checkpoint"] = checkpoint
        if tokens is not None and list(tokens) != self.tokens:
            entry["tokens"] = [int(t) for t in tokens]
        self.numbers.append(entry)
        return value

    def as_dict(self) -> dict:
        return {"scene": self.scene, "prompt": self.prompt, "checkpoint": self.checkpoint,
                "tokens": self.tokens, "numbers": self.numbers}

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
