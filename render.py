"""The command line: the film, any scenes, presenting the slides, the decks, the handout.

    python render.py                         the default film: every scene, joined, in film/
    python render.py list                    the scenes in film order
    python render.py render Attention --prompt "Mr. Darcy bowed" --head 2 --out film
    python render.py slides --all --out film  then  python render.py present --out film -F
    python render.py deck Softmax Temperature --out deck.html   (or .zip, .pptx; --one-file)
    python render.py handout --out handout.pdf --per-page 3
    python render.py lines > lines.tsv      every spoken line's id and text, to record your own
    python render.py render --all --narration none   the silent, captioned film (voices: scenes/narration.py)
    python render.py batch class.csv --out class   every student's prompt, on Dask (resumable)

    python render.py render Softmax -qh --format gif -p    Manim's options: -q l|m|h|k, --resolution
                                                         W,H, --fps, --format mp4|gif|webm|png, -p
    python render.py live [--host 127.0.0.1] [--port 8000] [--open]   the live page

Each rendered scene gives DIR/<Scene>.mp4, DIR/<Scene>.png (last frame),
DIR/<Scene>.numbers.json (every drawn number and its source), DIR/<Scene>.srt (captions) and its
slides in DIR/slides/. The film adds DIR/film.mp4 (one chapter per scene) and DIR/film.srt.
DIR is --out at the default 480p15, else --out/<height>p<fps>/ (e.g. film/1080p60/).
"""
from __future__ import annotations

import argparse
import atexit
import os
import shutil
import tempfile
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from pipeline.checks import (check_out, check_system, checked_context,  # noqa: E402
                             checked_scenes)
from pipeline.errors import UsageError  # noqa: E402
from pipeline.handout import MAX_PER_PAGE  # noqa: E402
from scenes.context import QUALITIES  # noqa: E402


def context_from(args):
    """The one RenderContext of this command line (every field checked); what it does not set,
    a manim.cfg in the working folder may (quality, frame rate, pixel size)."""
    from pipeline.conventions import check_fps, parse_resolution
    cfg = manim_cfg(args)
    resolution, fps = getattr(args, "resolution", None), getattr(args, "fps", None)
    size = parse_resolution(resolution) if resolution else cfg.get("size")
    fps = check_fps(fps) if fps is not None else cfg.get("fps")
    return checked_context(args.prompt, args.checkpoint, temperature=args.temperature,
                           top_k=getattr(args, "top_k", 40), theme=args.theme, seed=args.seed,
                           layer=args.layer, head=args.head, token=getattr(args, "token", None),
                           quality=args.quality or cfg.get("quality") or "l", size=size, fps=fps,
                           narration=getattr(args, "narration", "festival"),
                           compare=getattr(args, "compare", None))


def manim_cfg(args) -> dict:
    """The options a manim.cfg in the working folder gives (read once; its other keys named on
    stderr as ignored)."""
    if not hasattr(args, "_manim_cfg"):
        from pipeline.manim_cfg import read_manim_cfg
        args._manim_cfg, ignored = read_manim_cfg(Path("manim.cfg"))
        if ignored:
            print(f"note: manim.cfg: ignored (the explainer sets these itself): {', '.join(ignored)}",
                  file=sys.stderr)
    return args._manim_cfg


def scenes_from(args) -> list[str]:
    return checked_scenes(None if getattr(args, "all", False) else args.scenes)


# --- commands -------------------------------------------------------------------------------------
def cmd_list(args) -> int:
    import scenes
    for name in scenes.scene_names(extras=args.extras):
        print(f"{name:<22} {scenes.scene_class(name).description}")
    return 0


