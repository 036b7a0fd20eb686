"""ParameterCount: GPT-3's figures follow from its sizes; this model's tally is its real weights."""
import json

import numpy as np
import pytest

import model
from model.checkpoint import load, read_card
from provenance_check import check_provenance
from conftest import render as render_scene
from scenes.parameter_count import (EXTRA_GROUPS, GPT3, MATRIX_GROUPS, NOT_PARAMETERS, group_of, grouped,
                                    matrix_groups)
from scenes.shapes import drawn_shape, shape_text


def test_gpt3_groups_follow_from_its_sizes():
    g = GPT3
    assert g.d_mlp == 4 * g.d_embed == 49_152
    assert g.n_heads * g.d_head == g.d_embed
    by_name = {m.name: m for m in g.groups}
    assert list(by_name) == list(g.FIGURES)
    assert {n: m.parameters for n, m in by_name.items()} == g.FIGURES
    # e.g. Key: 12,288 × 128 per head, 96 heads in each of 96 layers
    assert by_name["Key"].parameters == 12_288 * 128 * 96 * 96 == 14_495_514_624
    assert by_name["Up-projection"].parameters == 12_288 * 49_152 * 96
    assert by_name["Embedding"].parameters == by_name["Unembedding"].parameters == 50_257 * 12_288


def test_gpt3_total_and_matrix_count():
    assert sum(GPT3.FIGURES.values()) == sum(m.parameters for m in GPT3.groups) == GPT3.TOTAL == 175_181_291_520
    # 27,938 matrices: per head a key, query and value-down matrix in each layer, per layer one
    # value-up (output) matrix and the two MLP matrices, plus the embedding and the unembedding.
    L, H = GPT3.n_layers, GPT3.n_heads
    assert sum(m.count for m in GPT3.groups) == GPT3.MATRICES == 1 + 3 * L * H + 3 * L + 1 == 27_938
    # counting a value-up matrix per head instead would give another number
    assert 1 + 4 * L * H + 2 * L + 1 == 37_058 != GPT3.MATRICES


@pytest.mark.parametrize("checkpoint", ["small", "default"])
def test_every_parameter_is_in_exactly_one_group(checkpoint):
    w = model.weights(checkpoint)
    groups = grouped(w)
    assert set(groups) == {g for g, _ in MATRIX_GROUPS} | set(EXTRA_GROUPS)
    names = [n for ns in groups.values() for n in ns]
    assert sorted(names) == sorted(k for k in w if k not in NOT_PARAMETERS)   # each once, b_U left out
    assert not np.any(w["b_U"]) and load(checkpoint).unembed.bias is None     # b_U: no such parameter
    total = sum(w[n].size for n in names)
    assert total == sum(p.numel() for p in load(checkpoint).parameters())     # what torch trains
    assert total == read_card()["checkpoints"][checkpoint]["parameters"]
    assert group_of("blocks.0.attn.b_Q") == "Biases" and group_of("blocks.3.ln2.w") == "Layer norms"
    with pytest.raises(ValueError):
        group_of("blocks.0.attn.W_X")


def test_scene_records_one_size_per_weight_and_they_add_up(tmp_path):
    render_scene("ParameterCount", tmp_path, movie=False, size=(256, 144))
    prov = json.loads((tmp_path / "ParameterCount.numbers.json").read_text())
    assert check_provenance(prov) > 0
    w = model.weights(prov["checkpoint"])
    entries = prov["numbers"]
    assert all(e["transform"] == "size" and e["index"] == [] for e in entries)
    sources = [e["source"] for e in entries]
    assert sorted(sources) == sorted(k for k in w if k != "b_U")              # every weight, once
    total = sum(e["value"] for e in entries)
    assert total == sum(w[k].size for k in w if k != "b_U") == 5_839_872


def test_shapes_are_written_in_the_orientation_every_scene_draws(tmp_path, monkeypatch):
    """ParameterCount's shape strings are the shapes EmbeddingMatrix, Attention, WeightsAndData,
    MLP and Unembedding actually hand their matrix components (one orientation everywhere)."""
    cfg = model.config()
    rows = {g.weight: f"{g.rows:,} × {g.cols:,}" for g in matrix_groups(cfg)}
    assert rows == {w: shape_text(w, cfg) for _, w in MATRIX_GROUPS}
    assert rows["W_E"] == "192 × 8,192" and rows["W_Q"] == "32 × 192" and rows["W_in"] == "768 × 192"
    assert shape_text("W_pos", cfg) == "192 × 128"
    from scenes.components import column_matrix, weight_matrix
    drawn: list[tuple[int, int]] = []
    for cls in (column_matrix.ColumnMatrix, weight_matrix.WeightMatrix):
        init = cls.__init__

        def spy(self, *a, _init=init, **k):
            _init(self, *a, **k)
            drawn.append(tuple(self.full_shape))
        monkeypatch.setattr(cls, "__init__", spy)
    expect = {"EmbeddingMatrix": ["W_E", "W_pos"], "Attention": ["W_Q"], "WeightsAndData": ["W_in"],
              "MLP": ["W_in", "W_out"], "Unembedding": ["W_U"]}
    from scenes.components.parameter_counter import FILM_ORDER, SOURCE, arrays_of
    w_all = model.weights()
    running = 0
    for scene, weights in expect.items():
        drawn.clear()
        files = render_scene(scene, tmp_path / scene, movie=False, size=(256, 144), narration="none")
        for w in weights:
            assert drawn_shape(w, cfg) in drawn, (scene, w, drawn)
        # the corner counter: its counts are recorded and end on every matrix met so far
        prov = json.loads(files["numbers.json"].read_text())
        counts = [e for e in prov["numbers"] if e["source"] == SOURCE]
        new = dict(FILM_ORDER).get(scene, ())
        if new:
            running += sum(w_all[n].size for s in new for n in arrays_of(w_all, s))
            assert counts and counts[-1]["value"] == running, (scene, counts[-1:])
            assert check_provenance({**prov, "numbers": counts}) == len(counts)
        else:
            assert not counts, scene
    # GPT-3 in the same orientation
    g3 = {g.weight: (g.rows, g.cols) for g in GPT3.groups}
    assert g3["W_Q"] == (128, 12_288) and g3["W_E"] == g3["W_U"] == (12_288, 50_257)
