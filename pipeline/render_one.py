"""Render one scene for one RenderContext into a folder; files appear only when all succeeded.

    files = render_scene("Softmax", Path("film"), RenderContext(prompt="Emma smiled and"))
    files["mp4"], files["png"], files["numbers.json"], files["srt"], files["slides"]
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from scenes.context import QUALITIES, RenderContext

from .manim_cfg import library_defaults, read_manim_cfg_keys


def render_scene(name: str, out: Path, ctx: RenderContext, movie: bool = True,
                 progress: bool = False) -> dict[str, Path]:
    """Render scene ``name`` with ``ctx`` into ``out``.

    Returns the placed files by kind: ``mp4`` (when ``movie``), ``png`` (the last frame),
    ``numbers.json`` (provenance), ``srt`` (captions, when any) and ``slides`` (the scene's
    manim-slides JSON in ``out/slides``, when ``movie``). ``movie=False`` renders the last frame
    only (no clips, no slides). Raises KeyError for an unknown scene name.
    """
    from manim import config, tempconfig
    from PIL import Image

    import scenes
    from scenes.manim_internals import quiet_sound_mux_warning, use_fast_encoder

    use_fast_encoder()
    quiet_sound_mux_warning()
    cls = scenes.scene_class(name)
    logging.getLogger("manim-slides").setLevel(logging.WARNING)  # after its import sets the level
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gptx-") as tmp:
        tmp = Path(tmp)
        options = {"quality": QUALITIES[ctx.quality], "media_dir": str(tmp / "media"),
                   "disable_caching": True, "progress_bar": "display" if progress else "none",
                   "verbosity": "WARNING", "write_to_movie": movie, "save_last_frame": not movie,
                   "output_file": name,
                   # encode finished animations while the next ones draw: uses the second core
                   "max_inflight_encoders": 4}
        # every key of the working folder's manim.cfg back to Manim's default (the command line
        # took the ones it honours as its own options): the scene draws the same from any folder
        options = {**library_defaults(sum(read_manim_cfg_keys(), [])), **options}
        if ctx.size:
            options.update(pixel_width=ctx.size[0], pixel_height=ctx.size[1])
        if ctx.fps:
            options["frame_rate"] = ctx.fps
        from .cache import cache_dir
        run_ctx = ctx.with_(slides_dir=tmp / "slides", provenance_path=tmp / f"{name}.numbers.json",
                            speech_cache=ctx.speech_cache or cache_dir() / "speech")
        with tempconfig(options):
            scene = cls(context=run_ctx)
            scene.render()
            config_output = config.output_file
            frame = scene.renderer.get_frame()
        files = {"png": tmp / f"{name}.png", "numbers.json": run_ctx.provenance_path}
        Image.fromarray(frame).convert("RGB").save(files["png"])
        if movie:
            files["mp4"] = Path(scene.renderer.file_writer.movie_file_path)
        srt = Path(config_output).with_suffix(".srt") if config_output else None
        if srt and srt.exists():
            files["srt"] = srt
        placed = {}
        slides = tmp / "slides"
        if movie and (slides / f"{name}.json").exists():
            keep_slides(slides, name, out / "slides")
            placed["slides"] = out / "slides" / f"{name}.json"
        for ext, src in files.items():
            dest = out / f"{name}.{ext}"
            part = dest.with_suffix(dest.suffix + ".part")
            shutil.move(str(src), str(part))
            os.replace(part, dest)
            placed[ext] = dest
        return placed


def keep_slides(src: Path, name: str, dest: Path) -> None:
    """Move one scene's manim-slides files (its JSON and clip folder) from ``src`` into ``dest``,
    replacing an older copy; the JSON is written last, with clip paths relative to ``dest``
    (``pipeline.slides``), so a reader never finds it without its clips and the folder can move.
    Raises OSError when ``dest`` cannot be written, ValueError when the JSON is not JSON."""
    from .slides import relativize

    dest.mkdir(parents=True, exist_ok=True)
    clips = dest / "files" / name
    if clips.exists():
        shutil.rmtree(clips)
    clips.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(src / "files" / name), str(clips))
    relativize(src / f"{name}.json", dest / f"{name}.json")
