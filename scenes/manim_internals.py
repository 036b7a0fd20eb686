"""Every reach into Manim's or manim-slides' internals, in one module.

These are the behaviours the explainer relies on that neither library documents as API; they are
why ``manim==0.21.*`` and ``manim-slides==5.*`` are pinned, and the first thing an upgrade breaks.
tests/test_manim_internals.py checks each one and names the installed versions when one changes.

* ``use_fast_encoder``   x264's "veryfast" preset, set inside ``SceneFileWriter.open_partial_movie_stream``
* ``set_picture``, ``scale_alpha``, ``blend_pictures``
                         an ``ImageMobject``'s pixels, its ``orig_alpha_pixel_array`` (what
                         ``set_opacity`` and fades scale) and ``fill_opacity``, as
                         ``ImageMobject.interpolate_color`` keeps them
* ``use_slides_folder``  manim-slides' ``_output_folder``
* ``close_slide_with_notes``  manim-slides' ``_base_slide_config`` (the slide being played)
* ``render_still``       ``Scene.render`` without manim-slides' ``Slide.render`` (which cuts clips)
* ``current_frame``      the Cairo renderer's ``static_image`` and ``update_frame`` (a key frame)
* ``quiet_sound_mux_warning``  a log filter for Manim's sound-muxing warning
* ``use_boxed_overlay``  the Cairo camera's ``overlay_PIL_image`` (how every image mobject is
                         painted onto the frame)
* ``use_end_states``     ``renderer.play`` replaced (and ``update_frame`` shadowed while Manim's
                         own play runs), ``Animation._setup_scene`` and
                         ``clean_up_from_scene``, a Transform's ``path_func`` and
                         ``replace_mobject_with_target_in_scene`` (the live page's key frames without animations;
                         tests/test_live_stills.py checks the pixels are the same)
"""
from __future__ import annotations

import types
from pathlib import Path

import numpy as np

PRESET = "veryfast"


def versions() -> str:
    """The installed Manim and manim-slides versions, e.g. "manim 0.21.0, manim-slides 5.7.0"."""
    import manim
    import manim_slides
    return f"manim {manim.__version__}, manim-slides {manim_slides.__version__}"


# --- encoding ---------------------------------------------------------------------------------

def use_fast_encoder() -> None:
    """Faster video encoding for Manim's clips: x264's "veryfast" preset instead of its default.

    The explainer's frames are flat colours and text that mostly stand still, so the faster preset
    costs nothing visible (the files even come out smaller) and takes the encoder off the critical
    path: the Attention scene for a new prompt went from 20.0 s to 16.8 s at 480p15 (measured).
    Manim 0.21 builds its encoder options inside ``open_partial_movie_stream``; the preset is
    added to the stream it opened (``_current_encode_job.stream``), before the first frame opens
    the codec. The writer notes the preset it set in ``gptx_preset``.
    """
    from manim.scene.scene_file_writer import SceneFileWriter

    if getattr(SceneFileWriter, "_gptx_fast", False):
        return
    original = SceneFileWriter.open_partial_movie_stream

    def open_partial_movie_stream(self, *args, **kwargs):
        original(self, *args, **kwargs)
        job = getattr(self, "_current_encode_job", None)
        stream = getattr(job, "stream", None)
        if stream is not None and stream.codec_context.name == "libx264":
            stream.codec_context.options = {**stream.codec_context.options, "preset": PRESET}
            self.gptx_preset = PRESET

    SceneFileWriter.open_partial_movie_stream = open_partial_movie_stream
    SceneFileWriter._gptx_fast = True


# --- image mobjects ---------------------------------------------------------------------------

def set_picture(image, pixels: np.ndarray, opacity: float = 1.0) -> None:
    """Give ``image`` (an ``ImageMobject``) the RGBA ``pixels`` [h, w, 4] uint8 in place, shown at
    ``opacity``; the array is reused when the size is unchanged (so a running animation keeps
    it). Manim's ``set_opacity`` and fades scale ``orig_alpha_pixel_array``, the alpha as drawn,
    so it is replaced too."""
    if image.pixel_array.shape == pixels.shape:
        image.pixel_array[...] = pixels
    else:
        image.pixel_array = pixels.copy()
    image.orig_alpha_pixel_array = image.pixel_array[:, :, 3].copy()
    if opacity != 1.0:
        scale_alpha(image, opacity)


