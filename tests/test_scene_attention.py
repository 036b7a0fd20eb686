"""Attention: the drawn scores, mask, pattern and values are one real head's, for any prompt."""
import json

import numpy as np
import pytest
from manim import tempconfig

import model
from scenes.attention_reading import FIRST_SHARE, KIND_SHARE, choose_focus, is_name, read_row
from scenes.token_names import spoken, told_apart
from provenance_check import check_provenance
from conftest import render as render_scene
from scenes import style
from scenes.attention import GRID_MAX, HEADS_BOX, HEADS_GAP, heads_layout
from scenes.components import AttentionGrid
from scenes.components.attention_parts import RoleVector, ScoreGrid

from conftest import SCENE_PROMPTS as PROMPTS

TH = style.THEMES["dark"]   # the palette these tests draw in


def render(tmp_path, prompt, **kwargs) -> dict:
    render_scene("Attention", tmp_path, prompt, movie=False, size=(256, 144), **kwargs)
    assert (tmp_path / "Attention.png").exists()
    return json.loads((tmp_path / "Attention.numbers.json").read_text())


def entries(prov, source, head=None):
    """{index tuple: value} of one source, optionally only those of one head (index[0] or [1])."""
    out = {}
    for n in prov["numbers"]:
        if n["source"] != source or n.get("transform"):
            continue
        idx = tuple(n["index"])
        if head is not None:
            h = idx[1] if source.endswith(("hook_q", "hook_k", "hook_v", "hook_z")) else idx[0]
            if h != head:
                continue
        out[idx] = n["value"]
    return out


def focus_of(trace, **fixed):
    """The head and query the scene must follow: the measurement of scenes.attention_reading."""
    n = trace.config["n_layer"]
    patterns = np.stack([trace.cache[f"blocks.{i}.attn.hook_pattern"] for i in range(n)])
    T = len(trace.tokens)
    return choose_focus(patterns, first_query=T - min(T, GRID_MAX), **fixed)


def heads_drawn(prov, source_suffix):
    """The (layer, head) pairs of every recorded q/k/v/z entry."""
    return {(int(n["source"].split(".")[1]), n["index"][1])
            for n in prov["numbers"] if n["source"].endswith(source_suffix)}


@pytest.mark.parametrize("prompt", PROMPTS, ids=["one-token", "medium", "long"])
def test_attention_draws_the_real_head(prompt, tmp_path):
    prov = render(tmp_path, prompt)
    assert check_provenance(prov) > 0
    trace = model.run(prompt)
    T = len(trace.tokens)
    f = focus_of(trace)
    L, H = f.layer, f.head
    assert prov["tokens"] == trace.tokens

    # the default head (and query) is the one measured on this prompt (was: the head measured to
    # look at names on a fixed passage; changed deliberately, issue 11)
    assert heads_drawn(prov, "attn.hook_q") == {(L, H)}
    assert heads_drawn(prov, "attn.hook_k") == {(L, H)}

    # the whole pattern of the grid's tokens (the last ones), masked zeros included
    g0 = T - min(T, GRID_MAX)
    want = trace.cache[f"blocks.{L}.attn.hook_pattern"][H]
    drawn = entries(prov, f"blocks.{L}.attn.hook_pattern", H)
    window = {(H, q, k) for q in range(g0, T) for k in range(g0, T)}
    assert window <= set(drawn)
    for (_, q, k), v in drawn.items():
        assert v == pytest.approx(float(want[q, k]), abs=1e-7)
        if k > q:
            assert v == 0.0                       # masked: exactly zero in the trace
    for q in range(T):                            # each query's weights sum to 1 over its keys
        assert want[q, : q + 1].sum() == pytest.approx(1.0, abs=1e-5)

    # the scores grid before the mask: every cell of the window, scaled
    raw = entries(prov, f"blocks.{L}.attn.hook_attn_scores_unmasked", H)
    assert {(H, q, k) for q in range(g0, T) for k in range(g0, T)} <= set(raw)
    # after the mask (TransformerLens' hook_attn_scores): every visible cell; masked ones never
    scores = entries(prov, f"blocks.{L}.attn.hook_attn_scores", H)
    assert {(H, q, k) for q in range(g0, T) for k in range(g0, q + 1)} <= set(scores)
    assert not [idx for idx in scores if idx[2] > idx[1]]
    assert all(np.isfinite(v) for v in scores.values())

    # values: the followed token's z and the residual stream add up as drawn
    q = f.query
    z = entries(prov, f"blocks.{L}.attn.hook_z")
    assert z and all(idx[:2] == (q, H) for idx in z)
    pre = entries(prov, f"blocks.{L}.hook_resid_pre")
    out = entries(prov, f"blocks.{L}.hook_attn_out")
    mid = entries(prov, f"blocks.{L}.hook_resid_mid")
    assert set(pre) == set(out) == set(mid) and all(idx[0] == q for idx in pre)
    for idx in pre:
        assert pre[idx] + out[idx] == pytest.approx(mid[idx], abs=1e-5)

    # the closing view: every head of the layer, each over the whole window
    n_head = trace.config["n_head"]
    for h in range(n_head):
        assert {(h, a, b) for a in range(g0, T) for b in range(g0, T)} <= set(
            entries(prov, f"blocks.{L}.attn.hook_pattern", h))