def cmd_render(args) -> int:
    from pipeline.many import render_many
    names = scenes_from(args)
    check_system()
    from pipeline.conventions import convert_video, output_folder, preview
    ctx = context_from(args)
    cfg = manim_cfg(args)
    fmt = args.format or cfg.get("format") or "mp4"
    out = output_folder(Path(args.out), ctx)      # DIR/ at 480p15, else DIR/<height>p<fps>/
    check_out(out)
    start = time.time()
    # png: the last frame of each scene only (DIR/<Scene>.png), no video
    files = render_many(names, out, ctx, args.jobs, not args.no_cache,
                        **({"movie": False} if fmt == "png" else {}))
    shown = files[names[-1]]["png" if fmt == "png" else "mp4"]
    film = getattr(args, "film", False) or (getattr(args, "all", False) and names == _film_names())
    if film and fmt != "png":
        from pipeline.film import join_film
        chapters = join_film([(n, files[n]["mp4"], files[n].get("srt")) for n in names],
                             out / "film.mp4", out / "film.srt")
        print(f"film: {out / 'film.mp4'} ({chapters[-1][2]:.0f} s, {len(chapters)} chapters) "
              f"and {out / 'film.srt'}")
        shown = out / "film.mp4"
    if fmt in ("gif", "webm"):
        for n in names:
            convert_video(files[n]["mp4"], fmt)
        shown = convert_video(shown, fmt) if film else shown.with_suffix(f".{fmt}")
        print(f"{fmt}: {', '.join(str(files[n]['mp4'].with_suffix('.' + fmt)) for n in names)}"
              + (f", {shown}" if film else ""))
    print(f"done in {time.time() - start:.0f} s: {out}/")
    if args.preview if args.preview is not None else cfg.get("preview", False):
        print(preview(shown))
    return 0


def _film_names() -> list[str]:
    import scenes
    return scenes.scene_names()


def cmd_present(args) -> int:
    from pipeline.present import PresentOptions, check_screen, present, slides_folder
    check_screen()
    import scenes
    folder = slides_folder(Path(args.out))
    if args.scenes:
        names = checked_scenes(args.scenes)
    else:
        names = [n for n in scenes.scene_names(extras=True) if (folder / f"{n}.json").exists()]
    if not names:
        raise UsageError(f"no rendered slides in {folder}; first run: render.py slides --out {args.out}")
    options = PresentOptions(fullscreen=args.fullscreen, screen=args.screen,
                             info_window_screen=args.info_window_screen,
                             show_info_window=args.info_window, start_at=args.start_at,
                             playback_rate=args.playback_rate, hide_mouse=args.hide_mouse)
    return present(folder, names, options)


def _render_for(args, suffixes: tuple[str, ...], what: str) -> tuple[list[str], Path, Path]:
    """Check the input, render the scenes into the work folder (cached) and return
    (names, dest, slides folder). The work folder is --work, or a temporary one when None."""
    from pipeline.many import render_many
    dest = Path(args.out)
    if dest.suffix.lower() not in suffixes:
        raise UsageError(f"the {what} file must end in {' or '.join(suffixes)}, got {dest}")
    names = scenes_from(args)
    check_system()
    ctx = context_from(args)
    check_out(dest.parent)
    from pipeline.conventions import output_folder
    if args.work is None:
        work = Path(tempfile.mkdtemp(prefix=".gptx-work-", dir=dest.parent))
        atexit.register(shutil.rmtree, work, True)
    else:
        work = output_folder(Path(args.work), ctx)
        check_out(work)
    render_many(names, work, ctx, args.jobs, not args.no_cache)
    return names, dest, work / "slides"


def cmd_deck(args) -> int:
    """``render.py deck``: render the slides and write a reveal.js deck. Raises UsageError for a
    bad output name or when the deck cannot be built."""
    from pipeline.deck import DeckError, build_deck, reveal_dist
    suffix = Path(args.out).suffix.lower()
    if args.one_file and suffix != ".html":
        raise UsageError(f"--one-file makes one .html page; got --out {args.out}")
    try:
        if suffix in (".html", ".zip"):
            reveal_dist()
        names, dest, slides = _render_for(args, (".html", ".pptx", ".zip"), "deck")
        assets = build_deck(slides, names, dest, one_file=args.one_file)
    except DeckError as err:
        raise UsageError(str(err)) from None
    size = dest.stat().st_size / 2**20
    if assets is not None:
        print(f"deck: {dest} with {assets}/ (copy both; it opens offline from file://)")
    elif suffix == ".pptx":
        print(f"deck: {dest} ({size:.1f} MB; PowerPoint, LibreOffice Impress or Google Slides; "
              "the notes are the speaker notes)")
    else:
        print(f"deck: {dest} ({size:.1f} MB; opens offline from file://"
              f"{', after unzipping' if suffix == '.zip' else ''})")
    return 0


