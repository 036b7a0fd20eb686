"""A render cache: a scene's files, kept under a key of everything that could change them.

The key covers the scene's name, the options (``RenderContext.picture_options``), the source
of every project module the scene's module imports (found by reading the imports, not listed by
hand) and the checkpoint and tokenizer files. A scene that does not read the prompt
(``uses_prompt = False``) leaves the prompt out, so a new prompt re-renders only what shows it.

    key = cache_key("Attention", "scenes.attention", ctx.picture_options(), [checkpoint, ranks])
    if restore(key, out): ...            # files copied into out/
    else: render ...; store(key, files)
"""
from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .render_one import keep_slides
from .slides import relativize

ROOT = Path(__file__).resolve().parents[1]
# the project's own packages: a scene's key covers every module of these it imports
PROJECT_PACKAGES = ("scenes", "model")


def cache_dir() -> Path:
    """``$GPTX_CACHE``, else ``$XDG_CACHE_HOME/gpt-explainer``, else ``~/.cache/gpt-explainer``."""
    base = os.environ.get("GPTX_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gpt-explainer")
    return Path(base)


def _module_file(name: str, root: Path) -> Path | None:
    """The project file under ``root`` that defines module ``name`` (a package's __init__.py)."""
    if name.split(".")[0] not in PROJECT_PACKAGES:
        return None
    base = root.joinpath(*name.split("."))
    for f in (base.with_suffix(".py"), base / "__init__.py"):
        if f.is_file():
            return f
    return None


def _imports(path: Path, module: str) -> set[str]:
    """Every module name ``path`` (module ``module``) imports, at any depth of its code
    (imports inside functions too), with relative imports resolved; ``from a import b`` counts
    both ``a`` and ``a.b`` (b may be a submodule)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    return names


def module_closure(module: str, root: Path | None = None) -> list[Path]:
    """The project files module ``module`` depends on: itself, every project module it imports,
    theirs in turn, and the ``__init__.py`` of every package on the way; sorted.

    Found from the source at call time (no hand-kept list): editing any of these files changes a
    scene's cache key, editing a module it does not import does not.
    """
    root = ROOT if root is None else root
    seen: dict[str, Path] = {}
    todo = [module]
    while todo:
        name = todo.pop()
        for k in range(1, name.count(".") + 2):          # the packages on the way, and itself
            part = ".".join(name.split(".")[:k])
            if part in seen:
                continue
            f = _module_file(part, root)
            if f is None:
                continue
            seen[part] = f
            todo.extend(_imports(f, part))
    return sorted(set(seen.values()))


@functools.lru_cache(maxsize=64)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (kept per process while its size and mtime are unchanged)."""
    st = path.stat()
    return _file_digest(str(path), st.st_size, st.st_mtime_ns)


def code_digest(module: str, root: Path | None = None) -> str:
    """One digest of the source of every project module ``module_closure(module)`` lists
    (``root``: the project folder, by default this checkout)."""
    root = ROOT if root is None else root
    h = hashlib.sha256()
    for f in module_closure(module, root):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def cache_key(name: str, module: str, options: dict, data_files: list[Path]) -> str:
    """The key of scene ``name`` (defined in ``module``) rendered with ``options`` (JSON-able:
    ``RenderContext.picture_options``) from ``data_files`` (checkpoint, tokenizer ranks).
    Raises OSError when a data file cannot be read."""
    blob = json.dumps({"scene": name, "options": options, "code": code_digest(module),
                       "data": {f.name: file_digest(f) for f in data_files}},
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
            with tempfile.TemporaryDirectory(prefix="gptx-") as tmp:
                staged = Path(tmp) / "slides"
                shutil.copytree(entry / "slides", staged)
                keep_slides(staged, name, out / "slides")     # paths stay relative to the JSON
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
                relativize(path, slides / f"{name}.json")
            else:
                shutil.copyfile(path, work / f"{name}.{kind}")
        (work / "manifest.json").write_text(json.dumps(sorted(files)))
        os.replace(work, final)
    except OSError:
        shutil.rmtree(work, ignore_errors=True)  # a full disk: no cache, but the render stands
