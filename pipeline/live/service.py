"""What the live server does, apart from HTTP: key frames and clips through the worker pool,
cached in memory and on disk, identical requests drawn once; the trace and its next-token bars.

Every file it writes or reads lives under ``<cache>/live/`` in a folder named by a SHA-256 key of
the scene, the picture options and the code and data digests: no request text ever becomes a path.

    service = LiveService(cache_dir() / "live", processes=2); service.start()
    slide = await service.still("Softmax", ctx, 0)        # a KeyFrame
    service.trace_json(ctx, top_k=10)                      # tokens, pieces, top next tokens
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import os
import shutil
import time
from collections import OrderedDict
from pathlib import Path

from scenes.context import RenderContext

from ..errors import UsageError
from .stills import KeyFrame
from .workers import WorkerPool


class Busy(Exception):
    """The request is queued or the queue is full: ``position`` in the queue (0 = being drawn),
    ``retry_after`` seconds, ``full`` when nothing more could be queued."""

    def __init__(self, position: int, retry_after: int, full: bool = False, state: str = "queued"):
        super().__init__(f"queued at position {position}")
        self.position, self.retry_after, self.full, self.state = position, retry_after, full, state


class RenderFailed(Exception):
    """A scene raised while it was drawn (the message says which and what)."""


class _Job:
    def __init__(self, key: str, name: str, ctx: RenderContext):
        self.key, self.name, self.ctx = key, name, ctx
        self.slides: list[KeyFrame] = []
        self.count: int | None = None      # the number of slides, once all are drawn
        self.partial = False               # stopped early for other work: later slides re-drawn
        self.files: dict | None = None     # a clip's files, once rendered
        self.error: str | None = None
        self.submitted, self.started = time.time(), None
        self.changed = asyncio.Event()

    def notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


@functools.lru_cache(maxsize=None)
def _code_digest(name: str) -> str:
    import scenes

    from ..cache import code_digest
    return code_digest(dict(scenes.FILM + scenes.EXTRAS)[name])


@functools.lru_cache(maxsize=None)
def _uses_prompt(name: str) -> bool:
    import scenes
    return getattr(scenes.scene_class(name), "uses_prompt", True)


@functools.lru_cache(maxsize=8)
def _data_digest(checkpoint: str) -> str:
    from ..cache import file_digest
    from ..many import data_files
    return ",".join(file_digest(f) for f in data_files(checkpoint))


def job_key(kind: str, name: str, ctx: RenderContext) -> str:
    """The SHA-256 (hex) naming ``kind`` ("stills" or "clip") of scene ``name`` with ``ctx``:
    its picture options and the digests of the scene's code and the model's files (each
    computed once per server: restart the server after editing a scene)."""
    blob = json.dumps({"kind": kind, "scene": name, "options": ctx.picture_options(_uses_prompt(name)),
                       "code": _code_digest(name), "data": _data_digest(ctx.checkpoint)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


@functools.lru_cache(maxsize=256)
def _trace(prompt: str, checkpoint: str):
    import model
    return model.run(prompt, checkpoint)


class LiveService:
    """``root``: the server's own cache folder; ``processes``: render workers; ``max_queue``:
    jobs waiting for a worker before new ones are refused (503); ``wait_s``: how long a request
    waits for its picture before it is told its queue position (202); ``render_cache``: where
    clips are cached (None: the render cache of the command line, ``pipeline.cache.cache_dir``)."""

    def __init__(self, root: Path, processes: int = 2, max_queue: int = 16, wait_s: float = 20.0,
                 keep: int = 96, warm: bool = True, render_cache: Path | None = None):
        self.root, self.max_queue, self.wait_s, self.keep = Path(root), max_queue, wait_s, keep
        env = {} if render_cache is None else {"GPTX_CACHE": str(render_cache)}
        self.pool = WorkerPool(processes, warm, env)
        self.jobs: dict[str, _Job] = {}             # in flight: drawn once for every asker
        self.done: OrderedDict[str, _Job] = OrderedDict()   # finished stills, most recent last
        self.queue: list[str] = []                   # submitted, not yet started, in order
        self.clip_waiting: list[_Job] = []           # clips wait here: one at a time in the pool
        self.clip_running: str | None = None
        self.submitted = 0                           # jobs sent to the workers since the start

    # --- life -----------------------------------------------------------------------------
    def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        (self.root / "stills").mkdir(parents=True, exist_ok=True)
        (self.root / "clips").mkdir(parents=True, exist_ok=True)
        self.pool.start(lambda msg: self.loop.call_soon_threadsafe(self._on_message, msg))

    def stop(self) -> None:
        self.pool.stop()

    def pids(self) -> list[int]:
        """The worker processes' ids (for measuring memory)."""
        return self.pool.pids()

    # --- messages from the workers (on the event loop) -----------------------------------------
    def _on_message(self, msg) -> None:
        kind, key = msg[0], msg[1]
        job = self.jobs.get(key)
        if job is None:
            return
        if kind == "started":
            job.started = time.time()
            if key in self.queue:
                self.queue.remove(key)
                self._queue_changed()
        elif kind == "slide":
            job.slides.append(msg[3])
        elif kind == "done":
            del self.jobs[key]
            if isinstance(msg[2], int):
                job.count = msg[2]
                self._keep(job)
                self._write_stills(job)
            else:
                job.files = msg[2]
                self._next_clip()
        elif kind == "partial":         # kept for the slides it has; later ones drawn again
            job.partial = True
            del self.jobs[key]
            self._keep(job)
        elif kind == "error":
            job.error = msg[2]
            self.jobs.pop(key, None)
            if key in self.queue:
                self.queue.remove(key)
                self._queue_changed()
            if self.clip_running == key:
                self._next_clip()
        job.notify()

    def _queue_changed(self) -> None:
        self.pool.waiting.value = len(self.queue)

    def _keep(self, job: _Job) -> None:
        self.done[job.key] = job
        self.done.move_to_end(job.key)
        while len(self.done) > self.keep:
            self.done.popitem(last=False)

    # --- the disk cache --------------------------------------------------------------------
    def _write_stills(self, job: _Job) -> None:
        final = self.root / "stills" / job.key
        if final.exists():
            return
        part = final.with_name(f".{job.key}.{os.getpid()}.part")
        try:
            part.mkdir(parents=True, exist_ok=True)
            for i, s in enumerate(job.slides):
                (part / f"slide-{i:03d}.png").write_bytes(s.png)
            meta = {"scene": job.name, "slides": [{"notes": s.notes, "numbers": s.numbers, "tokens": s.tokens}
                                                  for s in job.slides]}
            (part / "slides.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
            os.replace(part, final)
        except OSError:           # a full disk loses the disk copy, never the answer
            shutil.rmtree(part, ignore_errors=True)

    def _read_stills(self, key: str, name: str, ctx: RenderContext) -> _Job | None:
        folder = self.root / "stills" / key
        try:
            meta = json.loads((folder / "slides.json").read_text(encoding="utf-8"))
            slides = [KeyFrame((folder / f"slide-{i:03d}.png").read_bytes(), s["notes"], s["numbers"], s["tokens"])
                      for i, s in enumerate(meta["slides"])]
        except (OSError, ValueError, KeyError):
            return None
        job = _Job(key, name, ctx)
        job.slides, job.count = slides, len(slides)
        return job

    # --- key frames --------------------------------------------------------------------------
    def _position(self, key: str) -> int:
        return self.queue.index(key) + 1 if key in self.queue else 0

    def _retry_after(self, position: int) -> int:
        return max(1, min(30, 2 * position + 1))

    def _submit(self, job: _Job, message: tuple) -> None:
        if len(self.queue) >= self.max_queue:
            raise Busy(len(self.queue) + 1, self._retry_after(len(self.queue)), full=True)
        self.jobs[job.key] = job
        self.queue.append(job.key)
        self._queue_changed()
        self.submitted += 1
        self.pool.submit(message)

    def stills_job(self, name: str, ctx: RenderContext, need: int = 0) -> _Job:
        """The finished or in-flight job drawing ``name``'s key frames with ``ctx``, started
        if there is none (it draws at least up to slide ``need``). Raises Busy when the queue
        is full."""
        key = job_key("stills", name, ctx)
        kept = self.done.get(key)
        if kept is None:
            kept = self._read_stills(key, name, ctx)
            if kept is not None:
                self._keep(kept)
        if kept is not None and (not kept.partial or need < len(kept.slides)):
            return kept
        job = self.jobs.get(key)
        if job is None:
            job = _Job(key, name, ctx)
            self._submit(job, ("stills", key, name, ctx, need))
        return job

    async def still(self, name: str, ctx: RenderContext, slide: int) -> tuple[KeyFrame, int | None]:
        """Slide ``slide`` of ``name`` with ``ctx`` and the scene's slide count (None while it is
        still being drawn). Raises UsageError for a slide the scene does not have, Busy when the
        picture is not ready within ``wait_s``, RenderFailed when the scene raised."""
        job = self.stills_job(name, ctx, slide)
        deadline = time.time() + self.wait_s
        while True:
            if slide < len(job.slides):
                return job.slides[slide], job.count
            if job.partial:              # stopped before this slide: draw again, up to it
                job = self.stills_job(name, ctx, slide)
                continue
            if job.error:
                raise RenderFailed(job.error)
            if job.count is not None:
                raise UsageError(f"slide {slide} is out of range: {name} has {job.count} slides, "
                                 f"numbered 0 to {job.count - 1}")
            left = deadline - time.time()
            if left <= 0:
                pos = self._position(job.key)
                raise Busy(pos, self._retry_after(pos), state="queued" if pos else "drawing")
            try:
                await asyncio.wait_for(job.changed.wait(), left)
            except asyncio.TimeoutError:
                pass

    # --- clips -----------------------------------------------------------------------------
    def clip_folder(self, key: str) -> Path:
        return self.root / "clips" / key

    def _next_clip(self) -> None:
        self.clip_running = None
        if self.clip_waiting:
            job = self.clip_waiting.pop(0)
            self.clip_running = job.key
            self.queue.append(job.key)
            self._queue_changed()
            self.submitted += 1
            self.pool.submit(("clip", job.key, job.name, job.ctx, str(self.clip_folder(job.key))))

    def clip(self, name: str, ctx: RenderContext) -> dict:
        """The state of ``name``'s clip with ``ctx``, its render started if needed: ``state``
        ("done" with ``key``, "queued" with ``queue_position``, "rendering" with
        ``elapsed_s``, or "failed" with ``error``). Raises Busy when the queue is full."""
        key = job_key("clip", name, ctx)
        if (self.clip_folder(key) / f"{name}.mp4").is_file():
            return {"state": "done", "key": key}
        job = self.jobs.get(key)
        if job is None:
            job = _Job(key, name, ctx)
            if len(self.clip_waiting) >= self.max_queue:
                raise Busy(len(self.clip_waiting) + 1, 10, full=True)
            self.jobs[key] = job
            self.clip_waiting.append(job)
            if self.clip_running is None:
                self._next_clip()
        if job.error:
            return {"state": "failed", "error": job.error}
        if job.started is None:
            waiting = [j.key for j in self.clip_waiting]
            pos = waiting.index(key) + 2 if key in waiting else max(1, self._position(key))
            return {"state": "queued", "queue_position": pos}
        return {"state": "rendering", "elapsed_s": round(time.time() - job.started, 1)}

    # --- the trace ---------------------------------------------------------------------------
    def trace_json(self, ctx: RenderContext, top_k: int = 10) -> dict:
        """The prompt's tokens, their pieces and the ``top_k`` likeliest next tokens at
        ``ctx.temperature`` (probabilities 0..1, logits of the last position)."""
        import numpy as np

        import model
        from model.tokenizer import piece_text
        trace = _trace(ctx.prompt, ctx.checkpoint)
        enc = model.get_encoding()
        logits = np.asarray(trace.cache["logits"][-1], dtype=np.float64)
        probs = model.softmax(logits, ctx.temperature)
        top = [int(t) for t in np.argsort(-logits, kind="stable")[:top_k]]
        return {"prompt": ctx.prompt, "checkpoint": ctx.checkpoint, "temperature": ctx.temperature,
                "tokens": [int(t) for t in trace.tokens],
                "pieces": [piece_text(enc, int(t)) for t in trace.tokens],
                "top": [{"token": t, "piece": piece_text(enc, t), "logit": float(logits[t]),
                         "probability": float(probs[t])} for t in top]}
