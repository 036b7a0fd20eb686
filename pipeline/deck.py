"""The offline HTML deck: manim-slides' reveal.js page, with reveal.js copied beside it.

reveal.js comes from npm at set-up (``scripts/setup.sh`` installs it into ``.deps/``; an installed
package looks where ``pipeline.locations`` says), never from a CDN at show time: the deck opens from a USB stick on a machine with no network.

    build_deck(Path("film/slides"), ["Softmax", "Temperature"], Path("deck.html"))
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .locations import REVEAL_VERSION, reveal_folder, reveal_install_hint  # noqa: F401


class DeckError(RuntimeError):
    pass


def reveal_dist() -> Path:
    """reveal.js's ``dist/`` folder (``pipeline.locations`` says where it is looked for).
    Raises DeckError naming the command that installs it."""
    folder = reveal_folder()
    if folder is None:
        raise DeckError(f"reveal.js {REVEAL_VERSION} is not installed; {reveal_install_hint()}")
    return folder / "dist"


def build_deck(slides: Path, names: list[str], dest: Path) -> Path:
    """Write ``dest`` (.html) and its ``<name>_assets/`` folder; return the assets folder.
    Raises DeckError when reveal.js is not installed or ``manim-slides convert`` fails."""
    dist = reveal_dist()
    assets = dest.with_name(f"{dest.stem}_assets")
    work = dest.with_name(f".{dest.stem}.building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        html = work / dest.name
        cmd = [sys.executable, "-m", "manim_slides", "convert", "--folder", str(slides), *names,
               str(html), f"-ccdn_url={assets.name}/reveal.js", "-ctitle=How a GPT works",
               "-cslide_number=true", "-cbackground_color=#0f1117"]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            raise DeckError(f"manim-slides convert failed: {run.stderr.strip().splitlines()[-1:]}")
        shutil.copytree(dist, work / assets.name / "reveal.js" / "dist")
        # swap in the new deck: assets first, then the page that points at them
        if assets.exists():
            shutil.rmtree(assets)
        os.replace(work / assets.name, assets)
        os.replace(html, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return assets
