"""The narrator's voice: an offline text-to-speech engine, or a teacher's recorded lines.

A speech service turns one caption's text into an audio file and its length in seconds; the
scene plays the file (``Scene.add_sound``) and waits until it has been said. Three Debian
engines run with no network (``--narration festival``, the default, ``flite`` or ``espeak-ng``);
``--narration DIR`` plays a teacher's recordings, one file per line, named by the line's id
(``render.py lines`` lists ids and texts); ``--narration none`` is silent, captions only.

    service = speech_service("festival", cache=Path("~/.cache/gpt-explainer/speech"))
    speech = service.synthesize("Softmax turns scores into probabilities.", "Softmax.1")
    speech.path, speech.seconds          # a .wav file, its length in seconds

Synthesised audio is cached under (engine, voice, text): the same line is never synthesised twice.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

NONE = "none"
DEFAULT = "festival"
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".m4a")


@dataclass(frozen=True)
class Speech:
    """One spoken caption: ``path`` an audio file, ``seconds`` its length."""
    path: Path
    seconds: float


class NarrationError(ValueError):
    """A voice that cannot speak: its engine is not installed, or a recording is missing (the
    command line reports it in one line, exit status 2)."""


def audio_seconds(path: Path) -> float:
    """The length of an audio file in seconds (any format PyAV reads).
    Raises NarrationError when the file has no audio stream."""
    import av
    with av.open(str(path)) as c:
        if not c.streams.audio:
            raise NarrationError(f"{path} has no audio")
        s = c.streams.audio[0]
        if s.duration is not None and s.time_base is not None:
            return float(s.duration * s.time_base)
        if c.duration:
            return c.duration / 1e6
        return sum(f.samples for f in c.decode(s)) / s.rate


class Engine:
    """A text-to-speech command run once per line; its audio cached by (engine, voice, text)."""
    name = ""
    voice = ""
    command = ""          # the program that must be on PATH
    package = ""          # the Debian package that installs it

    def __init__(self, cache: Path):
        self.cache = Path(cache)
        if shutil.which(self.command) is None:
            raise NarrationError(f"the {self.name} voice needs `{self.command}` "
                                 f"(Debian package {self.package}); or use --narration none")

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.name}\0{self.voice}\0{text}".encode()).hexdigest()[:24]

    def synthesize(self, text: str, line_id: str = "") -> Speech:
        """``text`` spoken: a cached .wav if this engine and voice said it before."""
        path = self.cache / f"{self.name}-{self.key(text)}.wav"
        if not path.exists():
            self.cache.mkdir(parents=True, exist_ok=True)
            fd, part = tempfile.mkstemp(suffix=".wav", dir=self.cache, prefix=".part-")
            os.close(fd)
            try:
                self.run(text, Path(part))
                os.replace(part, path)
            finally:
                if os.path.exists(part):
                    os.unlink(part)
        return Speech(path, audio_seconds(path))

    def run(self, text: str, out: Path) -> None:
        raise NotImplementedError


class Festival(Engine):
    """Festival with the HTS voice of CMU's "slt" speaker (festvox-us-slt-hts): the most natural."""
    name, voice, command, package = "festival", "cmu_us_slt_arctic_hts", "text2wave", "festvox-us-slt-hts"

    def run(self, text, out):
        subprocess.run(["text2wave", "-eval", f"(voice_{self.voice})", "-o", str(out)],
                       input=text.encode(), check=True, capture_output=True)


class Flite(Engine):
    name, voice, command, package = "flite", "slt", "flite", "flite"

    def run(self, text, out):
        subprocess.run(["flite", "-voice", self.voice, "-t", text, "-o", str(out)],
                       check=True, capture_output=True)


class EspeakNG(Engine):
    name, voice, command, package = "espeak-ng", "en-us", "espeak-ng", "espeak-ng"

    def run(self, text, out):
        subprocess.run(["espeak-ng", "-v", self.voice, "-s", "160", "-w", str(out), text],
                       check=True, capture_output=True)


ENGINES = {e.name: e for e in (Festival, Flite, EspeakNG)}


class RecordedLines:
    """A teacher's recordings: ``DIR/<line id>.wav`` (or .flac .ogg .mp3 .m4a), e.g.
    ``DIR/Softmax.3.wav`` for the third line of the Softmax scene."""
    name = "recorded"

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def find(self, line_id: str) -> Path | None:
        for suffix in AUDIO_SUFFIXES:
            f = self.folder / f"{line_id}{suffix}"
            if f.is_file():
                return f
        return None

    def synthesize(self, text: str, line_id: str = "") -> Speech:
        """The recording of line ``line_id``. Raises NarrationError when it is missing."""
        f = self.find(line_id)
        if f is None:
            raise NarrationError(f"no recording of line {line_id} in {self.folder} "
                                 f"(render.py lines lists every line's id and text)")
        return Speech(f, audio_seconds(f))


def default_cache() -> Path:
    """Where synthesised speech is kept when no caller says: ``$GPTX_CACHE/speech``, else
    ``~/.cache/gpt-explainer/speech`` (the render cache's folder)."""
    base = os.environ.get("GPTX_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "gpt-explainer")
    return Path(base) / "speech"


def speech_service(narration: str, cache: Path | None = None):
    """The service for ``--narration``: None for ``none``, an engine by name, or a folder of
    recordings. Raises NarrationError for an unknown engine that is not a folder, or an engine
    that is not installed."""
    if narration == NONE:
        return None
    if narration in ENGINES:
        return ENGINES[narration](cache or default_cache())
    if Path(narration).is_dir():
        return RecordedLines(Path(narration))
    raise NarrationError(f"--narration must be none, {', '.join(ENGINES)} or a folder of "
                         f"recorded lines; got {narration!r}")


def recordings_digest(folder: Path) -> str:
    """One digest of every recording in ``folder`` (names and bytes): a new take re-renders."""
    h = hashlib.sha256()
    for f in sorted(Path(folder).iterdir()):
        if f.suffix.lower() in AUDIO_SUFFIXES and f.is_file():
            h.update(f.name.encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:24]
