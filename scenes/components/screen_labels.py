"""Labels for points of a 3-D picture, placed on the screen while the camera stands still.

Each label goes beside its dot, clear of it by ``gap``, where it covers no other label, no fixed
box (a heading, a panel), no line or dot drawn (axes, arrows, other dots) and stays inside the
frame's margin; when no place right beside the dot is free, it moves further out on the same
directions and a thin leader line joins it to its dot (the leader also crosses no label).
Dots drawn close together (a cluster, where labels right beside them could not tell which dot
is whose) get their labels fanned out around the cluster, in the order their dots lie around
its centre, each with a leader: the leaders do not cross.

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
CLUSTER = 0.7         # dots nearer than this on screen (units) join one cluster
CLUSTER_MIN = 3       # a cluster this big gets its labels fanned out
FAN_RADII = (0.45, 0.7, 1.0, 1.35, 1.75)     # how far beyond the cluster's rim the fan sits
FAN_TURNS = (0, 15, -15, 30, -30, 45, -45, 60, -60, 90, -90)   # degrees the fan may turn


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


def _clusters(anchors: np.ndarray) -> list[list[int]]:
    """Groups of anchor indices linked by distances under ``CLUSTER`` (single linkage), each of
    at least ``CLUSTER_MIN`` anchors."""
    n = len(anchors)
    group = list(range(n))

    def root(i):
        while group[i] != i:
            i = group[i]
        return i
    for i in range(n):
        for j in range(i + 1, n):
            if np.linalg.norm(anchors[i] - anchors[j]) < CLUSTER:
                group[root(i)] = root(j)
    out: dict[int, list[int]] = {}
    for i in range(n):
        out.setdefault(root(i), []).append(i)
    return [g for g in out.values() if len(g) >= CLUSTER_MIN]


def _segments_cross(p, q, r, s) -> bool:
    """Whether segment p–q crosses segment r–s (2-D, proper crossing)."""
    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return (side(p, q, r) * side(p, q, s) < 0) and (side(r, s, p) * side(r, s, q) < 0)


def _score(boxes: list, leaders: list, anchors: np.ndarray, lines: np.ndarray, placed: list, bounds,
           radius: float, pad: float) -> float:
    """What a layout of a cluster's labels costs: 1000 per box outside ``bounds``, 100 per box
    over a placed box, another of its boxes, a mark or a dot, 50 per pair of crossing leaders,
    plus twice the leaders' total length."""
    cost = 0.0
    for m, box in enumerate(boxes):
        if box[0] < bounds[0] or box[2] > bounds[1] or box[1] < bounds[2] or box[3] > bounds[3]:
            cost += 1000
        cost += 100 * sum(_overlap(box, p, pad) for p in placed)
        cost += 100 * sum(_overlap(box, boxes[o], pad) for o in range(len(boxes)) if o != m)
        hit = _hits(box, lines, 2 * pad) + _hits(box, anchors, radius + pad)
        cost += 100 * (hit > 0) + hit
        cost += 2 * float(np.linalg.norm(leaders[m][1] - leaders[m][0]))
    for m in range(len(leaders)):
        for o in range(m + 1, len(leaders)):
            if _segments_cross(*leaders[m], *leaders[o]):
                cost += 50
    return cost


def _ring(sizes, pts: np.ndarray, r: float, turn: float, pad: float, radius: float) -> list:
    """Boxes on a ring ``r`` beyond the cluster's rim, each in the direction of its dot from the
    cluster's centre turned by ``turn`` degrees, pushed apart along the ring until none overlap."""
    centre = pts.mean(axis=0)
    rim = float(np.linalg.norm(pts - centre, axis=1).max())
    ang = np.array([np.degrees(np.arctan2(*(p - centre)[::-1])) if np.linalg.norm(p - centre) > 1e-3
                    else 90.0 for p in pts]) + turn
    order = np.argsort(ang)
    boxes = [None] * len(pts)
    for _ in range(120):
        for m, a in enumerate(ang):
            w, h = sizes[m]
            u = np.array([np.cos(np.radians(a)), np.sin(np.radians(a))])
            cx, cy = centre + u * _reach(u, w / 2, h / 2, rim + radius + r)
            boxes[m] = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        moved = False
        for k in range(len(order)):
            i, j = order[k], order[(k + 1) % len(order)]
            if i != j and _overlap(boxes[i], boxes[j], pad):
                ang[i] -= 2.0
                ang[j] += 2.0
                moved = True
        if not moved:
            break
    return boxes


def _columns(sizes, pts: np.ndarray, left: list[int], off: float, shift: float, pad: float) -> list:
    """Boxes in two stacks, ``left`` (indices) to the left of the cluster and the rest to its
    right, ``off`` clear of its dots, each stack in the top-to-bottom order of its dots, centred
    on their mean height moved by ``shift``."""
    boxes = [None] * len(pts)
    x0, x1 = pts[:, 0].min() - off, pts[:, 0].max() + off
    for side in (left, [m for m in range(len(pts)) if m not in left]):
        if not side:
            continue
        side = sorted(side, key=lambda m: -pts[m][1])
        heights = [sizes[m][1] + 2 * pad + 0.04 for m in side]
        y = float(np.mean(pts[side, 1])) + shift + sum(heights) / 2
        for m, hh in zip(side, heights):
            w, h = sizes[m]
            cy = y - hh / 2
            cx = x0 - w / 2 if side[0] in left else x1 + w / 2
            boxes[m] = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            y -= hh
    return boxes


