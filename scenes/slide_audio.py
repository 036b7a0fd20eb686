"""The narration in every slide clip, so the presenter and the HTML deck speak too.

manim-slides cuts a scene's slides from Manim's partial movie files, which carry no sound (Manim
adds the sound track to the joined movie only). After the slides are saved, each clip gets the
stretch of the scene's sound track it spans, encoded as AAC and muxed beside its video (no
re-encode of the picture).
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def _seconds(path: Path) -> float:
    import av
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        if s.duration is not None and s.time_base is not None:
            return float(s.duration * s.time_base)
        return (c.duration or 0) / 1e6


def mux_audio(video: Path, audio, dest: Path) -> None:
    """Write ``dest``: ``video``'s stream copied, plus ``audio`` (a pydub AudioSegment) as AAC."""
    import av
    from manim.scene.scene_file_writer import convert_audio

    with tempfile.TemporaryDirectory(prefix="gptx-audio-") as tmp:
        wav, aac = Path(tmp) / "a.wav", Path(tmp) / "a.aac"
        audio.export(wav, format="wav")
        convert_audio(wav, aac, "aac")
        with av.open(str(video)) as vin, av.open(str(aac)) as ain, \
                av.open(str(dest), "w", format="mp4") as out:
            vs = out.add_stream_from_template(vin.streams.video[0])
            as_ = out.add_stream_from_template(ain.streams.audio[0])
            for packet in vin.demux(vin.streams.video[0]):
                if packet.dts is not None:
                    packet.stream = vs
                    out.mux(packet)
            for packet in ain.demux(ain.streams.audio[0]):
                if packet.dts is not None:
                    packet.stream = as_
                    out.mux(packet)


def add_audio_to_clips(scene) -> int:
    """Give each saved slide clip of ``scene`` (a manim-slides Slide after ``_save_slides``) its
    part of the scene's sound track; returns the number of clips changed (0 when silent)."""
    writer = scene.renderer.file_writer
    if not getattr(writer, "includes_sound", False):
        return 0
    sound = writer.audio_segment
    files = scene._partial_movie_files
    starts = [0.0]
    for f in files:
        starts.append(starts[-1] + _seconds(f))
    saved = json.loads((scene._output_folder / f"{scene}.json").read_text())["slides"]
    made = [c for c in scene._slides if not c.skip_animations]
    done = set()
    for pre, slide in zip(made, saved):
        clip = Path(slide["file"])
        if clip in done or pre.src:
            continue
        a, b = starts[pre.start_animation], starts[min(pre.end_animation, len(files))]
        part = clip.with_name(clip.stem + ".voice" + clip.suffix)
        mux_audio(clip, sound[int(round(a * 1000)):int(round(b * 1000))], part)
        os.replace(part, clip)
        done.add(clip)
    return len(done)
