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
    # the example's loss in the film's unit, bits per character, before and after the step
    before = by[(last, "logits", "bits per character of the tokens")][0]["value"]
    after = by[(last, "logits", f"bits per character after one gradient step ({lr})")][0]["value"]
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


def test_the_gradient_step_names_weights_and_loss_as_the_film_does():
    """Review 3: slide 5 showed "blocks.0.attn.b_O[11]" (layer 1 of the film, entry 12) and "nats
    per token" where the film says bits per character; slide 4 showed "pieceight\\x0d"."""
    import re

    from layout_check import slide_ends
    from pipeline.timeline import caption_timeline
    ctx = RenderContext(narration="none")
    slides = slide_ends("Training", ctx)
    texts = [t for shown, notes in slides for t in shown + [notes]]
    texts += [t for _, t in caption_timeline("Training", ctx).lines]
    assert not [t for t in texts if "\\x" in t or "blocks." in t or "nats" in t or "¶" in t]
    said = [t for _, t in caption_timeline("Training", ctx).lines]
    assert any("“she”" in t for t in said) and not [t for t in said if re.search(r"[\"'][\w ]+[\"']", t)]
    step = " ".join(slides[4][0])
    assert "bits per character" in step and "layer 1 attention output bias b_O, entry 12" in step


def test_parameter_names_count_from_1():
    from scenes.training import parameter_name
    piece = {262: " the"}.get
    assert parameter_name("blocks.0.attn.b_O", (11,), piece) == "layer 1 attention output bias b_O, entry 12"
    assert parameter_name("blocks.2.attn.W_Q", (3, 5, 7), piece) == \
        "layer 3 attention query weights W_Q, head 4, entry (6, 8)"
    assert parameter_name("W_U", (180, 262), piece) == "unembedding W_U, “␣the”, entry 181"
    assert parameter_name("blocks.5.mlp.b_out", (0,), piece) == "layer 6 MLP output bias b_out, entry 1"


def test_samples_are_shown_as_readable_text():
    from scenes.components.text import readable_text
    assert readable_text("piece" + "ight\r faith") == "pieceight ↵ faith"
    assert readable_text("a\r\nb\n\nc\td\x01") == "a ↵ b ↵ ↵ c d\ufffd"
