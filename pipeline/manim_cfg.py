"""A ``manim.cfg`` in the working folder: the keys the explainer honours, and the ones it ignores.

Manim reads ``manim.cfg`` from the working folder. The explainer takes from its ``[CLI]`` section
what its own options also set (quality, frame rate, pixel size, format, preview), as defaults
that the command line overrides. Every other key would change how scenes draw or where files go,
which the explainer decides itself; those keys are named once as ignored and reset to Manim's
library defaults for the render (``library_defaults``).

    honoured, ignored = read_manim_cfg(Path("manim.cfg"))
    honoured == {"quality": "h", "fps": 30, "size": (640, 360), "format": "gif", "preview": True}
"""
from __future__ import annotations

import configparser
from pathlib import Path

from scenes.context import QUALITIES

from .errors import UsageError

HONOURED = ("quality", "frame_rate", "pixel_width", "pixel_height", "format", "preview")
FORMATS = ("mp4", "gif", "webm", "png")


def read_manim_cfg(path: Path = Path("manim.cfg")) -> tuple[dict, list[str]]:
    """(options from ``path``'s [CLI] section by the explainer's names: quality, fps, size,
    format, preview; the other keys it holds, sorted). ({}, []) when there is no such file.

    Raises UsageError for an unreadable file or a value the explainer cannot use.
    """
    if not path.is_file():
        return {}, []
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as err:
        raise UsageError(f"{path} is not a readable config file: {str(err).splitlines()[0]}") from None
    if not parser.has_section("CLI"):
        return {}, []
    cli = parser["CLI"]
    ignored = sorted(k for k in cli if k not in HONOURED)
    out: dict = {}
    try:
        if "quality" in cli:
            by_name = {v: k for k, v in QUALITIES.items()}
            q = cli["quality"].strip()
            if q not in by_name and q not in QUALITIES:
                raise UsageError(f"{path}: quality {q!r} is not one the explainer renders "
                                 f"({', '.join(QUALITIES.values())})")
            out["quality"] = by_name.get(q, q)
        if "frame_rate" in cli:
            out["fps"] = int(float(cli["frame_rate"]))
        if "pixel_width" in cli or "pixel_height" in cli:
            if not ("pixel_width" in cli and "pixel_height" in cli):
                raise UsageError(f"{path}: give both pixel_width and pixel_height, or neither")
            out["size"] = (int(cli["pixel_width"]), int(cli["pixel_height"]))
        if "format" in cli and cli["format"].strip():
            fmt = cli["format"].strip()
            if fmt not in FORMATS:
                raise UsageError(f"{path}: format {fmt!r} is not one of {', '.join(FORMATS)}")
            out["format"] = fmt
        if "preview" in cli:
            out["preview"] = cli.getboolean("preview")
    except ValueError as err:
        raise UsageError(f"{path}: {err}") from None
    return out, ignored


def read_manim_cfg_keys(path: Path = Path("manim.cfg")) -> tuple[list[str], list[str]]:
    """(honoured keys, ignored keys) in ``path``'s [CLI] section; never raises (an unreadable
    file has none: the command line refused it already)."""
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return [], []
    if not parser.has_section("CLI"):
        return [], []
    keys = sorted(parser["CLI"])
    return [k for k in keys if k in HONOURED], [k for k in keys if k not in HONOURED]


def library_defaults(keys: list[str]) -> dict:
    """Manim's own default (its library-wide ``default.cfg``) of each of ``keys`` it knows, so a
    render is not changed by the working folder's ``manim.cfg``."""
    from manim._config.utils import ManimConfig, config_file_paths
    parser = configparser.ConfigParser()
    parser.read(config_file_paths()[0])
    base = ManimConfig().digest_parser(parser)
    return {k: base[k] for k in keys if k in base}
