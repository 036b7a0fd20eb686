"""The tokenizer: a tiktoken Encoding built from ranks shipped in model/assets/, never downloaded.

The ranks file has tiktoken's own format (one ``base64(token_bytes) rank`` per line). We parse
it ourselves rather than through ``tiktoken.load``, which caches by path and could silently
serve a stale table after the file is regenerated.
"""
from __future__ import annotations

import base64
import bisect
import functools
from pathlib import Path

import tiktoken

# package data: inside the package, so a pip-installed copy finds them from any folder
ASSETS = Path(__file__).resolve().parent / "assets"
RANKS_FILE = ASSETS / "tokenizer.tiktoken"
ENDOFTEXT = "<|endoftext|>"
# GPT-2's pre-tokenizer split: contractions, words with their leading space, numbers, symbols.
PAT_STR = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def read_ranks(path: Path) -> dict[bytes, int]:
    """The byte-pair ranks of a ``.tiktoken`` file: token bytes to rank. Raises ValueError naming
    the line that is not ``<base64> <rank>``."""
    ranks: dict[bytes, int] = {}
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), 1):
        if not line.strip():
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except ValueError as err:
            raise ValueError(f"{path}:{number}: not a tiktoken rank line") from err
    return ranks


def write_ranks(ranks: dict[bytes, int], path: Path) -> None:
    lines = (f"{base64.b64encode(t).decode()} {r}" for t, r in sorted(ranks.items(), key=lambda x: x[1]))
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


def build_encoding(ranks: dict[bytes, int], name: str = "gpt-explainer") -> tiktoken.Encoding:
    return tiktoken.Encoding(
        name=name,
        pat_str=PAT_STR,
        mergeable_ranks=ranks,
        special_tokens={ENDOFTEXT: len(ranks)},
    )


def get_encoding(checkpoint: str = "default") -> tiktoken.Encoding:
    """The tokenizer of ``checkpoint``: the shipped one (model/assets/tokenizer.tiktoken, shared by every
    shipped checkpoint) or a GPT-2 folder's vocab.json + merges.txt. Works with no network.

    Raises FileNotFoundError when the shipped ranks are missing, CheckpointError for a bad folder.
    """
    from . import hf_folder
    if hf_folder.is_folder(checkpoint):
        return hf_folder.encoding(checkpoint)
    return shipped_encoding()


@functools.lru_cache(maxsize=1)
def shipped_encoding() -> tiktoken.Encoding:
    """The project's tokenizer, from model/assets/tokenizer.tiktoken (works with no network).
    Raises FileNotFoundError when that file is missing."""
    if not RANKS_FILE.exists():
        raise FileNotFoundError(f"tokenizer ranks missing: {RANKS_FILE} (run python -m model.train)")
    return build_encoding(read_ranks(RANKS_FILE))


def running_pieces(enc: tiktoken.Encoding, tokens: list[int]) -> list[str]:
    """Each token's share of the text as read (one str per token): a character whose bytes span
    several tokens (an emoji, CJK, Arabic in a byte-level vocabulary) goes whole to the token
    that completes it, the earlier ones get ""; bytes that never make a character are \\xNN."""
    out: list[str] = []
    pending = b""
    for token in tokens:
        pending += enc.decode_single_token_bytes(int(token))
        try:
            out.append(pending.decode("utf-8"))
            pending = b""
        except UnicodeDecodeError as err:
            if err.reason == "unexpected end of data":       # the character goes on: wait
                out.append("")
            else:
                out.append(pending.decode("utf-8", errors="backslashreplace"))
                pending = b""
    if pending and out:
        out[-1] = pending.decode("utf-8", errors="backslashreplace")
    return out


def piece_text(enc: tiktoken.Encoding, token: int) -> str:
    """A token's text; bytes that are not whole UTF-8 characters are shown as \\xNN."""
    raw = enc.decode_single_token_bytes(token)
    return raw.decode("utf-8", errors="backslashreplace")


def char_parts(enc: tiktoken.Encoding, tokens: list[int]) -> list[tuple[str, int, int, int] | None]:
    """Where each token's bytes fall among the characters of the text ``tokens`` spell: None for a
    token that is whole characters, else ``(chars, first, last, n)``: the characters its bytes
    touch, its first and last byte counted from 1 in their ``n`` bytes. "我" spelled by three
    one-byte tokens gives ("我", 1, 1, 3), ("我", 2, 2, 3), ("我", 3, 3, 3). Bytes that never make
    a character (a text cut mid-character) give ``chars`` "" and ``n`` the loose bytes' count."""
    raw = [enc.decode_single_token_bytes(int(t)) for t in tokens]
    text = b"".join(raw)
    spans = _char_spans(text)                    # [(start, end, char or "")] over ``text``
    starts = [s[0] for s in spans]
    out: list[tuple[str, int, int, int] | None] = []
    at = 0
    for piece in raw:
        a, b = at, at + len(piece)
        at = b
        touched = spans[bisect.bisect_right(starts, a) - 1: bisect.bisect_left(starts, b)]
        if not touched or (touched[0][0] == a and touched[-1][1] == b and all(c for _, _, c in touched)):
            out.append(None)
            continue
        lo = touched[0][0]
        out.append(("".join(c for _, _, c in touched), a - lo + 1, b - lo, touched[-1][1] - lo))
    return out


def _char_spans(text: bytes) -> list[tuple[int, int, str]]:
    """The UTF-8 characters of ``text`` as (start, end, char); a byte that starts no character
    is a span of its own with char ""."""
    spans, i = [], 0
    while i < len(text):
        for n in (1, 2, 3, 4):
            try:
                spans.append((i, i + n, text[i:i + n].decode("utf-8")))
                break
            except UnicodeDecodeError:
                continue
        else:
            spans.append((i, i + 1, ""))
            n = 1
        i += n
    return spans
