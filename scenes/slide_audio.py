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


def _frames(path: Path) -> int:
    import av
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return s.frames or sum(1 for p in c.demux(s) if p.size)


def _regular_timestamps(packets: list, frame: int) -> None:
    """Give video ``packets`` (decode order) one frame of ``frame`` ticks each, in their own
    presentation order: manim-slides' joining can squeeze a clip's timestamps (a clip of 95
    frames at 5 fps lasting 18.6 s instead of 19), which would run the picture ahead of its voice."""
    order = sorted(range(len(packets)), key=lambda i: packets[i].pts)
    rank = {i: r for r, i in enumerate(order)}
    delay = max([i - rank[i] for i in range(len(packets))] + [0])
    for i, p in enumerate(packets):
        p.pts = rank[i] * frame
        p.dts = (i - delay) * frame
        p.duration = frame


def mux_audio(video: Path, audio, dest: Path, fps: float) -> None:
    """Write ``dest``: ``video``'s stream copied at a steady ``fps`` (frames per second), plus
    ``audio`` (a pydub AudioSegment) as AAC."""
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
            tb = vin.streams.video[0].time_base
            packets = [p for p in vin.demux(vin.streams.video[0]) if p.dts is not None]
            _regular_timestamps(packets, int(round(1 / (fps * tb))))
            for packet in packets:
                packet.stream = vs
                out.mux(packet)
            for packet in ain.demux(ain.streams.audio[0]):
                if packet.dts is not None:
                    packet.stream = as_
                    out.mux(packet)


def add_audio_to_clips(scene) -> int:
    """Give each saved slide clip of ``scene`` (a manim-slides Slide after ``_save_slides``) its
    part of the scene's sound track; returns the number of clips changed (0 when silent)."""
    from manim import config
    writer = scene.renderer.file_writer
    if not getattr(writer, "includes_sound", False):
        return 0
    sound = writer.audio_segment
    files = scene._partial_movie_files
    starts = [0.0]        # where each partial movie starts, by its frames
    for f in files:
        starts.append(starts[-1] + _frames(f) / config.frame_rate)
    saved = json.loads((scene._output_folder / f"{scene}.json").read_text())["slides"]
    made = [c for c in scene._slides if not c.skip_animations]
    done = set()
    for pre, slide in zip(made, saved):
        clip = Path(slide["file"])
        if clip in done or pre.src:
            continue
        a, b = starts[pre.start_animation], starts[min(pre.end_animation, len(files))]
        part = clip.with_name(clip.stem + ".voice" + clip.suffix)
        mux_audio(clip, sound[int(round(a * 1000)):int(round(b * 1000))], part, config.frame_rate)
        os.replace(part, clip)
        done.add(clip)
    return len(done)
