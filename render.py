"""The command line: the film, any scenes, the slide deck, the offline HTML deck, the handout.

    python render.py                         the default film: every scene, joined, in film/
    python render.py list                    the scenes in film order
    python render.py render Attention --prompt "Mr. Darcy bowed" --head 2 --out film
    python render.py slides --all --out film  then  python render.py present --out film
    python render.py deck Softmax Temperature --out deck.html
    python render.py handout --out handout.pdf

Each rendered scene gives DIR/<Scene>.mp4, DIR/<Scene>.png (last frame),
DIR/<Scene>.numbers.json (every drawn number and its source), DIR/<Scene>.srt (captions) and its
slides in DIR/slides/. The film adds DIR/film.mp4 (one chapter per scene) and DIR/film.srt.
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

QUALITY = {"l": "low_quality", "m": "medium_quality", "h": "high_quality", "k": "fourk_quality"}
MAX_TEMPERATURE = 10.0
ROOT = Path(__file__).resolve().parent


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


@dataclass(frozen=True)
class Options:
    """Everything a render depends on besides the scene and its code."""
    prompt: str | None = None
    checkpoint: str = "default"
    theme: str = "dark"
    seed: int = 0
    temperature: float = 0.8
    layer: int | None = None
    head: int | None = None
    quality: str = "l"


# --- checking what the user gave --------------------------------------------------------------
def check_prompt(prompt: str) -> str:
    if not prompt.strip():
        raise UsageError("the prompt is empty: give some text, e.g. --prompt \"Emma smiled and\"")
    bad = sorted({f"U+{ord(c):04X}" for c in prompt if ord(c) < 32 and c not in "\n\t"
                  or 0x7F <= ord(c) < 0xA0})
    if bad:
        raise UsageError(f"the prompt contains control characters ({', '.join(bad)}); "
                         "only ordinary text, line breaks and tabs are allowed")
    return prompt


def check_temperature(t: float) -> float:
    if not math.isfinite(t):
        raise UsageError(f"temperature must be a number, got {t}")
    if t < 0:
        raise UsageError(f"temperature must be 0 or more, got {t:g} (0 means greedy: always the likeliest token)")
    if t > MAX_TEMPERATURE:
        raise UsageError(f"temperature {t:g} is too high: above {MAX_TEMPERATURE:g} every token is "
                         "almost equally likely and the text is noise")
    return t


def check_head(layer: int | None, head: int | None, checkpoint: str, cfg: dict) -> None:
    for what, value, n in (("layer", layer, cfg["n_layer"]), ("head", head, cfg["n_head"])):
        if value is not None and not 0 <= value < n:
            raise UsageError(f"{what} {value} is out of range: the {checkpoint} model has "
                             f"{n} {what}s, numbered 0 to {n - 1}")


def check_out(folder: Path) -> None:
    """The output folder must be creatable and writable, with room for a video."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".gptx-probe-", delete=True)
        probe.close()
    except OSError as err:
        raise UsageError(f"cannot write to the output folder {folder}: {err.strerror or err}") from None
    free = shutil.disk_usage(folder).free
    if free < 50 * 2**20:
        raise UsageError(f"the output folder {folder} has only {free // 2**20} MB free; "
                         "a render needs at least 50 MB")


def check_system() -> None:
    """Manim needs Cairo and Pango; say which Debian packages to install if they are missing."""
    try:
        import manim  # noqa: F401
        import manimpango  # noqa: F401
        import cairo  # noqa: F401
    except (ImportError, OSError) as err:
        raise UsageError(f"a system library is missing ({err}); install it with: "
                         "apt-get install libcairo2-dev libpango1.0-dev pkg-config "
                         "(or run `make setup`)") from None


def checked_options(args) -> Options:
    import model
    prompt = check_prompt(args.prompt) if args.prompt is not None else None
    if args.checkpoint not in model.checkpoint_names():
        raise UsageError(f"unknown checkpoint {args.checkpoint!r}; shipped: {', '.join(model.checkpoint_names())}")
    try:
        cfg = model.config(args.checkpoint)        # loads the file, checked against its hash
    except model.CheckpointError as err:
        raise UsageError(str(err)) from None
    temperature = check_temperature(args.temperature)
    check_head(args.layer, args.head, args.checkpoint, cfg)
    if prompt is not None:
        n_ctx = cfg["n_ctx"]
        n = len(model.get_encoding().encode(prompt, allowed_special="all"))
        if n > n_ctx:
            print(f"note: the prompt is {n} tokens; the model reads only its last {n_ctx}", file=sys.stderr)
    if temperature == 0:
        print("note: temperature 0 means greedy decoding: always the likeliest token", file=sys.stderr)
    return Options(prompt, args.checkpoint, args.theme, args.seed, temperature, args.layer, args.head,
                   args.quality)


