"""Scenes from the cache or freshly rendered, one at a time or in parallel processes.

    files, from_cache = render_cached("Softmax", Path("film"), ctx)
    all_files = render_many(["Title", "Softmax"], Path("film"), ctx, jobs=2)
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from scenes.context import RenderContext

from . import cache
from .render_one import render_scene


def data_files(checkpoint: str) -> list[Path]:
    """The files a render of ``checkpoint`` reads besides code: its weights, the tokenizer, and
    the model card, which holds the SHA-256 of every other checkpoint and snapshot a scene may
    read too (ModelSize the other model, Training the snapshots), so retraining any re-renders;
    for a GPT-2 folder its config.json, weights, vocab.json and merges.txt. Raises CheckpointError."""
    from model import hf_folder
    if hf_folder.is_folder(checkpoint):
        return hf_folder.data_files(checkpoint)
    from model.checkpoint import CARD_FILE, checkpoint_file
    from model.tokenizer import ASSETS
    return [checkpoint_file(checkpoint), ASSETS / "tokenizer.tiktoken", CARD_FILE]


def scene_key(name: str, ctx: RenderContext, movie: bool = True) -> tuple[str, bool]:
    """(cache key, whether the scene reads the prompt) of scene ``name`` rendered with ``ctx``
    (``movie=False``: the last frame only, kept apart from the full render's files)."""
    import scenes
    module = dict(scenes.FILM + scenes.EXTRAS)[name]
    uses_prompt = getattr(scenes.scene_class(name), "uses_prompt", True)
    options = ctx.picture_options(uses_prompt)
    if not getattr(scenes.scene_class(name), "uses_compare", False):
        options.pop("compare", None)      # only ModelSize draws the compared checkpoint
    elif ctx.compare is not None:         # its files (a folder's, a snapshot's) by full path
        options["compare_data"] = {str(f): cache.file_digest(f) for f in data_files(ctx.compare)}
    if not movie:
        options["still"] = True
    key = cache.cache_key(name, module, options, data_files(ctx.checkpoint))
    return key, uses_prompt


def render_cached(name: str, out: Path, ctx: RenderContext, use_cache: bool = True,
                  progress: bool = False, movie: bool = True) -> tuple[dict[str, Path], bool]:
    """A scene's files in ``out`` (as ``render_scene`` returns them) and whether they came from
    the cache, which is used when nothing they depend on changed."""
    key, uses_prompt = scene_key(name, ctx, movie)
    if use_cache:
        hit = cache.restore(key, name, out)
        if hit is not None:
            if not uses_prompt:   # same pictures for any prompt; the file names this render's
                restamp_provenance(hit["numbers.json"], ctx)
            return hit, True
    files = render_scene(name, out, ctx, movie=movie, progress=progress)
    if use_cache:
        cache.store(key, name, files)
    return files, False


def restamp_provenance(path: Path, ctx: RenderContext) -> None:
    """Name this render's prompt and tokens in a provenance file reused from another prompt."""
    import model
    from model.trace import encode_prompt
    n_ctx = model.config(ctx.checkpoint)["n_ctx"]
    data = json.loads(path.read_text())
    data["prompt"], data["tokens"] = ctx.prompt, encode_prompt(ctx.prompt, n_ctx, ctx.checkpoint)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(part, path)


_STARTS = None      # in a worker process: where it says which scene it begins


def _init_worker(starts) -> None:
    global _STARTS
    _STARTS = starts


def _worker(job):
    name, out, ctx, use_cache, movie = job
    if _STARTS is not None:
        _STARTS.put((os.getpid(), name))
    start = time.time()
    files, hit = render_cached(name, Path(out), ctx, use_cache, movie=movie)
    return name, {k: str(v) for k, v in files.items()}, hit, time.time() - start


def render_many(names: list[str], out: Path, ctx: RenderContext, jobs: int = 1,
                use_cache: bool = True, movie: bool = True) -> dict[str, dict[str, Path]]:
    """Render ``names`` (``jobs`` at a time, in separate processes) into ``out`` under one
    progress display (``pipeline.progress``); returns each scene's files, in the order of
    ``names``. ``movie=False`` renders last frames only (png, numbers.json)."""
    from .film import video_seconds
    from .progress import SceneProgress

    done: dict[str, dict[str, Path]] = {}
    total = len(names)

    def line(name, files, hit, spent):
        done[name] = {k: Path(v) for k, v in files.items()}
        if "mp4" not in done[name]:
            how = "from the cache" if hit else f"rendered in {spent:.1f} s"
            return f"[{len(done)}/{total}] {name}: last frame, {how}"
        length = video_seconds(done[name]["mp4"])
        how = "from the cache" if hit else f"rendered in {spent:.1f} s ({spent / max(length, 1e-9):.2f} s per second)"
        return f"[{len(done)}/{total}] {name}: {length:.1f} s of video, {how}"

    jobs = max(1, min(jobs, total))
    with SceneProgress(total, jobs) as progress:
        if jobs == 1:
            for name in names:
                progress.started(name)
                result = _worker((name, out, ctx, use_cache, movie))
                progress.finished(name, line(*result))
        else:
            _render_parallel(names, out, ctx, jobs, use_cache, movie, progress, line)
    return {n: done[n] for n in names}


def _render_parallel(names, out, ctx, jobs, use_cache, movie, progress, line) -> None:
    """``jobs`` worker processes; each tells the display which scene it begins."""
    import multiprocessing
    import queue
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    mp = multiprocessing.get_context("spawn")
    starts = mp.Queue()
    workers: dict[int, int] = {}            # pid -> worker number shown

    def drain():
        while True:
            try:
                pid, name = starts.get_nowait()
            except queue.Empty:
                return
            progress.started(name, workers.setdefault(pid, len(workers)))

    with ProcessPoolExecutor(max_workers=jobs, mp_context=mp, initializer=_init_worker,
                             initargs=(starts,)) as pool:
        futures = [pool.submit(_worker, (n, out, ctx, use_cache, movie)) for n in names]
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                drain()
                for f in finished:
                    result = f.result()
                    progress.finished(result[0], line(*result))
        except BaseException:
            for f in futures:
                f.cancel()
            raise
