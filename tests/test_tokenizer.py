import os
import shutil
import subprocess
import sys

import pytest

from model import get_encoding
from model.tokenizer import RANKS_FILE, build_encoding, char_parts, piece_text, read_ranks, write_ranks

from conftest import ROOT


@pytest.mark.parametrize("text", [
    "It is a truth universally acknowledged.",
    "Café naïve façade — déjà vu, Zoë!",
    "emoji 😀👩‍🔬🇫🇷 and CJK 漢字",
    "שלום עולם and مرحبا بالعالم",       # right-to-left scripts
    "  leading spaces\n\ttabs\r\n",
    "",
])
def test_round_trip(text):
    enc = get_encoding()
    assert enc.decode(enc.encode(text)) == text


def test_vocabulary_is_8192_with_endoftext():
    enc = get_encoding()
    assert enc.n_vocab == 8192
    assert enc.encode("<|endoftext|>", allowed_special="all") == [8191]


def test_partial_utf8_pieces_are_legible():
    enc = get_encoding()
    tokens = enc.encode("😀")
    assert len(tokens) > 1  # a rare emoji splits into byte pieces
    shown = [piece_text(enc, t) for t in tokens]
    assert any("\\x" in s for s in shown)


def test_char_parts_place_each_byte_token_in_its_character():
    """A token that is only part of a character is told by that character and its place in it,
    so nothing has to name it by its bytes (\\xe6)."""
    enc = get_encoding()
    tokens = enc.encode("ok 🙂")
    assert char_parts(enc, tokens) == [None, None, ("🙂", 1, 1, 4), ("🙂", 2, 2, 4), ("🙂", 3, 3, 4),
                                       ("🙂", 4, 4, 4)]
    parts = char_parts(enc, enc.encode("我喜欢"))
    assert [p[0] for p in parts] == ["我"] * 3 + ["喜"] * 3 + ["欢"] * 3
    assert [(p[1], p[2], p[3]) for p in parts] == [(1, 1, 3), (2, 2, 3), (3, 3, 3)] * 3
    assert char_parts(enc, enc.encode("He looked")) == [None, None]
    assert char_parts(enc, tokens[:3]) == [None, None, ("", 1, 1, 1)]    # a text cut mid-character


def test_ranks_file_round_trips(tmp_path):
    ranks = read_ranks(RANKS_FILE)
    copy = tmp_path / "r.tiktoken"
    write_ranks(ranks, copy)
    assert read_ranks(copy) == ranks
    assert build_encoding(ranks).encode("hello world") == get_encoding().encode("hello world")


def test_corrupt_ranks_file_is_reported(tmp_path):
    bad = tmp_path / "bad.tiktoken"
    bad.write_text("not base64 at all!\n")
    with pytest.raises(ValueError, match="bad.tiktoken:1"):
        read_ranks(bad)


OFFLINE_SCRIPT = """
import socket
def refuse(*a, **k):
    raise OSError("network disabled for this test")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
import model
enc = model.get_encoding()
trace = model.run("Offline, the model still reads and predicts.")
assert trace.cache["logits"].shape[0] == len(trace.tokens)
print("offline ok", len(trace.tokens))
"""


def test_tokenizer_and_forward_pass_work_offline():
    """No network namespace when we may make one (root), a socket guard in every case."""
    cmd = [sys.executable, "-c", OFFLINE_SCRIPT]
    if shutil.which("unshare") and os.geteuid() == 0:
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
        if probe.returncode == 0:
            cmd = ["unshare", "-n", *cmd]
    env = dict(os.environ, TIKTOKEN_CACHE_DIR=str(ROOT / "nonexistent-cache"))
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "offline ok" in result.stdout