def checked_scenes(args) -> list[str]:
    import scenes
    names = scenes.scene_names() if getattr(args, "all", False) or not args.scenes else args.scenes
    unknown = [n for n in names if n not in scenes.scene_names(extras=True)]
    if unknown:
        raise UsageError(f"unknown scene {', '.join(unknown)}; see `render.py list`")
    return names


# --- rendering one scene -------------------------------------------------------------------------
def render_scene(name: str, out: Path, quality: str = "l", prompt: str | None = None,
                 checkpoint: str = "default", theme: str = "dark", seed: int = 0,
                 layer: int | None = None, head: int | None = None, movie: bool = True,
                 size: tuple[int, int] | None = None, fps: int | None = None,
                 temperature: float = 0.8, progress: bool = False) -> dict[str, Path]:
    """Render one scene into ``out``; files appear only once the whole render succeeded."""
    import logging

    from manim import config, tempconfig

    import scenes
    from scenes import settings
    from scenes.output.encoding import use_fast_encoder

    use_fast_encoder()
    settings.current = settings.Settings(
        prompt=settings.DEFAULT_PROMPT if prompt is None else prompt,
        checkpoint=checkpoint, theme=theme, seed=seed, layer=layer, head=head,
        temperature=temperature)
    cls = scenes.scene_class(name)
    logging.getLogger("manim-slides").setLevel(logging.WARNING)  # after its import sets the level
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gptx-") as tmp:
        tmp = Path(tmp)
        options = {"quality": QUALITY[quality], "media_dir": str(tmp / "media"),
                   "disable_caching": True, "progress_bar": "display" if progress else "none",
                   "verbosity": "WARNING", "write_to_movie": movie, "save_last_frame": not movie,
                   "output_file": name,
                   # encode finished animations while the next ones draw: uses the second core
                   "max_inflight_encoders": 4}
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
        slides = tmp / "slides"
        if movie and (slides / f"{name}.json").exists():
            keep_slides(slides, name, out / "slides")
            placed["slides"] = out / "slides" / f"{name}.json"
        for ext, src in files.items():
            dest = out / f"{name}.{ext}"
            shutil.move(str(src), str(dest.with_suffix(dest.suffix + ".part")))
            os.replace(dest.with_suffix(dest.suffix + ".part"), dest)
            placed[ext] = dest
        return placed


def keep_slides(src: Path, name: str, dest: Path) -> None:
    """Move one scene's manim-slides files (its JSON and clip folder) into ``dest``, replacing
    an older copy; the JSON is rewritten last, so a reader never finds it without its clips."""
    dest.mkdir(parents=True, exist_ok=True)
    clips = dest / "files" / name
    if clips.exists():
        shutil.rmtree(clips)
    clips.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(src / "files" / name), str(clips))
    text = (src / f"{name}.json").read_text().replace(str(src.resolve()), str(dest.resolve()))
    part = dest / f"{name}.json.part"
    part.write_text(text)
    os.replace(part, dest / f"{name}.json")


def render_cached(name: str, out: Path, opts: Options, use_cache: bool = True,
                  progress: bool = False) -> tuple[dict[str, Path], bool]:
    """A scene's files in ``out``: from the cache when nothing they depend on changed."""
    import scenes
    from model.checkpoint import checkpoint_file
    from scenes.output import cache

    module = dict(scenes.FILM + scenes.EXTRAS)[name]
    uses_prompt = getattr(scenes.scene_class(name), "uses_prompt", True)
    key = cache.cache_key(name, module, asdict(opts), uses_prompt, checkpoint_file(opts.checkpoint))
    if use_cache:
        hit = cache.restore(key, name, out)
        if hit is not None:
            if not uses_prompt:   # same pictures for any prompt; the file names this render's
                restamp_provenance(hit["numbers.json"], opts)
            return hit, True
    files = render_scene(name, out, opts.quality, opts.prompt, opts.checkpoint, opts.theme, opts.seed,
                         opts.layer, opts.head, temperature=opts.temperature, progress=progress)
    if use_cache:
        cache.store(key, name, files)
    return files, False


