"""Reproduce the shipped checkpoints: corpus -> tokenizer -> training -> model/assets/.

    python -m model.train                      # small, then default (about 2 hours on 2 cores)
    python -m model.train --only default --minutes 120 --resume

Needs the training-time extras (``pip install -e .[train]``) and the corpus packages
(``apt-get install r-cran-janeaustenr sword-text-web wordnet-base``). Work in progress lives in
runs/ (optimizer state, for --resume); what ships goes to model/assets/: <name>.pt, the tokenizer
ranks and model_card.json / MODEL_CARD.md.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import torch

from . import checkpoint as ckpt
from . import corpus as corpus_mod
from .gpt import GPT, GPTConfig
from .tokenizer import ASSETS, ENDOFTEXT, RANKS_FILE, build_encoding, read_ranks, write_ranks

# optimizer state and the corpus cache: runs/ beside the packages (the checkout root when
# training from a checkout, as `make train` does), or $GPTX_RUNS
RUNS = Path(os.environ.get("GPTX_RUNS") or Path(__file__).resolve().parents[1] / "runs")
N_VOCAB = 8192  # 8,191 BPE ranks + <|endoftext|>
# Sampling weight of each source per batch: Austen leads, the rest keeps the English broad.
MIX = {"austen": 0.45, "bible": 0.35, "wordnet": 0.20}

PRESETS = {
    "small": dict(config=GPTConfig(n_layer=2, n_head=4, d_model=64, dropout=0.0),
                  minutes=6, lr=3e-3, batch=32),
    "default": dict(config=GPTConfig(n_layer=6, n_head=6, d_model=192, dropout=0.1),
                    minutes=115, lr=2e-3, batch=32),
}


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


# --- data -----------------------------------------------------------------------------------

def prepare_data(retokenize: bool = False) -> dict:
    """Corpus and tokenizer, cached in runs/data.pkl (the corpus takes a minute to rebuild)."""
    RUNS.mkdir(exist_ok=True)
    cache = RUNS / "data.pkl"
    if cache.exists() and RANKS_FILE.exists() and not retokenize:
        return pickle.loads(cache.read_bytes())
    log("building the corpus from Debian packages")
    corp = corpus_mod.build()
    if retokenize or not RANKS_FILE.exists():
        from .bpe import train_ranks
        log("training the byte-level BPE")
        write_ranks(train_ranks(corp.train, N_VOCAB - 1), RANKS_FILE)
    enc = build_encoding(read_ranks(RANKS_FILE))
    eot = enc.encode(ENDOFTEXT, allowed_special="all")[0]

    def stream(docs):
        ids = []
        for doc in docs:
            ids += enc.encode_ordinary(doc) + [eot]
        return np.array(ids, dtype=np.uint16)

    austen, bible, wordnet = corp.train[:6], corp.train[6:7], corp.train[7:]
    data = {
        "train": {"austen": stream(austen), "bible": stream(bible), "wordnet": stream(wordnet)},
        "heldout_prose": corp.heldout_prose, "heldout_bible": corp.heldout_bible,
        "corpus": corp.describe(),
    }
    cache.write_bytes(pickle.dumps(data))
    log("tokens: " + ", ".join(f"{k} {len(v):,}" for k, v in data["train"].items()))
    return data


def batch(streams: dict, n_ctx: int, size: int, rng: np.random.Generator):
    names = list(MIX)
    picks = rng.choice(len(names), size=size, p=[MIX[n] for n in names])
    rows = []
    for p in picks:
        s = streams[names[p]]
        i = rng.integers(0, len(s) - n_ctx - 1)
        rows.append(s[i:i + n_ctx + 1].astype(np.int64))
    x = torch.from_numpy(np.stack(rows))
    return x[:, :-1], x[:, 1:]


@torch.no_grad()
def bits_per_char(model: GPT, docs: list[str]) -> float:
    """Held-out bits per character: each token scored with at least n_ctx/2 tokens of context."""
    enc = build_encoding(read_ranks(RANKS_FILE))
    model.eval()
    n_ctx, stride = model.cfg.n_ctx, model.cfg.n_ctx // 2
    nats, chars = 0.0, 0
    for doc in docs:
        ids = enc.encode_ordinary(doc)
        chars += len(doc)
        scored = 1  # the first token has no prediction; count its bits as the uniform 13
        nats += math.log(model.cfg.n_vocab)
        start = 0
        while scored < len(ids):
            window = torch.tensor([ids[start:start + n_ctx]])
            logp = torch.log_softmax(model(window[:, :-1]).float(), -1)[0]
            targets = window[0, 1:]
            token_nats = -logp.gather(1, targets[:, None])[:, 0]
            first_new = scored - start - 1  # index into targets of the first unscored token
            nats += token_nats[first_new:].sum().item()
            scored = start + window.shape[1]
            start += stride
    model.train()
    return nats / chars / math.log(2)


# --- training -------------------------------------------------------------------------------

def lr_at(step: int, progress: float, peak: float) -> float:
    """Linear warm-up over 200 steps, then cosine from peak to peak/10 over the time budget."""
    if step < 200:
        return peak * (step + 1) / 200
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def sample_text(model: GPT, prompt: str, n: int = 60, temperature: float = 0.8, seed: int = 0) -> str:
    enc = build_encoding(read_ranks(RANKS_FILE))
    ids = enc.encode(prompt)
    g = torch.Generator().manual_seed(seed)
    model.eval()
    with torch.no_grad():
        for _ in range(n):
            logits = model(torch.tensor([ids[-model.cfg.n_ctx:]]))[0, -1] / temperature
            ids.append(int(torch.multinomial(logits.softmax(-1), 1, generator=g)))
    model.train()
    return enc.decode(ids)


def train(name: str, data: dict, minutes: float, resume: bool) -> dict:
    preset = PRESETS[name]
    cfg: GPTConfig = preset["config"]
    torch.manual_seed(0)
    model = GPT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=preset["lr"], weight_decay=0.1, betas=(0.9, 0.95))
    state_file = RUNS / f"{name}.state.pt"
    st = {"step": 0, "seconds": 0.0, "curve": []}
    if resume and state_file.exists():
        saved = torch.load(state_file, weights_only=False)  # our own run file, not shipped
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        st = saved["progress"]
        log(f"{name}: resuming at step {st['step']}")
    rng = np.random.default_rng(1000 + st["step"])
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{name}: {n_params:,} parameters, {minutes} min budget")
    model.train()
    t0 = time.time() - st["seconds"]
    budget = minutes * 60
    eval_every = 60.0 if minutes < 20 else 300.0
    next_eval = st["seconds"] + eval_every
    while True:
        # the schedule follows wall-clock time, so a busy machine shortens training, never extends it
        elapsed = time.time() - t0
        done = elapsed >= budget
        if elapsed >= next_eval or done:
            st["seconds"] = elapsed
            prose, bible = publish(name, model, st, data)
            log(f"{name}: step {st['step']} loss {st.get('loss')} prose {prose:.3f} bpc, bible {bible:.3f} bpc")
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "progress": st}, state_file)
            next_eval = time.time() - t0 + eval_every
        if done:
            return st
        for group in opt.param_groups:
            group["lr"] = lr_at(st["step"], elapsed / budget, preset["lr"])
        x, y = batch(data["train"], cfg.n_ctx, preset["batch"], rng)
        loss = torch.nn.functional.cross_entropy(model(x).view(-1, cfg.n_vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        st["step"] += 1
        st["loss"] = round(0.98 * st.get("loss", loss.item()) + 0.02 * loss.item(), 4)


SAMPLE_PROMPTS = ["It is a truth universally acknowledged", "Elizabeth looked at her sister and",
                  "In the beginning"]


def publish(name: str, model: GPT, st: dict, data: dict) -> tuple[float, float]:
    """Write the shipped checkpoint, measure it, add a curve point and its model-card entry."""
    file = ASSETS / f"{name}.pt"
    pending = file.with_suffix(".pt.new")  # the shipped file and its card entry change together
    digest = ckpt.save(model, pending)
    shipped = ckpt.load_file(pending, digest)  # measure what ships (fp16 weights), not the fp32 copy
    prose = bits_per_char(shipped, data["heldout_prose"])
    bible = bits_per_char(shipped, data["heldout_bible"])
    st["curve"].append({"step": st["step"], "tokens": st["step"] * PRESETS[name]["batch"] * model.cfg.n_ctx,
                        "minutes": round(st["seconds"] / 60, 2), "train_loss": st.get("loss"),
                        "heldout_prose_bpc": round(prose, 4), "heldout_bible_bpc": round(bible, 4)})
    card = json.loads(ckpt.CARD_FILE.read_text()) if ckpt.CARD_FILE.exists() else {"checkpoints": {}}
    card["tokenizer"] = {"file": RANKS_FILE.name, "kind": "byte-level BPE (tiktoken ranks)",
                         "n_vocab": N_VOCAB, "sha256": ckpt.sha256(RANKS_FILE)}
    card["corpus"] = data["corpus"] | {"mix": MIX}
    card["checkpoints"][name] = {
        "file": file.name, "sha256": digest, "config": model.cfg.as_dict(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "dropout": model.cfg.dropout,
        "steps": st["step"], "tokens_seen": st["step"] * PRESETS[name]["batch"] * model.cfg.n_ctx,
        "train_minutes": round(st["seconds"] / 60, 1),
        "heldout_prose_bpc": round(prose, 4),
        "heldout_bible_bpc": round(bible, 4),
        "curve": st["curve"],
        "samples_T0.8": {p: sample_text(shipped, p) for p in SAMPLE_PROMPTS},
    }
    os.replace(pending, file)
    ckpt.CARD_FILE.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    from .card import write_markdown
    write_markdown(card)
    ckpt.load.cache_clear()
    return prose, bible


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m model.train", description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=list(PRESETS), help="train just this checkpoint")
    ap.add_argument("--minutes", type=float, help="wall-clock budget (default: the preset's)")
    ap.add_argument("--resume", action="store_true", help="continue from runs/<name>.state.pt")
    ap.add_argument("--retokenize", action="store_true", help="retrain the BPE (invalidates checkpoints)")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    data = prepare_data(args.retokenize)
    for name in [args.only] if args.only else ["small", "default"]:
        train(name, data, args.minutes or PRESETS[name]["minutes"], args.resume)
    return 0


if __name__ == "__main__":
    sys.exit(main())
