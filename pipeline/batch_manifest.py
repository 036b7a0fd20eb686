"""``DIR/manifest.json`` of a batch: every prompt × scene with its status, time and file digests.

    {"prompts": "class.csv", "scenes": [...], "options": {...}, "updated": "2025-...Z",
     "summary": {"rendered": 6, "cached": 3, "finished earlier": 0, "failed": 0, ...},
     "entries": [{"line": 2, "name": "alice", "prompt": "...", "scene": "Softmax",
                  "status": "rendered", "seconds": 12.3, "cpu_seconds": 14.1,
                  "worker": "tcp://...", "key": "...",
                  "files": {"alice/Softmax.mp4": "<sha256>", ...}}, ...]}

status: ``rendered``, ``cached`` (from the render cache), ``finished earlier`` (a former run's,
checked), ``joined`` (a film), ``failed`` (with ``error``), ``bad line`` (with ``error``),
``pending`` (the batch was stopped before it ran).
"""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

NAME = "manifest.json"
OK = ("rendered", "cached", "finished earlier", "joined")


def load(out: Path) -> dict[tuple[str, str], dict]:
    """The entries of a former run's manifest in ``out`` by (name, scene); {} when there is none
    or it does not parse (then every scene is checked from its files alone)."""
    try:
        data = json.loads((out / NAME).read_text(encoding="utf-8"))
        return {(e["name"], e["scene"]): e for e in data["entries"]
                if isinstance(e, dict) and "name" in e and "scene" in e}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def write(out: Path, head: dict, entries: list[dict]) -> Path:
    """Write the manifest (aside, then renamed over the old one); returns its path."""
    summary = Counter(e["status"] for e in entries)
    data = {**head, "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "summary": dict(sorted(summary.items())), "entries": entries}
    path = out / NAME
    part = out / f".{NAME}.part"
    part.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(part, path)
    return path
