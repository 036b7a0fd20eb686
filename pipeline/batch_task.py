"""The two kinds of batch task a Dask worker runs, and what "finished" means for their files.

    record = render_task("alice", "Softmax", out_dir, ctx, key, use_cache=True, since=t0)
    record = join_task("alice", ["Title", "Softmax"], out_dir)

A scene is rendered (from the render cache when it can be) into a staging folder beside the
output, ``DIR/.partial/<name>/<Scene>.<pid>.<random>/``, then moved by rename into ``DIR/<name>/``
with its provenance file last. A scene is finished when its provenance file parses and names
the scene, the prompt and the checkpoint, and its video, last frame and slides (with every clip
the slides name) are present; a task that finds its scene finished since ``since`` returns at
once, so running a task twice (a worker that died after moving its files) changes nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path

from scenes.context import RenderContext

PARTIAL = ".partial"
MOVED_KINDS = ("mp4", "png", "srt")   # moved before numbers.json; slides by keep_slides


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def scene_files(folder: Path, scene: str) -> list[Path]:
    """Every output file of ``scene`` present in ``folder`` (a prompt's folder): its video,
    last frame, captions, provenance file, slides JSON and slide clips."""
    files = [folder / f"{scene}.{k}" for k in (*MOVED_KINDS, "numbers.json")]
    files.append(folder / "slides" / f"{scene}.json")
    clips = folder / "slides" / "files" / scene
    if clips.is_dir():
        files.extend(sorted(p for p in clips.iterdir() if p.is_file()))
    return [f for f in files if f.is_file()]


def digests(root: Path, files: list[Path]) -> dict[str, str]:
    """{path relative to ``root`` (with /): SHA-256} of ``files``."""
    return {f.relative_to(root).as_posix(): sha256(f) for f in files}


def provenance_complete(path: Path, scene: str, ctx: RenderContext) -> bool:
    """Whether the provenance file at ``path`` parses and is this render's: it names ``scene``,
    the context's prompt and checkpoint, lists the prompt's tokens and a number entry with a
    finite value and a source for each drawn number."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or data.get("scene") != scene:
        return False
    if data.get("prompt") != ctx.prompt or data.get("checkpoint") != ctx.checkpoint:
        return False
    tokens, numbers = data.get("tokens"), data.get("numbers")
    if not isinstance(tokens, list) or not tokens or not isinstance(numbers, list):
        return False
    return all(isinstance(e, dict) and isinstance(e.get("source"), str)
               and isinstance(e.get("value"), (int, float)) and isinstance(e.get("index"), list)
               for e in numbers)


def _slides_complete(folder: Path, scene: str) -> bool:
    """Whether the scene's slide JSON is there and every clip it names (paths relative to the
    slides folder, ``pipeline.slides``) is a file."""
    from .errors import UsageError
    from .slides import FILE_KEYS, load_slides
    try:
        slides = load_slides(folder / "slides", scene)["slides"]
    except (UsageError, KeyError, TypeError):
        return False
    return all(Path(s[k]).is_file() for s in slides for k in FILE_KEYS if isinstance(s, dict) and s.get(k))


def finished(folder: Path, scene: str, ctx: RenderContext, need_srt: bool = False) -> bool:
    """Whether ``scene`` rendered with ``ctx`` is complete in ``folder`` (see the module doc);
    ``need_srt``: its captions file must be there too."""
    for kind in ("mp4", "png") + (("srt",) if need_srt else ()):
        f = folder / f"{scene}.{kind}"
        if not f.is_file() or f.stat().st_size == 0:
            return False
    return (_slides_complete(folder, scene)
            and provenance_complete(folder / f"{scene}.numbers.json", scene, ctx))


def _place(staged: dict[str, Path], folder: Path, scene: str) -> None:
    """Move a staged render's files into ``folder`` by rename, the provenance file last (it is
    removed first, so an interrupted move leaves the scene unfinished, never mixed)."""
    from .render_one import keep_slides
    folder.mkdir(parents=True, exist_ok=True)
    prov = folder / f"{scene}.numbers.json"
    prov.unlink(missing_ok=True)
    if "slides" in staged:
        keep_slides(staged["slides"].parent, scene, folder / "slides")
    for kind in MOVED_KINDS:
        if kind in staged:
            os.replace(staged[kind], folder / f"{scene}.{kind}")
    os.replace(staged["numbers.json"], prov)


def _worker_address() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return f"pid {os.getpid()}"


def render_task(name: str, scene: str, out_dir: str, ctx: RenderContext, key: str,
                use_cache: bool = True, since: float = 0.0, shared_lock: bool = False) -> dict:
    """Render ``scene`` for one prompt into ``out_dir/name/`` (see the module doc).

    ``key`` is the scene's cache key as the submitting machine computed it: a worker whose
    project files differ computes another and the task fails (RuntimeError) instead of drawing
    with other code. ``shared_lock``: hold a cluster-wide lock on the key while rendering, so a
    prompt-free scene is rendered once and every other prompt takes it from the cache.

    Returns {"status": "rendered" | "cached" | "finished earlier", "seconds" (wall clock),
    "cpu_seconds" (of every thread of the worker process: the cost on a machine of one's own),
    "worker", "files": {path under out_dir: SHA-256}}. Raises whatever the render raises.
    """
    from .many import render_cached, scene_key

    start, cpu = time.time(), time.process_time()
    out = Path(out_dir)
    folder = out / name
    record = {"worker": _worker_address()}
    prov = folder / f"{scene}.numbers.json"
    if prov.is_file() and prov.stat().st_mtime >= since and finished(folder, scene, ctx):
        return {**record, "status": "finished earlier", "seconds": 0.0,
                "files": digests(out, scene_files(folder, scene))}
    mine, uses_prompt = scene_key(scene, ctx)
    if mine != key:
        raise RuntimeError(f"worker {record['worker']} has other project files than the client "
                           f"(cache key {mine[:8]} for {scene}, expected {key[:8]}); install the "
                           "same version of the project on every worker")
    stage = out / PARTIAL / name / f"{scene}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    stage.mkdir(parents=True)
    try:
        if shared_lock and use_cache and not uses_prompt:
            from distributed import Lock
            with Lock(f"gptx-render-{key}"):
                files, hit = render_cached(scene, stage, ctx, use_cache)
        else:
            files, hit = render_cached(scene, stage, ctx, use_cache)
        _place(files, folder, scene)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return {**record, "status": "cached" if hit else "rendered",
            "seconds": round(time.time() - start, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "files": digests(out, scene_files(folder, scene))}


def join_task(name: str, scenes: list[str], out_dir: str, *after) -> dict:
    """Join the scenes of one prompt (finished in ``out_dir/name/``) into ``film.mp4`` and
    ``film.srt`` there. ``after``: the scene tasks' results (Dask runs this once they are done).

    Returns {"status": "joined", "seconds", "worker", "files": {path: SHA-256},
    "from": {scene: SHA-256 of its video}}. Raises FileNotFoundError when a scene video is missing.
    """
    from .film import join_film

    start = time.time()
    out = Path(out_dir)
    folder = out / name
    parts = []
    for s in scenes:
        srt = folder / f"{s}.srt"
        parts.append((s, folder / f"{s}.mp4", srt if srt.exists() else None))
    join_film(parts, folder / "film.mp4", folder / "film.srt")
    return {"status": "joined", "seconds": round(time.time() - start, 2),
            "worker": _worker_address(),
            "files": digests(out, [folder / "film.mp4", folder / "film.srt"]),
            "from": {s: sha256(folder / f"{s}.mp4") for s in scenes}}
