"""render.py batch on a real Dask cluster (a scheduler and two workers on 127.0.0.1), its resume,
its manifest, its provenance, and its bad inputs."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from provenance_check import check_provenance

SCENES = ["Softmax", "ParameterCount"]   # cheap; ParameterCount does not read the prompt
SMALL = ["--resolution", "128,72", "--fps", "5"]
CSV = ("name,prompt\n"
       "alice,Emma smiled at her father and\n"
       "bob,Mr. Darcy bowed\n"
       "carol,\"She said, \"\"I shall\"\"\"\n"
       "dave,bad \x01 prompt\n"
       "erin,The weather was cold and\n")
GOOD = ["alice", "bob", "carol", "erin"]
OK = {"rendered", "cached", "finished earlier", "joined"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(scheduler address, env): a `dask scheduler` and two single-threaded `dask worker`s."""
    tmp = tmp_path_factory.mktemp("cluster")
    env = dict(os.environ, GPTX_CACHE=str(tmp / "cache"), PYTHONPATH=str(ROOT))
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                 "--nworkers", "1", "--host", "127.0.0.1", "--no-dashboard", "--memory-limit", "0"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, env
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


def batch_cmd(prompts: Path, out: Path, address: str) -> list[str]:
    return [sys.executable, str(ROOT / "render.py"), "batch", str(prompts), *SCENES, "--film",
            "--out", str(out), "--scheduler", address, *SMALL]


def sha256(path: Path) -> str:
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_manifest_matches_files(out: Path) -> dict:
    data = json.loads((out / "manifest.json").read_text())
    listed = set()
    for e in data["entries"]:
        if e["name"] == "dave":
            assert e["status"] == "bad line" and "U+0001" in e["error"], e
            continue
        assert e["status"] in OK, e
        for rel, digest in e["files"].items():
            assert sha256(out / rel) == digest, rel
            listed.add(rel)
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == listed
    assert {(e["name"], e["scene"]) for e in data["entries"]} == {
        (n, s) for n in GOOD + ["dave"] for s in SCENES + ["film"]}
    return data


@pytest.fixture(scope="module")
def first_run(cluster, tmp_path_factory):
    """The batch run once while one worker process is killed (kill -9) in the middle of a task."""
    address, env = cluster
    tmp = tmp_path_factory.mktemp("batch")
    prompts, out = tmp / "class.csv", tmp / "out"
    prompts.write_text(CSV)
    run = subprocess.Popen(batch_cmd(prompts, out, address), cwd=ROOT, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    killed = None
    try:
        deadline = time.time() + 90
        while killed is None and run.poll() is None and time.time() < deadline:
            for stage in (out / ".partial").glob("*/Softmax.*"):
                name, pid = stage.parent.name, int(stage.name.split(".")[1])
                if pid == run.pid:
                    continue
                os.kill(pid, signal.SIGKILL)
                # still staged, not placed: the worker died in the middle of the task
                killed = (name, stage.exists() and not (out / name / "Softmax.numbers.json").exists())
                break
            time.sleep(0.01)
        stdout, stderr = run.communicate(timeout=150)
    finally:
        if run.poll() is None:
            run.kill()
    return out, prompts, run.returncode, stdout, stderr, killed


def test_batch_completes_on_a_cluster_despite_a_killed_worker(first_run):
    out, _, code, stdout, stderr, killed = first_run
    assert killed is not None and killed[1], f"no worker was killed in the middle of a task: {killed}"
    assert code == 1, stderr                       # one bad line: the exit status says so
    assert "class.csv:5: the prompt contains control characters" in stderr
    for name in GOOD:
        for f in ["film.mp4", "film.srt"] + [f"{s}.{k}" for s in SCENES
                                            for k in ("mp4", "png", "srt", "numbers.json")]:
            assert (out / name / f).stat().st_size > 0, (name, f)
    assert not (out / "dave").exists()
    assert not (out / ".partial").exists()
    assert not list(out.rglob("*.part"))
    data = check_manifest_matches_files(out)
    counts = [e["status"] for e in data["entries"] if e["scene"] == "ParameterCount" and e["name"] != "dave"]
    assert counts.count("rendered") == 1 and counts.count("cached") == 3, counts  # once per set


def test_every_provenance_file_checks_against_a_fresh_trace(first_run):
    out = first_run[0]
    for name in GOOD:
        for scene in SCENES:
            prov = json.loads((out / name / f"{scene}.numbers.json").read_text())
            assert prov["scene"] == scene
            assert check_provenance(prov) > 0


def test_second_run_skips_everything_then_redoes_only_a_damaged_scene(first_run, cluster):
    out, prompts, *_ = first_run
    address, env = cluster
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"}
    again = subprocess.run(batch_cmd(prompts, out, address), cwd=ROOT, env=env, text=True,
                           capture_output=True, timeout=120)
    assert again.returncode == 1, again.stderr
    assert "nothing left to do" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in before} == before
    data = check_manifest_matches_files(out)
    assert {e["status"] for e in data["entries"] if e["name"] != "dave"} == {"finished earlier"}

    (out / "bob" / "Softmax.png").write_bytes(b"")          # a damaged file: redone, with its film
    third = subprocess.run(batch_cmd(prompts, out, address), cwd=ROOT, env=env, text=True,
                           capture_output=True, timeout=120)
    assert third.returncode == 1, third.stderr
    data = check_manifest_matches_files(out)
    redone = {(e["name"], e["scene"]) for e in data["entries"]
              if e["status"] not in ("finished earlier", "bad line")}
    assert redone == {("bob", "Softmax"), ("bob", "film")}