def test_a_chosen_layer_and_head_is_the_one_drawn(tmp_path):
    prompt = PROMPTS[1]
    prov = render(tmp_path, prompt, layer=1, head=3)   # layer 1, head 3 on screen: blocks.0, head index 2
    assert check_provenance(prov) > 0
    assert heads_drawn(prov, "attn.hook_q") == {(0, 2)}
    assert heads_drawn(prov, "attn.hook_v") == {(0, 2)}
    trace = model.run(prompt)
    T = len(trace.tokens)
    drawn = entries(prov, "blocks.0.attn.hook_pattern", 2)
    assert {(2, q, k) for q in range(T) for k in range(T)} <= set(drawn)
    want = trace.cache["blocks.0.attn.hook_pattern"][2]
    for (_, q, k), v in drawn.items():
        assert v == pytest.approx(float(want[q, k]), abs=1e-7)
    assert not any(n["source"].startswith("blocks.1.") for n in prov["numbers"])


def test_out_of_range_head_is_refused(tmp_path):
    with pytest.raises(ValueError, match="out of range"):
        render(tmp_path, "Emma", layer=1, head=99)
    with pytest.raises(ValueError, match="head 0 is out of range: .* 6 heads, numbered 1 to 6"):
        render(tmp_path, "Emma", head=0)           # heads are numbered from 1, as on screen
    with pytest.raises(ValueError, match="layer 0 is out of range"):
        render(tmp_path, "Emma", layer=0)          # layers are numbered from 1, as on screen
    with pytest.raises(ValueError, match="token 4 is out of range: the prompt has 3 tokens"):
        render(tmp_path, "Emma smiled", token=4)


CAT = "The cat sat on the mat because it was"


def test_a_chosen_token_is_the_query_followed(tmp_path):
    """--token 8 follows “it” (position 7): its q, z and residual vector, in the head measured
    for that query."""
    prov = render(tmp_path, CAT, token=8)
    assert check_provenance(prov) > 0
    trace = model.run(CAT)
    f = focus_of(trace, query=7)
    assert f.query == 7 and trace.pieces[7] == " it"
    assert heads_drawn(prov, "attn.hook_q") == {(f.layer, f.head)}
    z = entries(prov, f"blocks.{f.layer}.attn.hook_z")
    assert z and {idx[0] for idx in z} == {7}
    assert {idx[0] for idx in entries(prov, f"blocks.{f.layer}.hook_resid_mid")} == {7}
    # the head measured for “it” looks further back than the token before it (“because”)
    assert f.key not in (0, 6, 7) and f.weight >= KIND_SHARE


def test_an_early_token_is_drawn_with_the_first_tokens(tmp_path):
    """An early --token of a prompt longer than the row of vectors but inside the grid: the row
    starts at the first token and holds the followed one (it once sliced from a negative start
    and drew nothing)."""
    prompt = CAT + " and the dog"
    trace = model.run(prompt)
    T, q = len(trace.tokens), 2
    assert 8 < T <= GRID_MAX and q < T - 8     # the case: grid to the end, followed token early
    prov = render(tmp_path, prompt, token=q + 1)
    assert check_provenance(prov) > 0
    layer = focus_of(trace, query=q).layer
    rows = {idx[0] for idx in entries(prov, f"blocks.{layer}.ln1.hook_normalized")}
    assert q in rows and rows == set(range(len(rows)))


