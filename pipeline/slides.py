"""Slide folders that travel: the manim-slides JSON keeps its clip paths relative to its own folder.

A slides folder holds ``<Scene>.json`` and ``files/<Scene>/*.mp4``. manim-slides writes absolute
paths and, reading a JSON, resolves relative ones against the folder *above* the slides folder, so
the JSON here holds ``files/<Scene>/<clip>.mp4`` (relative to the JSON's folder) and every user of
the slides (present, deck, handout) resolves them at use time with ``resolved_folder``: the folder
can be copied, moved or renamed (any name, quotes included).

    relativize(Path("/tmp/x/slides/Softmax.json"), Path("film/slides/Softmax.json"))
    load_slides(Path("film/slides"), "Softmax")      # [{"file": Path(absolute), "notes": ...}, ...]
    with tempfile.TemporaryDirectory() as tmp:
        resolved_folder(Path("film/slides"), ["Softmax"], Path(tmp))   # for manim-slides
"""
from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath

from .errors import UsageError

FILE_KEYS = ("file", "rev_file")
OLD_CACHE_MARK = "@CACHE@/"     # cache entries written before the paths were relative


def _relative(value: str, folder: Path) -> str:
    """``value`` (a clip path as found in a slide JSON) relative to ``folder``, POSIX style."""
    if value.startswith(OLD_CACHE_MARK):
        return value[len(OLD_CACHE_MARK):]
    path = Path(value)
    if not path.is_absolute():
        return PurePosixPath(*path.parts).as_posix()
    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()


def relativize(src: Path, dest: Path) -> None:
    """Write the slide JSON ``src`` to ``dest`` with its clip paths relative to ``src``'s folder
    (the clips keep the same place under ``dest``'s folder). ``dest`` appears complete or not at
    all. Raises OSError, ValueError (not JSON)."""
    data = json.loads(src.read_text(encoding="utf-8"))
    for slide in data.get("slides", []):
        for key in FILE_KEYS:
            if slide.get(key):
                slide[key] = _relative(str(slide[key]), src.parent)
    part = dest.with_name(dest.name + ".part")
    part.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(part, dest)


def _absolute(value: str, folder: Path, name: str) -> Path:
    """The clip file a slide's path names, found from ``folder`` (the JSON's folder)."""
    path = Path(value)
    if not path.is_absolute():
        path = folder / path
    elif not path.exists():
        # an older JSON with absolute paths, copied elsewhere: the clip keeps its place in files/
        parts = path.parts
        if "files" in parts:
            path = folder.joinpath(*parts[len(parts) - 1 - parts[::-1].index("files"):])
    if not path.is_file():
        raise UsageError(f"the slides of {name} in {folder} are incomplete: {path} is missing "
                         f"(copy the whole slides folder, with its files/)")
    return path.resolve()


def load_slides(folder: Path, name: str) -> dict:
    """Scene ``name``'s slide JSON from ``folder`` with every clip path made absolute.

    Returns the JSON as a dict (``slides``: list of dicts, ``file`` a Path per slide).
    Raises UsageError when the JSON is missing, unreadable or names a missing clip."""
    path = folder / f"{name}.json"
    if not path.exists():
        raise UsageError(f"no slides for {name} in {folder}; first run: render.py slides {name}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UsageError(f"{path} is not a readable slide file ({err})") from None
    slides = data.get("slides")
    if not isinstance(slides, list) or not slides:
        raise UsageError(f"{path} holds no slides")
    for slide in slides:
        for key in FILE_KEYS:
            if slide.get(key):
                slide[key] = _absolute(str(slide[key]), path.parent, name)
    return data


def resolved_folder(folder: Path, names: list[str], into: Path) -> Path:
    """Write each scene's slide JSON into ``into`` with absolute clip paths (the clips stay where
    they are), for manim-slides' ``present`` and ``convert``; return ``into``.
    Raises UsageError as ``load_slides``."""
    into.mkdir(parents=True, exist_ok=True)
    for name in names:
        data = load_slides(folder, name)
        for slide in data["slides"]:
            for key in FILE_KEYS:
                if slide.get(key):
                    slide[key] = str(slide[key])
        (into / f"{name}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False),
                                           encoding="utf-8")
    return into
