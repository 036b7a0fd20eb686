"""The render cache: a re-run with nothing changed copies files; a change re-renders what depends on it."""
import json
import shutil
import time

import pytest

from pipeline import cache
from pipeline.many import data_files, render_cached
from scenes.context import RenderContext


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("GPTX_CACHE", str(tmp_path / "cache"))
    return tmp_path


def test_second_run_comes_from_the_cache_and_is_identical(store):
    ctx = RenderContext(prompt="Emma smiled")
    t0 = time.perf_counter()
    first, hit1 = render_cached("Softmax", store / "a", ctx)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    second, hit2 = render_cached("Softmax", store / "b", ctx)
    warm = time.perf_counter() - t0
    assert (hit1, hit2) == (False, True)
    assert set(first) == set(second)
    for kind in ("mp4", "png", "numbers.json", "srt"):
        assert first[kind].read_bytes() == second[kind].read_bytes()
    assert (store / "b" / "slides" / "Softmax.json").exists()
    print(f"cold {cold:.1f} s, warm {warm:.2f} s")


def test_a_new_prompt_renders_again_only_where_the_prompt_shows(store, monkeypatch):
    import scenes
    render_cached("Softmax", store / "a", RenderContext(prompt="Emma smiled"))
    _, hit = render_cached("Softmax", store / "b", RenderContext(prompt="Mr. Darcy bowed"))
    assert not hit
    # a scene that does not show the prompt is keyed without it
    monkeypatch.setattr(scenes.scene_class("Softmax"), "uses_prompt", False, raising=False)
    _, hit = render_cached("Softmax", store / "c", RenderContext(prompt="Something else entirely"))
    assert not hit
    files, hit = render_cached("Softmax", store / "d", RenderContext(prompt="Yet another prompt"))
    assert hit
    import model
    prov = json.loads(files["numbers.json"].read_text())   # names this render's prompt
    assert prov["prompt"] == "Yet another prompt" and prov["tokens"] == model.run("Yet another prompt").tokens


def test_the_key_covers_options_code_and_data_files():
    base = RenderContext(prompt="Emma")
    files = data_files("default")
    key = cache.cache_key("Softmax", "scenes.softmax", base.picture_options(), files)
    for field, value in (("theme", "light"), ("seed", 1), ("temperature", 1.0), ("quality", "m"),
                         ("layer", 2), ("head", 3), ("prompt", "Jane"), ("size", (256, 144)), ("fps", 5),
                         ("narration", "none"), ("narration", "espeak-ng")):
        other = base.with_(**{field: value}).picture_options()
        assert cache.cache_key("Softmax", "scenes.softmax", other, files) != key, field
    assert cache.cache_key("Softmax", "scenes.temperature", base.picture_options(), files) != key
    assert cache.cache_key("Softmax", "scenes.softmax", base.picture_options(), data_files("small")) != key
    # output paths never change a picture
    moved = base.with_(slides_dir="/elsewhere", provenance_path="/x.json",
                       speech_cache="/speech").picture_options()
    assert cache.cache_key("Softmax", "scenes.softmax", moved, files) == key
    assert (cache.cache_key("Softmax", "scenes.softmax", base.with_(prompt="x").picture_options(False), files)
            == cache.cache_key("Softmax", "scenes.softmax", base.picture_options(False), files))


def test_the_key_follows_every_imported_project_module_and_only_those():
    closure = {p.relative_to(cache.ROOT).as_posix() for p in cache.module_closure("scenes.model_size")}
    # found by reading the imports: ModelSize draws with ParameterCount's helpers
    assert {"scenes/model_size.py", "scenes/parameter_count.py", "scenes/base.py", "scenes/style.py",
            "scenes/context.py", "model/__init__.py", "model/gpt.py", "scenes/__init__.py"} <= closure
    assert "scenes/temperature.py" not in closure and "model/train.py" not in closure


def _copy_project(dest):
    for pkg in cache.PROJECT_PACKAGES:
        shutil.copytree(cache.ROOT / pkg, dest / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def test_editing_an_imported_module_rerenders_and_an_unrelated_one_does_not(tmp_path):
    root = _copy_project(tmp_path / "project")
    before = cache.code_digest("scenes.model_size", root)
    with open(root / "scenes" / "temperature.py", "a") as f:      # a scene ModelSize does not import
        f.write("\n# edited\n")
    assert cache.code_digest("scenes.model_size", root) == before
    with open(root / "scenes" / "parameter_count.py", "a") as f:  # one it does (the stale case)
        f.write("\n# edited\n")
    assert cache.code_digest("scenes.model_size", root) != before
    after = cache.code_digest("scenes.model_size", root)
    with open(root / "scenes" / "components" / "text.py", "a") as f:   # a component it draws with
        f.write("\n# edited\n")
    assert cache.code_digest("scenes.model_size", root) != after


def test_a_stale_module_really_renders_again(store, monkeypatch, tmp_path):
    """End to end: the cache lookup of a scene sees an edit of a module it imports."""
    from pipeline import many
    ctx = RenderContext(prompt="Emma", size=(128, 72), fps=5)
    key1, _ = many.scene_key("ModelSize", ctx)
    root = _copy_project(tmp_path / "project")
    monkeypatch.setattr(cache, "ROOT", root)
    key_copy, _ = many.scene_key("ModelSize", ctx)
    with open(root / "scenes" / "parameter_count.py", "a") as f:
        f.write("\n# edited\n")
    key_edited, _ = many.scene_key("ModelSize", ctx)
    assert key_copy == key1 and key_edited != key1


def test_a_retrained_snapshot_changes_the_key_of_every_checkpoints_render(tmp_path):
    """Training draws the snapshots and ModelSize the other model: their hashes are in the model
    card, which is one of every render's data files."""
    from model.checkpoint import CARD_FILE
    files = data_files("default")
    assert CARD_FILE in files
    options = RenderContext(prompt="Emma").picture_options()
    key = cache.cache_key("Training", "scenes.training", options, files)
    card = tmp_path / CARD_FILE.name
    card.write_text(CARD_FILE.read_text().replace('"snapshots/small_step0.pt"', '"snapshots/other.pt"'))
    changed = [card if f == CARD_FILE else f for f in files]
    assert cache.cache_key("Training", "scenes.training", options, changed) != key