def test_the_measured_focus_is_the_strongest_look_back():
    trace = model.run(CAT)
    f = focus_of(trace)
    n = trace.config["n_layer"]
    pats = np.stack([trace.cache[f"blocks.{i}.attn.hook_pattern"] for i in range(n)])
    T = len(trace.tokens)
    best = max(pats[L, h, q, k] for L in range(n) for h in range(pats.shape[1])
               for q in range(3, T) for k in range(1, q - 1))
    assert f.weight == pytest.approx(best) and 1 <= f.key < f.query - 1
    assert pats[f.layer, f.head, f.query, f.key] == pytest.approx(f.weight)


def caption_lines(prompt, **options):
    from pipeline.timeline import caption_timeline
    from scenes.context import RenderContext
    ctx = RenderContext(prompt=prompt, narration="none", **options)
    return [text for _, text in caption_timeline("Attention", ctx).lines]


@pytest.mark.parametrize("prompt", [CAT, "The ship left the harbour at dawn and"])
def test_no_names_no_name_sentence(prompt):
    """Prompts without a name never hear "names"; what is said names the keys with their weights."""
    said = " ".join(caption_lines(prompt))
    assert "name" not in said
    trace = model.run(prompt)
    f = focus_of(trace)
    names = told_apart([spoken(p) for p in trace.pieces], upto=f.query)   # “The” and “the” sound alike
    r = read_row(trace.pieces, trace.cache[f"blocks.{f.layer}.attn.hook_pattern"][f.head, f.query], f.query,
                 names)
    assert r.sentences[0] in said
    k, w = r.top[0]
    assert f"{100 * w:.0f}%, to “{trace.pieces[k].strip()}”" in r.sentences[0]   # the weight, then the key


def test_a_name_is_said_only_when_measured():
    """“with” in the Emma prompt (token 8) looks back at “Emma” in one head: that is said."""
    prompt = "He looked at Emma and he spoke with great"
    trace = model.run(prompt)
    assert [is_name(trace.pieces, k) for k in range(len(trace.tokens))] == [
        False, False, False, True, False, False, False, False, False]
    said = caption_lines(prompt, token=8)
    assert "It looks back at a name: “Emma”." in said
    assert not any("name" in line for line in caption_lines(prompt))   # the default focus: no name


def test_reading_says_what_the_weights_show():
    pieces = ["The", " cat", " sat", " on", " Emma", " and"]
    r = read_row(pieces, [0.5, 0.05, 0.05, 0.1, 0.2, 0.1], 5)
    assert r.first_heavy and r.kind is None
    assert any("rests on the first token, “The”" in s and "50%" in s for s in r.sentences)
    r = read_row(pieces, [0.1, 0.05, 0.05, 0.1, 0.6, 0.1], 5)
    assert r.kind == "previous" and not r.first_heavy   # Emma is just before “and”: that wins
    r = read_row(pieces + [" he"], [0.1, 0.05, 0.05, 0.1, 0.6, 0.05, 0.05], 6)
    assert r.kind == "name" and r.sentences[-1] == "It looks back at a name: “Emma”."
    r = read_row(pieces, [0.2, 0.3, 0.1, 0.1, 0.2, 0.1], 5)
    assert r.kind is None and len(r.sentences) == 1 and 0.2 < FIRST_SHARE
    assert not is_name(["Hello", ".", " The"], 2) and not is_name(["Emma"], 0)
    with pytest.raises(ValueError):
        read_row(pieces, [0.5, 0.1, 0.1, 0.1, 0.1, 0.0], 5)


# --- the scene's own drawing pieces -----------------------------------------------------------
@pytest.fixture
def small_frame():
    with tempconfig({"pixel_width": 854, "pixel_height": 480}):
        yield style.THEMES["dark"]


