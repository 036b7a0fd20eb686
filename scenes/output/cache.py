"""A render cache: a scene's files, kept under a key of everything that could change them.

The key covers the scene's name, the options (prompt, checkpoint, theme, seed, temperature,
layer, head, quality, size), the code that draws it (its module, the shared scene code and
components, the model package) and the checkpoint file. A scene that does not read the prompt
(``uses_prompt = False``) leaves the prompt out, so a new prompt re-renders only what shows it.

    key = cache_key("Attention", options)
    if restore(key, out): ...            # files copied into out/
    else: render ...; store(key, files)
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ["scenes/base.py", "scenes/style.py", "scenes/settings.py", "scenes/provenance.py",
          "scenes/components", "model"]


def cache_dir() -> Path:
    base = os.environ.get("GPTX_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gpt-explainer")
    return Path(base)


def _files(entry: str) -> list[Path]:
    path = ROOT / entry
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def code_digest(module: str) -> str:
    h = hashlib.sha256()
    for entry in [module.replace(".", "/") + ".py"] + SHARED:
        for f in _files(entry):
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def cache_key(name: str, module: str, options: dict, uses_prompt: bool, checkpoint_file: Path) -> str:
    opts = dict(options)
    if not uses_prompt:
        opts.pop("prompt", None)
    st = checkpoint_file.stat()
    blob = json.dumps({"scene": name, "options": opts, "code": code_digest(module),
                       "checkpoint": [checkpoint_file.name, st.st_size, st.st_mtime_ns]},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def restore(key: str, name: str, out: Path) -> dict[str, Path] | None:
    """Copy a cached scene's files into ``out``; None when there is no complete entry."""
    entry = cache_dir() / key
    manifest = entry / "manifest.json"
    if not manifest.exists():
        return None
    kinds = json.loads(manifest.read_text())
    out.mkdir(parents=True, exist_ok=True)
    placed = {}
    for kind in kinds:
        if kind == "slides":
            from render import keep_slides  # the same move-and-rewrite as a fresh render
            with tempfile.TemporaryDirectory(prefix="gptx-") as tmp:
                staged = Path(tmp) / "slides"
                shutil.copytree(entry / "slides", staged)
                text = (staged / f"{name}.json").read_text().replace("@CACHE@", str(staged.resolve()))
                (staged / f"{name}.json").write_text(text)
                keep_slides(staged, name, out / "slides")
            placed["slides"] = out / "slides" / f"{name}.json"
            continue
        dest = out / f"{name}.{kind}"
        part = dest.with_suffix(dest.suffix + ".part")
        shutil.copyfile(entry / f"{name}.{kind}", part)
        os.replace(part, dest)
        placed[kind] = dest
    return placed


def store(key: str, name: str, files: dict[str, Path]) -> None:
    """Keep a finished scene's files under ``key`` (written aside, then renamed into place)."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    final = root / key
    if final.exists():
        return
    work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        for kind, path in files.items():
            if kind == "slides":
                slides = work / "slides"
                (slides / "files").mkdir(parents=True)
                shutil.copytree(path.parent / "files" / name, slides / "files" / name)
                text = path.read_text().replace(str(path.parent.resolve()), "@CACHE@")
                (slides / f"{name}.json").write_text(text)
            else:
                shutil.copyfile(path, work / f"{name}.{kind}")
        (work / "manifest.json").write_text(json.dumps(sorted(files)))
        os.replace(work, final)
    except OSError:
        shutil.rmtree(work, ignore_errors=True)  # a full disk: no cache, but the render stands
