"""Slide decks from rendered slides, by manim-slides' converters: HTML, one-file HTML, zip, pptx.

reveal.js comes from npm at set-up (``scripts/setup.sh`` installs it into ``.deps/``; an installed
package looks where ``pipeline.locations`` says), never from a CDN at show time: every HTML deck
opens from a USB stick on a machine with no network.

    build_deck(Path("film/slides"), ["Softmax"], Path("talk.html"))   # talk.html + talk_assets/
    build_deck(Path("film/slides"), ["Softmax"], Path("talk.html"), one_file=True)  # one file
    build_deck(Path("film/slides"), ["Softmax"], Path("talk.zip"))    # the HTML deck, zipped
    build_deck(Path("film/slides"), ["Softmax"], Path("talk.pptx"))   # PowerPoint, with notes
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .locations import REVEAL_VERSION, reveal_folder, reveal_install_hint  # noqa: F401
from .slides import resolved_folder

KINDS = (".html", ".zip", ".pptx")
REVEAL_OPTIONS = ["-ctitle=How a GPT works", "-cslide_number=true", "-cbackground_color=#0f1117"]
CSS_URL = re.compile(r"""url\(\s*['"]?(?!data:|https?:|#)([^'")]+)['"]?\s*\)""")


class DeckError(RuntimeError):
    pass


def reveal_dist() -> Path:
    """reveal.js's ``dist/`` folder (``pipeline.locations`` says where it is looked for).
    Raises DeckError naming the command that installs it."""
    folder = reveal_folder()
    if folder is None:
        raise DeckError(f"reveal.js {REVEAL_VERSION} is not installed; {reveal_install_hint()}")
    return folder / "dist"


def _convert(slides: Path, names: list[str], dest: Path, options: list[str]) -> None:
    """manim-slides convert (format from ``dest``'s suffix) of ``names`` with absolute clip paths."""
    with tempfile.TemporaryDirectory(prefix="gptx-deck-") as tmp:
        resolved = resolved_folder(slides, names, Path(tmp) / "slides")
        cmd = [sys.executable, "-m", "manim_slides", "convert", "--folder", str(resolved), *names,
               str(dest), *options]
        run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise DeckError(f"manim-slides convert failed: {run.stderr.strip().splitlines()[-1:]}")


def _page_files(html: str, prefix: str) -> list[str]:
    """The files under ``prefix`` that the page's <link href> and <script src> name."""
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(html, "html.parser")
    refs = [t.get("href") for t in soup.find_all("link")] + [t.get("src") for t in soup.find_all("script")]
    return sorted({r[len(prefix):] for r in refs if r and r.startswith(prefix)})


def copy_used_reveal(html: str, prefix: str, dest: Path) -> list[str]:
    """Copy into ``dest`` the reveal.js files (relative to its ``dist``) the page loads through
    ``prefix`` (e.g. "talk_assets/reveal.js/dist/"), and the files their CSS points at.
    Returns the copied paths. Raises DeckError when reveal.js is missing."""
    dist = reveal_dist()
    todo, done = _page_files(html, prefix), []
    while todo:
        rel = todo.pop()
        src = (dist / rel).resolve()
        if rel in done or not src.is_file() or dist.resolve() not in src.parents:
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest / rel)
        done.append(rel)
        if src.suffix == ".css":
            for url in CSS_URL.findall(src.read_text(encoding="utf-8", errors="replace")):
                todo.append(os.path.normpath(str(Path(rel).parent / url.split("?")[0].split("#")[0])))
    return sorted(done)


def _html_deck(slides: Path, names: list[str], html: Path) -> Path:
    """The HTML deck ``html`` with ``<stem>_assets/`` (clips and the reveal.js files it uses)."""
    assets = html.with_name(f"{html.stem}_assets")
    _convert(slides, names, html, [f"-ccdn_url={assets.name}/reveal.js", *REVEAL_OPTIONS])
    copy_used_reveal(html.read_text(encoding="utf-8"), f"{assets.name}/reveal.js/dist/",
                     assets / "reveal.js" / "dist")
    return assets


def inline_reveal(html: str) -> str:
    """``html`` (a deck whose reveal.js links point into the local ``dist``, by absolute path)
    with every such stylesheet and script written into the page itself."""
    from bs4 import BeautifulSoup
    dist = str(reveal_dist().resolve())
    soup = BeautifulSoup(html, "html.parser")
    for link in soup.find_all("link", href=True):
        if link["href"].startswith(dist):
            style = soup.new_tag("style")
            style.string = Path(link["href"]).read_text(encoding="utf-8")
            link.replace_with(style)
    for script in soup.find_all("script", src=True):
        if script["src"].startswith(dist):
            inline = soup.new_tag("script")
            # a literal "</script" inside the code would end the element early
            inline.string = Path(script["src"]).read_text(encoding="utf-8").replace("</script", "<\\/script")
            script.replace_with(inline)
    return str(soup)


def build_deck(slides: Path, names: list[str], dest: Path, one_file: bool = False) -> Path | None:
    """Write the deck ``dest`` (.html, .zip or .pptx) of scenes ``names`` from the slides folder
    ``slides``. Returns the assets folder an .html deck has beside it (``<stem>_assets/``: the
    clips and the reveal.js files the page uses), None for the other kinds.

    ``one_file`` (.html only): one self-contained page, clips and reveal.js inside. Nothing is
    half-written: the deck is built aside and moved into place. Raises DeckError (reveal.js
    missing, converter failure), UsageError (slides missing), ValueError (another suffix)."""
    kind = dest.suffix.lower()
    if kind not in KINDS:
        raise ValueError(f"a deck ends in {', '.join(KINDS)}, got {dest.name}")
    work = Path(tempfile.mkdtemp(prefix=f".{dest.stem}.building-", dir=dest.parent))
    try:
        built = work / dest.name
        placed = None
        if kind == ".pptx":
            _convert(slides, names, built, [])
        elif kind == ".html" and one_file:
            page = work / "page.html"
            _convert(slides, names, page, ["-cone_file=true",
                                           f"-ccdn_url={reveal_dist().parent.resolve()}",
                                           *REVEAL_OPTIONS])
            built.write_text(inline_reveal(page.read_text(encoding="utf-8")), encoding="utf-8")
        elif kind == ".html":
            assets = _html_deck(slides, names, built)
            final = dest.with_name(assets.name)
            if final.exists():
                shutil.rmtree(final)
            os.replace(assets, final)            # the assets first, then the page that uses them
            placed = final
        else:  # .zip: the HTML deck in a folder named after the zip
            folder = work / dest.stem
            folder.mkdir()
            _html_deck(slides, names, folder / f"{dest.stem}.html")
            with zipfile.ZipFile(built, "w") as z:
                for f in sorted(folder.rglob("*")):
                    if f.is_file():
                        packed = zipfile.ZIP_STORED if f.suffix == ".mp4" else zipfile.ZIP_DEFLATED
                        z.write(f, f.relative_to(work), compress_type=packed)
        os.replace(built, dest)
        return placed
    finally:
        shutil.rmtree(work, ignore_errors=True)
