"""A class set: every prompt of a file × every scene, rendered as Dask tasks, resumable.

    status = run_batch(BatchOptions(prompts=Path("class.csv"), out=Path("class"),
                                    options={"theme": "light"}))   # 0 all done, 1 some failed

One task renders one scene of one prompt (``batch_task.render_task``) into ``DIR/<name>/``;
when a prompt's scenes are done its film is joined (``batch_task.join_task``). With no
scheduler a ``LocalCluster`` is started with one single-threaded worker process per core (Manim
is not thread-safe); ``scheduler="tcp://host:8786"`` sends the same tasks to a running cluster,
whose workers have the project installed and see ``DIR`` (and ideally ``GPTX_CACHE``) on a shared
file system. A scene already finished (checked against its files and ``DIR/manifest.json``) is
not sent again, so a stopped batch restarted with the same command does only what is left.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import batch_manifest
from .batch_input import Job, read_prompts
from .batch_task import PARTIAL, digests, finished, join_task, render_task, scene_files, sha256
from .checks import check_out, checked_context, checked_scenes
from .errors import UsageError

RETRIES = 2            # a task that raises is tried this many more times (a dead worker: Dask's
                       # distributed.scheduler.allowed-failures, 3 by default)
FILM = "film"          # the scene name of a prompt's joined film in the manifest


@dataclass
class BatchOptions:
    """What ``run_batch`` renders and where.

    prompts          the prompts file (text, one a line, or CSV with name and prompt columns)
    out              the output folder: DIR/<name>/ per prompt, DIR/manifest.json
    scenes           scene names; None = the whole film, joined per prompt
    options          ``checks.checked_context`` keywords besides the prompt (checkpoint,
                     temperature, top_k, theme, seed, layer, head, quality, size, fps)
    use_cache        take scenes from the render cache when nothing they depend on changed
    film             join the scenes into a film even when they are not the whole film
    scheduler        a running Dask scheduler's address; None = a LocalCluster on this machine
    workers          the LocalCluster's worker processes; None = one per core
    dashboard        print the address of Dask's dashboard
    connect_timeout  seconds to wait for the scheduler before giving up
    """
    prompts: Path
    out: Path
    scenes: list[str] | None = None
    options: dict = field(default_factory=dict)
    use_cache: bool = True
    film: bool = False
    scheduler: str | None = None
    workers: int | None = None
    dashboard: bool = False
    connect_timeout: float = 5.0


@dataclass
class Item:
    """One task of the batch: a scene (or the film) of one prompt, and its manifest entry."""
    job: Job
    scene: str
    entry: dict
    ctx: object = None
    key: str = ""
    uses_prompt: bool = True


def _entry(job: Job, scene: str, status: str, **more) -> dict:
    return {"line": job.line, "name": job.name, "prompt": job.prompt, "scene": scene,
            "status": status, **more}


def plan(opts: BatchOptions, log=print):
    """Check the input and decide what is left to do.

    Returns (scenes, join, items, bad): the scene names, whether films are joined, one Item per
    prompt × scene (+ film) in file order, and the bad lines as (line, reason). Raises
    UsageError for a bad option, an unreadable or empty prompts file, an unwritable output
    folder, or a file in which every line is bad.
    """
    import scenes as scene_list

    from .many import scene_key
    names = checked_scenes(opts.scenes)
    join = opts.film or names == scene_list.scene_names()
    checked_context(None, quiet=True, **opts.options)           # the options, once for all lines
    jobs, bad = read_prompts(opts.prompts)
    contexts = {}
    for job in jobs:
        try:
            contexts[job.line] = checked_context(job.prompt, quiet=True, **opts.options)
        except UsageError as err:
            bad.append((job.line, str(err)))
    bad.sort()
    for line, why in bad:
        log(f"{opts.prompts}:{line}: {why}", file=sys.stderr)
    if not contexts:
        raise UsageError(f"no line of {opts.prompts} holds a usable prompt")
    check_out(opts.out)
    former = batch_manifest.load(opts.out)
    items: list[Item] = []
    bad_lines = dict(bad)
    for job in sorted(jobs, key=lambda j: j.line):
        if job.line in bad_lines:
            items += [Item(job, s, _entry(job, s, "bad line", error=bad_lines[job.line]))
                      for s in names + ([FILM] if join else [])]
            continue
        ctx = contexts[job.line]
        for s in names:
            key, uses_prompt = scene_key(s, ctx)
            item = Item(job, s, _entry(job, s, "pending", key=key), ctx, key, uses_prompt)
            item.entry.update(_earlier(opts.out, job, s, ctx, key, former.get((job.name, s))))
            items.append(item)
        if join:
            film = Item(job, FILM, _entry(job, FILM, "pending"), ctx)
            mine = [i for i in items if i.job is job and i.scene != FILM]
            if all(i.entry["status"] == "finished earlier" for i in mine):
                film.entry.update(_film_earlier(opts.out, job, names, former.get((job.name, FILM))))
            items.append(film)
    return names, join, items, bad


def _earlier(out: Path, job: Job, scene: str, ctx, key: str, old: dict | None) -> dict:
    """{"status": "finished earlier", "files": ...} when the scene's files are finished and the
    former manifest's entry (if there is one) says done, with the same cache key and the same
    digests; {} otherwise. An entry left pending or failed is rendered again (its files may be
    an older render's; a render finished after a stop comes back from the cache)."""
    folder = out / job.name
    if old is not None and (old.get("status") not in batch_manifest.OK or old.get("key") != key):
        return {}
    need_srt = bool(old) and f"{job.name}/{scene}.srt" in old.get("files", {})
    if not finished(folder, scene, ctx, need_srt):
        return {}
    files = digests(out, scene_files(folder, scene))
    if old is not None and old.get("files") != files:
        return {}
    return {"status": "finished earlier", "seconds": 0.0, "files": files}


def _film_earlier(out: Path, job: Job, names: list[str], old: dict | None) -> dict:
    folder = out / job.name
    if not old or old.get("status") not in batch_manifest.OK:
        return {}
    video, captions = folder / "film.mp4", folder / "film.srt"
    if not (video.is_file() and captions.is_file()):
        return {}
    files = digests(out, [video, captions])
    made_from = {s: sha256(folder / f"{s}.mp4") for s in names}
    if old.get("files") != files or old.get("from") != made_from:
        return {}
    return {"status": "finished earlier", "seconds": 0.0, "files": files, "from": made_from}


def connect(opts: BatchOptions):
    """(client, cluster or None): a Client of the scheduler at ``opts.scheduler``, else of a new
    LocalCluster. Raises UsageError when the scheduler cannot be reached in time."""
    from distributed import Client, LocalCluster
    logging.getLogger("distributed").setLevel(logging.ERROR)   # our own lines say what happened
    if opts.scheduler:
        address = opts.scheduler if "://" in opts.scheduler else f"tcp://{opts.scheduler}"
        try:
            return Client(address, timeout=opts.connect_timeout), None
        except (OSError, TimeoutError, ValueError) as err:
            text = str(err).splitlines()[0] if str(err) else ""
            why = (f"no answer within {opts.connect_timeout:g} s"
                   if isinstance(err, TimeoutError) or text.startswith("Timed out") or not text
                   else f"bad address ({text})" if isinstance(err, ValueError) else text)
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {why}") from None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = opts.workers or cores or 1
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           memory_limit=0, silence_logs=logging.ERROR, dashboard_address=":0",
                           scheduler_kwargs={"dashboard": opts.dashboard})
    return Client(cluster), cluster