def cmd_handout(args) -> int:
    from pipeline.handout import build_handout
    if not 1 <= args.per_page <= MAX_PER_PAGE:
        raise UsageError(f"--per-page must be 1 to {MAX_PER_PAGE}, got {args.per_page}")
    names, dest, slides = _render_for(args, (".pdf",), "handout")
    pages = build_handout(slides, names, dest, per_page=args.per_page)
    print(f"handout: {dest} ({pages} pages)")
    return 0


def version_line() -> str:
    """``gpt-explainer X (manim Y, manim-slides Z)`` from the installed distributions."""
    from importlib.metadata import PackageNotFoundError, version

    def v(dist):
        try:
            return version(dist)
        except PackageNotFoundError:
            return "not installed"
    return f"gpt-explainer {v('gpt-explainer')} (manim {v('manim')}, manim-slides {v('manim-slides')})"


def cmd_lines(args) -> int:
    """Every line the narrator says, by id, for a teacher who records their own voice."""
    from pipeline.timeline import caption_timeline
    names = scenes_from(args)
    check_system()
    ctx = context_from(args).with_(narration="none")
    print("# one audio file per line, named <id>.wav (or .flac .ogg .mp3 .m4a), then: "
          "render.py --narration FOLDER", flush=True)
    for name in names:
        for line_id, text in caption_timeline(name, ctx).lines:
            print(f"{line_id}\t{text}", flush=True)
    return 0


def cmd_batch(args) -> int:
    """``render.py batch``: a class set on Dask (pipeline/batch.py). Raises UsageError for bad
    options, a bad prompts file or a scheduler that does not answer."""
    from pipeline.batch import BatchOptions, run_batch
    from pipeline.conventions import check_fps, parse_resolution
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be 1 or more, got {args.workers}")
    if not args.connect_timeout > 0:
        raise UsageError(f"--connect-timeout must be more than 0 seconds, got {args.connect_timeout:g}")
    check_system()
    options = {"checkpoint": args.checkpoint, "temperature": args.temperature, "top_k": args.top_k,
               "theme": args.theme,
               "seed": args.seed, "layer": args.layer, "head": args.head,
               "quality": args.quality or "l", "narration": args.narration}
    if args.compare is not None:
        options["compare"] = args.compare
    if args.resolution:
        options["size"] = parse_resolution(args.resolution)
    if args.fps is not None:
        options["fps"] = check_fps(args.fps)
    return run_batch(BatchOptions(
        prompts=Path(args.prompts), out=Path(args.out), scenes=None if args.all else args.scenes,
        options=options, use_cache=not args.no_cache, film=args.film, scheduler=args.scheduler,
        workers=args.workers, dashboard=args.dashboard, connect_timeout=args.connect_timeout))


