"""The live server's HTTP side: a Starlette app over ``LiveService``.

    app = create_app(cache=Path("/tmp/c"), processes=2)     # uvicorn.run(app, ...)

The contract (README, "Live"): ``/api/trace``, ``/api/still``, ``/api/slide``, ``/api/clip``,
``/api/scenes``; bad input answers 400 ``{"error": ...}`` with the command line's message, a
busy server 202 (queued; retry) or 503 (queue full) with ``Retry-After``, unknown paths 404.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import UsageError
from .params import context_from_query, scene_from_query, slide_from_query
from .service import Busy, LiveService, RenderFailed

STATIC = Path(__file__).resolve().parent / "static"
_KEY = re.compile(r"[0-9a-f]{64}")


def _busy(err: Busy) -> JSONResponse:
    body = {"state": err.state, "queue_position": err.position, "retry_after_s": err.retry_after}
    if err.full:
        body["error"] = "the server is busy drawing for others; try again shortly"
    return JSONResponse(body, status_code=503 if err.full else 202,
                        headers={"Retry-After": str(err.retry_after)})


def create_app(cache: Path | None = None, processes: int = 2, max_queue: int = 16,
               wait_s: float = 20.0, warm: bool = True) -> Starlette:
    """The app; ``cache``: its folder (default ``<render cache>/live``, clips cached with the
    command line's renders; a given folder keeps its clips' render cache inside it too), the
    only place it writes; ``processes`` render workers; ``max_queue`` jobs waiting before 503; ``wait_s``
    seconds a request waits for its picture before 202; ``warm`` draws one scene in each worker
    at start so the first request does not pay for loading fonts."""
    render_cache = None if cache is None else Path(cache) / "renders"
    if cache is None:
        from ..cache import cache_dir
        cache = cache_dir() / "live"
    service = LiveService(Path(cache), processes, max_queue, wait_s, warm=warm, render_cache=render_cache)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        service.start()
        await asyncio.to_thread(service.trace_json, context_from_query({}))  # the model loaded
        try:
            yield
        finally:
            await asyncio.to_thread(service.stop)

    async def index(request: Request):
        return FileResponse(STATIC / "index.html", media_type="text/html")

    async def scenes_list(request: Request):
        import model
        import scenes
        from scenes.context import DEFAULT_PROMPT

        from ..checks import MAX_TEMPERATURE
        cfg = model.config("default")
        beats = [{"name": n, "description": scenes.scene_class(n).description} for n in scenes.scene_names()]
        return JSONResponse({"scenes": beats, "n_layer": cfg["n_layer"], "n_head": cfg["n_head"],
                             "default_prompt": DEFAULT_PROMPT, "max_temperature": MAX_TEMPERATURE})

    async def trace(request: Request):
        ctx = context_from_query(request.query_params)
        return JSONResponse(await asyncio.to_thread(service.trace_json, ctx))

    async def still(request: Request):
        q = request.query_params
        name, ctx, n = scene_from_query(q), context_from_query(q), slide_from_query(q)
        slide, count = await service.still(name, ctx, n)
        headers = {"Cache-Control": "max-age=600"}
        if count is not None:
            headers["X-Slide-Count"] = str(count)
        return Response(slide.png, media_type="image/png", headers=headers)

    async def slide_meta(request: Request):
        q = request.query_params
        name, ctx, n = scene_from_query(q), context_from_query(q), slide_from_query(q)
        slide, count = await service.still(name, ctx, n)
        return JSONResponse({"scene": name, "slide": n, "count": count, "notes": slide.notes,
                             "checkpoint": ctx.checkpoint, "tokens": slide.tokens,
                             "numbers": slide.numbers})

    async def clip(request: Request):
        q = request.query_params
        name, ctx = scene_from_query(q), context_from_query(q)
        state = service.clip(name, ctx)
        if state["state"] == "done":
            return JSONResponse({"state": "done", "url": f"/clips/{state['key']}/{name}.mp4"})
        if state["state"] == "failed":
            return JSONResponse({"error": state["error"]}, status_code=500)
        retry = 1 if state["state"] == "rendering" else 3
        return JSONResponse({**state, "retry_after_s": retry}, status_code=202,
                            headers={"Retry-After": str(retry)})

    async def clip_file(request: Request):
        import scenes
        key, file = request.path_params["key"], request.path_params["file"]
        names = {f"{n}.mp4" for n in scenes.scene_names(extras=True)}
        path = service.clip_folder(key) / file if _KEY.fullmatch(key) and file in names else None
        if path is None or not path.is_file():
            raise HTTPException(404)
        return FileResponse(path, media_type="video/mp4")

    async def health(request: Request):
        return JSONResponse({"ok": True, "workers": service.pids(), "queue": len(service.queue),
                             "renders": service.submitted})

    async def usage_error(request: Request, err: UsageError):
        return JSONResponse({"error": str(err)}, status_code=400)

    async def busy(request: Request, err: Busy):
        return _busy(err)

    async def failed(request: Request, err: RenderFailed):
        return JSONResponse({"error": str(err)}, status_code=500)

    async def http_error(request: Request, err: HTTPException):
        message = "not found" if err.status_code == 404 else err.detail
        return JSONResponse({"error": f"{message}: {request.url.path}"}, status_code=err.status_code)

    routes = [Route("/", index), Route("/api/scenes", scenes_list), Route("/api/trace", trace),
              Route("/api/still", still), Route("/api/slide", slide_meta), Route("/api/clip", clip),
              Route("/api/health", health), Route("/clips/{key}/{file}", clip_file),
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={UsageError: usage_error, Busy: busy, RenderFailed: failed,
                                        HTTPException: http_error})
    app.state.service = service
    return app
