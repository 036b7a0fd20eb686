"""Scenes from the cache or freshly rendered, one at a time or in parallel processes.

    files, from_cache = render_cached("Softmax", Path("film"), ctx)
    all_files = render_many(["Title", "Softmax"], Path("film"), ctx, jobs=2)
"""
from __future__ import annotations

import json
import os
import sys
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


def scene_key(name: str, ctx: RenderContext) -> tuple[str, bool]:
    """(cache key, whether the scene reads the prompt) of scene ``name`` rendered with ``ctx``."""
    import scenes
    module = dict(scenes.FILM + scenes.EXTRAS)[name]
    uses_prompt = getattr(scenes.scene_class(name), "uses_prompt", True)
    key = cache.cache_key(name, module, ctx.picture_options(uses_prompt), data_files(ctx.checkpoint))
    return key, uses_prompt


def render_cached(name: str, out: Path, ctx: RenderContext, use_cache: bool = True,
                  progress: bool = False) -> tuple[dict[str, Path], bool]:
    """A scene's files in ``out`` (as ``render_scene`` returns them) and whether they came from
    the cache, which is used when nothing they depend on changed."""
    key, uses_prompt = scene_key(name, ctx)
    if use_cache:
        hit = cache.restore(key, name, out)
        if hit is not None:
            if not uses_prompt:   # same pictures for any prompt; the file names this render's
                restamp_provenance(hit["numbers.json"], ctx)
            return hit, True
    files = render_scene(name, out, ctx, progress=progress)
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


def _worker(job):
    name, out, ctx, use_cache, progress = job
    start = time.time()
    files, hit = render_cached(name, Path(out), ctx, use_cache, progress)
    return name, {k: str(v) for k, v in files.items()}, hit, time.time() - start


def render_many(names: list[str], out: Path, ctx: RenderContext, jobs: int = 1,
                use_cache: bool = True) -> dict[str, dict[str, Path]]:
    """Render ``names`` (``jobs`` at a time, in separate processes) into ``out``, one progress
    line each; returns each scene's files, in the order of ``names``."""
    from .film import video_seconds

    done: dict[str, dict[str, Path]] = {}
    total = len(names)

    def report(name, files, hit, spent):
        done[name] = {k: Path(v) for k, v in files.items()}
        length = video_seconds(done[name]["mp4"])
        how = "from the cache" if hit else f"rendered in {spent:.1f} s ({spent / max(length, 1e-9):.2f} s per second)"
        print(f"[{len(done)}/{total}] {name}: {length:.1f} s of video, {how}", flush=True)

    if jobs <= 1 or total == 1:
        bars = sys.stderr.isatty()   # Manim's own progress bars, one scene at a time
        for name in names:
            report(*_worker((name, out, ctx, use_cache, bars)))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        mp = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=mp) as pool:
            futures = [pool.submit(_worker, (n, out, ctx, use_cache, False)) for n in names]
            try:
                for f in as_completed(futures):
                    report(*f.result())
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    return {n: done[n] for n in names}
