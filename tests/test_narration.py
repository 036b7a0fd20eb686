"""The narrated film: the voice, its cache, captions a learner can read, sound everywhere the film goes."""
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, SCENE_PROMPTS
from conftest import render as render_scene

import scenes
from scenes.captions import MAX_CHARS, MIN_SECONDS, reading_seconds, split_caption
from scenes.context import RenderContext
from scenes.narration import (ENGINES, Festival, NarrationError, RecordedLines, audio_seconds,
                              speech_service)

SILENCE_RMS = 0.005          # full scale 1.0: digital silence is 0, the voice is ~0.05-0.15
MAX_SILENT_STRETCH = 4.0     # seconds without speech (a slide pause takes no time in the film)


def audio_track(path: Path) -> tuple[np.ndarray, int] | None:
    """The first audio stream of ``path`` decoded to mono float samples, and its rate."""
    import av
    with av.open(str(path)) as c:
        if not c.streams.audio:
            return None
        s = c.streams.audio[0]
        chunks = [f.to_ndarray().astype(np.float64).reshape(f.layout.nb_channels if f.format.is_planar else 1, -1)
                  .mean(axis=0) for f in c.decode(s)]
        return np.concatenate(chunks), s.rate


def rms(samples: np.ndarray, rate: int, a: float, b: float) -> float:
    part = samples[int(a * rate):int(b * rate)]
    return float(np.sqrt(np.mean(part ** 2))) if len(part) else 0.0


def stream_seconds(path: Path, kind: str) -> float:
    import av
    with av.open(str(path)) as c:
        s = getattr(c.streams, kind)[0]
        return float(s.duration * s.time_base)


# --- captions ----------------------------------------------------------------------------------
def test_a_long_line_becomes_two_captions_cut_at_a_clause():
    line = "Add up e to the logit over all 8,192 tokens, and divide each by that sum of them all."
    parts = split_caption(line)
    assert parts == ["Add up e to the logit over all 8,192 tokens,",
                     "and divide each by that sum of them all."]
    assert " ".join(parts) == line
    assert split_caption("T = 1 is the model's own distribution.") == ["T = 1 is the model's own distribution."]
    two = split_caption("Softmax makes scores positive. Then it divides each by their sum, over all tokens.")
    assert two[0] == "Softmax makes scores positive."          # a sentence end beats a comma
    assert reading_seconds("ok") == MIN_SECONDS


def check_caption_limits(name: str, timeline) -> None:
    caps = timeline.captions
    assert caps, f"{name} says nothing"
    rates = [len(t) / (b - a) for a, b, t in caps]
    for (a, b, text), rate in zip(caps, rates):
        assert b - a >= MIN_SECONDS - 1e-6, (name, text, b - a)
        assert rate <= 17.0, (name, text, rate)
        assert len(text) <= MAX_CHARS or " " not in text.strip(), (name, text)
    assert statistics.median(rates) <= 15.0, (name, statistics.median(rates))
    # captions never overlap and say exactly the spoken lines, in order
    assert all(b1 <= a2 + 1e-6 for (_, b1, _), (a2, _, _) in zip(caps, caps[1:])), name
    assert " ".join(t for _, _, t in caps) == " ".join(t for _, t in timeline.lines), name


@pytest.mark.parametrize("prompt", SCENE_PROMPTS, ids=["one-token", "medium", "long"])
def test_caption_rate_and_duration_limits_hold_in_every_scene(prompt):
    """The silent film's timeline (a dry run: no frame drawn) for three prompts of different
    lengths; spoken captions are at least as long (they stay up for max(speech, reading))."""
    from pipeline.timeline import caption_timeline
    ctx = RenderContext(prompt=prompt, narration="none")
    for name in scenes.scene_names():
        cls = scenes.scene_class(name)
        if prompt != SCENE_PROMPTS[1] and not getattr(cls, "uses_prompt", True):
            continue            # the same pictures and lines for every prompt
        check_caption_limits(name, caption_timeline(name, ctx))


