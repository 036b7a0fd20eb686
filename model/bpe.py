"""Training the byte-level BPE and exporting it as tiktoken ranks (training time only).

The ``tokenizers`` trainer learns the merges; we keep only their order. Ranks are the 256
single bytes first, then each merge's result in the order it was learned, which is exactly the
table tiktoken's encoder replays.
"""
from __future__ import annotations

from collections.abc import Iterable


def byte_alphabet() -> dict[str, int]:
    """GPT-2's printable stand-in character for every byte, inverted (char -> byte): printable
    Latin-1 bytes stand for themselves, the other 68 are shifted to U+0100 onwards in byte order."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[chr(b)] = b
        else:
            chars[chr(256 + extra)] = b
            extra += 1
    return chars


def train_ranks(texts: Iterable[str], n_ranks: int) -> dict[bytes, int]:
    """Learn ``n_ranks`` byte-level BPE tokens (256 bytes + merges) from ``texts``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=n_ranks, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(texts, trainer)

    import json
    merges = json.loads(tok.to_str())["model"]["merges"]
    to_byte = byte_alphabet()
    ranks = {bytes([b]): b for b in range(256)}
    for merge in merges:
        left, right = merge.split(" ") if isinstance(merge, str) else merge
        token = bytes(to_byte[c] for c in left + right)
        if token not in ranks:
            ranks[token] = len(ranks)
        if len(ranks) == n_ranks:
            break
    return ranks
