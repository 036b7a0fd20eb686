"""One progress display for a batch of scenes, however many render at once.

On a terminal: a rich display with one overall bar (scenes done of all, time spent, an estimate
of the time left) and one line per worker naming the scene it renders and for how long. Anywhere
else (a pipe, a log, CI): plain lines, one when a scene starts and one when it ends.

    with SceneProgress(total=17, jobs=2) as bar:
        bar.started("Attention", worker=1)
        bar.finished("Attention", "[1/17] Attention: 12.0 s of video, rendered in 20.1 s")
"""
from __future__ import annotations

import sys
import time


class SceneProgress:
    """The display of ``total`` scenes rendered by ``jobs`` workers; ``live`` None = a rich
    display exactly when stdout is a terminal."""

    def __init__(self, total: int, jobs: int = 1, live: bool | None = None, stream=None):
        self.total, self.jobs = total, jobs
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.done = 0
        self._rows: dict[str, int] = {}       # scene being rendered -> its rich task
        self._start = time.monotonic()

    def __enter__(self) -> "SceneProgress":
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                TimeElapsedColumn(), TextColumn("{task.fields[left]}"),
                console=Console(file=self.stream, force_terminal=True), transient=False)
            self._progress.start()
            self._overall = self._progress.add_task("scenes", total=self.total, left="",
                                                    count=f"0/{self.total}")
        return self

    def __exit__(self, *exc) -> None:
        if self.live:
            self._progress.stop()

    def started(self, name: str, worker: int = 0) -> None:
        """Worker ``worker`` (0-based) began scene ``name``."""
        if not self.live:
            if self.jobs > 1:
                print(f"  {name}: started", file=self.stream, flush=True)
            return
        label = f"  worker {worker + 1}: {name}" if self.jobs > 1 else f"  {name}"
        self._rows[name] = self._progress.add_task(label, total=None, left="", count="")

    def finished(self, name: str, line: str) -> None:
        """Scene ``name`` is done; ``line`` says how (printed above the bars on a terminal)."""
        self.done += 1
        if not self.live:
            print(line, file=self.stream, flush=True)
            return
        self._progress.console.print(line, highlight=False)
        if name in self._rows:
            self._progress.remove_task(self._rows.pop(name))
        self._progress.update(self._overall, completed=self.done, left=self._left(),
                              count=f"{self.done}/{self.total}")

    def _left(self) -> str:
        """The time left if the other scenes take as long as the finished ones did (wall time,
        so the workers' overlap is in it)."""
        if self.done >= self.total:
            return ""
        left = (time.monotonic() - self._start) / self.done * (self.total - self.done)
        return f"about {left:.0f} s left"