def silent_stretches(timeline) -> list[tuple[float, float]]:
    """Stretches of more than MAX_SILENT_STRETCH s with no speech. None is excused by a slide
    pause: the film does not stop there, so a silent picture before one is silent on screen."""
    edges = [0.0] + [x for a, b in timeline.speech for x in (a, b)] + [timeline.seconds]
    gaps = list(zip(edges[0::2], edges[1::2]))
    return [(a, b) for a, b in gaps if b - a > MAX_SILENT_STRETCH]


@pytest.mark.parametrize("name", scenes.scene_names())
def test_no_long_stretch_without_speech(name):
    from pipeline.timeline import caption_timeline
    timeline = caption_timeline(name, RenderContext(narration="festival"))
    assert timeline.speech
    assert silent_stretches(timeline) == []


# --- the voice and its cache ---------------------------------------------------------------------
def test_speech_is_cached_by_engine_voice_and_text(tmp_path, monkeypatch):
    voice = Festival(tmp_path)
    first = voice.synthesize("Softmax turns scores into probabilities.")
    assert 1.0 < first.seconds < 6.0
    monkeypatch.setattr(Festival, "run", lambda *a: pytest.fail("synthesised the same line twice"))
    again = voice.synthesize("Softmax turns scores into probabilities.")
    assert again == first
    assert len(list(tmp_path.glob("*.wav"))) == 1
    with pytest.raises(pytest.fail.Exception):   # another text is new speech
        voice.synthesize("A different line.")


def test_every_engine_speaks_offline_packages(tmp_path):
    for name in ENGINES:
        speech = speech_service(name, tmp_path).synthesize("The model reads the prompt.")
        samples, rate = audio_track(speech.path)
        assert rms(samples / max(1.0, np.abs(samples).max()), rate, 0, speech.seconds) > SILENCE_RMS, name


def test_unknown_voice_and_missing_recording_are_errors(tmp_path):
    with pytest.raises(NarrationError):
        speech_service("a-voice-that-does-not-exist")
    with pytest.raises(NarrationError, match="Softmax.2"):
        RecordedLines(tmp_path).synthesize("anything", "Softmax.2")


def test_a_teachers_recordings_replace_the_voice(tmp_path):
    """render.py lines names every line; a file per id in a folder is what the scene plays."""
    from pipeline.timeline import caption_timeline
    lines = caption_timeline("Softmax", RenderContext(narration="none")).lines
    takes = tmp_path / "takes"
    takes.mkdir()
    other = speech_service("espeak-ng", tmp_path / "cache")
    for line_id, text in lines:
        shutil.copyfile(other.synthesize(text + " " + text).path, takes / f"{line_id}.wav")  # a slow reader
    timeline = caption_timeline("Softmax", RenderContext(narration=str(takes)))
    assert timeline.lines == lines
    first = audio_seconds(takes / f"{lines[0][0]}.wav")
    # the first line's captions last as long as its recording
    n_parts = len(split_caption(lines[0][1]))
    assert timeline.captions[n_parts - 1][1] - timeline.captions[0][0] >= first - 0.05
    # a new take changes the render's cache key
    ctx = RenderContext(narration=str(takes))
    before = ctx.picture_options()
    (takes / f"{lines[0][0]}.wav").write_bytes((takes / f"{lines[1][0]}.wav").read_bytes())
    assert ctx.picture_options() != before


# --- sound everywhere the film goes ----------------------------------------------------------------
def check_narrated_video(path: Path, srt: Path) -> None:
    from pipeline.film import read_srt
    video = stream_seconds(path, "video")
    assert stream_seconds(path, "audio") == pytest.approx(video, abs=0.2)
    samples, rate = audio_track(path)
    cues = read_srt(srt)
    assert cues
    # each caption ends before the next begins, in the written file (not only in the timeline)
    assert all(b1 <= a2 + 1e-3 for (_, b1, _), (a2, _, _) in zip(cues, cues[1:])), (path.name, cues)
    for a, b, text in cues:
        assert rms(samples, rate, a, b) > SILENCE_RMS, (path.name, text)


