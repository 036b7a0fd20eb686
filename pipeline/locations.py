"""Where the files that do not ship inside the package are found: reveal.js for the HTML deck.

reveal.js comes from the npm registry at set-up, never from a CDN at show time. A checkout gets
it from ``make setup`` (into ``.deps/``); a pip-installed copy looks in the user's data folder,
where ``reveal_install_hint()`` says how to put it, once.

    folder = reveal_folder()        # the reveal.js package folder, or None when it is missing
"""
from __future__ import annotations

import os
from pathlib import Path

REVEAL_VERSION = "6.0.1"            # the version manim-slides' deck template is written for
CHECKOUT = Path(__file__).resolve().parents[1]


def user_data_dir() -> Path:
    """``$XDG_DATA_HOME/gpt-explainer``, else ``~/.local/share/gpt-explainer``."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(base) / "gpt-explainer"


def reveal_candidates() -> list[Path]:
    """The reveal.js folders tried, in order: ``$GPTX_REVEAL_JS``, the checkout's ``.deps/``,
    the user data folder."""
    found = [Path(os.environ["GPTX_REVEAL_JS"])] if os.environ.get("GPTX_REVEAL_JS") else []
    return found + [CHECKOUT / ".deps" / "node_modules" / "reveal.js",
                    user_data_dir() / "node_modules" / "reveal.js"]


def reveal_folder() -> Path | None:
    """The first candidate holding ``dist/reveal.js``; None when none does."""
    for folder in reveal_candidates():
        if (folder / "dist" / "reveal.js").is_file():
            return folder
    return None


def reveal_install_hint() -> str:
    """The one command that installs reveal.js where ``reveal_folder`` finds it."""
    if (CHECKOUT / "scripts" / "setup.sh").is_file():
        return f"run `make setup` (it runs: npm install --prefix .deps reveal.js@{REVEAL_VERSION})"
    return (f"install it once with: npm install --prefix {user_data_dir()} reveal.js@{REVEAL_VERSION} "
            "(or set GPTX_REVEAL_JS to a reveal.js folder)")
