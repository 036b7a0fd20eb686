"""Key frames without the animations' set-up: ``play`` jumps straight to each animation's end.

Manim's still mode already skips drawing an animation's frames, but it still ``begin``s every
animation, and for FadeIn, Write and Create that deep-copies the mobjects (the start state, the
outline): most of a key frame's cost. An animation that only brings a mobject in or takes it out
ends with the mobject exactly as it was, so its end state is "added" or "removed": no copy
needed. Any other animation (Transform, ``.animate``, UpdateFromAlphaFunc...), or a scene whose
mobjects have updaters, goes through Manim's own ``play`` unchanged.

    use_end_states(scene)       # before scene.construct(); only for still (save_last_frame) renders

``tests/test_live_stills.py`` checks that every scene's key frames come out pixel for pixel the
same either way.
"""
from __future__ import annotations

import types


def _jumpable(anim) -> bool:
    from manim import AnimationGroup, Create, FadeIn, FadeOut, Indicate, Wait, Write
    if isinstance(anim, AnimationGroup):
        return all(_jumpable(a) for a in anim.animations)
    if isinstance(anim, Wait):
        return anim.is_static_wait
    return isinstance(anim, (FadeIn, FadeOut, Create, Write)) or type(anim) is Indicate


def _updating(scene, anims) -> bool:
    """Whether anything on screen or coming in has an updater (time would change it)."""
    if scene.updaters:
        return True
    family = scene.get_mobject_family_members()
    for a in anims:
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
    Animation.clean_up_from_scene(anim, scene)   # a remover's removal, its on-finish callback;
    # (FadeOut's own clean-up also resets its mobject to the start: unchanged here anyway)


def use_end_states(scene) -> None:
    """Make ``scene``'s renderer jump to the end of every add/remove animation it plays."""
    renderer = scene.renderer
    stock = renderer.play

    def play(self, scene, *args, **kwargs):
        from manim import Animation
        if not all(isinstance(a, Animation) and _jumpable(a) for a in args) or _updating(scene, args):
            return stock(scene, *args, **kwargs)
        scene.compile_animation_data(*args, **kwargs)   # adds the non-introducers, the run time
        for anim in scene.animations:
            _jump(anim, scene)
        self.time += scene.duration
        self.num_plays += 1

    renderer.play = types.MethodType(play, renderer)
