import subprocess
import sys

import pytest

import scenes
from conftest import ROOT


def cli(*args, timeout=600):
    return subprocess.run([sys.executable, "render.py", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_list_prints_every_scene_in_film_order():
    result = cli("list")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == scenes.scene_names()
    assert all(len(line.split()) > 1 for line in result.stdout.splitlines())  # with a description


@pytest.mark.parametrize("args, message", [
    (["render", "PredictSample", "--prompt", "   "], "prompt is empty"),
    (["render", "NoSuchScene"], "unknown scene"),
    (["render", "PredictSample", "--checkpoint", "huge"], "unknown checkpoint"),
])
def test_bad_input_is_one_clear_line_and_no_files(tmp_path, args, message):
    result = cli(*args, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_bad_quality_is_rejected_by_the_parser(tmp_path):
    result = cli("render", "PredictSample", "--quality", "z", "--out", str(tmp_path))
    assert result.returncode == 2 and "invalid choice" in result.stderr
