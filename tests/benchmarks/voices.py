"""The offline voices compared: synthesis speed, speaking rate, and how well a recogniser follows them.

    python tests/benchmarks/voices.py

For each Debian engine (festival + festvox-us-slt-hts, flite, espeak-ng) every line of the
Softmax, Temperature and Tokenization scenes is synthesised into a fresh folder and timed.
Intelligibility is measured, not guessed: each clip, resampled to 16 kHz, is transcribed by
PocketSphinx (Debian's ``pocketsphinx`` + ``pocketsphinx-en-us``, needed only for this
measurement) and scored by word error rate against the text. Prints a table, then one JSON line
last: per engine ``synth_per_speech`` (wall s of synthesis per s of speech), ``cpu_per_speech``
(the engine's CPU s, user + system, per s of speech: what it costs on a busy machine),
``chars_per_s`` (speaking rate) and ``wer`` (word error rate, 0 = every word recognised).
"""
from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.timeline import caption_timeline  # noqa: E402
from scenes.captions import split_caption  # noqa: E402
from scenes.context import RenderContext  # noqa: E402
from scenes.narration import ENGINES  # noqa: E402

SCENES = ("Softmax", "Temperature", "Tokenization")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower().replace("-", " "))


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def to_16k(src: Path, dest: Path) -> None:
    import av
    with av.open(str(src)) as c, av.open(str(dest), "w", format="wav") as out:
        s = out.add_stream("pcm_s16le", rate=16000, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
        for frame in c.decode(c.streams.audio[0]):
            for f in resampler.resample(frame):
                for p in s.encode(f):
                    out.mux(p)
        for f in resampler.resample(None):
            for p in s.encode(f):
                out.mux(p)
        for p in s.encode(None):
            out.mux(p)


def transcribe(wav: Path) -> str:
    run = subprocess.run(["pocketsphinx_continuous", "-infile", str(wav), "-logfn", "/dev/null"],
                         capture_output=True, text=True)
    return " ".join(run.stdout.split())


def main() -> int:
    lines = [p for name in SCENES
             for _, text in caption_timeline(name, RenderContext(narration="none")).lines
             for p in split_caption(text)]
    result = {}
    with tempfile.TemporaryDirectory(prefix="gptx-voices-") as tmp:
        for name, engine in ENGINES.items():
            voice = engine(Path(tmp) / name)
            synth = speech = 0.0
            errors = total_words = chars = 0
            cpu = 0.0
            for i, text in enumerate(lines):
                start = time.perf_counter()
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                clip = voice.synthesize(text)
                synth += time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                speech += clip.seconds
                chars += len(text)
                wav16 = Path(tmp) / f"{name}-{i}.wav"
                to_16k(clip.path, wav16)
                heard = words(transcribe(wav16))
                errors += edit_distance(words(text), heard)
                total_words += len(words(text))
            result[name] = {"synth_per_speech": round(synth / speech, 4),
                            "cpu_per_speech": round(cpu / speech, 4),
                            "chars_per_s": round(chars / speech, 1),
                            "wer": round(errors / total_words, 3)}
            print(f"{name:<10} {len(lines)} lines, {speech:.0f} s of speech in {synth:.1f} s "
                  f"({cpu:.1f} s of CPU); "
                  f"{chars / speech:.1f} characters/s; word error rate {errors / total_words:.0%}",
                  flush=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
