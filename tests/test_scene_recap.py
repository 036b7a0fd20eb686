"""Recap: the film in five lines, with the prompt's own numbers, each recorded and checked."""
import json

import model
from conftest import render as render_scene
from provenance_check import check_provenance
from scenes.recap import recap_lines


def test_recap_records_the_prompts_numbers(tmp_path):
    prompt = "The cat sat on the mat because it was"
    render_scene("Recap", tmp_path, prompt, movie=False, size=(256, 144), narration="none")
    prov = json.loads((tmp_path / "Recap.numbers.json").read_text())
    assert check_provenance(prov) > 0
    kinds = sorted({e["transform"] for e in prov["numbers"]})
    assert kinds == ["matrix-vector share of the forward pass", "size", "softmax(T=1)"]
    top = next(e for e in prov["numbers"] if e["transform"] == "softmax(T=1)")
    trace = model.run(prompt)
    assert top["index"] == [len(trace.tokens) - 1, int(trace["logits"][-1].argmax())]
    total = sum(e["value"] for e in prov["numbers"] if e["transform"] == "size")
    assert total == 5_839_872


def test_recap_lines_say_the_prompts_numbers():
    cfg = model.config()
    lines = recap_lines(11, cfg, "␣be", 0.304, 5_839_872, 0.9893)
    assert 4 <= len(lines) <= 6
    text = "\n".join(lines)
    for part in ("11 tokens", "11 vectors of 192 numbers", "6 layers", "8,192 scores", "“␣be”", "30.4%",
                 "5,839,872", "98.9%"):
        assert part in text, part
    assert "1 token →" in recap_lines(1, cfg, "x", 0.5, 1, 0.9)[0]
    with_rule = recap_lines(11, cfg, "␣be", 0.304, 5_839_872, 0.9893, "T = 0.8, top-k 40")
    assert len(with_rule) == len(lines) + 1 and "(T = 0.8, top-k 40)" in with_rule[-2]
