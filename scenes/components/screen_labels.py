"""Labels for points of a 3-D picture, placed on the screen while the camera stands still.

Each label goes beside its dot, clear of it by ``gap``, where it covers no other label, no fixed
box (a heading, a panel), no line or dot drawn (axes, arrows, other dots) and stays inside the
frame's margin; when no place right beside the dot is free, it moves further out on the same
directions and a thin leader line joins it to its dot (the leader also crosses no label).

    marks = screen_points(scene, [space.axes, *dots])
    leaders = place_labels(labels, [screen_xy(scene, d) for d in dots], marks, boxes=[title])
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import Line, Mobject, VGroup


BOUNDS = (-6.75, 6.75, -3.65, 3.65)   # x0, x1, y0, y1: the frame less a 0.35-unit margin
STEP = 0.03                           # units between the sampled points of a drawn line
# directions tried (degrees), in order: right, left, the four diagonals, above, below, between
DIRECTIONS = (0, 180, 45, -45, 135, -135, 90, -90, 22.5, -22.5, 157.5, -157.5, 67.5, -67.5, 112.5, -112.5)
DISTANCES = (0.0, 0.25, 0.5, 0.8, 1.1, 1.45, 1.85, 2.3)   # extra distance, ring by ring
LEADER_FROM = 0.2     # a label this far out (beyond ``gap``) gets a leader line


def screen_xy(scene, mob: Mobject) -> np.ndarray:
    """Where ``mob``'s centre is drawn: (x, y) in frame units (3-D points through the camera,
    fixed-in-frame mobjects as they are)."""
    c = np.asarray(mob.get_center(), float)[None, :]
    return scene.camera.transform_points_pre_display(mob, c)[0, :2]


def screen_points(scene, mobjects: Sequence[Mobject]) -> np.ndarray:
    """Points along everything drawn by ``mobjects`` (each piece's outline, sampled every
    ``STEP`` units), as drawn on the screen: an [n, 2] array in frame units."""
    out = [np.zeros((0, 2))]
    for mob in mobjects:
        for m in mob.family_members_with_points():
            pts = scene.camera.transform_points_pre_display(m, np.asarray(m.points, float))[:, :2]
            out.append(_dense(pts))
    return np.concatenate(out)


def segment_points(a, b) -> np.ndarray:
    """Points every ``STEP`` units from screen point ``a`` to ``b``: [n, 2]."""
    return _dense(np.array([a, b], float)[:, :2])


def _dense(pts: np.ndarray) -> np.ndarray:
    if len(pts) < 2:
        return pts
    seg = [np.linspace(a, b, max(2, int(np.linalg.norm(b - a) / STEP) + 2)) for a, b in zip(pts[:-1], pts[1:])]
    return np.concatenate(seg)


def _box(m) -> tuple[float, float, float, float]:
    return (m.get_left()[0], m.get_bottom()[1], m.get_right()[0], m.get_top()[1])


def _hits(box, pts: np.ndarray, pad: float) -> int:
    """How many of ``pts`` lie inside ``box`` grown by ``pad``."""
    if len(pts) == 0:
        return 0
    x0, y0, x1, y1 = box
    inside = ((pts[:, 0] > x0 - pad) & (pts[:, 0] < x1 + pad) & (pts[:, 1] > y0 - pad) & (pts[:, 1] < y1 + pad))
    return int(inside.sum())


def _reach(u: np.ndarray, hw: float, hh: float, off: float) -> float:
    """How far along unit ``u`` a box of half-width ``hw`` and half-height ``hh`` is centred so
    that its nearest point lies ``off`` from the start."""
    lo, hi = 0.0, hw + hh + off + 1.0
    for _ in range(30):
        r = (lo + hi) / 2
        dx, dy = max(abs(r * u[0]) - hw, 0.0), max(abs(r * u[1]) - hh, 0.0)
        lo, hi = (r, hi) if np.hypot(dx, dy) < off else (lo, r)
    return hi


def _distance(box, pts: np.ndarray) -> np.ndarray:
    """Each point's distance to the box (0 inside it)."""
    dx = np.maximum(np.maximum(box[0] - pts[:, 0], pts[:, 0] - box[2]), 0)
    dy = np.maximum(np.maximum(box[1] - pts[:, 1], pts[:, 1] - box[3]), 0)
    return np.hypot(dx, dy)


def _overlap(a, b, pad: float) -> bool:
    return not (a[2] + pad < b[0] or b[2] + pad < a[0] or a[3] + pad < b[1] or b[3] + pad < a[1])


