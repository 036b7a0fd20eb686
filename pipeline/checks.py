"""Checking what the user gave, once, before anything is rendered or written.

Every check raises ``UsageError`` with the one line the user sees; the command line, the live
server and batch tasks share these, so the same input gets the same message everywhere.
"""
from __future__ import annotations

import math
import shutil
import sys
import tempfile
from pathlib import Path

from scenes.context import DEFAULT_PROMPT, RenderContext

from .errors import UsageError

MAX_TEMPERATURE = 10.0


def check_prompt(prompt: str) -> str:
    """The prompt with Windows (``\\r\\n``) and old Mac (``\\r``) line ends made ``\\n``.

    Raises UsageError for an empty prompt or control characters other than line breaks and tabs.
    """
    prompt = prompt.replace("\r\n", "\n").replace("\r", "\n")
    if not prompt.strip():
        raise UsageError("the prompt is empty: give some text, e.g. --prompt \"Emma smiled and\"")
    bad = sorted({f"U+{ord(c):04X}" for c in prompt if ord(c) < 32 and c not in "\n\t"
                  or 0x7F <= ord(c) < 0xA0})
    if bad:
        raise UsageError(f"the prompt contains control characters ({', '.join(bad)}); "
                         "only ordinary text, line breaks and tabs are allowed")
    return prompt


def check_temperature(t: float) -> float:
    """``t`` itself; raises UsageError unless 0 <= t <= MAX_TEMPERATURE (NaN included)."""
    if not math.isfinite(t):
        raise UsageError(f"temperature must be a number, got {t}")
    if t < 0:
        raise UsageError(f"temperature must be 0 or more, got {t:g} (0 means greedy: always the likeliest token)")
    if t > MAX_TEMPERATURE:
        raise UsageError(f"temperature {t:g} is too high: above {MAX_TEMPERATURE:g} every token is "
                         "almost equally likely and the text is noise")
    return t


def check_top_k(k: int, n_vocab: int) -> int:
    """``k`` itself; raises UsageError unless 0 <= k <= n_vocab (0: no cut, every token kept)."""
    if k < 0 or k > n_vocab:
        raise UsageError(f"top-k must be between 1 and the model's {n_vocab:,} tokens (or 0 for no cut), got {k}")
    return k


def check_head(layer: int | None, head: int | None, checkpoint: str, cfg: dict) -> None:
    """Raises UsageError when ``layer`` (1 to n_layer, as on screen) or ``head`` (1 to n_head) is outside
    the checkpoint's range (the check is ``RenderContext.check_layer_head``, which the Attention
    scene runs too)."""
    try:
        RenderContext(checkpoint=checkpoint, layer=layer, head=head).check_layer_head(cfg)
    except ValueError as err:
        raise UsageError(str(err)) from None


def check_token(token: int | None, n_tokens: int) -> None:
    """Raises UsageError when ``token`` (counted from 1) is not a position of a prompt of
    ``n_tokens`` tokens (``RenderContext.check_token``, which the scenes run too)."""
    try:
        RenderContext(token=token).check_token(n_tokens)
    except ValueError as err:
        raise UsageError(str(err)) from None


def check_checkpoint(checkpoint: str) -> tuple[str, dict]:
    """(the checkpoint as a render names it, its config): a shipped name as given, a GPT-2 folder
    as its absolute path (so the cache and the provenance file name one folder).

    Raises UsageError for an unknown name or a folder that is missing, incomplete or unreadable
    (weights, config and tokenizer are all read here, before anything is written).
    """
    import model
    from model import hf_folder
    folder = hf_folder.is_folder(checkpoint)
    if folder and Path(checkpoint).expanduser().is_dir():
        checkpoint = str(Path(checkpoint).expanduser().resolve())
    if not folder and checkpoint not in model.checkpoint_names():
        raise UsageError(f"unknown checkpoint {checkpoint!r}; shipped: {', '.join(model.checkpoint_names())}"
                         " (or give a GPT-2 folder's path, e.g. ./gpt2)")
    try:
        cfg = model.config(checkpoint)        # loads the weights (a shipped file against its hash)
        model.get_encoding(checkpoint)
    except model.CheckpointError as err:
        raise UsageError(str(err)) from None
    return checkpoint, cfg


