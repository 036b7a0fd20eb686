"""Which sampling rule should the film's demo samples use? Measured on the shipped model.

    python tests/benchmarks/sampling.py [--steps 24] [--seeds 8]

For each prompt (the default, the cat, ship, Chinese and "He looked at Emma" prompts) and each
seed, the model writes ``--steps`` tokens at T = 0.8 with no cut (the plain rule); every
distribution it met on the way is then scored under each candidate rule (T = 0.8 alone, top-k 40,
top-p 0.95, top-p 0.9, top-p 0.8, all at T = 0.8):

- ``rare_mass``: the share of the rule's probability that sits on *rare* tokens, those the model
  itself gives 0.1 % or less at T = 1 (mean over the distributions met)
- ``rare_draw``: how often a draw by the rule lands on a rare token (20 seeded draws from each
  distribution, counted)
- ``rare_in_six``: the chance that six draws in a row (PredictSample's count) show at least one
- ``kept``: the median number of tokens the rule keeps (how much choice is left)
- ``entropy_bits``: the mean entropy of the rule's distribution (0 would be greedy, one text only)

A good rule for teaching keeps rare_in_six small while leaving real choice (kept, entropy well
above greedy's 0). Picked: of the rules whose six draws show a rare token at most once in a
hundred films (rare_in_six <= 1 %), the one with the highest entropy. One JSON line last: the
candidates' numbers and the rule picked.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import model  # noqa: E402
from model.sampling import filter_probs  # noqa: E402
from scenes.context import DEFAULT_PROMPT  # noqa: E402

PROMPTS = [DEFAULT_PROMPT, "The cat sat on the mat because it was",
           "The ship left the harbour at dawn and", "我喜欢读书，也喜欢写字。",
           "He looked at Emma and he spoke with great"]
T = 0.8
RARE = 0.001          # a token the model gives at most 0.1 % (at T = 1) is rare
CANDIDATES = {"T only": {}, "top-k 100": {"top_k": 100}, "top-k 40": {"top_k": 40},
              "top-k 20": {"top_k": 20}, "top-p 0.95": {"top_p": 0.95}, "top-p 0.9": {"top_p": 0.9},
              "top-p 0.8": {"top_p": 0.8}, "top-k 40, top-p 0.95": {"top_k": 40, "top_p": 0.95}}


def distributions(prompt: str, steps: int, seed: int) -> np.ndarray:
    """The logits [steps, n_vocab] the plain sampler (T = 0.8, no cut) saw writing ``steps``
    tokens after ``prompt`` with ``seed`` (one traced pass over prompt + samples)."""
    new = model.generate(prompt, steps, temperature=T, seed=seed)
    trace = model.run(prompt)
    ids = trace.tokens + new
    logits = model.run_tokens(ids[-128:])["logits"]
    return logits[len(logits) - steps - 1: len(logits) - 1].astype(np.float64)


def score(logits: np.ndarray, rule: dict) -> dict:
    rng = np.random.default_rng(0)
    rare_mass, kept, entropy, hits, draws = [], [], [], 0, 0
    for row in logits:
        rare = model.softmax(row, 1.0) <= RARE
        p = filter_probs(model.softmax(row, T), **rule)
        rare_mass.append(float(p[rare].sum()))
        picks = rng.choice(len(p), size=20, p=p)
        hits, draws = hits + int(rare[picks].sum()), draws + len(picks)
        kept.append(int(np.count_nonzero(p)))
        nz = p[p > 0]
        entropy.append(float(-(nz * np.log2(nz)).sum()))
    m = np.asarray(rare_mass)
    return {"rare_mass": float(m.mean()), "rare_draw": hits / draws,
            "rare_in_six": float(1 - (1 - m.mean()) ** 6), "kept": float(np.median(kept)),
            "entropy_bits": float(np.mean(entropy))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=24)
    ap.add_argument("--seeds", type=int, default=8)
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = np.concatenate([distributions(p, args.steps, s) for p in PROMPTS for s in range(args.seeds)])
    per_prompt = {}
    for i, prompt in enumerate(PROMPTS):
        block = rows[i * args.seeds * args.steps:(i + 1) * args.seeds * args.steps]
        per_prompt[prompt] = {name: round(score(block, rule)["rare_mass"], 4) for name, rule in CANDIDATES.items()}
    results = {name: {k: round(v, 4) for k, v in score(rows, rule).items()} for name, rule in CANDIDATES.items()}
    for name, r in results.items():
        print(f"{name:>11}: rare mass {r['rare_mass']:.2%}, rare draws {r['rare_draw']:.2%}, rare in six draws {r['rare_in_six']:.1%}, "
              f"kept {r['kept']:.0f} tokens (median), entropy {r['entropy_bits']:.2f} bits")
    for prompt, r in per_prompt.items():
        print(f"  {prompt[:40]!r}: " + ", ".join(f"{k} {v:.2%}" for k, v in r.items()))
    # of the rules whose six draws show a rare token at most once in a hundred films, the one that
    # leaves the most choice (highest entropy)
    ok = [n for n, r in results.items() if r["rare_in_six"] <= 0.01]
    picked = max(ok, key=lambda n: results[n]["entropy_bits"])
    print(f"picked: {picked}")
    print(json.dumps({"benchmark": "sampling", "temperature": T, "rare_below": RARE,
                      "distributions": int(len(rows)), "prompts": len(PROMPTS), "seeds": args.seeds,
                      "steps": args.steps, "candidates": results, "rare_mass_by_prompt": per_prompt,
                      "picked": picked, "seconds": round(time.perf_counter() - t0, 1)},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