def _leader_ends(anchor, box, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """From the dot's rim to just short of the label's nearest point."""
    near = np.array([min(max(anchor[0], box[0]), box[2]), min(max(anchor[1], box[1]), box[3])])
    v = near - anchor
    n = float(np.linalg.norm(v)) or 1.0
    u = v / n
    return anchor + u * (radius + 0.04), near - u * 0.06


def place_labels(labels: Sequence[Mobject], anchors: Sequence, marks: np.ndarray, boxes: Sequence = (), *,
                 radius: float = 0.06, gap: float = 0.1, pad: float = 0.05,
                 bounds: tuple[float, float, float, float] = BOUNDS) -> VGroup:
    """Move each of ``labels`` (2-D mobjects, drawn fixed in the frame) beside its dot at screen
    point ``anchors[i]`` (dots of ``radius``), in order, and return the leader lines needed.

    A place is free when the label, grown by ``pad``, holds none of ``marks`` (screen points of
    what is drawn, [n, 2], e.g. from ``screen_points``), overlaps none of ``boxes`` (mobjects
    fixed in the frame) nor a label placed before it, no earlier leader crosses it and it lies
    inside ``bounds``. The nearest free place wins (right, left, diagonals, above, below, then
    the same ring by ring further out); with none free, the place touching the fewest things.
    Returns a VGroup of the leader ``Line``s, each in its label's colour (empty when every label sits right by its dot).
    Raises ValueError when labels and anchors differ in number."""
    if len(labels) != len(anchors):
        raise ValueError(f"{len(labels)} labels for {len(anchors)} anchors")
    anchors = [np.asarray(a, float)[:2] for a in anchors]
    placed = [_box(b) for b in boxes]
    # every dot is kept clear of every label (its own too, by ``gap``)
    dots = np.array(anchors) if anchors else np.zeros((0, 2))
    lines = np.asarray(marks, float).reshape(-1, 2)
    leader_pts = np.zeros((0, 2))
    leaders = VGroup()
    for k, (lab, a) in enumerate(zip(labels, anchors)):
        w, h = lab.width, lab.height
        best, best_cost = None, None
        others = np.delete(dots, k, axis=0)
        for d in DISTANCES:
            for angle in DIRECTIONS:
                u = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
                cx, cy = a + u * _reach(u, w / 2, h / 2, radius + gap + d)
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                cost = 0
                if box[0] < bounds[0] or box[2] > bounds[1] or box[1] < bounds[2] or box[3] > bounds[3]:
                    cost += 1000
                cost += 100 * sum(_overlap(box, p, pad) for p in placed)
                # what the layout forbids (text over text, a line or dot through text) costs 100s;
                # what only reads less well (a nearer dot, a leader over a dot or leader) a few
                hit = _hits(box, lines, pad) + _hits(box, others, radius + pad)
                cost += 100 * (hit > 0) + hit
                if d < LEADER_FROM and len(others):   # beside its dot: no other dot as near to it
                    own = _distance(box, a[None])[0]
                    cost += 3 * int((_distance(box, others) < own + 0.12).any())
                leader = None
                if d >= LEADER_FROM:
                    leader = _leader_ends(a, box, radius)
                    path = segment_points(*leader)
                    cost += 100 * sum(_hits(p, path, 0.02) > 0 for p in placed)
                    if len(leader_pts):   # nor crosses an earlier leader
                        cost += 6 * int((np.linalg.norm(path[:, None] - leader_pts[None], axis=-1)
                                          < 0.04).any())
                    if len(others):   # nor passes over another dot
                        cost += 3 * int((np.linalg.norm(path[:, None] - others[None], axis=-1)
                                          < radius + 0.03).any())
                cost += d  # nearer is better, among places that touch the same things
                if best_cost is None or cost < best_cost:
                    best, best_cost = (box, leader), cost
                if cost == d:
                    break
            if best_cost is not None and best_cost == d:
                break
        box, leader = best
        lab.move_to([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, 0])
        placed.append(box)
        if leader is not None:
            # in the label's colour (a muted leader is lost among the axes), thinner than a mark
            ink = lab.family_members_with_points()     # a Text's colour is on its glyphs
            line = Line([*leader[0], 0], [*leader[1], 0], stroke_width=1.2,
                        color=ink[0].get_fill_color() if ink else lab.get_color())
            leaders.add(line)
            lines = np.concatenate([lines, segment_points(*leader)])
            leader_pts = np.concatenate([leader_pts, segment_points(*leader)])
    return leaders
