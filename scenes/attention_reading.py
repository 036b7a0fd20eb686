"""What one attention head does on this prompt, measured: which head and query to follow, and
the sentences that say what the followed query's weights show. numpy only (no drawing).

The criterion (``choose_focus``): over every layer and head, every query with at least
``MIN_KEYS`` visible keys, and every key at least two tokens before the query that is not the
first token, the largest attention weight ``pattern[layer][head, query, key]`` picks the head
and the query to follow: the strongest look *back* in the prompt. Only when that weight is under
``KIND_SHARE`` is the token just before the query allowed too (then the strongest of those wins).
The first token is left out because many heads park attention there when nothing else fits (it
is said separately, measured); the query itself is left out because "looks at itself" is not
looking back. A query that is whole text wins over one that is only a byte of a character (a byte
is followed only when no candidate query is whole). What the user fixes (layer, head, query) is
kept and the rest is measured the same way.

    focus = choose_focus(patterns, first_query=gs)              # patterns: [n_layer, n_head, T, T]
    reading = read_row(trace.pieces, patterns[focus.layer][focus.head, focus.query], focus.query)
    reading.sentences        # what the scene says, each true of these numbers

Names and kinds are only claimed when the numbers show them (thresholds below).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .token_names import sentence, spoken

MIN_KEYS = 4          # a query with fewer visible keys looks focused whatever the head does
FIRST_SHARE = 0.30    # "much of the attention rests on the first token" from this share on
KIND_SHARE = 0.40     # a kind ("just before it", "a name") is claimed only from this weight on
TOP_KEYS = 3          # keys named, largest weight first
NAMED_SHARE = 0.01    # ... and after the first only from this weight on ("0%" names nothing)
SENTENCE_END = (".", "!", "?", "\n", "\"", "“", "”", ":", ";")


@dataclass(frozen=True)
class Focus:
    """The followed head and query (0-based TransformerLens indices), and the measured key.

    ``key`` is None and ``weight`` 0 when the query has no earlier key other than the first token
    (a prompt of one or two tokens)."""
    layer: int
    head: int
    query: int
    key: int | None
    weight: float


def choose_focus(patterns, layer: int | None = None, head: int | None = None,
                 query: int | None = None, first_query: int = 0, whole=None) -> Focus:
    """The head and query to follow. ``patterns`` [n_layer, n_head, T, T] (``hook_pattern`` of every
    layer); ``layer``, ``head``, ``query`` fix those (0-based) when given; queries before
    ``first_query`` (outside the drawn window) are not candidates unless ``query`` is given.
    ``whole`` (T booleans: the token is whole text, not part of a character) keeps a measured
    query to the whole tokens when any of the candidates is one: a byte is followed only when
    there is nothing readable to follow.

    Raises ValueError for a pattern that is not [n_layer, n_head, T, T] or a fixed index out of range.
    """
    p = np.asarray(patterns, dtype=np.float64)
    if p.ndim != 4 or p.shape[2] != p.shape[3] or p.shape[2] < 1:
        raise ValueError(f"patterns must be [n_layer, n_head, T, T], got shape {p.shape}")
    n_layer, n_head, T, _ = p.shape
    for name, v, n in (("layer", layer, n_layer), ("head", head, n_head), ("query", query, T)):
        if v is not None and not 0 <= v < n:
            raise ValueError(f"{name} {v} is out of range 0..{n - 1}")
    layers = [layer] if layer is not None else range(n_layer)
    heads = [head] if head is not None else range(n_head)
    if query is not None:
        queries = [query]
    else:
        lo = max(first_query, MIN_KEYS - 1 if T >= MIN_KEYS else 0)
        queries = range(lo, T)
        if whole is not None:
            if len(whole) != T:
                raise ValueError(f"whole has {len(whole)} entries for {T} tokens")
            queries = [q for q in queries if whole[q]] or queries
    best = None
    for skip_previous in (True, False):     # a key further back first; the one just before if weak
        for q in queries:
            for L in layers:
                for h in heads:
                    for k in range(1, q - 1 if skip_previous else q):
                        w = p[L, h, q, k]
                        if best is None or w > best[0]:
                            best = (w, L, h, q, k)
        if best is not None and best[0] >= KIND_SHARE:
            break
    if best is not None:
        w, L, h, q, k = best
        return Focus(int(L), int(h), int(q), int(k), float(w))
    # no key between the first token and the query: follow the given or last query, in the given
    # head or the one that weighs an earlier token (the first) most
    q = query if query is not None else T - 1
    pairs = [(p[L, h, q, :q].sum() if q > 0 else 0.0, -L, -h) for L in layers for h in heads]
    _, L, h = max(pairs)
    return Focus(int(-L), int(-h), int(q), None, 0.0)


def is_name(pieces: list[str], k: int) -> bool:
    """Token ``k`` is a capitalised word that does not start the text or a sentence (so "The"
    after a full stop is not a name, "Emma" in the middle is): a leading space, an upper-case
    letter, then lower-case letters."""
    piece = pieces[k]
    word = piece.strip()
    if k == 0 or not piece.startswith(" ") or len(word) < 2 or not word.isalpha():
        return False
    if not (word[0].isupper() and word[1:].islower()):
        return False
    before = pieces[k - 1].rstrip(" ")
    return not before or not before.endswith(SENTENCE_END)


@dataclass
class Reading:
    """What the followed query's weights show.

    ``top``        [(key, weight)] the largest weights, largest first (at most TOP_KEYS)
    ``first``      the weight on the first token (0 for the first token itself)
    ``kind``       "previous", "name", "itself", "same word" or None: the measured kind
    ``sentences``  what the scene says, in order (each true of these numbers)
    ``first_heavy`` whether much of the attention rests on the first token
    """
    query: int
    top: list[tuple[int, float]]
    first: float
    kind: str | None
    sentences: list[str] = field(default_factory=list)

    @property
    def first_heavy(self) -> bool:
        return self.query > 0 and self.first >= FIRST_SHARE


def percent_words(w: float) -> str:
    return f"{100 * w:.0f}%"


def read_row(pieces: list[str], row, query: int, names: list[str] | None = None) -> Reading:
    """Read ``row`` (one head's weights of ``query`` over every key, [T]) of the tokens
    ``pieces``; ``names`` are how the sentences name each token (default ``spoken`` of its piece;
    a scene gives names that tell a byte's character and repeated tokens apart). Raises
    ValueError for a row whose visible weights do not sum to 1."""
    row = np.asarray(row, dtype=np.float64)
    vis = row[: query + 1]
    if not np.isclose(vis.sum(), 1.0, atol=1e-4):
        raise ValueError(f"the visible weights of query {query} sum to {vis.sum():.4f}, not 1")
    if names is None:
        names = [spoken(p) for p in pieces]
    order = [int(k) for k in np.argsort(-vis, kind="stable")[: min(TOP_KEYS, query + 1)]]
    top = [(k, float(vis[k])) for i, k in enumerate(order) if i == 0 or vis[k] >= NAMED_SHARE]
    first = float(vis[0]) if query > 0 else 0.0
    r = Reading(query, top, first, None)
    q_name = names[query]
    if query == 0:
        r.sentences.append(sentence(f"{q_name} is the first token: it can only look at itself."))
        return r
    # the weight before the name: a name may end in its position ("“he” #6"), no number after it
    said = [(percent_words(w), "itself" if k == query else names[k]) for k, w in top]
    lead = f"{q_name} gives most attention, {said[0][0]}, to {said[0][1]}"
    if len(said) > 1:
        lead += ", then " + " and ".join(f"{pct} to {name}" for pct, name in said[1:])
    r.sentences.append(sentence(lead + "."))
    k1, w1 = top[0]
    if r.first_heavy:
        r.sentences.append(f"Much of the attention, {percent_words(first)}, rests on the first token, "
                           f"{names[0]}: a common resting place for a head with nothing to find.")
    kinds = []
    if k1 == query and w1 >= KIND_SHARE:
        kinds.append(("itself", "This head keeps most of it on the token itself."))
    if k1 == query - 1 and k1 > 0 and w1 >= KIND_SHARE:
        kinds.append(("previous", "This head looks mostly at the token just before it."))
    name_keys = [(k, w) for k, w in top if k != query and is_name(pieces, k)]
    if name_keys and name_keys[0][0] == k1 and w1 >= KIND_SHARE:
        kinds.append(("name", f"It looks back at a name: {names[k1]}."))
    # a byte of a character is no word: two bytes alike may belong to different characters
    same = pieces[query].strip().lower() if names[query].startswith("“") else ""
    if (k1 not in (0, query) and w1 >= KIND_SHARE and same and names[k1].startswith("“")
            and pieces[k1].strip().lower() == same):
        kinds.append(("same word", "It looks back at the same word, earlier in the text."))
    if kinds:
        r.kind, text = kinds[0]
        r.sentences.append(text)
    return r


__all__ = ["FIRST_SHARE", "Focus", "KIND_SHARE", "MIN_KEYS", "Reading", "choose_focus", "is_name",
           "read_row", "spoken"]  # spoken: from .token_names, kept here for its callers