def scale_alpha(image, opacity: float) -> None:
    """Show ``image``'s drawing at ``opacity`` (0..1): its alpha as drawn times ``opacity``, as
    Manim's ``ImageMobject.set_opacity`` does, without touching the colour channels."""
    image.pixel_array[:, :, 3] = (image.orig_alpha_pixel_array * opacity).astype(image.pixel_array.dtype)


def blend_pictures(image, start, end, alpha: float) -> bool:
    """``image`` becomes ``start`` blended towards ``end`` by ``alpha`` (0..1), as Manim's
    ``ImageMobject.interpolate_color`` does, but in integers (the stock one goes through float64
    for every pixel, every frame). Returns False, changing nothing, when the three pixel arrays
    differ in shape (the caller then falls back to Manim's own blend).

    The alpha as drawn (``orig_alpha_pixel_array``, which fades scale) is blended too: without
    it, a picture changed in place (``become``, as ``always_redraw`` does) and then faded would
    show its new drawing through the old one's alpha, e.g. a running sum's digits cut to the
    shape of the first sum's."""
    if not (start.pixel_array.shape == end.pixel_array.shape == image.pixel_array.shape):
        return False
    w = np.uint16(round(alpha * 256))

    def mix(p, q):
        a = p.astype(np.uint16)
        a *= 256 - w
        a += q.astype(np.uint16) * w
        a >>= 8
        return a.astype(np.uint8)
    drawn = [getattr(m, "orig_alpha_pixel_array", None) for m in (start, end)]
    image.pixel_array = mix(start.pixel_array, end.pixel_array)
    if all(d is not None and d.shape == image.pixel_array.shape[:2] for d in drawn):
        image.orig_alpha_pixel_array = mix(*drawn)
    image.fill_opacity = start.fill_opacity + (end.fill_opacity - start.fill_opacity) * alpha
    return True


def use_boxed_overlay() -> None:
    """Paint image mobjects onto the frame only where they have any alpha.

    The Cairo camera draws an ``ImageMobject`` by pasting it into a transparent image as large as
    the frame and alpha-compositing that whole image over the whole frame, converting the frame to
    a PIL image and back on the way: four frame-sized copies per image per frame. Compositing a
    pixel whose alpha is 0 leaves the frame's pixel as it was (PIL's ``alpha_composite``), so
    compositing only the box holding the image's visible pixels (``Image.getbbox``) gives the
    same frame, byte for byte (tests/test_raster_same_pixels.py checks it). Set once per process.
    """
    from manim.camera.camera import Camera
    from PIL import Image

    if getattr(Camera, "_gptx_boxed", False):
        return
    stock = Camera.overlay_PIL_image

    def overlay_PIL_image(self, pixel_array, image):
        h, w = pixel_array.shape[:2]
        if (image.mode != "RGBA" or image.size != (w, h) or pixel_array.dtype != np.uint8
                or pixel_array.shape[2:] != (4,) or self.image_mode != "RGBA"):
            return stock(self, pixel_array, image)
        box = image.getbbox()          # of the alpha channel: None when nothing shows
        if box is None:
            return
        x0, y0, x1, y1 = box
        under = Image.fromarray(np.ascontiguousarray(pixel_array[y0:y1, x0:x1]))
        pixel_array[y0:y1, x0:x1] = np.asarray(Image.alpha_composite(under, image.crop(box)))

    Camera.overlay_PIL_image = overlay_PIL_image
    Camera._gptx_boxed = True
    Camera._gptx_stock_overlay = stock      # for the test that compares the two


# --- manim-slides -------------------------------------------------------------------------------

def use_slides_folder(scene, folder: Path) -> None:
    """Make manim-slides write ``scene``'s slide JSON and clips into ``folder`` (its default is
    ./slides; the setting is the private ``_output_folder``)."""
    scene._output_folder = Path(folder)


