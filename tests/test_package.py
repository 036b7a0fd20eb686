"""`pip install .` gives a package that renders from any folder: the wheel's contents, and a
render by the installed `gpt-explainer` command in a fresh virtual environment.

The fresh environment takes the heavy dependencies (torch, manim) from this one through a
path file added after the install, so nothing is downloaded; the wheel itself is installed with
--no-deps --no-index.
"""
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

ASSETS = ["default.pt", "small.pt", "tokenizer.tiktoken", "model_card.json", "MODEL_CARD.md",
          "snapshots/small_step0.pt", "snapshots/small_step100.pt"]
SKIP = shutil.ignore_patterns(".venv", ".deps", ".git", "build", "*.egg-info", "__pycache__",
                              "film", "runs", "media", ".pytest_cache", "*.whl")


def subpackages() -> set[str]:
    """Every folder of the project's packages holding an __init__.py, as wheel paths."""
    return {p.relative_to(ROOT).as_posix() for pkg in ("model", "scenes", "pipeline")
            for p in (ROOT / pkg).rglob("__init__.py") if "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the checkout (the build leaves nothing in the tree)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=SKIP, symlinks=False)
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                          "--no-build-isolation", "--no-index", str(src), "-w", str(tmp / "dist")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    (found,) = (tmp / "dist").glob("gpt_explainer-*.whl")
    return found


def test_the_wheel_carries_assets_every_subpackage_and_the_command(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for asset in ASSETS:
        assert f"model/assets/{asset}" in names, asset
    for init in subpackages():
        assert init in names, init
    assert "render.py" in names and "pipeline/locations.py" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "gpt-explainer = render:main" in zipfile.ZipFile(wheel).read(entry).decode()
    assert not any(n.startswith(("tests/", "film/", "runs/")) for n in names)


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed, torch and manim borrowed."""
    env = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    python = env / "bin" / "python"
    run = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                          "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    # after the install, so pip never sees (or touches) the shared environment's packages
    Path(own, "zz_shared.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


def in_venv(env: Path, *args, cwd: Path, **env_vars):
    import os
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environ.update(env_vars)
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=900, env=environ)


def test_installed_modules_come_from_the_wheel_not_the_checkout(venv, tmp_path):
    code = ("import model, scenes, pipeline, render, scenes.components; "
            "print(model.__file__, scenes.__file__, pipeline.__file__, render.__file__); "
            "print(model.run('Emma smiled').tokens)")
    run = in_venv(venv, str(venv / "bin" / "python"), "-c", code, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    files, tokens = run.stdout.splitlines()
    assert all(f.startswith(str(venv)) for f in files.split()), files
    import model
    assert tokens == str(model.run("Emma smiled").tokens)


def test_installed_command_renders_from_any_folder(venv, tmp_path):
    folder = tmp_path / "somewhere else"
    folder.mkdir()
    run = in_venv(venv, str(venv / "bin" / "gpt-explainer"), "render", "Softmax",
                  "--resolution", "128,72", "--fps", "5", "--no-cache", "--out", "out",
                  cwd=folder, GPTX_CACHE=str(tmp_path / "cache"))
    assert run.returncode == 0, run.stderr[-3000:]
    out = folder / "out" / "72p5"
    for ext in ("mp4", "png", "numbers.json", "srt"):
        assert (out / f"Softmax.{ext}").stat().st_size > 0, ext
    assert (out / "slides" / "Softmax.json").exists()
    version = in_venv(venv, str(venv / "bin" / "gpt-explainer"), "--version", cwd=folder)
    assert version.stdout.startswith("gpt-explainer 0.")


def test_installed_deck_says_how_to_get_reveal_js(venv, tmp_path):
    run = in_venv(venv, str(venv / "bin" / "gpt-explainer"), "deck", "Softmax", "--out", "d.html",
                  cwd=tmp_path, XDG_DATA_HOME=str(tmp_path / "data"), GPTX_REVEAL_JS="")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert f"npm install --prefix {tmp_path / 'data' / 'gpt-explainer'} reveal.js@" in run.stderr
