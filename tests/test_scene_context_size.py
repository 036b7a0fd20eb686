"""ContextSize: the window drawn is the model's n_ctx; what falls out is everything before the last n_ctx."""

import numpy as np
import pytest
from manim import tempconfig

import model
from scenes import style
from scenes.context import RenderContext
from scenes.components.raster import px_per_unit
from scenes.context_size import (GPT3_CONTEXT, PAST_WINDOW, TAPE_WIDTH, ContextSize, dropped,
                                 long_text, window)

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance

TH = style.THEMES["dark"]   # the palette these tests draw in


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_context_size_ends_on_the_last_n_ctx_tokens(prompt, tmp_path):
    prov = still_provenance("ContextSize", tmp_path, prompt)
    n_ctx = model.run(prompt).config["n_ctx"]
    tokens, n_prompt = long_text(prompt, n_ctx, 0, "default")        # the text the scene drew
    prompt_ids = model.get_encoding().encode(prompt)
    assert list(tokens[:n_prompt]) == prompt_ids                      # the prompt, then the model's
    assert len(tokens) == max(len(prompt_ids), n_ctx + PAST_WINDOW)
    assert prov["tokens"] == list(tokens[-n_ctx:])                    # what the model sees at the end
    assert dropped(list(tokens), n_ctx) == list(tokens[: len(tokens) - n_ctx])
    assert len(dropped(list(tokens), n_ctx)) == len(tokens) - n_ctx > 0
    assert prov["numbers"] == []                                      # sizes only, no tensor values
    assert (tmp_path / "ContextSize.png").exists()


def test_window_is_the_last_n_ctx_tokens():
    assert window(5, 128) == (0, 5)
    assert window(128, 128) == (0, 128)
    assert window(168, 128) == (40, 168)
    assert GPT3_CONTEXT == 2048


def test_the_frame_drawn_on_the_tape_is_n_ctx_tokens_wide():
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "dry_run": True}):
        scene = ContextSize(context=RenderContext(prompt=PROMPTS[1]))
        scene.setup()
        scene.n_ctx = scene.trace.config["n_ctx"]
        scene.make_text()
        assert scene.n_ctx == 128
        text = np.array([int(round(255 * c)) for c in TH.text.to_rgb()])
        for seen in (scene.start, scene.n):
            scene.seen.set_value(seen)
            pixels = scene.draw_tape().pixel_array[:, :, :3].astype(int)
            is_text = np.all(np.abs(pixels - text) <= 2, axis=2)
            top_edge = is_text.sum(axis=1).max()         # the frame's top stroke: its full width
            want = scene.n_ctx * TAPE_WIDTH / scene.n * px_per_unit()
            assert abs(top_edge - want) <= 0.1 * px_per_unit() + 2, (seen, top_edge, want)


def test_a_cjk_prompt_is_drawn_as_its_characters_not_bytes():
    """The edge readouts write the prompt's characters (a character split over byte tokens goes
    whole to the token that completes it), never \\xNN."""
    prompt = "我喜欢读书，也喜欢写字。"
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "dry_run": True}):
        scene = ContextSize(context=RenderContext(prompt=prompt, narration="none"))
        scene.setup()
        scene.n_ctx = scene.trace.config["n_ctx"]
        scene.make_text()
        assert "".join(scene.pieces[:scene.n_prompt]) == prompt
        scene.seen.set_value(scene.start)
        drawn = "".join(box[4] for box in scene.draw_panels().text_boxes)
        assert "我喜欢" in drawn and "\\x" not in drawn


def test_a_repainted_readout_reads_its_new_text():
    """While the window slides, the readouts are repainted in place: they then hold the new
    text boxes too (the notes and the layout check read those), not the first slide's."""
    from scenes.context_size import repaint
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "dry_run": True}):
        scene = ContextSize(context=RenderContext(prompt=PROMPTS[1], narration="none"))
        scene.setup()
        scene.n_ctx = scene.trace.config["n_ctx"]
        scene.make_text()
        scene.seen.set_value(scene.start)
        image = scene.draw_panels()
        scene.seen.set_value(scene.n)
        new = scene.draw_panels()
        assert [b[4] for b in image.text_boxes] != [b[4] for b in new.text_boxes]
        repaint(image, new)
        assert [b[4] for b in image.text_boxes] == [b[4] for b in new.text_boxes]
