"""The film: scene videos joined end to end (no re-encode), their narration as one AAC track, one
chapter per scene, one caption file.

    join_film([(name, mp4, srt), ...], out / "film.mp4", out / "film.srt")
"""
from __future__ import annotations

import os
import re
from fractions import Fraction
from pathlib import Path

import av


def video_seconds(path: Path) -> float:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        if s.duration is not None and s.time_base is not None:
            return float(s.duration * s.time_base)
        return float(c.duration or 0) / 1e6


def _audio_template(parts: list[tuple[str, Path]]):
    """The first part's audio stream to copy the film's one audio track from (None: silent)."""
    for _, path in parts:
        c = av.open(str(path))
        if c.streams.audio:
            return c
        c.close()
    return None


def join_videos(parts: list[tuple[str, Path]], dest: Path) -> list[tuple[str, float, float]]:
    """Remux ``parts`` (same codec, size and rate, as one render makes them) into ``dest``, their
    video and, when they have one, their AAC narration as one audio track (no re-encode).

    Returns each part's (title, start, end) in seconds; the chapters are written into the file.
    A part's audio is placed at the part's video start; audio packets running past the part's
    end into the next part are dropped, so the track never goes back in time.
    """
    part = dest.with_name(dest.name + ".part")
    chapters, offset = [], Fraction(0)
    template = _audio_template(parts)
    with av.open(str(part), "w", format="mp4") as out:
        with av.open(str(parts[0][1])) as first:
            stream = out.add_stream_from_template(first.streams.video[0])
        audio = None
        if template is not None:
            audio = out.add_stream_from_template(template.streams.audio[0])
            template.close()
        audio_end = None          # dts of the last audio packet written, in its time base
        for title, path in parts:
            with av.open(str(path)) as src:
                vin = src.streams.video[0]
                tb = vin.time_base
                last = Fraction(0)
                for packet in src.demux(vin):
                    if packet.dts is None:
                        continue
                    shift = int(offset / tb)
                    packet.pts = (packet.pts or 0) + shift
                    packet.dts += shift
                    end = Fraction(packet.pts + (packet.duration or 0)) * tb - offset
                    last = max(last, end)
                    packet.stream = stream
                    out.mux(packet)
                length = Fraction(video_seconds(path)).limit_denominator(10**6) if last == 0 else last
            if audio is not None:
                audio_end = _mux_audio(path, out, audio, offset, offset + length, audio_end)
            chapters.append((title, float(offset), float(offset + length)))
            offset += length
        out.set_chapters([{"id": i + 1, "start": int(a * 1000), "end": int(b * 1000),
                           "time_base": Fraction(1, 1000), "metadata": {"title": t}}
                          for i, (t, a, b) in enumerate(chapters)])
    os.replace(part, dest)
    return chapters


def _mux_audio(path: Path, out, stream, start: Fraction, end: Fraction, last_dts):
    """Copy ``path``'s audio packets into ``stream`` shifted to ``start``; drop those that begin
    at or after ``end`` or would not move forward. Returns the last dts written."""
    with av.open(str(path)) as src:
        if not src.streams.audio:
            return last_dts
        ain = src.streams.audio[0]
        tb = ain.time_base
        shift = int(start / tb)
        for packet in src.demux(ain):
            if packet.dts is None:
                continue
            packet.pts = (packet.pts or 0) + shift
            packet.dts += shift
            if Fraction(packet.pts) * tb >= end or (last_dts is not None and packet.dts <= last_dts):
                continue
            packet.stream = stream
            out.mux(packet)
            last_dts = packet.dts
    return last_dts


_TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d\d\d)")


def _seconds(stamp: str) -> float:
    h, m, s, ms = (int(v) for v in _TIME.fullmatch(stamp.strip()).groups())
    return h * 3600 + m * 60 + s + ms / 1000


def _stamp(t: float) -> str:
    ms = int(round(t * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def read_srt(path: Path) -> list[tuple[float, float, str]]:
    cues = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        lines = block.strip().splitlines()
        for k, line in enumerate(lines):
            if "-->" in line:
                a, b = line.split("-->")
                cues.append((_seconds(a), _seconds(b), "\n".join(lines[k + 1:])))
                break
    return cues


def join_captions(parts: list[tuple[Path | None, float, float]], dest: Path) -> int:
    """One SRT from each scene's captions shifted to its start (clipped to its end)."""
    cues = []
    for srt, start, end in parts:
        if srt is None or not srt.exists():
            continue
        for a, b, text in read_srt(srt):
            cues.append((start + a, min(start + b, end), text))
    body = "".join(f"{i}\n{_stamp(a)} --> {_stamp(b)}\n{text}\n\n" for i, (a, b, text) in enumerate(cues, 1))
    part = dest.with_name(dest.name + ".part")
    part.write_text(body, encoding="utf-8")
    os.replace(part, dest)
    return len(cues)


def join_film(scenes: list[tuple[str, Path, Path | None]], video: Path, captions: Path):
    chapters = join_videos([(name, mp4) for name, mp4, _ in scenes], video)
    join_captions([(srt, a, b) for (_, _, srt), (_, a, b) in zip(scenes, chapters)], captions)
    return chapters