def test_score_grid_blends_in_place_into_the_attention_grid(small_frame, trace):
    L, H = 1, 5
    n = 6
    scores = trace.cache[f"blocks.{L}.attn.hook_attn_scores_unmasked"][H][:n, :n]
    after = trace.cache[f"blocks.{L}.attn.hook_attn_scores"][H][:n, :n]   # -inf: key > query
    pattern = trace.cache[f"blocks.{L}.attn.hook_pattern"][H][:n, :n]
    labels = trace.pieces[:n]
    plain = ScoreGrid(scores, labels, 5.0, 1.7, theme=TH)
    masked = ScoreGrid(scores, labels, 5.0, 1.7, masked=True, theme=TH)
    attn = AttentionGrid(pattern, labels, 5.0, 1.7, theme=TH)
    # one image each, the same size and cells: a Transform blends pixels in place
    assert plain.image.pixel_array.shape == masked.image.pixel_array.shape == attn.image.pixel_array.shape
    assert plain.cell_box(2, 3) == attn.cell_box(2, 3)
    assert len(plain.get_family()) == 2
    # numbers fit in 5/6-unit cells at readable size; not in a 12-token grid of the same size
    assert plain.numbers
    assert not ScoreGrid(trace.cache[f"blocks.{L}.attn.hook_attn_scores_unmasked"][H], trace.pieces, 5.0,
                         theme=TH).numbers
    # the scores after the mask (-inf cells) draw exactly as the masked raw scores, given its scale
    after_grid = ScoreGrid(after, labels, 5.0, 1.7, masked=True, low=plain.low, high=plain.high,
                           numbers=plain.numbers, theme=TH)
    np.testing.assert_array_equal(after_grid.image.pixel_array, masked.image.pixel_array)
    with pytest.raises(ValueError, match="NaN/inf"):
        ScoreGrid(after, labels, 5.0, 1.7, theme=TH)        # -inf cannot be drawn as a number
    # lighter for a higher score
    q = n - 1
    order = np.argsort(scores[q])
    lum = [sum(plain.cell_rgb(q, int(k))) for k in order]
    assert lum == sorted(lum) and lum[0] < lum[-1]
    # the mask changes exactly the cells whose key comes after the query
    for k in range(n):
        for qq in range(n):
            same = plain.cell_rgb(qq, k) == masked.cell_rgb(qq, k)
            assert same == (k <= qq)


def test_score_grid_rejects_bad_input():
    with pytest.raises(ValueError):
        ScoreGrid(np.zeros((2, 3)), theme=TH)
    with pytest.raises(ValueError):
        ScoreGrid(np.array([[0.0, np.inf], [1.0, 2.0]]), theme=TH)


def test_role_vectors_take_the_accent_brighter_with_magnitude(small_frame):
    th = TH
    vec = RoleVector([0.05, -1.0, 0.5, 2.0], th.query, max_entries=3, vmax=1.0, theme=TH)
    assert vec.truncated and list(vec.shown) == [0.05, -1.0, 0.5]
    big, small = np.array(vec.cell_rgb(1)), np.array(vec.cell_rgb(0))
    assert big.sum() > small.sum()
    # the strongest cell is the accent itself, whatever the sign
    assert np.abs(big - np.array([int(255 * c) for c in th.query.to_rgb()])).max() <= 2
    with pytest.raises(ValueError):
        RoleVector([np.nan, 1.0], th.key, theme=TH)


