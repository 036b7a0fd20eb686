"""Start ``render.py live`` on 127.0.0.1 on a free port for a test, and stop it (by its pid)."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 60.0) -> tuple[int, dict, bytes]:
    """(status, headers, body) of a GET; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@contextlib.contextmanager
def live_server(cache: Path, start_timeout: float = 120.0):
    """Yield (base URL, the server's Popen); the server writes only under ``cache``."""
    port = free_port()
    env = {**os.environ, "GPTX_CACHE": str(cache)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "render.py"), "live", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + start_timeout
        while True:
            assert proc.poll() is None, proc.stderr.read()
            try:
                status, _, body = get(base + "/api/health", timeout=2)
                if status == 200 and json.loads(body)["ok"]:
                    break
            except OSError:
                pass
            assert time.time() < deadline, "the live server did not start"
            time.sleep(0.5)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