def close_slide_with_notes(scene, notes: str) -> None:
    """End the slide being played with ``notes`` as its speaker notes.

    manim-slides attaches ``next_slide(notes=...)`` to the slide that starts next; the notes are
    set on the configuration of the slide being closed (``_base_slide_config``) instead, so they
    show while it plays and after. Without that attribute, falls back to ``next_slide(notes=...)``.
    """
    config = getattr(scene, "_base_slide_config", None)
    if config is not None:
        config.notes = notes
        scene.next_slide()
    else:
        scene.next_slide(notes=notes)


def current_frame(scene) -> np.ndarray:
    """What is on screen now, [height, width, 4] uint8: every mobject drawn once on a clean
    background. The Cairo renderer's ``static_image`` (its kept picture of the still mobjects) is
    set aside while drawing, as it would draw those twice."""
    renderer = scene.renderer
    kept, renderer.static_image = renderer.static_image, None
    renderer.update_frame(scene, ignore_skipping=True)
    renderer.static_image = kept
    return renderer.get_frame().copy()


def render_still(scene, *args, **kwargs):
    """Render ``scene`` (a manim-slides ``Slide``) as a plain Manim scene: for a still (-s) or a
    run without a movie, where ``Slide.render`` would try to cut clips that were never written."""
    from manim import Scene
    return Scene.render(scene, *args, **kwargs)


class _UnusedMuxOptions:
    """Drops Manim 0.21's warning that its own sound-muxing options ("shortest", "metadata")
    were not used: it comes with every narrated scene and says nothing about the render."""

    def filter(self, record) -> bool:
        return "Some options were not used" not in record.getMessage()


def quiet_sound_mux_warning() -> None:
    import logging
    for handler in logging.getLogger("manim").handlers + logging.getLogger().handlers:
        if not any(isinstance(f, _UnusedMuxOptions) for f in handler.filters):
            handler.addFilter(_UnusedMuxOptions())


# --- live key frames: play jumps to each add/remove animation's end -----------------------------
# Key frames without the animations' set-up: ``play`` jumps straight to each animation's end.
#
# Manim's still mode already skips drawing an animation's frames, but it still ``begin``s every
# animation, and for FadeIn, Write and Create that deep-copies the mobjects (the start state, the
# outline): most of a key frame's cost. An animation that only brings a mobject in or takes it out
# ends with the mobject exactly as it was, so its end state is "added" or "removed": no copy
# needed. A plain Transform (and ``.animate``) ends with its mobject become the target (one copy
# of the target, not two more and the start's); a ReplacementTransform with the target in its
# place. Any other animation (MoveToTarget, UpdateFromAlphaFunc...), or a scene whose
# mobjects have updaters, goes through Manim's own ``play`` unchanged.
#
#     use_end_states(scene)       # before scene.construct(); only for still (save_last_frame) renders
#
# ``tests/test_live_stills.py`` checks that every scene's key frames come out pixel for pixel the
# same either way.



def _jumpable(anim) -> bool:
    from manim import AnimationGroup, Create, FadeIn, FadeOut, Indicate, Wait, Write
    if isinstance(anim, AnimationGroup):
        return all(_jumpable(a) for a in anim.animations)
    if isinstance(anim, Wait):
        return anim.is_static_wait
    return isinstance(anim, (FadeIn, FadeOut, Create, Write)) or type(anim) is Indicate or _plain_transform(anim)


def _plain_transform(anim) -> bool:
    """A ``Transform``, a ``ReplacementTransform`` or ``.animate`` (``_MethodAnimation``) itself
    (no other subclass: ``MoveToTarget``, ``TransformMatchingShapes``... do more) along a
    straight path."""
    from manim import ReplacementTransform, Transform
    from manim.animation.transform import _MethodAnimation
    from manim.utils.paths import straight_path
    if type(anim) not in (Transform, ReplacementTransform, _MethodAnimation):
        return False
    return anim.path_arc == 0 and anim.path_arc_centers is None and anim.path_func is straight_path()


