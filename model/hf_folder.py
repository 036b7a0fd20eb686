"""A GPT-2-family checkpoint from a local folder in the Hugging Face layout, read offline.

The folder holds ``config.json``, ``model.safetensors`` (or ``pytorch_model.bin``, read with
``torch.load(weights_only=True)``), ``vocab.json`` and ``merges.txt``. The weights go into this
project's ``GPT`` (model/gpt.py) with GPT-2's options: the config's activation (``gelu_new`` is the
tanh GELU), ``layer_norm_epsilon``, sizes and the tied unembedding. GPT-2 stores its Conv1D
weights as [in, out]; ``nn.Linear`` wants [out, in], so each is transposed once here.

The tokenizer becomes a ``tiktoken.Encoding``: GPT-2's byte-level alphabet (each byte shown as one
printable character) is undone, and each token's rank is its id in vocab.json, which must grow in
the order of merges.txt (so tiktoken merges in the same order the BPE does).

Every problem is a ``CheckpointError`` with one line naming the folder and what is wrong.

    if is_folder("./gpt2"):
        net = load("./gpt2")          # GPT in eval mode, cached per folder and file dates
        enc = encoding("./gpt2")      # tiktoken.Encoding of its vocab.json + merges.txt
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import tiktoken

from .bpe import byte_alphabet
from .errors import CheckpointError
from .tokenizer import PAT_STR

CONFIG, SAFETENSORS, PICKLE, VOCAB, MERGES = ("config.json", "model.safetensors", "pytorch_model.bin",
                                             "vocab.json", "merges.txt")
LAYOUT = f"a GPT-2 folder holds {CONFIG}, {SAFETENSORS} (or {PICKLE}), {VOCAB} and {MERGES}"
# Hugging Face activation names -> GPTConfig.activation (the tanh forms are one function)
ACTIVATIONS = {"gelu_new": "gelu_new", "gelu_pytorch_tanh": "gelu_new", "gelu_fast": "gelu_new",
               "gelu": "gelu"}


def is_folder(checkpoint: str) -> bool:
    """Whether ``checkpoint`` names a folder rather than a shipped checkpoint: it contains a path
    separator, or it is an existing directory whose name is not a shipped checkpoint's."""
    if not isinstance(checkpoint, str):
        return False
    if "/" in checkpoint or os.sep in checkpoint:
        return True
    if not Path(checkpoint).is_dir():
        return False
    from .checkpoint import checkpoint_names
    return checkpoint not in checkpoint_names()


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def folder_of(checkpoint: str) -> Path:
    """The folder as an absolute path; CheckpointError if it is not a directory."""
    folder = Path(checkpoint).expanduser().resolve()
    if not folder.is_dir():
        raise CheckpointError(f"checkpoint folder {checkpoint} does not exist ({LAYOUT})")
    return folder


def weights_file(folder: Path) -> Path:
    for name in (SAFETENSORS, PICKLE):
        if (folder / name).is_file():
            return folder / name
    raise CheckpointError(f"{folder}: no {SAFETENSORS} or {PICKLE} ({LAYOUT})")


def data_files(checkpoint: str) -> list[Path]:
    """The files a render of this folder reads: config, weights, vocab.json, merges.txt."""
    folder = folder_of(checkpoint)
    files = [folder / CONFIG, weights_file(folder), folder / VOCAB, folder / MERGES]
    for f in files:
        if not f.is_file():
            raise CheckpointError(f"{folder}: {f.name} missing ({LAYOUT})")
    return files


def _signature(checkpoint: str) -> tuple:
    """(folder, (name, size, mtime) of each file): a changed file is read again."""
    files = data_files(checkpoint)
    return (str(files[0].parent),) + tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files)


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise CheckpointError(f"{path} is not valid JSON: {_one_line(err)}") from None


# --- the configuration ---------------------------------------------------------------------------
def gpt_config(folder: Path):
    """config.json as a GPTConfig; CheckpointError for a missing size or an unsupported option."""
    from .gpt import GPTConfig
    raw = _read_json(folder / CONFIG)
    if not isinstance(raw, dict):
        raise CheckpointError(f"{folder / CONFIG} is not a JSON object")
    where = folder / CONFIG
    if raw.get("model_type", "gpt2") != "gpt2":
        raise CheckpointError(f"{where}: model_type {raw.get('model_type')!r} is not gpt2")
    sizes = {}
    for key in ("n_layer", "n_head", "n_embd", "n_positions", "vocab_size"):
        value = raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise CheckpointError(f"{where}: {key} must be a positive whole number, got {value!r}")
        sizes[key] = value
    if sizes["n_embd"] % sizes["n_head"]:
        raise CheckpointError(f"{where}: n_embd {sizes['n_embd']} is not a multiple of n_head {sizes['n_head']}")
    act = raw.get("activation_function", "gelu_new")
    if act not in ACTIVATIONS:
        raise CheckpointError(f"{where}: activation_function {act!r} is not supported "
                              f"({', '.join(ACTIVATIONS)})")
    for key, plain in (("scale_attn_weights", True), ("scale_attn_by_inverse_layer_idx", False),
                       ("reorder_and_upcast_attn", False)):
        if raw.get(key, plain) != plain:
            raise CheckpointError(f"{where}: {key}={raw[key]!r} is not supported (GPT-2 uses {plain})")
    eps = raw.get("layer_norm_epsilon", 1e-5)
    inner = raw.get("n_inner") or 0
    if not isinstance(eps, (int, float)) or not eps > 0 or not isinstance(inner, int):
        raise CheckpointError(f"{where}: layer_norm_epsilon or n_inner is not a valid number")
    return GPTConfig(n_vocab=sizes["vocab_size"], n_ctx=sizes["n_positions"], n_layer=sizes["n_layer"],
                     n_head=sizes["n_head"], d_model=sizes["n_embd"], activation=ACTIVATIONS[act],
                     ln_eps=float(eps), tied=bool(raw.get("tie_word_embeddings", True)),
                     mlp_width=inner)


