"""Training snapshots: every one loads by name, as any checkpoint does, and is what its card says."""
import numpy as np
import pytest

import model
from model import checkpoint as ckpt
from model.gradient_step import gradient_step, next_token_loss, weights_after_step

SNAPSHOTS = [n for n in model.checkpoint_names() if "@" in n]


def test_a_run_ships_snapshots_from_random_to_the_shipped_weights():
    assert SNAPSHOTS, "no training snapshots in the model card"
    parents = {n.partition("@")[0] for n in SNAPSHOTS}
    for parent in parents:
        names = ckpt.snapshot_names(parent)
        steps = [ckpt.card_entry(n)["step"] for n in names]
        assert steps[0] == 0 and steps == sorted(steps) and len(steps) >= 4
        # the last snapshot is the shipped checkpoint itself (same file, same hash)
        last, shipped = ckpt.card_entry(names[-1]), ckpt.read_card()["checkpoints"][parent]
        assert (last["file"], last["sha256"]) == (shipped["file"], shipped["sha256"])
        assert last["step"] == shipped["steps"]
        # held-out quality improves from the random start to the end
        bpc = [ckpt.card_entry(n)["heldout_prose_bpc"] for n in names]
        assert bpc[0] > bpc[-1] + 0.5


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_every_snapshot_loads_by_name(name):
    parent = name.partition("@")[0]
    assert model.config(name) == model.config(parent)
    w = model.weights(name)
    assert set(w) == set(model.weights(parent))
    trace = model.run("Emma", checkpoint=name)
    assert np.isfinite(trace["logits"]).all()
    assert ckpt.checkpoint_file(name).exists()


def test_snapshots_differ_and_stay_under_30_mb():
    first, last = (ckpt.snapshot_names("small")[i] for i in (0, -1))
    assert not np.allclose(model.weights(first)["W_E"], model.weights(last)["W_E"])
    extra = {ckpt.checkpoint_file(n) for n in SNAPSHOTS} - {ckpt.checkpoint_file(n.partition("@")[0])
                                                             for n in SNAPSHOTS}
    assert sum(f.stat().st_size for f in extra) < 30 * 2**20


def test_unknown_snapshot_is_a_clear_error():
    with pytest.raises(model.CheckpointError, match="unknown checkpoint 'small@step7'"):
        model.weights("small@step7")
    with pytest.raises(model.CheckpointError, match="unknown checkpoint"):
        ckpt.card_entry("nothing@step0")


def test_the_command_line_accepts_snapshot_names():
    from pipeline.checks import checked_context
    from pipeline.errors import UsageError
    ctx = checked_context("Emma", checkpoint=SNAPSHOTS[0], quiet=True)
    assert ctx.checkpoint == SNAPSHOTS[0]
    with pytest.raises(UsageError, match="unknown checkpoint"):
        checked_context("Emma", checkpoint="small@step7", quiet=True)


def test_one_gradient_step_lowers_the_loss_and_moves_weights_against_the_gradient():
    ids = model.get_encoding().encode("It is a truth universally acknowledged, that a single man")
    last = ckpt.snapshot_names("small")[-1]
    step = gradient_step(ids, last, 0.05, k=5)
    assert step.loss_after < step.loss_before
    assert step.loss_before == pytest.approx(next_token_loss(model.run_tokens(ids, last)["logits"], ids), abs=1e-5)
    before, after = model.weights(last), weights_after_step(ids, last, 0.05)
    changes = [abs(m.after - m.before) for m in step.moved]
    assert len(changes) == 5 and changes == sorted(changes, reverse=True)
    biggest = max(np.abs(after[k].astype(np.float64) - before[k]).max() for k in before)
    assert changes[0] == pytest.approx(biggest, rel=1e-6)
    for m in step.moved:
        assert m.before == before[m.name][m.index]
        assert m.after == pytest.approx(m.before - 0.05 * m.gradient, abs=1e-6)
    with pytest.raises(ValueError):
        gradient_step(ids[:1], last)
