"""The render cache: a re-run with nothing changed copies files; a change re-renders what depends on it."""
import time

import pytest

from render import Options, render_cached
from scenes.output import cache


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("GPTX_CACHE", str(tmp_path / "cache"))
    return tmp_path


def test_second_run_comes_from_the_cache_and_is_identical(store):
    opts = Options(prompt="Emma smiled")
    t0 = time.perf_counter()
    first, hit1 = render_cached("Softmax", store / "a", opts)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    second, hit2 = render_cached("Softmax", store / "b", opts)
    warm = time.perf_counter() - t0
    assert (hit1, hit2) == (False, True)
    assert set(first) == set(second)
    for kind in ("mp4", "png", "numbers.json", "srt"):
        assert first[kind].read_bytes() == second[kind].read_bytes()
    assert (store / "b" / "slides" / "Softmax.json").exists()
    assert str((store / "b").resolve()) in (store / "b" / "slides" / "Softmax.json").read_text()
    print(f"cold {cold:.1f} s, warm {warm:.2f} s")


def test_a_new_prompt_renders_again_only_where_the_prompt_shows(store, monkeypatch):
    import scenes
    render_cached("Softmax", store / "a", Options(prompt="Emma smiled"))
    _, hit = render_cached("Softmax", store / "b", Options(prompt="Mr. Darcy bowed"))
    assert not hit
    # a scene that does not show the prompt is keyed without it
    monkeypatch.setattr(scenes.scene_class("Softmax"), "uses_prompt", False, raising=False)
    _, hit = render_cached("Softmax", store / "c", Options(prompt="Something else entirely"))
    assert not hit
    files, hit = render_cached("Softmax", store / "d", Options(prompt="Yet another prompt"))
    assert hit
    import json

    import model
    prov = json.loads(files["numbers.json"].read_text())   # names this render's prompt
    assert prov["prompt"] == "Yet another prompt" and prov["tokens"] == model.run("Yet another prompt").tokens


def test_the_key_covers_options_code_and_checkpoint(tmp_path):
    from model.checkpoint import checkpoint_file
    ck = checkpoint_file("default")
    base = dict(Options(prompt="Emma").__dict__)
    key = cache.cache_key("Softmax", "scenes.softmax", base, True, ck)
    for field, value in (("theme", "light"), ("seed", 1), ("temperature", 1.0), ("quality", "m"),
                         ("layer", 2), ("head", 3), ("prompt", "Jane")):
        assert cache.cache_key("Softmax", "scenes.softmax", {**base, field: value}, True, ck) != key
    assert cache.cache_key("Softmax", "scenes.temperature", base, True, ck) != key   # other code
    assert cache.cache_key("Softmax", "scenes.softmax", base, True, checkpoint_file("small")) != key
    assert (cache.cache_key("Softmax", "scenes.softmax", {**base, "prompt": "x"}, False, ck)
            == cache.cache_key("Softmax", "scenes.softmax", base, False, ck))
