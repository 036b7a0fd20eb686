"""The theme travels with each render: two scenes rendered in one process, one light and one
dark, each draw in their own palette (no module remembers the theme of the render before)."""
import numpy as np
import pytest
from PIL import Image

from scenes import style

from conftest import render


def rgb255(color) -> np.ndarray:
    return np.round(255 * np.array(color.to_rgb())).astype(int)


def pixels_near(img: np.ndarray, color, tol: int = 6) -> int:
    return int((np.abs(img.astype(int) - rgb255(color)).max(-1) <= tol).sum())


def test_light_then_dark_in_one_process_each_get_their_own_colours(tmp_path):
    frames = {}
    for name in ("light", "dark", "light"):      # back to light: nothing left over from dark
        files = render("Title", tmp_path / f"{name}{len(frames)}", movie=False, size=(427, 240), theme=name)
        frames[f"{name}{len(frames)}"] = np.asarray(Image.open(files["png"]).convert("RGB"))
    for key, img in frames.items():
        own = style.THEMES[key.rstrip("0123456789")]
        other = style.THEMES["dark" if own.name == "light" else "light"]
        corner = img[0, 0]
        assert np.abs(corner.astype(int) - rgb255(own.background)).max() <= 1, (key, corner)
        assert pixels_near(img, own.text) > 100, f"{key}: no text in the theme's text colour"
        assert pixels_near(img, own.background) > img.shape[0] * img.shape[1] // 2, key
        assert pixels_near(img, other.background, tol=3) == 0, f"{key}: the other theme's background"
    assert np.array_equal(frames["light0"], frames["light2"])


def test_an_unknown_theme_name_is_refused():
    with pytest.raises(ValueError, match="unknown theme"):
        style.theme_named("neon")


def test_components_need_a_theme():
    from scenes.components.text import label
    from scenes.components.weight_matrix import WeightMatrix

    with pytest.raises(TypeError):
        WeightMatrix(np.ones((2, 2)))
    with pytest.raises(TypeError):
        label("no colour given")
