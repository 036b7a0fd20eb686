"""A class set's prompts file: one prompt a line, or a CSV with ``name`` and ``prompt`` columns.

    jobs, bad = read_prompts(Path("class.txt"))   # jobs: [Job(line, name, prompt)], bad: [(line, why)]

A plain file gives each prompt the folder name of its slug (``Emma smiled and`` → ``emma-smiled-and``;
a second prompt with the same slug gets ``-2``); blank lines are skipped. A ``.csv`` file needs a
``prompt`` column and may have a ``name`` column (the folder name, e.g. the student's).
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

MAX_NAME = 80


@dataclass(frozen=True)
class Job:
    """One prompt of the set: its 1-based ``line`` in the file, folder ``name`` and ``prompt``."""
    line: int
    name: str
    prompt: str


def slug(text: str, limit: int = 40) -> str:
    """A folder name from a prompt: lower-case ASCII words joined by ``-`` (at most ``limit``
    characters); ``prompt`` when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for w in words:
        if len(out) + len(w) + (1 if out else 0) > limit:
            break
        out = f"{out}-{w}" if out else w
    return out or (words[0][:limit] if words else "prompt")


def check_name(name: str) -> str:
    """``name`` stripped; raises UsageError unless it is a plain folder name (no path separators,
    not starting with a dot, no control characters, at most MAX_NAME characters)."""
    name = name.strip()
    if not name:
        raise UsageError("the name is empty")
    if "/" in name or "\\" in name or name.startswith(".") or any(ord(c) < 32 for c in name):
        raise UsageError(f"the name {name!r} is not a plain folder name (no /, \\, leading dot "
                         "or control characters)")
    if len(name) > MAX_NAME:
        raise UsageError(f"the name {name[:20]!r}... is longer than {MAX_NAME} characters")
    return name


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except IsADirectoryError:
        raise UsageError(f"the prompts file {path} is a folder") from None
    except OSError as err:
        raise UsageError(f"cannot read the prompts file {path}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise UsageError(f"the prompts file {path} is not UTF-8 text "
                         f"(byte {err.start}: {err.reason})") from None


def _text_rows(text: str) -> list[tuple[int, str | None, str]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [(i, None, line) for i, line in enumerate(lines, 1) if line.strip()]


def _csv_rows(text: str, path: Path) -> list[tuple[int, str | None, str]]:
    reader = csv.DictReader(text.splitlines(keepends=True))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "prompt" not in fields:
        raise UsageError(f"the CSV file {path} has no 'prompt' column (its header: "
                         f"{', '.join(reader.fieldnames or []) or 'empty'})")
    reader.fieldnames = fields
    rows = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        name = row.get("name") if "name" in fields else None
        rows.append((reader.line_num, name if name is not None else None, row.get("prompt") or ""))
    return rows


def read_prompts(path: Path) -> tuple[list[Job], list[tuple[int, str]]]:
    """The jobs of a prompts file and its bad lines as (line number, reason).

    Only the form of a line is checked here (its name, an empty prompt, a repeated name); the
    prompt itself is checked by ``checks.checked_context``. Raises UsageError when the file
    cannot be read, is not UTF-8, is a CSV without a ``prompt`` column, or holds no prompt.
    """
    text = _read_text(path)
    rows = _csv_rows(text, path) if path.suffix.lower() == ".csv" else _text_rows(text)
    if not rows:
        raise UsageError(f"the prompts file {path} holds no prompt (one a line, or a CSV with "
                         "a 'prompt' column)")
    jobs: list[Job] = []
    bad: list[tuple[int, str]] = []
    used: dict[str, int] = {}
    for line, name, prompt in rows:
        if not prompt.strip():
            bad.append((line, "the prompt is empty"))
            continue
        if name is not None and name.strip():
            try:
                name = check_name(name)
            except UsageError as err:
                bad.append((line, str(err)))
                continue
            if name.lower() in used:
                bad.append((line, f"the name {name!r} is already used on line {used[name.lower()]}"))
                continue
        else:
            base = slug(prompt)
            name, k = base, 2
            while name.lower() in used:
                name, k = f"{base}-{k}", k + 1
        used[name.lower()] = line
        jobs.append(Job(line, name, prompt))
    return jobs, bad