def _fan(sizes, anchors: np.ndarray, members: list[int], lines: np.ndarray, placed: list, bounds,
         radius: float, pad: float):
    """Boxes (x0, y0, x1, y1) and leader ends for the labels of a cluster's ``members``: either on
    a ring around the cluster in the angular order of their dots about its centre (``_ring``), or
    in a stack on each side in the order of their dots' heights (``_columns``); of the sizes,
    turns and sides tried, the layout of least ``_score``. Returns {member: (box, leader)}."""
    pts = anchors[members]
    sz = [sizes[m] for m in members]
    layouts = [_ring(sz, pts, r, t, pad, radius) for r in FAN_RADII for t in FAN_TURNS]
    by_x = list(np.argsort(pts[:, 0]))
    splits = {tuple(sorted(by_x[:k])) for k in range(len(members) + 1)}
    for left in splits:
        for off in (0.3, 0.55, 0.85, 1.2, 1.6):
            for shift in (0.0, 0.3, -0.3, 0.6, -0.6, 1.0, -1.0):
                layouts.append(_columns(sz, pts, list(left), off, shift, pad))
    best, best_cost = None, None
    for boxes in layouts:
        leaders = [_leader_ends(pts[m], boxes[m], radius) for m in range(len(members))]
        cost = _score(boxes, leaders, anchors, lines, placed, bounds, radius, pad)
        if best_cost is None or cost < best_cost:
            best, best_cost = {members[m]: (boxes[m], leaders[m]) for m in range(len(members))}, cost
    return best


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
    Labels of a cluster (``CLUSTER_MIN`` or more dots linked by gaps under ``CLUSTER``) are
    placed first, fanned out around it with leaders in the order of their dots (see ``_fan``);
    no later leader crosses an earlier one where a free place without crossing exists.
    Returns a VGroup of the leader ``Line``s, each in its label's colour (empty when every label sits right by its dot).
    Raises ValueError when labels and anchors differ in number."""
    if len(labels) != len(anchors):
        raise ValueError(f"{len(labels)} labels for {len(anchors)} anchors")
    anchors = [np.asarray(a, float)[:2] for a in anchors]
    placed = [_box(b) for b in boxes]
    # every dot is kept clear of every label (its own too, by ``gap``)
    dots = np.array(anchors) if anchors else np.zeros((0, 2))
    lines = np.asarray(marks, float).reshape(-1, 2)
    chosen: dict[int, tuple] = {}
    # a cluster's labels first, fanned out around it
    for members in _clusters(dots):
        fan = _fan([(m.width, m.height) for m in labels], dots, members, lines, placed, bounds, radius, pad)
        for k, (box, leader) in fan.items():
            chosen[k] = (box, leader)
            placed.append(box)
            lines = np.concatenate([lines, segment_points(*leader)])
    leader_segments = [c[1] for c in chosen.values()]
    for k, (lab, a) in enumerate(zip(labels, anchors)):
        if k in chosen:
            continue
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
                # what the layout forbids (text over text, a line or dot through text, leaders
                # crossing) costs 100s; what only reads less well (a leader over a dot) a few
                hit = _hits(box, lines, pad) + _hits(box, others, radius + pad)
                cost += 100 * (hit > 0) + hit
                if d < LEADER_FROM and len(others):   # beside its dot: no other dot as near to it
                    own = _distance(box, a[None])[0]
                    near = _distance(box, others) < own + 0.12
                    # nor another dot just off either end of the label, on its line: read as its dot
                    beside = ((np.abs(others[:, 1] - cy) < h / 2 + 0.05)
                              & (np.minimum(np.abs(others[:, 0] - box[0]), np.abs(others[:, 0] - box[2])) < 0.45))
                    cost += 5 * int((near | beside).any())
                leader = None
                if d >= LEADER_FROM:
                    leader = _leader_ends(a, box, radius)
                    path = segment_points(*leader)
                    cost += 100 * sum(_hits(p, path, 0.02) > 0 for p in placed)
                    cost += 100 * sum(_segments_cross(*leader, *o) for o in leader_segments)
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
        chosen[k] = best
        box, leader = best
        placed.append(box)
        if leader is not None:
            leader_segments.append(leader)
            lines = np.concatenate([lines, segment_points(*leader)])
    leaders = VGroup()
    for k, lab in enumerate(labels):
        box, leader = chosen[k]
        lab.move_to([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, 0])
        if leader is not None:
            # in the label's colour (a muted leader is lost among the axes), thinner than a mark
            ink = lab.family_members_with_points()     # a Text's colour is on its glyphs
            leaders.add(Line([*leader[0], 0], [*leader[1], 0], stroke_width=1.2,
                             color=ink[0].get_fill_color() if ink else lab.get_color()))
    return leaders
