"""Labels for the dots of a 3-D picture: beside their dots, never over each other, leaders uncrossed."""

import itertools

import numpy as np
from manim import Text

from scenes.components.screen_labels import _box, _overlap, _segments_cross, place_labels

WORDS = ["should", "might", "could", "must", "may", "would", "can", "will"]


def labels(n):
    return [Text(w, font_size=20) for w in WORDS[:n]]


def boxes_and_leaders(labs, leaders):
    boxes = [_box(m) for m in labs]
    segments = [(np.asarray(line.get_start())[:2], np.asarray(line.get_end())[:2]) for line in leaders]
    return boxes, segments


def test_a_tight_cluster_fans_out_without_crossing_leaders():
    rng = np.random.default_rng(0)
    anchors = rng.normal(0, 0.12, size=(8, 2))        # eight dots within ~a third of a unit
    labs = labels(8)
    leaders = place_labels(labs, anchors, np.zeros((0, 2)))
    boxes, segments = boxes_and_leaders(labs, leaders)
    assert len(segments) == 8                       # every label of the cluster has its leader
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b, 0.0)
    for s, t in itertools.combinations(segments, 2):
        assert not _segments_cross(*s, *t)
    for (x0, y0, x1, y1), a in zip(boxes, anchors):   # no label covers any dot
        for p in anchors:
            assert not (x0 < p[0] < x1 and y0 < p[1] < y1)


def test_dots_far_apart_get_their_labels_right_beside_them():
    anchors = np.array([[-4.0, 2.0], [0.0, 0.0], [4.0, -2.0]])
    labs = labels(3)
    leaders = place_labels(labs, anchors, np.zeros((0, 2)))
    assert len(leaders) == 0
    for m, a in zip(labs, anchors):
        assert np.linalg.norm(m.get_center()[:2] - a) < 1.0


def test_segments_cross_only_when_they_do():
    o, x, y, xy = np.array([0, 0]), np.array([1, 0]), np.array([0, 1]), np.array([1, 1])
    assert _segments_cross(o, xy, x, y)
    assert not _segments_cross(o, x, y, xy)
