"""Training: every number drawn is a snapshot's, checked against fresh traces and weights of it."""
import pytest

import model
from model.checkpoint import card_entry, snapshot_names
from provenance_check import check_provenance
from scenes import training
from scenes.context import RenderContext
from scenes.training import N_NEW, Training

from conftest import SCENE_PROMPTS as PROMPTS
from conftest import still_provenance


@pytest.fixture
def drawn(monkeypatch):
    seen = {}
    original = Training.show_continuations

    def spy(self):
        original(self)
        seen["new"] = dict(self.new)
    monkeypatch.setattr(Training, "show_continuations", spy)
    return seen


@pytest.mark.parametrize("prompt", PROMPTS[:2], ids=["one-token", "medium"])
def test_training_draws_the_snapshots_numbers(prompt, tmp_path, drawn):
    prov = still_provenance("Training", tmp_path, prompt)
    assert check_provenance(prov) > 0
    snaps = snapshot_names(training.RUN)
    first, last = snaps[0], snaps[-1]
    by = {}
    for e in prov["numbers"]:
        by.setdefault((e.get("checkpoint", prov["checkpoint"]), e["source"], e.get("transform")), []).append(e)
    # the same W_E cells at step 0 and at the end
    cells = lambda c: {tuple(e["index"]) for e in by[(c, "W_E", None)]}
    assert cells(first) == cells(last) and len(cells(first)) >= 8
    # every point of the card's curve, and each snapshot's held-out bpc
    curve = card_entry(training.RUN)["curve"]
    assert len([k for k in by if k[2] and k[2].startswith("model card curve")]) == len(curve)
    for s in snaps:
        assert by[(s, "heldout_prose_bpc", "model card")][0]["value"] == card_entry(s)["heldout_prose_bpc"]
    # neighbours at both ends; the gradient step on the last snapshot
    word = model.get_encoding().encode(training.WORD)[0]
    for c in (first, last):
        assert len(by[(c, "W_E", f"cosine with row {word}")]) == training.K_NEIGHBOURS
    lr = f"lr={training.LEARNING_RATE:g}"
    before = by[(last, "logits", "next-token loss")][0]["value"]
    after = by[(last, "logits", f"next-token loss after one gradient step ({lr})")][0]["value"]
    assert after < before
    moved = [k for k in by if k[0] == last and k[2] == f"after one gradient step ({lr})"]
    assert sum(len(by[k]) for k in moved) == training.N_MOVED
    # each snapshot continued the prompt with its own seeded sample
    assert list(drawn["new"]) == snaps
    for s in snaps:
        assert drawn["new"][s] == model.generate(prompt, N_NEW, temperature=RenderContext.temperature,
                                                 top_k=RenderContext.top_k, seed=0, checkpoint=s)


def test_the_check_fails_on_a_number_from_the_wrong_snapshot(tmp_path):
    prov = still_provenance("Training", tmp_path, PROMPTS[0])
    first = snapshot_names(training.RUN)[0]
    entry = next(e for e in prov["numbers"] if e.get("checkpoint") == first and e["source"] == "W_E"
                 and "transform" not in e)
    entry["checkpoint"] = snapshot_names(training.RUN)[-1]
    with pytest.raises(AssertionError):
        check_provenance(prov)
