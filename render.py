"""The command line: the film, any scenes, the slide deck, the offline HTML deck, the handout.

    python render.py                         the default film: every scene, joined, in film/
    python render.py list                    the scenes in film order
    python render.py render Attention --prompt "Mr. Darcy bowed" --head 2 --out film
    python render.py slides --all --out film  then  python render.py present --out film
    python render.py deck Softmax Temperature --out deck.html
    python render.py handout --out handout.pdf
    python render.py live [--host 127.0.0.1] [--port 8000] [--open]   the live page

Each rendered scene gives DIR/<Scene>.mp4, DIR/<Scene>.png (last frame),
DIR/<Scene>.numbers.json (every drawn number and its source), DIR/<Scene>.srt (captions) and its
slides in DIR/slides/. The film adds DIR/film.mp4 (one chapter per scene) and DIR/film.srt.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from pipeline.checks import (check_out, check_system, checked_context,  # noqa: E402
                             checked_scenes)
from pipeline.errors import UsageError  # noqa: E402
from scenes.context import QUALITIES  # noqa: E402


def context_from(args):
    """The one RenderContext of this command line (every field checked)."""
    return checked_context(args.prompt, args.checkpoint, temperature=args.temperature,
                           theme=args.theme, seed=args.seed, layer=args.layer, head=args.head,
                           quality=args.quality)


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
    ctx = context_from(args)
    out = Path(args.out)
    check_out(out)
    start = time.time()
    files = render_many(names, out, ctx, args.jobs, not args.no_cache)
    film = getattr(args, "film", False) or (getattr(args, "all", False) and names == _film_names())
    if film:
        from pipeline.film import join_film
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
    from pipeline.many import render_many
    names = scenes_from(args)
    check_system()
    ctx = context_from(args)
    dest = Path(args.out)
    if dest.suffix.lower() != suffix:
        raise UsageError(f"the {what} file must end in {suffix}, got {dest}")
    check_out(dest.parent)
    work = Path(args.work)
    render_many(names, work, ctx, args.jobs, not args.no_cache)
    return names, dest, work / "slides"


def cmd_deck(args) -> int:
    from pipeline.deck import DeckError, build_deck, reveal_dist
    try:
        reveal_dist()
    except DeckError as err:
        raise UsageError(str(err)) from None
    names, dest, slides = _render_for(args, ".html", "deck")
    assets = build_deck(slides, names, dest)
    print(f"deck: {dest} with {assets}/ (copy both; it opens offline from file://)")
    return 0


def cmd_handout(args) -> int:
    from pipeline.handout import build_handout
    names, dest, slides = _render_for(args, ".pdf", "handout")
    pages = build_handout(slides, names, dest)
    print(f"handout: {dest} ({pages} pages)")
    return 0


def cmd_live(args) -> int:
    from pipeline.live.serve import serve
    check_system()
    serve(args.host, args.port, args.open)
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
        p.add_argument("--quality", choices=list(QUALITIES), default="l",
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
        parser.error("name a command (list, render, slides, present, deck, handout, live) or give none for the film")
    if getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be 1 or more")
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
