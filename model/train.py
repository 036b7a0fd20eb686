"""Reproduce the shipped checkpoints: corpus -> tokenizer -> training -> model/assets/.

    python -m model.train                      # small, then default (about 2 hours on 2 cores)
    python -m model.train --only small         # small and its snapshots (minutes)
    python -m model.train --only default --resume

Each run is step-budgeted and seeded (the learning-rate schedule follows the step, never the
clock), so the same command on a busy machine takes longer but writes the same weights.

Needs the training-time extras (``pip install -e .[train]``) and the corpus packages
(``apt-get install r-cran-janeaustenr sword-text-web wordnet-base``). Work in progress lives in
runs/ (optimizer state, for --resume); what ships goes to model/assets/: <name>.pt, the tokenizer
ranks and model_card.json / MODEL_CARD.md; a preset's snapshots (its weights at a few steps, loadable
as ``<name>@step<N>``) go to model/assets/snapshots/.
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

SNAPSHOTS = ASSETS / "snapshots"
# steps: the whole run; warmup: linear warm-up steps; eval_every: a curve point every so many steps;
# snapshots: the steps whose weights ship (the last one is the shipped checkpoint itself).
PRESETS = {
    "small": dict(config=GPTConfig(n_layer=2, n_head=4, d_model=64, dropout=0.0),
                  steps=200, warmup=20, lr=3e-3, batch=32, eval_every=50,
                  snapshots=(0, 10, 25, 50, 100, 200),
                  note="`small` is trained for only 200 steps on purpose: next to `default` (five "
                       "times its parameters, 19 times its training steps) the difference in "
                       "quality is plain to see, and its snapshots show a whole run from random "
                       "weights."),
    "default": dict(config=GPTConfig(n_layer=6, n_head=6, d_model=192, dropout=0.1),
                    steps=3746, warmup=200, lr=2e-3, batch=32, eval_every=250, snapshots=()),
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
    """Held-out bits per character: each token scored with at least n_ctx/2 tokens of context.

    Windows of n_ctx tokens start every n_ctx/2 tokens; each scores the tokens the one before did
    not (the first token of a document counts as the uniform log2(n_vocab) bits). Windows run in
    batches of 64, which gives the numbers of one window at a time (up to float rounding).
    """
    enc = build_encoding(read_ranks(RANKS_FILE))
    model.eval()
    n_ctx, stride = model.cfg.n_ctx, model.cfg.n_ctx // 2
    nats, chars = 0.0, 0
    jobs = []  # (window ids, index into its targets of the first token it scores)
    for doc in docs:
        ids = enc.encode_ordinary(doc)
        chars += len(doc)
        nats += math.log(model.cfg.n_vocab)
        scored, start = 1, 0
        while scored < len(ids):
            window = ids[start:start + n_ctx]
            jobs.append((window, scored - start - 1))
            scored = start + len(window)
            start += stride
    for length in sorted({len(w) for w, _ in jobs}):
        same = [(w, f) for w, f in jobs if len(w) == length]
        for i in range(0, len(same), 64):
            part = same[i:i + 64]
            window = torch.tensor([w for w, _ in part])
            logp = torch.log_softmax(model(window[:, :-1]).float(), -1)
            token_nats = -logp.gather(2, window[:, 1:, None])[..., 0]
            for row, (_, first_new) in enumerate(part):
                nats += token_nats[row, first_new:].sum().item()
    model.train()
    return nats / chars / math.log(2)


# --- training -------------------------------------------------------------------------------

def lr_at(step: int, steps: int, peak: float, warmup: int) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine from peak to peak/10 at step ``steps``."""
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
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


def train(name: str, data: dict, steps: int, resume: bool) -> dict:
    preset = PRESETS[name]
    cfg: GPTConfig = preset["config"]
    torch.manual_seed(0)
    model = GPT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=preset["lr"], weight_decay=0.1, betas=(0.9, 0.95))
    state_file = RUNS / f"{name}.state.pt"
    st = {"step": 0, "seconds": 0.0, "curve": [], "snapshots": []}
    if resume and state_file.exists():
        saved = torch.load(state_file, weights_only=False)  # our own run file, not shipped
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["opt"])
        st = saved["progress"]
        log(f"{name}: resuming at step {st['step']}")
    rng = np.random.default_rng(1000 + st["step"])
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{name}: {n_params:,} parameters, {steps} steps")
    model.train()
    t0 = time.time() - st["seconds"]
    keep = {s for s in preset["snapshots"] if s < steps}
    st["total_steps"] = steps
    while True:
        step = st["step"]
        done = step >= steps
        if step % preset["eval_every"] == 0 or step in keep or done:
            st["seconds"] = time.time() - t0
            prose, bible = publish(name, model, st, data, snapshot=step in keep or (done and bool(keep)))
            log(f"{name}: step {step} loss {st.get('loss')} prose {prose:.3f} bpc, bible {bible:.3f} bpc")
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "progress": st}, state_file)
        if done:
            return st
        for group in opt.param_groups:
            group["lr"] = lr_at(step, steps, preset["lr"], preset["warmup"])
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


def publish(name: str, model: GPT, st: dict, data: dict, snapshot: bool = False) -> tuple[float, float]:
    """Write the shipped checkpoint, measure it, add a curve point and its model-card entry.

    With ``snapshot`` the weights are also kept as ``<name>@step<N>``: a file under
    model/assets/snapshots/ (or, at the last step, the shipped file itself) listed in the card entry.
    """
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
    tokens = st["step"] * PRESETS[name]["batch"] * model.cfg.n_ctx
    snapshots = [s for s in st.setdefault("snapshots", []) if s["step"] != st["step"]]
    final = st["step"] >= st.get("total_steps", 0)
    if snapshot:
        snap = {"name": f"{name}@step{st['step']}", "step": st["step"], "tokens_seen": tokens,
                "heldout_prose_bpc": round(prose, 4), "heldout_bible_bpc": round(bible, 4)}
        if final:
            snap |= {"file": file.name, "sha256": digest}
        else:
            SNAPSHOTS.mkdir(exist_ok=True)
            snap_file = SNAPSHOTS / f"{name}_step{st['step']}.pt"
            snap_file.write_bytes(pending.read_bytes())
            snap |= {"file": f"{SNAPSHOTS.name}/{snap_file.name}", "sha256": digest}
        snapshots.append(snap)
    st["snapshots"] = sorted(snapshots, key=lambda s: s["step"])
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
    if PRESETS[name].get("note"):
        card["checkpoints"][name]["note"] = PRESETS[name]["note"]
    if st["snapshots"]:
        card["checkpoints"][name]["snapshots"] = st["snapshots"]
    os.replace(pending, file)
    ckpt.CARD_FILE.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    from .card import write_markdown
    write_markdown(card)
    ckpt.load_shipped.cache_clear()
    return prose, bible


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m model.train", description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=list(PRESETS), help="train just this checkpoint")
    ap.add_argument("--steps", type=int, help="optimizer steps (default: the preset's)")
    ap.add_argument("--resume", action="store_true", help="continue from runs/<name>.state.pt")
    ap.add_argument("--retokenize", action="store_true", help="retrain the BPE (invalidates checkpoints)")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    data = prepare_data(args.retokenize)
    for name in [args.only] if args.only else ["small", "default"]:
        train(name, data, args.steps or PRESETS[name]["steps"], args.resume)
    return 0


if __name__ == "__main__":
    sys.exit(main())
