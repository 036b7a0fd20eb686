"""Each undocumented Manim / manim-slides behaviour scenes/manim_internals.py relies on, checked
directly: after an upgrade, a failure here names the installed versions and what changed."""
import json

import numpy as np
import pytest
from manim import FadeOut, ImageMobject, Scene, Square, Transform, tempconfig
from manim_slides import Slide

from scenes import manim_internals as mi
from scenes.components.raster import RasterImage

VERSIONS = mi.versions()


def changed(what: str) -> str:
    return f"{VERSIONS}: {what} (see scenes/manim_internals.py)"


def picture(value: int, alpha: int = 255, size: int = 4) -> np.ndarray:
    img = np.full((size, size, 4), value, dtype=np.uint8)
    img[:, :, 3] = alpha
    return img


def test_set_opacity_scales_the_alpha_copy_set_picture_keeps():
    img = ImageMobject(picture(10))
    mi.set_picture(img, picture(200, alpha=200))
    img.set_opacity(0.5)
    assert np.array_equal(img.pixel_array[:, :, :3], picture(200)[:, :, :3]), changed(
        "set_opacity changes the colour channels")
    assert np.all(img.pixel_array[:, :, 3] == 100), changed(
        "ImageMobject.set_opacity no longer scales orig_alpha_pixel_array")


def test_set_picture_of_another_size_and_scale_alpha():
    img = ImageMobject(picture(10))
    mi.set_picture(img, picture(50, alpha=100, size=6), opacity=0.5)
    assert img.pixel_array.shape == (6, 6, 4) and np.all(img.pixel_array[:, :, 3] == 50)
    mi.scale_alpha(img, 1.0)
    assert np.all(img.pixel_array[:, :, 3] == 100)


def test_transform_of_two_images_blends_through_interpolate_color():
    with tempconfig({"pixel_height": 144, "pixel_width": 256}):
        a, b = RasterImage(picture(0)), RasterImage(picture(200))
        anim = Transform(a, b)
        anim.begin()
        anim.interpolate(0.5)
    blended = a.pixel_array[:, :, :3]
    assert np.all(blended == 100), changed(
        f"Transform between ImageMobjects no longer blends via interpolate_color (got {blended[0, 0]})")


def test_a_fade_rescales_alpha_of_the_same_drawing_only():
    with tempconfig({"pixel_height": 144, "pixel_width": 256}):
        img = RasterImage(picture(120, alpha=200))
        anim = FadeOut(img)
        anim.begin()
        anim.interpolate(0.5)
    assert np.all(img.pixel_array[:, :, :3] == 120), changed("a fade changed an image's colours")
    assert abs(int(img.pixel_array[0, 0, 3]) - 100) <= 1, changed(
        f"a fade of an ImageMobject no longer goes through interpolate_color with opacity "
        f"(alpha {img.pixel_array[0, 0, 3]} at half way, want 100)")


class TwoSlides(Slide):
    skip_reversing = True

    def construct(self):
        self.play(FadeOut(Square()), run_time=0.2)
        mi.close_slide_with_notes(self, "notes of slide one")
        self.play(FadeOut(Square()), run_time=0.2)


@pytest.fixture(scope="module")
def slides(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("slides")
    mi.use_fast_encoder()
    with tempconfig({"pixel_height": 72, "pixel_width": 128, "frame_rate": 5, "media_dir": str(tmp / "media"),
                     "disable_caching": True, "progress_bar": "none", "verbosity": "WARNING",
                     "output_file": "TwoSlides"}):
        scene = TwoSlides()
        mi.use_slides_folder(scene, tmp / "out")
        scene.render()
    return scene, tmp / "out"


def test_the_slides_folder_is_where_manim_slides_writes(slides):
    _, folder = slides
    assert (folder / "TwoSlides.json").exists(), changed(
        f"manim-slides no longer writes into Slide._output_folder ({list(folder.parent.rglob('*.json'))})")


def test_notes_land_on_the_slide_being_closed(slides):
    _, folder = slides
    data = json.loads((folder / "TwoSlides.json").read_text())
    notes = [s.get("notes", "") for s in data["slides"]]
    assert notes[:2] == ["notes of slide one", ""], changed(
        f"_base_slide_config.notes no longer becomes the closed slide's notes (got {notes})")


def test_the_fast_preset_reaches_the_encoder(slides):
    scene, _ = slides
    assert getattr(scene.renderer.file_writer, "gptx_preset", None) == mi.PRESET, changed(
        "SceneFileWriter.open_partial_movie_stream no longer opens _current_encode_job.stream "
        "with libx264, so the encoder preset is not set")


def test_a_still_renders_without_cutting_slides(tmp_path):
    class Still(Slide):
        def construct(self):
            self.add(Square())
            self.next_slide()

    with tempconfig({"pixel_height": 72, "pixel_width": 128, "media_dir": str(tmp_path / "media"),
                     "save_last_frame": True, "write_to_movie": False, "progress_bar": "none",
                     "verbosity": "WARNING", "disable_caching": True}):
        scene = Still()
        mi.use_slides_folder(scene, tmp_path / "out")
        mi.render_still(scene)
        frame = scene.renderer.get_frame()
    assert frame.shape[:2] == (72, 128), changed("Scene.render of a Slide did not draw a frame")
    assert not (tmp_path / "out").exists(), changed("Scene.render of a Slide wrote slides")
    assert Slide.render is not Scene.render, changed("manim-slides no longer overrides Scene.render")