# --- the weights ---------------------------------------------------------------------------------
def read_tensors(path: Path) -> dict:
    """name -> torch tensor from a safetensors file or a weights-only pickle."""
    import torch
    try:
        if path.name == SAFETENSORS:
            from safetensors.torch import load_file
            return load_file(str(path), device="cpu")
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # a pickle with code in it, a truncated or foreign file
        what = "not a weights-only file" if path.name == PICKLE else "not a readable safetensors file"
        raise CheckpointError(f"{path} is {what}: {_one_line(err)}") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path} does not hold a dict of tensors")
    return state


def expected_shapes(cfg) -> dict[str, tuple[int, ...]]:
    """Hugging Face GPT-2 tensor names (without ``transformer.``) and their shapes; Conv1D is [in, out]."""
    D, M = cfg.d_model, cfg.d_mlp
    shapes = {"wte.weight": (cfg.n_vocab, D), "wpe.weight": (cfg.n_ctx, D),
              "ln_f.weight": (D,), "ln_f.bias": (D,)}
    for i in range(cfg.n_layer):
        p = f"h.{i}."
        shapes.update({p + "ln_1.weight": (D,), p + "ln_1.bias": (D,), p + "ln_2.weight": (D,),
                       p + "ln_2.bias": (D,), p + "attn.c_attn.weight": (D, 3 * D),
                       p + "attn.c_attn.bias": (3 * D,), p + "attn.c_proj.weight": (D, D),
                       p + "attn.c_proj.bias": (D,), p + "mlp.c_fc.weight": (D, M),
                       p + "mlp.c_fc.bias": (M,), p + "mlp.c_proj.weight": (M, D),
                       p + "mlp.c_proj.bias": (D,)})
    return shapes


def state_dict_for(cfg, tensors: dict, path: Path) -> dict:
    """Our GPT's state dict from Hugging Face tensors; CheckpointError naming a missing or misshapen one."""
    plain = {(k[len("transformer."):] if k.startswith("transformer.") else k): v for k, v in tensors.items()}
    for name, shape in expected_shapes(cfg).items():
        if name not in plain:
            raise CheckpointError(f"{path}: tensor {name} is missing")
        if tuple(plain[name].shape) != shape:
            raise CheckpointError(f"{path}: {name} has shape {list(plain[name].shape)}, "
                                  f"the config gives {list(shape)}")
    t = {k: v.float() for k, v in plain.items()}
    D = cfg.d_model
    out = {"embed.weight": t["wte.weight"], "pos_embed.weight": t["wpe.weight"],
           "ln_final.weight": t["ln_f.weight"], "ln_final.bias": t["ln_f.bias"]}
    for i in range(cfg.n_layer):
        h, b = f"h.{i}.", f"blocks.{i}."
        for ours, theirs in (("ln1", "ln_1"), ("ln2", "ln_2")):
            out[f"{b}{ours}.weight"], out[f"{b}{ours}.bias"] = t[f"{h}{theirs}.weight"], t[f"{h}{theirs}.bias"]
        qkv_w, qkv_b = t[h + "attn.c_attn.weight"].T, t[h + "attn.c_attn.bias"]   # [3D, D], [3D]
        for j, name in enumerate("qkv"):
            out[f"{b}attn.{name}.weight"] = qkv_w[j * D:(j + 1) * D].contiguous()
            out[f"{b}attn.{name}.bias"] = qkv_b[j * D:(j + 1) * D].contiguous()
        for ours, theirs in (("attn.o", "attn.c_proj"), ("mlp.up", "mlp.c_fc"), ("mlp.down", "mlp.c_proj")):
            out[f"{b}{ours}.weight"] = t[f"{h}{theirs}.weight"].T.contiguous()
            out[f"{b}{ours}.bias"] = t[f"{h}{theirs}.bias"]
    if cfg.tied:
        out["unembed.weight"] = out["embed.weight"]
    else:
        lm = t.get("lm_head.weight")
        if lm is None or tuple(lm.shape) != (cfg.n_vocab, D):
            raise CheckpointError(f"{path}: tie_word_embeddings is false but lm_head.weight "
                                  f"[{cfg.n_vocab}, {D}] is missing or misshapen")
        out["unembed.weight"] = lm
    return out


