"""model/assets/MODEL_CARD.md, written from model_card.json so the two never disagree."""
from __future__ import annotations

from .tokenizer import ASSETS


def _bar(value: float, floor: float, top: float, width: int = 30) -> str:
    """A bar whose length grows with ``value`` from ``floor`` (empty) to ``top`` (full)."""
    filled = round(width * (value - floor) / (top - floor)) if top > floor else width
    return "█" * max(1, min(width, filled))


def write_markdown(card: dict) -> None:
    c = card["corpus"]
    lines = [
        "# Model card", "",
        "Two compact GPTs (decoder-only, pre-norm, GELU MLP, untied bias-free unembedding) "
        "trained on two CPU cores by `python -m model.train`. Numbers below are written by that "
        "command; quality is bits per character (bpc) on held-out text, which does not depend "
        "on the tokenizer. Each run is a fixed number of seeded steps, so rerunning it writes "
        "the same weights however busy the machine is.", "",
        "## Corpus (public domain, rebuilt from Debian packages)", "",
        *(f"- {s}" for s in c["sources"]),
        f"- training text: {c['train_chars']:,} characters; batches mixed "
        + ", ".join(f"{k} {v:.0%}" for k, v in c["mix"].items()),
        f"- held out: the last 5 % of each novel ({c['heldout_prose_chars']:,} characters of prose) "
        f"and the last 2 % of the Bible ({c['heldout_bible_chars']:,})", "",
        f"Tokenizer: {card['tokenizer']['kind']}, {card['tokenizer']['n_vocab']:,} entries "
        "(8,191 merges and bytes + `<|endoftext|>`), trained on the same corpus.", "",
    ]
    for name, e in card["checkpoints"].items():
        cfg = e["config"]
        lines += [
            f"## `{name}`", "",
            "| | |", "|---|---|",
            f"| layers × heads × d_model | {cfg['n_layer']} × {cfg['n_head']} × {cfg['d_model']} |",
            f"| context | {cfg['n_ctx']} tokens |",
            f"| parameters | {e['parameters']:,} |",
            f"| steps / tokens seen | {e['steps']:,} / {e['tokens_seen']:,} |",
            f"| training time | {e['train_minutes']} min |",
            f"| held-out prose | **{e['heldout_prose_bpc']} bpc** |",
            f"| held-out Bible | {e['heldout_bible_bpc']} bpc |",
            f"| file, SHA-256 | `{e['file']}` `{e['sha256'][:16]}…` |", "",
        ]
        if e.get("note"):
            lines += [e["note"], ""]
        if e.get("snapshots"):
            lines += ["Training snapshots, loadable by name wherever a checkpoint name is accepted "
                      "(`--checkpoint`, `model.weights(...)`); the last is the shipped file itself:", "",
                      "| name | step | tokens seen | held-out prose | held-out Bible | file |",
                      "|---|---|---|---|---|---|"]
            lines += [f"| `{p['name']}` | {p['step']:,} | {p['tokens_seen']:,} | {p['heldout_prose_bpc']} bpc "
                      f"| {p['heldout_bible_bpc']} bpc | `{p['file']}` |" for p in e["snapshots"]]
            lines.append("")
        lines += ["Held-out prose bpc during training (shorter bar is better):", "", "```"]
        curve = e["curve"]
        if curve:
            top = max(p["heldout_prose_bpc"] for p in curve)
            floor = min(p["heldout_prose_bpc"] for p in curve) - 0.05
            for p in curve:
                lines.append(f"step {p['step']:>5,} {p['minutes']:7.1f} min {p['tokens']:>11,} tok  "
                             f"{p['heldout_prose_bpc']:.3f}  {_bar(p['heldout_prose_bpc'], floor, top)}")
        lines += ["```", "", "Samples at T = 0.8:", ""]
        for sample in e["samples_T0.8"].values():
            lines += ["> " + line for line in sample.strip().splitlines()] + [""]
    (ASSETS / "MODEL_CARD.md").write_text("\n".join(lines) + "\n")