def _submit(client, opts: BatchOptions, items: list[Item], names: list[str], since: float):
    """Submit every item still pending; returns {future: item}.

    Priorities follow the file's order (the first prompt's films come out first), except that
    the first render of a prompt-free scene goes before all (the others take it from the cache).
    """
    futures = {}
    scene_futures: dict[str, list] = {}
    first_free: set[str] = set()
    lines = sorted({i.job.line for i in items})
    for item in items:
        if item.entry["status"] != "pending":
            continue
        tag = f"{item.job.name}-{item.job.line}"
        rank = len(lines) - lines.index(item.job.line)
        if item.scene == FILM:
            after = scene_futures.get(tag, [])
            f = client.submit(join_task, item.job.name, names, str(opts.out), *after,
                              key=f"film-{tag}", retries=RETRIES, pure=False, priority=rank)
        else:
            first = not item.uses_prompt and item.key not in first_free
            if first:   # the first prompt-free render goes first; the others take it from the cache
                first_free.add(item.key)
            f = client.submit(render_task, item.job.name, item.scene, str(opts.out), item.ctx,
                              item.key, opts.use_cache, since, not item.uses_prompt,
                              key=f"{item.scene}-{tag}", retries=RETRIES, pure=False,
                              priority=len(lines) + 1 if first else rank)
            scene_futures.setdefault(tag, []).append(f)
        futures[f] = item
    return futures