def check_compare(compare: str | None, checkpoint: str) -> str | None:
    """The checkpoint ModelSize sets beside ``checkpoint`` (already checked), named as
    ``check_checkpoint`` names it; None stays None (the shipped pair).

    Raises UsageError for an unknown name, a bad folder, or the film's own checkpoint.
    """
    if compare is None:
        return None
    try:
        compare, _ = check_checkpoint(compare)
    except UsageError as err:
        raise UsageError(f"--compare: {err}") from None
    if compare == checkpoint:
        raise UsageError(f"--compare {compare} is this film's own checkpoint; "
                         "give another to set beside it")
    return compare


def check_out(folder: Path) -> None:
    """Raises UsageError unless ``folder`` can be created and written, with 50 MB free."""
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
    """Raises UsageError naming the Debian packages when Cairo or Pango cannot be loaded."""
    try:
        import cairo  # noqa: F401
        import manim  # noqa: F401
        import manimpango  # noqa: F401
    except (ImportError, OSError) as err:
        raise UsageError(f"a system library is missing ({err}); install it with: "
                         "apt-get install libcairo2-dev libpango1.0-dev pkg-config "
                         "(or run `make setup`)") from None


def checked_context(prompt: str | None = None, checkpoint: str = "default", quiet: bool = False,
                    **options) -> RenderContext:
    """A RenderContext from user input, every field checked; notes (a prompt cut to the context
    window, greedy decoding) go to stderr unless ``quiet``.

    Raises UsageError for any bad value (the message is the one the user sees).
    """
    import model
    prompt = DEFAULT_PROMPT if prompt is None else check_prompt(prompt)
    checkpoint, cfg = check_checkpoint(checkpoint)
    if "compare" in options:
        options["compare"] = check_compare(options["compare"], checkpoint)
    temperature = check_temperature(float(options.pop("temperature", 0.8)))
    if "top_k" in options:
        options["top_k"] = check_top_k(int(options["top_k"]), cfg["n_vocab"])
    if "narration" in options:
        options["narration"] = check_narration(options["narration"])
    check_head(options.get("layer"), options.get("head"), checkpoint, cfg)
    if options.get("size") is not None:
        from .conventions import parse_resolution
        options["size"] = parse_resolution(",".join(str(int(s)) for s in options["size"]))
    if options.get("fps") is not None:
        from .conventions import check_fps
        options["fps"] = check_fps(int(options["fps"]))
    n = len(model.get_encoding(checkpoint).encode(prompt, allowed_special="all"))
    check_token(options.get("token"), min(n, cfg["n_ctx"]))
    if not quiet and n > cfg["n_ctx"]:
        print(f"note: the prompt is {n} tokens; the model reads only its last {cfg['n_ctx']}", file=sys.stderr)
    if not quiet and temperature == 0:
        print("note: temperature 0 means greedy decoding: always the likeliest token", file=sys.stderr)
    return RenderContext(prompt=prompt, checkpoint=checkpoint, temperature=temperature, **options)


def check_narration(narration: str) -> str:
    """``none``, an installed engine's name, or a folder of recordings (given back absolute).
    Raises UsageError for anything else, or an engine whose Debian package is missing."""
    from pathlib import Path

    from scenes.narration import NarrationError, speech_service
    try:
        speech_service(narration)
    except NarrationError as err:
        raise UsageError(str(err)) from None
    from scenes.narration import ENGINES, NONE
    if narration != NONE and narration not in ENGINES:
        return str(Path(narration).resolve())     # a folder (speech_service checked it is one)
    return narration


def checked_scenes(names: list[str] | None) -> list[str]:
    """The scene names, in the order given (all of the film's when None or empty).

    Raises UsageError naming every unknown scene.
    """
    import scenes
    names = list(names) if names else scenes.scene_names()
    unknown = [n for n in names if n not in scenes.scene_names(extras=True)]
    if unknown:
        raise UsageError(f"unknown scene {', '.join(unknown)}; see `render.py list`")
    return names
