"""Embedding space: tokens' vectors projected to 3-D, drawn as labelled dots on 3-D axes.

The component only draws; ``pca_3d`` is the projection scenes usually feed it. Dots are flat
discs and labels are Pango text: cheap, and kept facing the camera by the scene (see
``EmbeddingSpace.face_camera``), where spheres would cost hundreds of faces each.

    coords = pca_3d(W_E[:, ids].T)
    space = EmbeddingSpace(coords, words, arrows=[(0, 1)])
    self.set_camera_orientation(phi=70 * DEGREES, theta=-60 * DEGREES)
    self.add(space); space.face_camera(self); turn(self, 30 * DEGREES, 6)
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import TAU, UR, Cone, Dot, Group, Line3D, PMobject, Text, ThreeDAxes, VGroup, config

from .checks import finite_array
from .. import style
from .text import label as text_label


def pca_3d(vectors) -> np.ndarray:
    """Coordinates of ``vectors`` [n, d] on their top three principal components, [n, 3].

    Centred, then projected through the SVD. A component's sign is arbitrary, so each one is
    flipped to make its largest-magnitude coordinate positive: the same data always gives the
    same picture. With fewer than three components (n or d < 3) the missing columns are zero.
    Raises ValueError unless ``vectors`` is a finite, non-empty [n, d] array."""
    x = np.asarray(vectors, dtype=float)
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"pca_3d needs a non-empty [n, d] array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("pca_3d needs finite vectors (found NaN or inf)")
    centred = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    k = min(3, s.size)
    out = np.zeros((x.shape[0], 3))
    out[:, :k] = u[:, :k] * s[:k]
    for c in range(k):
        if out[np.argmax(np.abs(out[:, c])), c] < 0:
            out[:, c] *= -1
    return out


def _check(points, labels: Sequence[str], arrows) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The points [n, 3] (one per label) and the arrows as index pairs. Raises ValueError for a
    wrong shape, NaN/inf, or an arrow that does not join two different points."""
    p = finite_array("points", points, (len(labels), 3))
    pairs = []
    for pair in arrows:
        if len(pair) != 2:
            raise ValueError(f"an arrow is a pair of point indices, got {pair!r}")
        i, j = (int(v) for v in pair)
        if not (0 <= i < p.shape[0] and 0 <= j < p.shape[0]) or i == j:
            raise ValueError(f"arrow {pair!r} must join two different points among 0..{p.shape[0] - 1}")
        pairs.append((i, j))
    return p, pairs


def arrow_3d(start, end, color, thickness: float = 0.025, tip: float = 0.3) -> VGroup:
    """A thin 3-D arrow of ~20 faces (the stock ``Arrow3D`` has ~1,000 at its default cone).
    Raises ValueError when start and end are the same point."""
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    length = float(np.linalg.norm(end - start))
    if length == 0:
        raise ValueError("an arrow needs two different points")
    unit = (end - start) / length
    h = min(tip, 0.4 * length)
    shaft = Line3D(start, end - h * unit, thickness=thickness, resolution=(1, 8))
    head = Cone(base_radius=3.5 * thickness + 0.02, height=h, direction=unit, resolution=(1, 8))
    head.shift(end)
    arrow = VGroup(shaft, head)
    arrow.set_color(color)
    arrow.start, arrow.end = start, end
    return arrow


