"""The gallery: every component on real numbers, each page's last frame at 480p, nothing cut off."""
import json

import numpy as np
import pytest
from manim import config, tempconfig

from provenance_check import check_provenance
from scenes.context import RenderContext
from scenes.gallery import PAGES, Gallery, GallerySpace

FRAME_W, FRAME_H = 14.23, 8.0


def render_still(cls, tmp_path):
    with tempconfig({"quality": "low_quality", "media_dir": str(tmp_path), "disable_caching": True,
                     "progress_bar": "none", "verbosity": "ERROR", "write_to_movie": False,
                     "save_last_frame": True}):
        scene = cls(context=RenderContext(provenance_path=tmp_path / "numbers.json"))
        scene.render()
        frame = scene.renderer.get_frame()
        width, height = config.frame_width, config.frame_height
    return scene, frame, width, height


def assert_on_screen(scene, width, height):
    for mob in scene.mobjects:
        for part in mob.get_family():
            if part.get_num_points() == 0 and not hasattr(part, "pixel_array"):
                continue
            left, right = part.get_left()[0], part.get_right()[0]
            bottom, top = part.get_bottom()[1], part.get_top()[1]
            assert -width / 2 - 1e-3 <= left and right <= width / 2 + 1e-3, (type(part).__name__, left, right)
            assert -height / 2 - 1e-3 <= bottom and top <= height / 2 + 1e-3, (type(part).__name__, bottom, top)


@pytest.mark.parametrize("page", PAGES)
def test_gallery_page(page, tmp_path):
    cls = type(f"Gallery_{page}", (Gallery,), {"pages": (page,)})
    scene, frame, w, h = render_still(cls, tmp_path)
    assert frame.shape[:2] == (480, 854)
    assert_on_screen(scene, w, h)
    bg = np.array([0x0F, 0x11, 0x17])
    assert (np.abs(frame[..., :3].astype(int) - bg).sum(-1) > 60).mean() > 0.03
    prov = json.loads((tmp_path / "numbers.json").read_text())
    if page != "structure":  # the structure page draws shapes and counts, not activations
        assert check_provenance(prov) > 0
    else:
        import model
        from scenes.components import ParameterTally
        tally = next(m for m in scene.mobjects for p in m.get_family() if isinstance(p, ParameterTally))
        tally = next(p for p in tally.get_family() if isinstance(p, ParameterTally))
        n_params = sum(p.numel() for p in model.checkpoint.load("default").parameters())
        assert tally.total == n_params


def test_gallery_space(tmp_path):
    scene, frame, w, h = render_still(GallerySpace, tmp_path)
    bg = np.array([0x0F, 0x11, 0x17])
    assert (np.abs(frame[..., :3].astype(int) - bg).sum(-1) > 60).mean() > 0.005