def restamp_provenance(path: Path, opts: Options) -> None:
    """Name this render's prompt and tokens in a provenance file reused from another prompt."""
    import json

    import model
    from model.trace import encode_prompt
    from scenes import settings
    prompt = settings.DEFAULT_PROMPT if opts.prompt is None else opts.prompt
    n_ctx = model.config(opts.checkpoint)["n_ctx"]
    data = json.loads(path.read_text())
    data["prompt"], data["tokens"] = prompt, encode_prompt(prompt, n_ctx)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(part, path)


def _worker(job):
    name, out, opts, use_cache, progress = job
    start = time.time()
    files, hit = render_cached(name, Path(out), opts, use_cache, progress)
    return name, {k: str(v) for k, v in files.items()}, hit, time.time() - start


def render_many(names: list[str], out: Path, opts: Options, jobs: int = 1,
                use_cache: bool = True) -> dict[str, dict[str, Path]]:
    """Render ``names`` (``jobs`` at a time, in separate processes), one progress line each."""
    from scenes.output.film import video_seconds

    done: dict[str, dict[str, Path]] = {}
    total = len(names)

    def report(name, files, hit, spent):
        done[name] = {k: Path(v) for k, v in files.items()}
        length = video_seconds(done[name]["mp4"])
        how = "from the cache" if hit else f"rendered in {spent:.1f} s ({spent / max(length, 1e-9):.2f} s per second)"
        print(f"[{len(done)}/{total}] {name}: {length:.1f} s of video, {how}", flush=True)

    if jobs <= 1 or total == 1:
        bars = sys.stderr.isatty()   # Manim's own progress bars, one scene at a time
        for name in names:
            report(*_worker((name, out, opts, use_cache, bars)))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = [pool.submit(_worker, (n, out, opts, use_cache, False)) for n in names]
            try:
                for f in as_completed(futures):
                    report(*f.result())
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    return {n: done[n] for n in names}


# --- commands -------------------------------------------------------------------------------------
def cmd_list(args) -> int:
    import scenes
    for name in scenes.scene_names(extras=args.extras):
        print(f"{name:<22} {scenes.scene_class(name).description}")
    return 0


def cmd_render(args) -> int:
    names = checked_scenes(args)
    check_system()
    opts = checked_options(args)
    out = Path(args.out)
    check_out(out)
    start = time.time()
    files = render_many(names, out, opts, args.jobs, not args.no_cache)
    film = getattr(args, "film", False) or (getattr(args, "all", False) and names == _film_names())
    if film:
        from scenes.output.film import join_film
        chapters = join_film([(n, files[n]["mp4"], files[n].get("srt")) for n in names],
                             out / "film.mp4", out / "film.srt")
        print(f"film: {out / 'film.mp4'} ({chapters[-1][2]:.0f} s, {len(chapters)} chapters) "
              f"and {out / 'film.srt'}")
    print(f"done in {time.time() - start:.0f} s: {out}/")
    return 0


def _film_names() -> list[str]:
    import scenes
    return scenes.scene_names()


def cmd_present(args) -> int:
    folder = Path(args.out) / "slides"
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise UsageError("presenting needs a screen (no DISPLAY or WAYLAND_DISPLAY is set); "
                         "on a machine without one, make the offline deck: render.py deck")
    import scenes
    names = [n for n in (args.scenes or scenes.scene_names()) if (folder / f"{n}.json").exists()]
    if not names:
        raise UsageError(f"no rendered slides in {folder}; first run: render.py slides --out {args.out}")
    return os.spawnvp(os.P_WAIT, sys.executable,
                      [sys.executable, "-m", "manim_slides", "present", "--folder", str(folder), *names])


def _render_for(args, suffix: str, what: str) -> tuple[list[str], Path, Path]:
    """Check the input, render the scenes into --work (cached) and return (names, dest, slides)."""
    names = checked_scenes(args)
    check_system()
    opts = checked_options(args)
    dest = Path(args.out)
    if dest.suffix.lower() != suffix:
        raise UsageError(f"the {what} file must end in {suffix}, got {dest}")
    check_out(dest.parent)
    work = Path(args.work)
    render_many(names, work, opts, args.jobs, not args.no_cache)
    return names, dest, work / "slides"