@pytest.fixture(scope="module")
def narrated(tmp_path_factory):
    out = tmp_path_factory.mktemp("voice")
    for name in ("Softmax", "Temperature"):
        render_scene(name, out, "Emma smiled at her", size=(128, 72), fps=5)
    return out


def test_scene_video_slides_and_film_carry_the_voice(narrated):
    from pipeline.film import join_film, read_srt
    names = ["Softmax", "Temperature"]
    for name in names:
        check_narrated_video(narrated / f"{name}.mp4", narrated / f"{name}.srt")
        from pipeline.slides import load_slides      # clip paths are stored relative to the folder
        slides = load_slides(narrated / "slides", name)["slides"]
        total = 0.0
        for s in slides:
            clip = Path(s["file"])
            assert stream_seconds(clip, "audio") == pytest.approx(stream_seconds(clip, "video"), abs=0.2)
            total += stream_seconds(clip, "video")
        assert total == pytest.approx(stream_seconds(narrated / f"{name}.mp4", "video"), abs=0.3)
    chapters = join_film([(n, narrated / f"{n}.mp4", narrated / f"{n}.srt") for n in names],
                         narrated / "film.mp4", narrated / "film.srt")
    import av
    with av.open(str(narrated / "film.mp4")) as c:
        assert [s.codec_context.name for s in c.streams.audio] == ["aac"]     # one AAC track
        assert [ch["metadata"]["title"] for ch in c.chapters()] == names
    assert chapters[-1][2] == pytest.approx(stream_seconds(narrated / "film.mp4", "video"), abs=0.2)
    check_narrated_video(narrated / "film.mp4", narrated / "film.srt")
    assert len(read_srt(narrated / "film.srt")) == sum(len(read_srt(narrated / f"{n}.srt")) for n in names)


def test_the_offline_deck_speaks(narrated, tmp_path):
    from pipeline.deck import build_deck
    assets = build_deck(narrated / "slides", ["Softmax"], tmp_path / "deck.html")
    videos = sorted(assets.rglob("*.mp4"))
    assert videos
    for v in videos:
        assert audio_track(v) is not None, v.name


@pytest.mark.parametrize("name", scenes.scene_names())
def test_every_scene_is_narrated(name, tmp_path):
    files = render_scene(name, tmp_path, "Emma smiled at her", size=(128, 72), fps=5)
    check_narrated_video(files["mp4"], files["srt"])


def test_narration_none_is_silent_and_captioned(tmp_path):
    from pipeline.film import read_srt
    files = render_scene("Softmax", tmp_path, "Emma smiled at her", size=(128, 72), fps=5, narration="none")
    assert audio_track(files["mp4"]) is None
    assert len(read_srt(files["srt"])) >= 4
    from pipeline.slides import load_slides
    for s in load_slides(files["slides"].parent, "Softmax")["slides"]:
        assert audio_track(Path(s["file"])) is None


def test_a_render_with_no_network_still_narrates(tmp_path):
    """A fresh speech cache, so the voice is synthesised with networking switched off."""
    env = dict(os.environ, GPTX_CACHE=str(tmp_path / "cache"))
    cmd = [sys.executable, str(ROOT / "render.py"), "render", "Softmax", "--prompt", "Emma smiled at her",
           "--out", str(tmp_path / "out")]
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"]).returncode == 0:
        cmd = ["unshare", "-n", *cmd]      # no network interface but loopback (down)
    else:                                  # not root: no Python code of the render may open a socket
        cmd = [sys.executable, "-c", "import socket, runpy, sys\n"
               "def refuse(*a, **k): raise OSError('network disabled by the test')\n"
               "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
               f"sys.argv = {cmd[1:]!r}\nrunpy.run_path(sys.argv[0], run_name='__main__')"]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    assert list((tmp_path / "cache" / "speech").glob("festival-*.wav"))
    check_narrated_video(tmp_path / "out" / "Softmax.mp4", tmp_path / "out" / "Softmax.srt")
