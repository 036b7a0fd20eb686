"""Speed of a GPT-2-small-shaped folder on this machine's cores: load, one traced pass, sampling.

    python tests/benchmarks/gpt2.py [--film]

Writes a folder in the Hugging Face GPT-2 layout to a temporary directory: 12 layers × 12 heads ×
d_model 768, 1,024 positions, 50,257 tokens, random weights (GPT-2's init scale) as
model.safetensors, and a byte-level BPE of 50,000 synthetic merges (GPT-2's real files cannot be
downloaded here; only the shapes matter for speed). Then times, on 2 threads:

- ``model.config`` of the folder (the first load: safetensors read, tensors transposed, tokenizer)
- ``model.run`` of a 128-token prompt (every hook captured), best of 3 after one warm-up
- ``model.generate`` of 50 tokens after that prompt

With ``--film`` it also renders the whole film at 480p15 with the folder (slow) and prints the
factor (render seconds per second of video). One JSON line last.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import model  # noqa: E402
from model import hf_folder  # noqa: E402
from model.gpt import GPTConfig  # noqa: E402

SMALL = dict(n_layer=12, n_head=12, n_embd=768, n_positions=1024, vocab_size=50257)
N_MERGES = SMALL["vocab_size"] - 256 - 1      # bytes, merges, <|endoftext|>
PROMPT_TOKENS, NEW_TOKENS = 128, 50


def write_tokenizer(folder: Path, seed: int = 0) -> None:
    """vocab.json + merges.txt: the 256 byte characters (ids 0-255), then merges of two earlier
    tokens drawn at random (short ones more often), then <|endoftext|>."""
    rng = np.random.default_rng(seed)
    chars = [ch for ch, _ in sorted(hf_folder.byte_alphabet().items(), key=lambda kv: kv[1])]
    tokens = list(chars)
    vocab = {t: i for i, t in enumerate(tokens)}
    merges = ["#version: 0.2"]
    letters = [chars[b] for b in b"abcdefghijklmnopqrstuvwxyz etaoin"]
    while len(tokens) < 256 + N_MERGES:
        pool = letters if rng.random() < 0.3 else tokens[: max(300, len(tokens) // 4)]
        a, b = pool[rng.integers(len(pool))], tokens[rng.integers(len(tokens) // 2 + 1)]
        if a + b in vocab or len(a + b) > 12:
            continue
        vocab[a + b] = len(tokens)
        tokens.append(a + b)
        merges.append(f"{a} {b}")
    vocab["<|endoftext|>"] = len(tokens)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (folder / "merges.txt").write_text("\n".join(merges) + "\n")


def write_folder(folder: Path, seed: int = 0) -> Path:
    from safetensors.torch import save_file
    folder.mkdir(parents=True, exist_ok=True)
    config = dict(SMALL, model_type="gpt2", activation_function="gelu_new", layer_norm_epsilon=1e-5,
                  n_inner=None, tie_word_embeddings=True)
    (folder / "config.json").write_text(json.dumps(config))
    cfg = GPTConfig(n_vocab=SMALL["vocab_size"], n_ctx=SMALL["n_positions"], n_layer=SMALL["n_layer"],
                    n_head=SMALL["n_head"], d_model=SMALL["n_embd"])
    gen = torch.Generator().manual_seed(seed)
    tensors = {}
    for name, shape in hf_folder.expected_shapes(cfg).items():
        if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
            t = torch.ones(shape)
        elif name.endswith("bias"):
            t = torch.zeros(shape)
        else:
            t = torch.randn(shape, generator=gen) * 0.02
        tensors["transformer." + name] = t.contiguous()
    save_file(tensors, str(folder / "model.safetensors"))
    write_tokenizer(folder, seed)
    return folder


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def film_factor(folder: Path) -> tuple[float, dict[str, str]]:
    """(render seconds per video second over the scenes that rendered, {scene: error} of the rest)."""
    from pipeline.film import video_seconds
    from pipeline.render_one import render_scene
    from scenes import scene_names
    from scenes.context import RenderContext
    spent = video = 0.0
    failed = {}
    with tempfile.TemporaryDirectory() as out:
        for name in scene_names():
            start = time.perf_counter()
            try:
                files = render_scene(name, Path(out), RenderContext(checkpoint=str(folder)))
            except Exception as err:   # measured, not hidden: listed in the JSON line
                failed[name] = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
                print(f"{name:<22} FAILED {failed[name]}", flush=True)
                continue
            took = time.perf_counter() - start
            spent += took
            video += video_seconds(files["mp4"])
            print(f"{name:<22} {took:7.1f} s", flush=True)
    return (spent / video if video else float("nan")), failed


def main(argv: list[str]) -> int:
    torch.set_num_threads(2)
    result = {}
    with tempfile.TemporaryDirectory(prefix="gptx-gpt2-") as tmp:
        start = time.perf_counter()
        folder = write_folder(Path(tmp) / "gpt2-small-shaped")
        print(f"wrote the folder in {time.perf_counter() - start:.1f} s "
              f"({(folder / 'model.safetensors').stat().st_size / 2**20:.0f} MB of weights)")
        start = time.perf_counter()
        cfg = model.config(str(folder))
        result["load_s"] = round(time.perf_counter() - start, 2)
        enc = model.get_encoding(str(folder))
        text = " ".join(["She walked on through the long wet fields, thinking of nothing at all."] * 40)
        text = enc.decode(enc.encode(text)[:PROMPT_TOKENS])
        trace = model.run(text, str(folder))
        result["prompt_tokens"] = len(trace.tokens)
        result["run_s"] = round(best_of(3, lambda: model.run(text, str(folder))), 3)
        start = time.perf_counter()
        new = model.generate(text, NEW_TOKENS, temperature=0.8, seed=0, checkpoint=str(folder))
        result["generate_s"] = round(time.perf_counter() - start, 2)
        result["generate_tokens"] = len(new)
        result["parameters"] = int(sum(p.numel() for p in model.checkpoint.load(str(folder)).parameters()))
        result["config"] = cfg
        print(f"load {result['load_s']} s · run of {result['prompt_tokens']} tokens {result['run_s']} s · "
              f"generate {len(new)} tokens {result['generate_s']} s")
        if "--film" in argv:
            factor, failed = film_factor(folder)
            result["film_factor"], result["film_failed"] = round(factor, 2), failed
            print(f"film factor {result['film_factor']}; failed: {', '.join(failed) or 'none'}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
