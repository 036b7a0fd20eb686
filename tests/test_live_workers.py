"""The live server's worker pool: a worker whose memory has grown past its limit ends after its
job and a fresh one takes the next, with every answer delivered."""
from __future__ import annotations

import queue
import time

from pipeline.live.workers import WorkerPool
from scenes.context import RenderContext


def test_a_worker_past_its_memory_limit_is_replaced_and_the_next_job_is_answered():
    messages: queue.Queue = queue.Queue()
    pool = WorkerPool(processes=1, warm=False, env={"GPTX_LIVE_RETIRE_MB": "1"})   # retire after every job
    pool.start(messages.put)
    try:
        def run(key: str) -> list:
            pool.submit(("stills", key, "Recap", RenderContext(prompt="The doctor wrote to"), 0))
            seen, deadline = [], time.time() + 180
            while not any(m[0] == "retired" for m in seen):
                seen.append(messages.get(timeout=max(1.0, deadline - time.time())))
            return seen

        first, second = run("a"), run("b")
        for key, seen in (("a", first), ("b", second)):
            kinds = [m[0] for m in seen if m[1] == key]
            assert kinds[0] == "started" and "slide" in kinds and kinds[-1] in ("done", "partial"), kinds
        pid = lambda seen: next(m[2] for m in seen if m[0] == "retired")   # noqa: E731
        assert pid(first) != pid(second), "the second job ran in a fresh worker"
        deadline = time.time() + 10
        while len(pool.pids()) != 1 or pid(second) in pool.pids():
            assert time.time() < deadline, pool.pids()
            time.sleep(0.2)
    finally:
        pool.stop()