def _error_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")


def run_batch(opts: BatchOptions, log=print) -> int:
    """Render the batch (see the module doc); returns 0 when every prompt × scene is done, 1
    when a line was bad or a task failed. Raises UsageError for bad input (see ``plan``) or an
    unreachable scheduler; KeyboardInterrupt after writing the manifest."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    start = time.time()
    names, join, items, bad = plan(opts, log)
    head = {"prompts": str(opts.prompts), "scenes": names, "film": join,
            "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.options.items()}}
    entries = [i.entry for i in items]
    todo = [i for i in items if i.entry["status"] == "pending"]
    skipped = sum(i.entry["status"] == "finished earlier" for i in items)
    if skipped:
        usable = sum(i.entry["status"] != "bad line" for i in items)
        log(f"{skipped} of {_count(usable, 'task')} finished earlier: skipped")
    if not todo:
        path = batch_manifest.write(opts.out, head, entries)
        log(f"nothing left to do: {path}")
        return 1 if bad else 0
    client, cluster = connect(opts)
    try:
        if opts.dashboard:
            log(f"dashboard: {client.dashboard_link}")
        workers = len(client.scheduler_info().get("workers", {}))
        log(f"{_count(len(todo), 'task')} on {_count(workers, 'Dask worker')} at {client.scheduler.address}"
            + ("" if workers else ": none yet, the tasks wait until one joins (dask worker ADDRESS)"))
        futures = _submit(client, opts, items, names, start)
        _follow(client, futures, opts, head, entries, log, Progress(
            TextColumn("batch"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[running]} running, {task.fields[failed]} failed"),
            TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=_console(), transient=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        shutil.rmtree(opts.out / PARTIAL, ignore_errors=True)
    failed = sum(e["status"] == "failed" for e in entries)
    log(f"{len(todo) - failed} of {_count(len(todo), 'task')} done in {time.time() - start:.0f} s"
        + (f", {failed} failed" if failed else "") + (f", {_count(len(bad), 'bad line')}" if bad else "")
        + f": {opts.out / batch_manifest.NAME}")
    return 1 if failed or bad else 0


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _console():
    from rich.console import Console
    return Console(stderr=True)


def _follow(client, futures: dict, opts, head, entries, log, progress) -> int:
    """Wait for the futures, updating the progress bar, the log and the manifest."""
    from distributed import wait
    pending = set(futures)
    total, failed, written = len(futures), 0, 0.0
    with progress:
        bar = progress.add_task("batch", total=total, running=0, failed=0)
        try:
            while pending:
                try:
                    done, pending = wait(pending, timeout=0.5, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                for f in done:
                    item = futures[f]
                    if f.status == "finished":
                        item.entry.update(f.result())
                        how = f"{item.entry['status']} in {item.entry['seconds']:.1f} s"
                    else:
                        err = f.exception() if f.status == "error" else None
                        failed += 1
                        why = _error_line(err) if err else f.status
                        if item.scene == FILM:
                            why = f"not joined: {why}"
                        item.entry.update(status="failed", error=why)
                        how = f"FAILED: {item.entry['error']}"
                    progress.console.print(f"[{total - len(pending)}/{total}] {item.job.name} "
                                           f"{item.scene}: {how}", markup=False, highlight=False)
                try:   # a worker may hold queued tasks too: at most one per thread runs
                    threads = client.nthreads()
                    running = sum(min(len(keys), threads.get(w, 1))
                                  for w, keys in client.processing().items())
                except (OSError, TimeoutError):
                    running = 0
                progress.update(bar, completed=total - len(pending), running=running, failed=failed)
                if done and time.time() - written > 1.0:
                    batch_manifest.write(opts.out, head, entries)
                    written = time.time()
        except KeyboardInterrupt:
            batch_manifest.write(opts.out, head, entries)
            raise
    batch_manifest.write(opts.out, head, entries)
    return failed
