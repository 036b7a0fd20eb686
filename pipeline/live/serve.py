"""Run the live server: print its address (and a warning when it is open to the network)."""
from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          cache: Path | None = None, processes: int = 2) -> None:
    """Serve until interrupted. Raises UsageError when the port is out of range or taken."""
    import socket

    import uvicorn

    from .app import create_app
    if not 0 < port < 65536:
        raise UsageError(f"port {port} is out of range: give 1 to 65535")
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as err:
            raise UsageError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    url = f"http://{'localhost' if host in LOCAL_HOSTS else host}:{port}/"
    if host not in LOCAL_HOSTS:
        print(f"warning: listening on {host}: the page is open to the network — anyone who can "
              "reach this machine can use it", file=sys.stderr)
    print(f"live: {url} (Ctrl-C to stop)", flush=True)
    if open_browser:
        import threading
        import webbrowser
        threading.Timer(1.0, webbrowser.open, (url,)).start()
    uvicorn.run(create_app(cache, processes), host=host, port=port, log_level="warning",
                timeout_graceful_shutdown=3)