@functools.lru_cache(maxsize=2)
def _load(signature: tuple):
    from .gpt import GPT
    folder = Path(signature[0])
    cfg = gpt_config(folder)
    path = weights_file(folder)
    state = state_dict_for(cfg, read_tensors(path), path)
    net = GPT(cfg)
    net.load_state_dict(state)
    enc = encoding(str(folder))
    if enc.max_token_value >= cfg.n_vocab:
        raise CheckpointError(f"{folder}: the tokenizer has ids up to {enc.max_token_value}, "
                              f"beyond the model's vocab_size {cfg.n_vocab}")
    return net.eval()


def load(checkpoint: str):
    """The folder's network (``model.gpt.GPT``, eval mode); cached until one of its files changes.

    Raises CheckpointError (one line) for a missing file, bad JSON, an unsupported option, a
    missing or misshapen tensor, or a pickle that is not weights-only.
    """
    return _load(_signature(checkpoint))


# --- the tokenizer -------------------------------------------------------------------------------
def ranks_from(vocab: dict, merges: list[str], where: Path) -> tuple[dict[bytes, int], dict[str, int]]:
    """(mergeable ranks, special tokens) of a byte-level BPE: each token's rank is its vocab id.

    Raises CheckpointError when a byte has no token, a merge's parts or result are not in the vocab,
    or the ids do not grow in merge order (tiktoken could not reproduce the BPE).
    """
    alphabet = byte_alphabet()

    def as_bytes(token: str) -> bytes:
        try:
            return bytes(alphabet[ch] for ch in token)
        except KeyError:
            raise CheckpointError(f"{where}: token {token!r} is not in GPT-2's byte alphabet") from None

    ranks: dict[bytes, int] = {}
    for ch, b in alphabet.items():
        if ch not in vocab:
            raise CheckpointError(f"{where}: vocab.json has no token for byte {b} ({ch!r})")
        ranks[bytes([b])] = vocab[ch]
    last = max(ranks.values())
    for number, line in enumerate(merges, 1):
        if not line.strip() or (number == 1 and line.startswith("#version")):
            continue
        parts = line.split(" ")
        if len(parts) != 2 or not all(parts):
            raise CheckpointError(f"{where}: merges.txt line {number} is not two tokens: {line!r}")
        token = parts[0] + parts[1]
        if token not in vocab or parts[0] not in vocab or parts[1] not in vocab:
            raise CheckpointError(f"{where}: merges.txt line {number} ({line!r}) uses a token not in vocab.json")
        key = as_bytes(token)
        if key in ranks:
            continue
        if vocab[token] <= last:
            raise CheckpointError(f"{where}: the ids in vocab.json do not follow the order of merges.txt "
                                  f"(line {number}, {token!r})")
        ranks[key] = last = vocab[token]
    known = set(ranks.values())
    specials = {t: i for t, i in vocab.items() if i not in known}
    return ranks, specials


@functools.lru_cache(maxsize=4)
def _encoding(signature: tuple) -> tiktoken.Encoding:
    folder = Path(signature[0])
    vocab = _read_json(folder / VOCAB)
    if not isinstance(vocab, dict) or not all(isinstance(i, int) for i in vocab.values()):
        raise CheckpointError(f"{folder / VOCAB} is not a JSON object of token -> id")
    if len(set(vocab.values())) != len(vocab):
        raise CheckpointError(f"{folder / VOCAB}: two tokens share an id")
    try:
        merges = (folder / MERGES).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{folder / MERGES} is not readable text: {_one_line(err)}") from None
    ranks, specials = ranks_from(vocab, merges, folder)
    try:
        return tiktoken.Encoding(name=f"gpt2-folder:{folder.name}", pat_str=PAT_STR,
                                 mergeable_ranks=ranks, special_tokens=specials)
    except Exception as err:
        raise CheckpointError(f"{folder}: vocab.json and merges.txt do not make a tokenizer: {_one_line(err)}") from None


def encoding(checkpoint: str) -> tiktoken.Encoding:
    """The folder's tokenizer as a tiktoken Encoding (ids are vocab.json's), read offline.

    Raises CheckpointError for a missing or malformed vocab.json / merges.txt.
    """
    folder = folder_of(checkpoint)
    for name in (VOCAB, MERGES):
        if not (folder / name).is_file():
            raise CheckpointError(f"{folder}: {name} missing ({LAYOUT})")
    sig = (str(folder),) + tuple(((folder / n).stat().st_size, (folder / n).stat().st_mtime_ns)
                                  for n in (VOCAB, MERGES))
    return _encoding(sig)