def test_changed_options_are_not_finished(first_run):
    """The plan of the same set with another theme sends every scene again (another cache key);
    with the same options it sends nothing."""
    sys.path.insert(0, str(ROOT))
    from pipeline.batch import BatchOptions, plan
    out, prompts, *_ = first_run
    same = {"size": (128, 72), "fps": 5}
    for options, expected in ((same, {"finished earlier"}), ({**same, "theme": "light"}, {"pending"})):
        _, join, items, bad = plan(BatchOptions(prompts, out, SCENES, options, film=True),
                                   log=lambda *a, **k: None)
        assert join and [line for line, _ in bad] == [5]
        assert {i.entry["status"] for i in items if i.job.name != "dave"} == expected, options

    # a scene the manifest left pending (a stopped batch) is sent again though its files are there
    manifest = out / "manifest.json"
    saved = manifest.read_text()
    try:
        data = json.loads(saved)
        for e in data["entries"]:
            if (e["name"], e["scene"]) == ("carol", "Softmax"):
                e["status"] = "pending"
        manifest.write_text(json.dumps(data))
        _, _, items, _ = plan(BatchOptions(prompts, out, SCENES, same, film=True), log=lambda *a, **k: None)
        assert {(i.job.name, i.scene) for i in items if i.entry["status"] == "pending"} == {
            ("carol", "Softmax"), ("carol", "film")}
    finally:
        manifest.write_text(saved)


# --- bad input: one line, exit 2, nothing written ---------------------------------------------
def run_main(args: list[str], capsys) -> tuple[int, str]:
    sys.path.insert(0, str(ROOT))
    import render
    code = render.main(args)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("content, message", [
    (b"", "holds no prompt"),
    (b"\n   \n\n", "holds no prompt"),
    (b"\xff\xfe not text", "is not UTF-8"),
    (b"name,text\nalice,Emma\n", "has no 'prompt' column"),
    (None, "cannot read the prompts file"),
])
def test_bad_prompts_file(tmp_path, capsys, content, message):
    prompts = tmp_path / ("p.csv" if content and b"," in content else "p.txt")
    if content is not None:
        prompts.write_bytes(content)
    code, err = run_main(["batch", str(prompts), "Softmax", "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "out").exists()


def test_every_line_bad(tmp_path, capsys):
    prompts = tmp_path / "p.txt"
    prompts.write_text("ok \x02 no\n\nbad \x7f too\n")
    code, err = run_main(["batch", str(prompts), "Softmax", "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert f"{prompts}:1: " in err and f"{prompts}:3: " in err and "no line of" in err
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler(tmp_path, capsys):
    prompts = tmp_path / "p.txt"
    prompts.write_text("Emma smiled\n")
    start = time.time()
    code, err = run_main(["batch", str(prompts), "Softmax", "--out", str(tmp_path / "out"),
                          "--scheduler", f"tcp://127.0.0.1:{free_port()}", "--connect-timeout", "2"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "cannot reach the Dask scheduler" in err, err
    assert time.time() - start < 30
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize("option, message", [
    (["--resolution", "12x7"], "--resolution"), (["--fps", "0"], "--fps"),
    (["--head", "99"], "head 99 is out of range"), (["--workers", "0"], "--workers"),
    (["--connect-timeout", "0"], "--connect-timeout"), (["--checkpoint", "huge"], "unknown checkpoint"), (["NoSuchScene"], "unknown scene")])
def test_bad_options(tmp_path, capsys, option, message):
    prompts = tmp_path / "p.txt"
    prompts.write_text("Emma smiled\n")
    scenes, option = (option, []) if option[0][0] != "-" else (["Softmax"], option)
    code, err = run_main(["batch", str(prompts), *scenes, "--out", str(tmp_path / "out"), *option], capsys)
    assert code == 2 and err.count("\n") == 1 and message in err, err


def test_read_prompts_names_and_lines(tmp_path):
    sys.path.insert(0, str(ROOT))
    from pipeline.batch_input import read_prompts
    text = tmp_path / "p.txt"
    text.write_text("Emma smiled!\n\nEmma smiled?\r\n   \nÉlise went\n")
    jobs, bad = read_prompts(text)
    assert [(j.line, j.name, j.prompt) for j in jobs] == [
        (1, "emma-smiled", "Emma smiled!"), (3, "emma-smiled-2", "Emma smiled?"), (5, "elise-went", "Élise went")]
    assert bad == []
    table = tmp_path / "p.csv"
    table.write_text("Name,Prompt\nann,Hello there\nann,Again\n../x,Up\n,No name given\nbo,\n")
    jobs, bad = read_prompts(table)
    assert [(j.line, j.name) for j in jobs] == [(2, "ann"), (5, "no-name-given")]
    assert [line for line, _ in bad] == [3, 4, 6]
    assert "already used on line 2" in bad[0][1]
