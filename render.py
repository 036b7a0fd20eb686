"""The command line: list the scenes, render them with a prompt of your own.

    python render.py list
    python render.py render PredictSample --prompt "Emma smiled and" --quality l --out film
    python render.py render --all --out film

Each rendered scene gives DIR/<Scene>.mp4, DIR/<Scene>.png (last frame),
DIR/<Scene>.numbers.json (every drawn number and its source) and DIR/<Scene>.srt (captions).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

QUALITY = {"l": "low_quality", "m": "medium_quality", "h": "high_quality", "k": "fourk_quality"}


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


def check_prompt(prompt: str) -> str:
    if not prompt.strip():
        raise UsageError("the prompt is empty: give some text, e.g. --prompt \"Emma smiled and\"")
    if "\x00" in prompt:
        raise UsageError("the prompt contains a NUL character")
    return prompt


def check_head(layer: int | None, head: int | None, checkpoint: str) -> None:
    import model
    cfg = model.run_tokens([0], checkpoint).config
    for what, value, n in (("layer", layer, cfg["n_layer"]), ("head", head, cfg["n_head"])):
        if value is not None and not 0 <= value < n:
            raise UsageError(f"{what} {value} is out of range: the {checkpoint} model has "
                             f"{n} {what}s, numbered 0 to {n - 1}")


def render_scene(name: str, out: Path, quality: str = "l", prompt: str | None = None,
                 checkpoint: str = "default", theme: str = "dark", seed: int = 0,
                 layer: int | None = None, head: int | None = None, movie: bool = True,
                 size: tuple[int, int] | None = None,
                 fps: int | None = None) -> dict[str, Path]:
    """Render one scene into ``out``; files appear only once the whole render succeeded."""
    import logging

    from manim import config, tempconfig


    import scenes
    from scenes import settings

    settings.current = settings.Settings(
        prompt=settings.DEFAULT_PROMPT if prompt is None else prompt,
        checkpoint=checkpoint, theme=theme, seed=seed, layer=layer, head=head)
    cls = scenes.scene_class(name)
    logging.getLogger("manim-slides").setLevel(logging.WARNING)  # after its import sets the level
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gptx-") as tmp:
        tmp = Path(tmp)
        options = {"quality": QUALITY[quality], "media_dir": str(tmp / "media"),
                   "disable_caching": True, "progress_bar": "none", "verbosity": "WARNING",
                   "write_to_movie": movie, "save_last_frame": not movie, "output_file": name}
        if size:
            options.update(pixel_width=size[0], pixel_height=size[1])
        if fps:
            options["frame_rate"] = fps
        with tempconfig(options):
            settings.current.slides_dir = str(tmp / "slides")
            scene = cls()
            scene.provenance_path = tmp / f"{name}.numbers.json"
            scene.render()
            config_output = config.output_file
            frame = scene.renderer.get_frame()
        from PIL import Image

        files = {"png": tmp / f"{name}.png", "numbers.json": scene.provenance_path}
        Image.fromarray(frame).convert("RGB").save(files["png"])
        if movie:
            files["mp4"] = Path(scene.renderer.file_writer.movie_file_path)
        srt = Path(config_output).with_suffix(".srt") if config_output else None
        if srt and srt.exists():
            files["srt"] = srt
        placed = {}
        for ext, src in files.items():
            dest = out / f"{name}.{ext}"
            shutil.move(str(src), str(dest.with_suffix(dest.suffix + ".part")))
            os.replace(dest.with_suffix(dest.suffix + ".part"), dest)
            placed[ext] = dest
        return placed


def _video_seconds(path: Path) -> float:
    import av
    with av.open(str(path)) as container:
        return float(container.duration or 0) / 1e6


def cmd_list(args) -> int:
    import scenes
    for name in scenes.scene_names(extras=args.extras):
        print(f"{name:<22} {scenes.scene_class(name).description}")
    return 0


def cmd_render(args) -> int:
    import scenes
    import model

    names = scenes.scene_names() if args.all else args.scenes
    if not names:
        raise UsageError("name at least one scene (see `render.py list`) or pass --all")
    unknown = [n for n in names if n not in scenes.scene_names(extras=True)]
    if unknown:
        raise UsageError(f"unknown scene {', '.join(unknown)}; known: {', '.join(scenes.scene_names(extras=True))}")
    prompt = check_prompt(args.prompt) if args.prompt is not None else None
    if args.checkpoint not in model.checkpoint_names():
        raise UsageError(f"unknown checkpoint {args.checkpoint!r}; shipped: {', '.join(model.checkpoint_names())}")
    check_head(args.layer, args.head, args.checkpoint)
    out = Path(args.out)
    for i, name in enumerate(names, 1):
        print(f"[{i}/{len(names)}] {name} ...", end=" ", flush=True)
        start = time.time()
        files = render_scene(name, out, args.quality, prompt, args.checkpoint, args.theme, args.seed,
                             args.layer, args.head)
        spent = time.time() - start
        length = _video_seconds(files["mp4"])
        print(f"{length:.1f} s of video in {spent:.1f} s ({spent / max(length, 1e-9):.2f} s per second)")
    print(f"done: {out}/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="render.py", description="Render the GPT explainer's scenes.")
    sub = ap.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="the scenes in film order")
    ls.add_argument("--extras", action="store_true", help="also the scenes outside the film (the gallery)")
    ls.set_defaults(func=cmd_list)
    r = sub.add_parser("render", help="render scenes to DIR/<Scene>.mp4, .png, .numbers.json, .srt")
    r.add_argument("scenes", nargs="*", metavar="SCENE")
    r.add_argument("--all", action="store_true", help="every scene, in film order")
    r.add_argument("--prompt", help="the text the model reads (default: an Austen-like sentence)")
    r.add_argument("--quality", choices=list(QUALITY), default="l",
                   help="l 480p15, m 720p30, h 1080p60, k 2160p60 (default l)")
    r.add_argument("--out", default="film", help="output folder (default film/)")
    r.add_argument("--checkpoint", default="default", help="default or small")
    r.add_argument("--theme", choices=["dark", "light"], default="dark")
    r.add_argument("--seed", type=int, default=0, help="sampling seed")
    r.add_argument("--layer", type=int, help="the layer the Attention and MLP scenes show (default: measured)")
    r.add_argument("--head", type=int, help="the head the Attention scene shows (default: measured)")
    r.set_defaults(func=cmd_render)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        return args.func(args)
    except UsageError as err:
        print(f"render.py: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nrender.py: interrupted; no partial files were left in the output folder", file=sys.stderr)
        return 130
    except Exception as err:  # a model or checkpoint problem: say it plainly, no traceback
        from model import CheckpointError
        if isinstance(err, (CheckpointError, FileNotFoundError, ValueError)):
            print(f"render.py: error: {err}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