class EmbeddingSpace(Group):
    """3-D axes with a dot per point, its label beside it, and optional arrows i → j.

    ``given`` holds the points as passed. They are scaled by one factor (``scale_factor``) so
    the farthest coordinate sits at ``fill`` of the axes' half-length; ``coords`` are the scaled
    axis coordinates. Dots are data,
    so grey; arrows (a "direction", e.g. the difference of two embeddings) are the text colour
    unless ``arrow_color`` says otherwise.

    In a ``ThreeDScene``/``ThreeDSlide``, call ``face_camera(scene)`` after adding the space so
    dots stay round and labels stay readable while the camera turns (it registers them with
    ``scene.add_fixed_orientation_mobjects``, each label pinned beside its dot on screen).
    """

    def __init__(self, points, labels: Sequence[str], arrows: Sequence[tuple[int, int]] = (),
                 side: float = 6.0, fill: float = 0.9, dot_radius: float = 0.08,
                 size: float = style.SMALL_SIZE, arrow_color=None,
                 labelled: Sequence[int] | None = None, cloud=None, cloud_px: float = 3.0, *, theme: style.Theme):
        """Raises ValueError for points that are not a finite [n, 3] array (one per label), an arrow
        that does not join two different points, a bad ``cloud``, labelled indices out of range or a
        font size below the readable minimum."""
        super().__init__()
        self.theme = theme
        self.given, self.arrow_pairs = _check(points, labels, arrows)
        cloud = np.zeros((0, 3)) if cloud is None else np.asarray(cloud, dtype=float)
        if cloud.ndim != 2 or cloud.shape[1] != 3 or not np.all(np.isfinite(cloud)):
            raise ValueError(f"cloud must be a finite [m, 3] array, got shape {cloud.shape}")
        if size < style.SMALL_SIZE:
            raise ValueError(f"font size {size} is below the readable minimum {style.SMALL_SIZE}")
        self.labels = list(labels)
        th = theme
        peak = float(max(np.abs(self.given).max(), np.abs(cloud).max(initial=0.0)))
        self.scale_factor = fill / peak if peak > 0 else 1.0
        self.coords = self.given * self.scale_factor
        self.cloud_coords = cloud * self.scale_factor

        self.axes = ThreeDAxes(x_range=(-1, 1, 0.5), y_range=(-1, 1, 0.5), z_range=(-1, 1, 0.5),
                               x_length=side, y_length=side, z_length=side,
                               axis_config={"color": th.muted, "include_tip": False,
                                            "tick_size": 0.04})
        self.dots = VGroup(*[Dot(self.axes.c2p(*c), radius=dot_radius, color=th.data_high)
                             for c in self.coords])
        # a big cloud labels only some points: a Text per point would dominate the render time
        self.label_index = list(range(len(self.labels))) if labelled is None else [int(i) for i in labelled]
        if any(not 0 <= i < len(self.labels) for i in self.label_index):
            raise ValueError(f"labelled indices must lie in 0..{len(self.labels) - 1}")
        self.label_mobs = VGroup()
        for i in self.label_index:
            lab = text_label(self.labels[i], size, color=th.text)
            lab.next_to(self.dots[i], UR, buff=0.05)
            self.label_mobs.add(lab)
        self.arrows = VGroup()
        for i, j in self.arrow_pairs:
            a, b = self.dots[i].get_center(), self.dots[j].get_center()
            inset = min(1.5 * dot_radius, 0.25 * float(np.linalg.norm(b - a)))
            unit = (b - a) / max(float(np.linalg.norm(b - a)), 1e-9)
            self.arrows.add(arrow_3d(a + inset * unit, b - inset * unit, arrow_color or th.text))
        # the cloud: hundreds of unlabelled points as ONE point-cloud mobject (squares of
        # ``cloud_px`` pixels at 480p), not hundreds of Dots
        self.cloud = PMobject(stroke_width=max(1, round(cloud_px * config.pixel_height / 480)))
        if len(cloud):
            self.cloud.add_points(np.array([self.axes.c2p(*c) for c in self.cloud_coords]),
                                  color=th.muted)
        self.add(self.axes, self.cloud, self.arrows, self.dots, self.label_mobs)

    def dot(self, i: int) -> Dot:
        return self.dots[i]

    def label(self, i: int) -> Text:
        """The label of point ``i`` (ValueError if that point is drawn without one)."""
        if i not in self.label_index:
            raise ValueError(f"point {i} has no label")
        return self.label_mobs[self.label_index.index(i)]

    def face_camera(self, scene) -> None:
        """Keep every dot round and every label upright and beside its dot as the camera turns."""
        for dot in self.dots:
            scene.add_fixed_orientation_mobjects(dot)
        for i, lab in zip(self.label_index, self.label_mobs):
            dot = self.dots[i]
            scene.add_fixed_orientation_mobjects(lab, center_func=dot.get_center)


def turn(scene, angle: float = TAU / 12, run_time: float = 4.0) -> None:
    """Turn the camera of a ``ThreeDScene``/``ThreeDSlide`` by ``angle`` about the vertical axis.

    A slow ambient rotation started and stopped around a ``wait``, so the depth of the cloud
    reads without any other animation.
    Raises ValueError for a ``run_time`` that is not positive."""
    if run_time <= 0:
        raise ValueError(f"run_time must be positive, got {run_time}")
    scene.begin_ambient_camera_rotation(rate=angle / run_time)
    scene.wait(run_time)
    scene.stop_ambient_camera_rotation()