def _updating(scene, anims) -> bool:
    """Whether anything on screen or coming in has an updater (time would change it); the
    animations inside a group count one by one (a group's own mobject leaves out what its
    introducers bring in)."""
    from manim import AnimationGroup
    if scene.updaters:
        return True
    family = scene.get_mobject_family_members()
    todo = list(anims)
    while todo:
        a = todo.pop()
        if isinstance(a, AnimationGroup):
            todo.extend(a.animations)
        if getattr(a, "mobject", None) is not None:
            family = family + a.mobject.get_family()
    return any(m.updaters for m in family)


def _jump(anim, scene) -> None:
    """Put ``anim``'s end state in ``scene`` (its mobject added, or removed for a remover)."""
    from manim import AnimationGroup, Wait
    if isinstance(anim, Wait):
        return
    if isinstance(anim, AnimationGroup):
        for sub in anim.animations:
            if anim.remover:
                sub.remover = True
            _jump(sub, scene)
        anim._on_finish(scene)
        return
    from manim import Animation
    anim._setup_scene(scene)
    if _plain_transform(anim):
        # Transform's end: the mobject's family aligned to a copy of the target's (as ``begin``
        # does) and each part with points interpolated to it at alpha 1 (as ``finish`` does,
        # from the mobject itself rather than from a copy of its start: the same at alpha 1);
        # ReplacementTransform's: the target, as it was built, in the mobject's place
        if not anim.replace_mobject_with_target_in_scene:
            target = anim.target_mobject.copy()
            anim.mobject.align_data(target)
            for item in getattr(anim, "methods", ()):   # .animate's finish: the methods on the
                item.method.__func__(anim.mobject, *item.args, **item.kwargs)   # mobject itself
            for part, end in zip(anim.mobject.family_members_with_points(),
                                 target.family_members_with_points(), strict=True):
                part.interpolate(part, end, 1.0, anim.path_func)
        Animation.clean_up_from_scene(anim, scene)
        if anim.replace_mobject_with_target_in_scene:
            scene.replace(anim.mobject, anim.target_mobject)
        return
    Animation.clean_up_from_scene(anim, scene)   # a remover's removal, its on-finish callback;
    # (FadeOut's own clean-up also resets its mobject to the start: unchanged here anyway)


def _undrawn(renderer, stock, scene, *args, **kwargs):
    """Manim's own ``play``, without drawing a frame.

    In still mode Manim 0.21 skips writing frames but still draws them: ``update_frame``'s
    ``ignore_skipping`` defaults to True, so every play draws its still mobjects (the static
    picture) and then the whole frame once more, and a wait draws it again, all thrown away (a
    still's picture is drawn by ``current_frame``, which sets the static picture aside). The
    renderer's ``update_frame`` draws nothing while the play runs; a 3-D camera still takes its
    new angle there (``ThreeDCamera.capture_mobjects`` resets its rotation matrix first)."""
    # a 3-D camera takes its new angle (its rotation matrix, which ``project_point`` reads) when
    # it draws: that much is kept
    keep_angle = getattr(renderer.camera, "reset_rotation_matrix", None)
    renderer.update_frame = lambda *a, **k: keep_angle() if keep_angle else None   # on this renderer only
    try:
        return stock(scene, *args, **kwargs)
    finally:
        del renderer.update_frame


def use_end_states(scene) -> None:
    """Make ``scene``'s renderer jump to the end of every add/remove animation and plain
    transform it plays, and play the others without drawing frames (``_undrawn``)."""
    renderer = scene.renderer
    stock = renderer.play

    def play(self, scene, *args, **kwargs):
        from manim import Animation
        if not all(isinstance(a, Animation) and _jumpable(a) for a in args) or _updating(scene, args):
            return _undrawn(self, stock, scene, *args, **kwargs)
        scene.compile_animation_data(*args, **kwargs)   # adds the non-introducers, the run time
        for anim in scene.animations:
            _jump(anim, scene)
        self.time += scene.duration
        self.num_plays += 1

    renderer.play = types.MethodType(play, renderer)
