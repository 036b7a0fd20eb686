"""A GPT-2 folder (Hugging Face layout) works wherever a checkpoint name does, offline.

A tiny random GPT-2 is written at test time by ``transformers`` with a tokenizer trained by
``tokenizers`` (tests/gpt2_folder.py): our forward pass, hooks and tokenizer must agree with theirs,
scenes must draw from it, and a broken folder must be refused in one line.
"""
import json
import shutil

import numpy as np
import pytest
import torch

import model
from gpt2_folder import TEXT, hf_logits, hf_tokenizer, write_gpt2_folder
from provenance_check import check_provenance
from test_model import expected_shapes

from conftest import still_provenance

PROMPTS = ["Emma", "Elizabeth looked at her sister and", TEXT * 3]   # the last is past n_ctx (64)
TEXTS = PROMPTS + ["", "  two  spaces\n\nand\ttabs ", "café naïve — 1815 £3 🙂", "<|endoftext|>x",
                   "I can't; we'll see. DON'T", "\u00a0\u2028odd spaces"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_gpt2_folder(tmp_path_factory.mktemp("gpt2") / "tiny")


@pytest.fixture(scope="module")
def bin_folder(tmp_path_factory):
    return write_gpt2_folder(tmp_path_factory.mktemp("gpt2bin") / "tiny-bin", safetensors=False, seed=1)


def test_folder_config_is_read_from_config_json(folder):
    cfg = model.config(str(folder))
    raw = json.loads((folder / "config.json").read_text())
    assert cfg == {"n_vocab": raw["vocab_size"], "n_ctx": raw["n_positions"], "n_layer": raw["n_layer"],
                   "n_head": raw["n_head"], "d_model": raw["n_embd"], "d_head": raw["n_embd"] // raw["n_head"],
                   "d_mlp": 4 * raw["n_embd"]}
    net = model.checkpoint.load(str(folder))
    assert net.cfg.activation == "gelu_new" and net.cfg.tied and net.cfg.ln_eps == raw["layer_norm_epsilon"]


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_logits_equal_transformers(folder, prompt):
    trace = model.run(prompt, str(folder))
    assert len(trace.tokens) == min(64, len(hf_tokenizer(folder).encode(prompt)))
    want = hf_logits(folder, trace.tokens)
    assert np.abs(want).max() > 1.0            # random weights large enough that a slip shows
    np.testing.assert_allclose(trace.cache["logits"], want, atol=1e-4, rtol=0)


def test_pytorch_model_bin_loads_the_same_way(bin_folder):
    assert not (bin_folder / "model.safetensors").exists()
    trace = model.run(PROMPTS[1], str(bin_folder))
    np.testing.assert_allclose(trace.cache["logits"], hf_logits(bin_folder, trace.tokens), atol=1e-4, rtol=0)


def test_every_hook_has_its_documented_shape(folder):
    trace = model.run(PROMPTS[1], str(folder))
    shapes = expected_shapes(trace.config, len(trace.tokens))
    assert set(trace.cache) == set(shapes)
    for name, shape in shapes.items():
        assert trace.cache[name].shape == shape, name
        assert trace.cache[name].dtype == np.float32


def test_attn_scores_softmax_to_the_pattern(folder):
    trace = model.run(PROMPTS[2], str(folder))
    for i in range(trace.config["n_layer"]):
        scores = trace.cache[f"blocks.{i}.attn.hook_attn_scores"]
        np.testing.assert_allclose(model.softmax(scores), trace.cache[f"blocks.{i}.attn.hook_pattern"], atol=1e-6)


def test_weights_are_tied_and_transformerlens_shaped(folder):
    cfg = model.config(str(folder))
    W = model.weights(str(folder))
    np.testing.assert_array_equal(W["W_U"], W["W_E"].T)
    H, D, Dh = cfg["n_head"], cfg["d_model"], cfg["d_head"]
    assert W["blocks.1.attn.W_Q"].shape == (H, D, Dh) and W["blocks.1.attn.W_O"].shape == (H, Dh, D)
    # the query of head 2 is the second quarter... of c_attn's first third: the [in, out] layout
    from safetensors.torch import load_file
    c_attn = load_file(str(folder / "model.safetensors"))["transformer.h.1.attn.c_attn.weight"].numpy()
    np.testing.assert_array_equal(W["blocks.1.attn.W_Q"][2], c_attn[:, 2 * Dh:3 * Dh])
    np.testing.assert_array_equal(W["blocks.1.attn.W_K"][0], c_attn[:, D:D + Dh])


@pytest.mark.parametrize("text", TEXTS)
def test_tokenizer_matches_the_hf_tokenizer(folder, text):
    ours, theirs = model.get_encoding(str(folder)), hf_tokenizer(folder)
    ids = ours.encode(text, allowed_special="all")
    assert ids == theirs.encode(text)
    assert ours.decode(ids) == text == theirs.decode(ids)
    assert ours.n_vocab == len(theirs)


def test_pieces_and_generation_use_the_folders_tokenizer(folder):
    trace = model.run(PROMPTS[1], str(folder))
    assert "".join(trace.pieces) == PROMPTS[1]
    a = model.generate(PROMPTS[1], 12, temperature=0.8, seed=3, checkpoint=str(folder))
    b = model.generate(PROMPTS[1], 12, temperature=0.8, seed=3, checkpoint=str(folder))
    assert a == b and len(a) == 12 and max(a) < trace.config["n_vocab"]
    # greedy: each new token is the argmax of transformers' logits for the text so far
    greedy = model.generate(PROMPTS[1], 3, temperature=0, checkpoint=str(folder))
    ids = list(trace.tokens)
    for t in greedy:
        assert t == int(np.argmax(hf_logits(folder, ids)[-1]))
        ids.append(t)


@pytest.mark.parametrize("scene", ["Softmax", "Attention"])
def test_scenes_draw_from_the_folder(folder, scene, tmp_path):
    prov = still_provenance(scene, tmp_path, PROMPTS[1], checkpoint=str(folder))
    assert prov["checkpoint"] == str(folder)
    assert prov["tokens"] == model.run(PROMPTS[1], str(folder)).tokens
    assert prov["tokens"] != model.run(PROMPTS[1]).tokens     # not the shipped tokenizer
    assert check_provenance(prov) > 0
    if scene == "Attention":    # the layer drawn is one the folder's model has
        layers = {int(n["source"].split(".")[1]) for n in prov["numbers"] if n["source"].startswith("blocks.")}
        assert layers and max(layers) < model.config(str(folder))["n_layer"]


def test_cache_key_covers_the_folders_files(folder, tmp_path):
    from pipeline.many import scene_key
    from scenes.context import RenderContext
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    ctx = RenderContext(prompt="Emma", checkpoint=str(copy))
    before, _ = scene_key("Softmax", ctx)
    assert scene_key("Softmax", ctx)[0] == before
    for name in ("merges.txt", "vocab.json", "config.json", "model.safetensors"):
        path = copy / name
        original = path.read_bytes()
        path.write_bytes(original + b" ")
        assert scene_key("Softmax", ctx)[0] != before, name
        path.write_bytes(original)
    assert scene_key("Softmax", ctx)[0] == before


# --- a bad folder: one line, exit 2, nothing written --------------------------------------------
def _break(folder, how):
    if how == "no config.json":
        (folder / "config.json").unlink()
    elif how == "no weights":
        (folder / "model.safetensors").unlink()
    elif how == "no vocab.json":
        (folder / "vocab.json").unlink()
    elif how == "no merges.txt":
        (folder / "merges.txt").unlink()
    elif how == "bad JSON":
        (folder / "config.json").write_text('{"n_layer": 2,')
    elif how == "wrong shapes":
        cfg = json.loads((folder / "config.json").read_text())
        cfg["n_embd"] = 48
        (folder / "config.json").write_text(json.dumps(cfg))
    elif how == "missing tensor":
        from safetensors.torch import load_file, save_file
        t = load_file(str(folder / "model.safetensors"))
        del t["transformer.h.1.mlp.c_fc.bias"]
        save_file(t, str(folder / "model.safetensors"))
    elif how == "truncated weights":
        data = (folder / "model.safetensors").read_bytes()
        (folder / "model.safetensors").write_bytes(data[: len(data) // 2])
    elif how == "pickle with code":
        (folder / "model.safetensors").unlink()
        torch.save({"w": torch.zeros(2), "f": shutil.rmtree}, folder / "pytorch_model.bin")
    elif how == "bad vocab":
        (folder / "vocab.json").write_text('["not", "a", "dict"]')
    elif how == "unsupported activation":
        cfg = json.loads((folder / "config.json").read_text())
        cfg["activation_function"] = "swish"
        (folder / "config.json").write_text(json.dumps(cfg))


BAD = {"no config.json": "config.json missing", "no weights": "no model.safetensors or pytorch_model.bin",
       "no vocab.json": "vocab.json missing", "no merges.txt": "merges.txt missing",
       "bad JSON": "is not valid JSON", "wrong shapes": "has shape",
       "missing tensor": "h.1.mlp.c_fc.bias is missing", "truncated weights": "not a readable safetensors file",
       "pickle with code": "not a weights-only file", "bad vocab": "not a JSON object",
       "unsupported activation": "activation_function 'swish' is not supported"}


@pytest.mark.parametrize("how", list(BAD))
def test_a_bad_folder_is_one_line_and_exit_2(folder, tmp_path, capsys, how):
    from render import main
    bad = tmp_path / "bad"
    shutil.copytree(folder, bad)
    _break(bad, how)
    out = tmp_path / "out"
    code = main(["render", "Softmax", "--checkpoint", str(bad), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert BAD[how] in err, err
    assert err.count("\n") == 1 and err.startswith("render.py: error:") and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())
    with pytest.raises(model.CheckpointError):
        model.run("Emma", str(bad))
        model.get_encoding(str(bad))


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys):
    from render import main
    code = main(["render", "Softmax", "--checkpoint", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "does not exist" in err and err.count("\n") == 1


def test_the_command_line_renders_a_folder(folder, tmp_path, capsys, monkeypatch):
    from render import main
    monkeypatch.chdir(folder.parent)
    out = tmp_path / "out"
    code = main(["render", "Softmax", "--checkpoint", f"./{folder.name}", "--out", str(out),
                 "--prompt", "Emma smiled", "--no-cache"])
    assert code == 0, capsys.readouterr().err
    prov = json.loads(next(out.rglob("Softmax.numbers.json")).read_text())
    assert prov["checkpoint"] == str(folder.resolve())      # one folder, named absolutely
    assert check_provenance(prov) > 0


def test_sampling_with_kept_keys_matches_the_full_pass(folder, monkeypatch):
    """GPT-2-sized models keep each layer's keys and values while sampling; forced on for the tiny
    folder, the tokens equal the full-window pass's, also once the window slides past n_ctx."""
    from model import sampling
    n_ctx = model.config(str(folder))["n_ctx"]
    enc = model.get_encoding(str(folder))
    prompt = enc.decode(enc.encode(TEXT * 3)[: n_ctx - 6])      # 6 tokens before the window is full
    full = {s: model.generate(prompt, 12, temperature=1.0, seed=s, checkpoint=str(folder)) for s in range(3)}
    greedy = model.generate(prompt, 12, temperature=0, checkpoint=str(folder))
    monkeypatch.setattr(sampling, "KEPT_KEYS_WIDTH", 0)
    for s in range(3):
        assert model.generate(prompt, 12, temperature=1.0, seed=s, checkpoint=str(folder)) == full[s]
    assert model.generate(prompt, 12, temperature=0, checkpoint=str(folder)) == greedy
    ids = enc.encode(prompt)
    for t in greedy[:3]:
        assert t == int(np.argmax(hf_logits(folder, ids)[-1]))
        ids.append(t)


@pytest.fixture(scope="module")
def deep_folder(tmp_path_factory):
    return write_gpt2_folder(tmp_path_factory.mktemp("gpt2deep") / "deep", n_layer=12, n_head=2, n_embd=16)


def test_context_flow_fits_twelve_layers(deep_folder, tmp_path):
    prov = still_provenance("ContextFlow", tmp_path, PROMPTS[1], checkpoint=str(deep_folder))
    assert check_provenance(prov) > 0
    # the line chart has a point for the start and after each of the 12 layers (it used to be a
    # grid of at most 7 rows; ContextFlow now draws one line, its labels thinned to fit)
    rows = {n["source"] for n in prov["numbers"] if (n.get("transform") or "").startswith("cosine with position")}
    assert rows == {"blocks.0.hook_resid_pre"} | {f"blocks.{i}.hook_resid_post" for i in range(12)}


def test_embedding_space_without_the_word_pairs(folder, tmp_path):
    """The tiny tokenizer spells few of the direction's word pairs whole: the scene still draws
    its map and neighbours, every number the folder's."""
    prov = still_provenance("EmbeddingSpace", tmp_path, PROMPTS[1], checkpoint=str(folder))
    assert check_provenance(prov) > 0


def test_parameter_count_of_a_folder(folder, tmp_path):
    """No model card for a folder; its W_U is W_E reused, which the total's note says."""
    from scenes.parameter_count import total_note_text
    prov = still_provenance("ParameterCount", tmp_path, PROMPTS[1], checkpoint=str(folder))
    assert check_provenance(prov) > 0
    sizes = {n["source"]: n["value"] for n in prov["numbers"] if n.get("transform") == "size"}
    W = model.weights(str(folder))
    assert sizes["W_U"] == sizes["W_E"] == W["W_E"].size
    assert total_note_text(100, None, 30) == "W_U is W_E reused (tied): 70 distinct numbers"
    assert "no model card" in total_note_text(100, None, None)
    assert "model card's count" in total_note_text(100, 100, None)