@pytest.mark.parametrize("n_head", range(1, 13))
def test_heads_fit_the_frame(n_head):
    rows, size = heads_layout(n_head)
    x0, x1, y0, y1 = HEADS_BOX
    cols = -(-n_head // rows)
    assert size >= 1.0
    assert cols * (size + 0.55) + (cols - 1) * HEADS_GAP <= x1 - x0 + 1e-9
    assert rows * (size + 0.55 + 0.5) + (rows - 1) * HEADS_GAP <= y1 - y0 + 1e-9


def test_the_row_of_vectors_holds_the_followed_token_and_whole_token_labels(tmp_path):
    """The first slide's row ends at the followed token when it lies before the row's last
    tokens (the Chinese prompt follows token 26 of 36), and its labels are whole tokens: the cat
    prompt's “␣because” is not cut to “␣becau…”."""
    from scenes.components.raster import shortened
    from scenes.components.text import show_piece
    zh = "我喜欢读书，也喜欢写字。"
    prov = render(tmp_path, zh)
    f = focus_of(model.run(zh))
    row = {idx[0] for idx in entries(prov, f"blocks.{f.layer}.ln1.hook_normalized")}
    assert f.query in row and max(row) == f.query
    render(tmp_path, CAT)
    pieces = {show_piece(p) for p in model.run(CAT).pieces}
    assert not [shown for shown, whole in shortened().items() if whole in pieces]


# --- tokens named readably, keys told apart ------------------------------------------------------
ZH = "我喜欢读书，也喜欢写字。"     # 36 tokens, each one byte of a character
EMOJI = "ok 🙂"


def slides_of(prompt, monkeypatch, **options) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """(the captions, [(notes, texts on screen)] at each slide's end) of the scene for ``prompt``."""
    import scenes.base as base
    from pipeline.timeline import caption_timeline
    from scenes.context import RenderContext
    from scenes.on_screen import texts_on_screen
    slides = []
    close = base.close_slide_with_notes
    monkeypatch.setattr(base, "close_slide_with_notes",
                        lambda scene, n: (slides.append((n, texts_on_screen(scene))), close(scene, n)))
    ctx = RenderContext(prompt=prompt, narration="none", **options)
    lines = [text for _, text in caption_timeline("Attention", ctx).lines]
    return lines, slides


def test_a_whole_query_is_preferred_to_a_byte_of_a_character():
    """Query 4 (a byte) looks back harder than query 3 (whole): the whole one is followed, unless
    no candidate is whole."""
    p = np.zeros((1, 1, 5, 5))
    for q in range(5):
        p[0, 0, q, : q + 1] = 1 / (q + 1)
    p[0, 0, 3, :4] = [0.1, 0.6, 0.2, 0.1]
    p[0, 0, 4, :5] = [0.05, 0.9, 0.02, 0.02, 0.01]
    assert choose_focus(p).query == 4
    assert choose_focus(p, whole=[True, True, True, True, False]).query == 3
    assert choose_focus(p, whole=[True, True, False, False, False]).query == 4   # nothing whole to follow
    with pytest.raises(ValueError, match="whole has 2 entries"):
        choose_focus(p, whole=[True, True])


@pytest.mark.parametrize("prompt", [ZH, EMOJI])
def test_no_caption_or_note_names_a_token_by_its_bytes(prompt, monkeypatch):
    lines, slides = slides_of(prompt, monkeypatch)
    said = " ".join(lines + [n for n, _ in slides])
    assert "\\x" not in said
    assert " of “🙂”" in said if prompt == EMOJI else "of 3 of “欢”" in said


def test_keys_under_one_percent_are_not_listed():
    """“ok 🙂”: the third key weighs under 1 %; only two are named (once “and “\\xf0” 0%”)."""
    r = read_row(["ok", " ", "a", "b"], [0.03, 0.965, 0.004, 0.001], 3)
    assert [k for k, _ in r.top] == [1, 0] and "0%" not in r.sentences[0]
    said = " ".join(caption_lines(EMOJI))
    assert "0%" not in said.replace("30%", "")


def test_tokens_that_sound_alike_are_told_apart_by_position():
    """“with” looks at “Emma”, then “he” (token 6): “He” (token 1) sounds the same, so “he” gets
    its position, as on screen."""
    prompt = "He looked at Emma and he spoke with great"
    said = " ".join(caption_lines(prompt, token=8))
    assert "to “he” #6" in said
    r = read_row(["He", " and", " he", " is"], [0.1, 0.2, 0.6, 0.1], 3,
                 told_apart(["“He”", "“and”", "“he”", "“is”"], upto=3))
    assert r.sentences[0] == "“is” gives most attention, 60%, to “he” #3, then 20% to “and” and 10% to “He” #1."


def test_the_first_token_is_not_said_twice(monkeypatch):
    """Listed among the keys with its weight, the first token gets no sentence of its own."""
    prompt = "He looked at Emma and he spoke with great"
    _, slides = slides_of(prompt, monkeypatch)
    notes = next(n for n, _ in slides if n.startswith("Each query's column is a softmax"))
    assert notes.count("“He”") == 1 and "The first token" not in notes


def test_a_window_slide_says_which_tokens_its_grid_holds(monkeypatch):
    """The Chinese prompt draws only its last 12 tokens: the softmax slide says so, marks a listed
    key before the grid, and the notes name the first token as not in the grid."""
    trace = model.run(ZH)
    T = len(trace.tokens)
    lines, slides = slides_of(ZH, monkeypatch)
    notes, screen = next((n, s) for n, s in slides if n.startswith("Each query's column is a softmax"))
    assert f"grid: last {GRID_MAX} of {T} tokens" in screen
    f = focus_of(trace, whole=[False] * T)
    r = read_row(trace.pieces, trace.cache[f"blocks.{f.layer}.attn.hook_pattern"][f.head, f.query], f.query)
    off = [k for k, _ in r.top if k < T - GRID_MAX]
    if off:
        assert f"({', '.join(f'#{k + 1}' for k in off)} not in the grid)" in screen
        assert "(not in the grid)" in " ".join(lines)
    assert "The first token, byte 1 of 3 of “我” (not in the grid)" in notes