def cmd_live(args) -> int:
    from pipeline.live.serve import serve
    check_system()
    serve(args.host, args.port, args.open)
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="render.py", description="Render the GPT explainer: with no command, the whole film "
        "for the default prompt at 480p into film/.")
    ap.add_argument("--version", action="version", version=version_line())
    sub = ap.add_subparsers(dest="command")
    ls = sub.add_parser("list", help="the scenes in film order")
    ls.add_argument("--extras", action="store_true", help="also the scenes outside the film (the gallery)")
    ls.set_defaults(func=cmd_list)

    def scene_options(p, out_default: str | None, out_help: str, one_prompt: bool = True):
        p.add_argument("scenes", nargs="*", metavar="SCENE", help="scene names (default: all, in film order)")
        p.add_argument("--all", action="store_true", help="every scene, in film order")
        if one_prompt:
            p.add_argument("--prompt", help="the text the model reads (default: an Austen-like sentence)")
        p.add_argument("--temperature", type=float, default=0.8,
                       help="sampling temperature for the scenes that sample (default 0.8; 0 = greedy)")
        p.add_argument("--top-k", type=int, default=40, dest="top_k",
                       help="every sample is drawn from the K likeliest tokens (default 40, measured by "
                       "tests/benchmarks/sampling.py; 0 = no cut)")
        p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
        p.add_argument("--layer", type=int, help="the layer the Attention and MLP scenes show, 1 to the "
                       "model's layers, as on screen (default: measured)")
        p.add_argument("--head", type=int, help="the head the Attention scene shows, 1 to the model's heads, as on screen "
                       "(default: measured)")
        if one_prompt:
            p.add_argument("--token", type=int, help="the token the Attention and ContextFlow scenes "
                           "follow, counting from 1 as on screen (default: measured)")
        p.add_argument("-q", "--quality", choices=list(QUALITIES), default=None,
                       help="l 480p15, m 720p30, h 1080p60, k 2160p60, as Manim's -ql/-qm/-qh/-qk "
                       "(default l); other than l, files go to OUT/<height>p<fps>/")
        p.add_argument("--resolution", metavar="W,H", help="pixel width,height (even), instead of the quality's")
        p.add_argument("--fps", type=int, help="frames per second, instead of the quality's")
        p.add_argument("--theme", choices=["dark", "light"], default="dark",
                       help="colours of the pictures (default dark; the handout: light)")
        p.add_argument("--checkpoint", default="default",
                       help="default, small, a snapshot of a training run such as small@step0 "
                       "(see model/assets/MODEL_CARD.md), or the path of a GPT-2 folder (config.json, "
                       "model.safetensors or pytorch_model.bin, vocab.json, merges.txt), e.g. ./gpt2")
        p.add_argument("--compare", metavar="CHECKPOINT",
                       help="the checkpoint ModelSize sets beside this film's: a shipped name, a "
                       "snapshot such as small@step25, or a GPT-2 folder's path (default: small "
                       "beside default)")
        p.add_argument("--narration", default="festival", metavar="VOICE",
                       help="the voice: festival (default), flite, espeak-ng, a folder of recorded "
                            "lines (render.py lines lists them), or none for a silent film")
        p.add_argument("--out", default=out_default, required=out_default is None, help=out_help)
        if one_prompt:
            p.add_argument("--jobs", type=int, default=1, help="scenes rendered at once, in separate processes")
        p.add_argument("--no-cache", action="store_true", help="render again even if nothing changed")

    def output_options(p):
        p.add_argument("--format", choices=["mp4", "gif", "webm", "png"],
                       help="mp4 (default); gif or webm: the mp4 converted, beside it; png: the last "
                       "frame of each scene only, no video")
        p.add_argument("-p", "--preview", action="store_true", default=None,
                       help="open the result when done (the film, else the last scene)")

    r = sub.add_parser("render", help="render scenes to DIR/<Scene>.mp4, .png, .numbers.json, .srt, slides/")
    scene_options(r, "film", "output folder (default film/)")
    output_options(r)
    r.set_defaults(func=cmd_render)
    s = sub.add_parser("slides", help="the same as render: scenes with their slides, for `present`")
    scene_options(s, "film", "output folder (default film/)")
    output_options(s)
    s.set_defaults(func=cmd_render)
    li = sub.add_parser("lines", help="every spoken line's id and text (to record your own voice)")
    scene_options(li, "film", "unused")
    li.set_defaults(func=cmd_lines)
    p = sub.add_parser("present", help="step through rendered slides (keyboard, clicker, notes window)")
    p.add_argument("scenes", nargs="*", metavar="SCENE")
    p.add_argument("--out", default="film", help="the folder `slides` rendered into, or a copied "
                   "slides folder (default film/)")
    p.add_argument("-F", "--fullscreen", "--full-screen", action="store_true", help="fill the screen")
    p.add_argument("--screen", type=int, metavar="N", help="the screen to present on (0 is the first)")
    notes = p.add_mutually_exclusive_group()
    notes.add_argument("--show-info-window", "--notes", dest="info_window", action="store_const",
                       const=True, help="show the notes window (speaker notes, next slide) even on "
                       "a single screen; by default it shows only when there is a second screen")
    notes.add_argument("--hide-info-window", dest="info_window", action="store_const", const=False,
                       help="never show the notes window")
    p.add_argument("--info-window-screen", type=int, metavar="N", help="the screen of the notes window")
    p.add_argument("--start-at", metavar="SCENE[,SLIDE]", help="start at a scene (name or number "
                   "from 1) and slide (from 1), e.g. Softmax,2")
    p.add_argument("--playback-rate", type=float, default=1.0, metavar="RATE",
                   help="speed of the animations (default 1; 0.5 is half speed)")
    p.add_argument("--hide-mouse", action="store_true", help="hide the mouse pointer over the slides")
    p.set_defaults(func=cmd_present)
    d = sub.add_parser("deck", help="a slide deck: offline HTML (reveal.js), one-file HTML, zip "
                       "or PowerPoint with speaker notes")
    scene_options(d, "deck.html", "the deck file: .html (its assets go beside it in "
                  "<name>_assets/), .zip (the HTML deck zipped) or .pptx (default deck.html)")
    d.add_argument("--one-file", action="store_true",
                   help="with an .html deck: one self-contained page (clips and reveal.js inside)")
    d.add_argument("--work", default="film", help="where the scenes are rendered first (default film/)")
    d.set_defaults(func=cmd_deck)
    h = sub.add_parser("handout", help="a PDF: one still per slide with the teacher's notes as text")
    scene_options(h, "handout.pdf", "the PDF file (default handout.pdf)")
    h.set_defaults(theme="light")
    h.add_argument("--per-page", type=int, default=1, metavar="N",
                   help=f"slides per page, 1 to {MAX_PER_PAGE} (default 1)")
    h.add_argument("--work", default=None, help="where the scenes are rendered first (default: a "
                   "temporary folder; the renders are cached either way)")
    h.set_defaults(func=cmd_handout)
    b = sub.add_parser("batch", help="a class set: every prompt of a file (or CSV) x every scene, "
                       "on Dask, into DIR/<name>/ with DIR/manifest.json; resumable")
    b.add_argument("prompts", metavar="PROMPTS", help="one prompt a line, or a .csv with a prompt "
                   "column and a name column (the folder name)")
    scene_options(b, None, "output folder: DIR/<name>/ per prompt (required)", one_prompt=False)
    b.add_argument("--film", action="store_true", help="join the scenes given into a film per prompt "
                   "(the whole film always is)")
    b.add_argument("--scheduler", metavar="tcp://HOST:8786", help="a running Dask scheduler "
                   "(default: a local cluster, one worker process per core)")
    b.add_argument("--workers", type=int, help="worker processes of the local cluster (default: one per core)")
    b.add_argument("--dashboard", action="store_true", help="print the address of Dask's dashboard")
    b.add_argument("--connect-timeout", type=float, default=5.0, metavar="S",
                   help="seconds to wait for --scheduler (default 5)")
    b.set_defaults(func=cmd_batch)
    lv = sub.add_parser("live", help="the live page: type a prompt, the beat's key frames answer")
    lv.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default 127.0.0.1; 0.0.0.0 opens it to the network)")
    lv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    lv.add_argument("--open", action="store_true", help="open the page in a browser")
    lv.set_defaults(func=cmd_live)
    return ap


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv or ["render", "--all"])
    if args.command is None:
        parser.error("name a command (list, render, slides, lines, present, deck, handout, batch, live) "
                     "or give none for the film")
    if getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be 1 or more")
    try:
        code = args.func(args)
        sys.stdout.flush()          # inside the try: a closed pipe is caught here, not at exit
        return code
    except BrokenPipeError:   # `render.py list | head -2`: the reader left; no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
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