def cmd_deck(args) -> int:
    from scenes.output.deck import DeckError, build_deck, reveal_dist
    try:
        reveal_dist()
    except DeckError as err:
        raise UsageError(str(err)) from None
    names, dest, slides = _render_for(args, ".html", "deck")
    assets = build_deck(slides, names, dest)
    print(f"deck: {dest} with {assets}/ (copy both; it opens offline from file://)")
    return 0


def cmd_handout(args) -> int:
    from scenes.output.handout import build_handout
    names, dest, slides = _render_for(args, ".pdf", "handout")
    pages = build_handout(slides, names, dest)
    print(f"handout: {dest} ({pages} pages)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="render.py", description="Render the GPT explainer: with no command, the whole film "
        "for the default prompt at 480p into film/.")
    sub = ap.add_subparsers(dest="command")
    ls = sub.add_parser("list", help="the scenes in film order")
    ls.add_argument("--extras", action="store_true", help="also the scenes outside the film (the gallery)")
    ls.set_defaults(func=cmd_list)

    def scene_options(p, out_default: str, out_help: str):
        p.add_argument("scenes", nargs="*", metavar="SCENE", help="scene names (default: all, in film order)")
        p.add_argument("--all", action="store_true", help="every scene, in film order")
        p.add_argument("--prompt", help="the text the model reads (default: an Austen-like sentence)")
        p.add_argument("--temperature", type=float, default=0.8,
                       help="sampling temperature for the scenes that sample (default 0.8; 0 = greedy)")
        p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
        p.add_argument("--layer", type=int, help="the layer the Attention and MLP scenes show (default: measured)")
        p.add_argument("--head", type=int, help="the head the Attention scene shows (default: measured)")
        p.add_argument("--quality", choices=list(QUALITY), default="l",
                       help="l 480p15, m 720p30, h 1080p60, k 2160p60 (default l)")
        p.add_argument("--theme", choices=["dark", "light"], default="dark")
        p.add_argument("--checkpoint", default="default", help="default or small")
        p.add_argument("--out", default=out_default, help=out_help)
        p.add_argument("--jobs", type=int, default=1, help="scenes rendered at once, in separate processes")
        p.add_argument("--no-cache", action="store_true", help="render again even if nothing changed")

    r = sub.add_parser("render", help="render scenes to DIR/<Scene>.mp4, .png, .numbers.json, .srt, slides/")
    scene_options(r, "film", "output folder (default film/)")
    r.set_defaults(func=cmd_render)
    s = sub.add_parser("slides", help="the same as render: scenes with their slides, for `present`")
    scene_options(s, "film", "output folder (default film/)")
    s.set_defaults(func=cmd_render)
    p = sub.add_parser("present", help="step through rendered slides (keyboard, clicker, notes window)")
    p.add_argument("scenes", nargs="*", metavar="SCENE")
    p.add_argument("--out", default="film", help="the folder `slides` rendered into (default film/)")
    p.set_defaults(func=cmd_present)
    d = sub.add_parser("deck", help="an offline HTML slide deck (reveal.js, no network needed)")
    scene_options(d, "deck.html", "the deck's HTML file; its assets go beside it (default deck.html)")
    d.add_argument("--work", default="film", help="where the scenes are rendered first (default film/)")
    d.set_defaults(func=cmd_deck)
    h = sub.add_parser("handout", help="a PDF: one still per slide with the teacher's notes")
    scene_options(h, "handout.pdf", "the PDF file (default handout.pdf)")
    h.add_argument("--work", default="film", help="where the scenes are rendered first (default film/)")
    h.set_defaults(func=cmd_handout)
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv or ["render", "--all"])
    if args.command is None:
        parser.error("name a command (list, render, slides, present, deck, handout) or give none for the film")
    if getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be 1 or more")
    sys.path.insert(0, str(ROOT))
    try:
        return args.func(args)
    except UsageError as err:
        print(f"render.py: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nrender.py: interrupted; finished files are complete, unfinished ones were not written",
              file=sys.stderr)
        return 130
    except Exception as err:  # a model or checkpoint problem: say it plainly, no traceback
        from model import CheckpointError
        if isinstance(err, (CheckpointError, FileNotFoundError, ValueError)):
            print(f"render.py: error: {err}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
