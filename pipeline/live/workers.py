"""A bounded pool of long-lived render processes, shared by every request of the live server.

Each worker loads the model, the fonts and Manim once, then draws jobs from one queue:
``("stills", key, scene, ctx, need)`` sends each slide back as soon as it is drawn, so the first
key frame of a beat is out long before the last. Once slide ``need`` is out, the rest of the beat
is drawn only while the pool has nothing more urgent: it stops ("partial") at its next animation
as soon as another job is queued or any worker is drawing towards a slide it was asked for, so a
new prompt never waits for (nor shares the cores with) the rest of an older beat; the service
asks again, up to the slide it needs, when a later slide is wanted. ``("clip", key, scene, ctx,
out)`` renders the beat's video through the render cache (``pipeline.many.render_cached``). A worker that dies is
replaced and its job reported as failed; the server never waits on a dead process. A worker
whose memory has grown past ``RETIRE_RSS_MB`` ends after its job and is replaced the same way.

    pool = WorkerPool(processes=2); pool.start(on_message)
    pool.submit(("stills", key, "Softmax", ctx))     # on_message(("slide", key, 0, KeyFrame)) ...
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from pathlib import Path


def _end_with_parent(parent: int) -> None:
    """Exit this worker as soon as the server that started it is gone (even if it was killed)."""
    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)
    threading.Thread(target=watch, name="gptx-live-orphan-watch", daemon=True).start()


class _Yield(Exception):
    """Raised between slides to give the worker to a waiting job."""


def _serve(jobs, results, warm: bool, parent: int, waiting, front, env: dict) -> None:
    """A worker's loop (in its own process): one job at a time, every outcome sent back."""
    _end_with_parent(parent)
    os.environ.update(env)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import logging

    import torch
    torch.set_num_threads(1)      # two workers on two cores: no thread fights inside each
    from scenes.context import RenderContext

    from ..errors import UsageError
    from .stills import key_frames
    logging.getLogger("manim").setLevel(logging.WARNING)
    if warm:   # model, fonts, Manim's text and image caches loaded before the first request
        key_frames("Softmax", RenderContext())
    results.put(("ready", None, os.getpid()))
    retire_mb = float(os.environ.get("GPTX_LIVE_RETIRE_MB") or RETIRE_RSS_MB)
    while True:
        job = jobs.get()
        if job is None:
            return
        kind, key, name, ctx = job[:4]
        results.put(("started", key, os.getpid()))
        try:
            if kind == "stills":
                need, ahead = job[4], [True]    # ahead: slide ``need`` not yet out
                with front.get_lock():
                    front.value += 1

                def behind() -> None:
                    """Past slide ``need``, the scene goes on only while no other job is
                    queued or drawing towards its own slide: it stops at its next animation."""
                    if not ahead[0] and (waiting.value > 0 or front.value > 0):
                        raise _Yield

                def send(i, slide):
                    results.put(("slide", key, i, slide))
                    if i >= need and ahead[0]:
                        ahead[0] = False
                        with front.get_lock():
                            front.value -= 1
                    behind()
                try:
                    slides = key_frames(name, ctx, on_slide=send, on_play=behind)
                    results.put(("done", key, len(slides)))
                except _Yield:
                    results.put(("partial", key, None))
                finally:
                    if ahead[0]:
                        with front.get_lock():
                            front.value -= 1
            else:
                from ..many import render_cached
                files, _ = render_cached(name, Path(job[4]), ctx)
                results.put(("done", key, {k: str(v) for k, v in files.items()}))
        except UsageError as err:
            results.put(("error", key, str(err)))
        except Exception as err:      # a scene's failure is this job's answer, not the worker's end
            results.put(("error", key, f"the {name} scene could not be drawn: {type(err).__name__}: {err}"))
        if _rss_mb() > retire_mb:  # grown over many prompts: make way for a fresh worker
            results.put(("retired", None, os.getpid()))
            return


RETIRE_RSS_MB = 750   # a worker past this much memory ends after its job and the pool starts a
#                       fresh one: the server (~450 MB) and two workers stay under 2 GB however
#                       long the class (measured: ~560 MB after warm-up, ~9 MB more per prompt);
#                       $GPTX_LIVE_RETIRE_MB in the worker's environment overrides it (tests)


def _rss_mb() -> float:
    """This process's resident memory in MB (0 where /proc cannot say)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class WorkerPool:
    """``processes`` worker processes (spawned, so no torch or Manim state is forked) and one
    reader thread that hands their messages to ``on_message`` (called from that thread)."""

    def __init__(self, processes: int = 2, warm: bool = True, env: dict | None = None):
        """``env``: environment variables set in each worker (e.g. ``GPTX_CACHE``)."""
        self.size, self.warm, self.env = processes, warm, dict(env or {})
        self._mp = multiprocessing.get_context("spawn")
        self.jobs = self._mp.Queue()
        self.results = self._mp.Queue()
        self.waiting = self._mp.Value("i", 0, lock=False)   # jobs queued, not yet started
        self.front = self._mp.Value("i", 0)     # jobs drawing towards the slide they were asked for
        self.procs: list = []
        self.running: dict[int, str] = {}      # worker pid -> key of the job it runs
        self._stop = threading.Event()

    def _spawn(self):
        p = self._mp.Process(target=_serve, args=(self.jobs, self.results, self.warm, os.getpid(), self.waiting, self.front, self.env),
                             daemon=True,
                             name="gptx-live-worker")
        p.start()
        return p

    def start(self, on_message) -> None:
        self.on_message = on_message
        self.procs = [self._spawn() for _ in range(self.size)]
        self._reader = threading.Thread(target=self._read, name="gptx-live-reader", daemon=True)
        self._reader.start()

    def submit(self, job: tuple) -> None:
        self.jobs.put(job)

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.is_alive()]

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.results.get(timeout=0.5)
            except queue.Empty:
                self._replace_dead()
                continue
            except (EOFError, OSError):
                return
            if msg[0] == "started":
                self.running[msg[2]] = msg[1]
            elif msg[0] in ("done", "error", "partial"):
                self.running = {pid: k for pid, k in self.running.items() if k != msg[1]}
            self.on_message(msg)
            self._replace_dead()

    def _replace_dead(self) -> None:
        for i, p in enumerate(self.procs):
            if p.exitcode is not None and not self._stop.is_set():
                key = self.running.pop(p.pid, None)
                if key is not None:
                    self.on_message(("error", key, "a render worker stopped while drawing this; "
                                     "try again"))
                self.procs[i] = self._spawn()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask every worker to finish, then end the ones that do not within ``timeout`` seconds."""
        self._stop.set()
        for _ in self.procs:
            self.jobs.put(None)
        deadline = time.time() + timeout
        for p in self.procs:
            p.join(max(0.0, deadline - time.time()))
            if p.is_alive():
                p.terminate()
                p.join(1.0)
        self._reader.join(2.0)
        for q in (self.jobs, self.results):   # unread jobs of a stopped pool are dropped
            q.cancel_join_thread()
            q.close()
