"""Beat 8: embedding space — the model's own W_E rows in 3-D, neighbours, and a direction that means something."""
from __future__ import annotations

import numpy as np
from manim import (DEGREES, DOWN, LEFT, RIGHT, UL, BackgroundRectangle, Create, Dot, FadeIn, FadeOut,
                   Line, Rectangle, VGroup, Write, config)

import model
from model import atlas

from . import derivations, style
from .attention_reading import spoken
from .base import Explainer3DScene
from .components import EmbeddingSpace as SpaceDrawing
from .components import label, show_piece, turn
from .components.embedding_space import arrow_3d
from .components.screen_labels import BOUNDS, place_labels, screen_points, screen_xy

N_PROMPT = 8        # prompt tokens placed in the cloud
N_NEIGHBOURS = 5
N_PAIRS = 6         # pairs on the number line
PCA = derivations.pca3(atlas.N_FREQUENT)
PHI, THETA = 70 * DEGREES, -55 * DEGREES     # the camera's tilt and its first heading
TURNS = (40 * DEGREES, 20 * DEGREES)         # the two slow turns of the camera, in order
DOT_R = 0.06


class EmbeddingSpace(Explainer3DScene):
    description = "W_E's rows projected to 3-D by PCA: the prompt among 300 frequent words, neighbours, a direction"

    def construct(self):
        self.W_E = model.weights(self.context.checkpoint)["W_E"]
        self.choose_tokens()
        self.show_cloud()
        self.place_prompt()
        self.show_neighbours()
        if self.direction is not None:   # a tokenizer without the word pairs has no direction beat
            self.show_direction()
            self.number_line()

    # --- what to show --------------------------------------------------------------------------
    def choose_tokens(self):
        ck = self.context.checkpoint
        self.atlas_ids = atlas.frequent_word_ids(checkpoint=self.context.checkpoint)
        seen = []
        for t in self.trace.tokens:
            if t not in seen:
                seen.append(t)
        self.prompt_ids = seen[-N_PROMPT:]
        words = [t for t in self.prompt_ids if atlas.word_like(self.piece(t))]
        self.direction = atlas.measured_direction(ck)
        # the prompt word whose neighbours are closest (the clearest picture); else the direction's word
        scored = [(np.mean([s for _, s in atlas.nearest(t, N_NEIGHBOURS, ck)]), t) for t in words]
        self.focus = (max(scored)[1] if scored else self.direction.a if self.direction
                      else self.atlas_ids[0])
        self.neighbours = atlas.nearest(self.focus, N_NEIGHBOURS, ck)
        self.basis = atlas.Pca3(self.W_E[self.atlas_ids])
        fitted = self.basis.project(self.W_E[self.atlas_ids])
        self.extremes = []
        for axis in range(3):   # the fitted tokens farthest along each axis, one at each end
            for k in (int(np.argmin(fitted[:, axis])), int(np.argmax(fitted[:, axis]))):
                if self.atlas_ids[k] not in self.extremes:
                    self.extremes.append(self.atlas_ids[k])
        featured = []
        for t in (self.extremes + self.prompt_ids + [self.focus] + [n for n, _ in self.neighbours]
                  + ([self.direction.a, self.direction.b] if self.direction else [])):
            if t not in featured:
                featured.append(t)
        self.featured = featured
        ids = list(self.atlas_ids) + featured          # the cloud, then the points drawn as dots
        self.coords = self.basis.project(self.W_E[ids])
        for k, t in enumerate(ids):
            for c in range(3):
                self.record("W_E", (t, c), self.coords[k, c], PCA)

    def at(self, token: int) -> int:
        return self.featured.index(token)

    # --- labels: placed on screen while the camera stands still, clear of every mark and text ----
    def screen_labels(self, tokens: list[int], colors, boxes: list = (), marks: list = ()) -> VGroup:
        """A label beside the dot of each of ``tokens`` (``colors``: one colour, or one per token),
        placed on the screen as the camera stands now, clear of the axes, of the dots of
        ``tokens``, of ``marks`` (what else is drawn: lines, arrows) and of ``boxes`` (texts fixed
        in the frame), with a leader line when it has to sit further out. Returned at opacity 0,
        fixed in the frame (labels and leaders)."""
        if not isinstance(colors, (list, tuple)):
            colors = [colors] * len(tokens)
        dots = [self.space.dots[self.at(t)] for t in tokens]
        labs = [label(show_piece(self.piece(t)), style.SMALL_SIZE, color=c, theme=self.theme)
                for t, c in zip(tokens, colors)]
        shown = [self.space.axes] if self.space.axes in self.mobjects else []   # not while close in
        drawn = screen_points(self, [*shown, *marks])
        leaders = place_labels(labs, [screen_xy(self, d) for d in dots], drawn,
                               [self.title, self.sub, *boxes], radius=DOT_R)
        group = VGroup(*labs, *leaders)
        self.add_fixed_in_frame_mobjects(group)
        group.set_opacity(0)
        return group

    def fit_camera(self, zoom_max: float = 1.3) -> None:
        """Set the camera's zoom, and the height it looks at on the vertical axis, so that at every
        heading of its turns the axes and the cloud stay inside the frame's margin, the dots leave
        room for a label above or below, and nothing is drawn under the heading."""
        cam = self.camera
        axes = self.space.axes
        ends = [axes.c2p(*v) for v in np.vstack([np.eye(3), -np.eye(3)])]
        shapes = np.vstack([ends, self.space.cloud.points])
        dots = np.array([d.get_center() for d in self.space.dots])
        x0, x1, y0, y1 = BOUNDS
        hx = max(self.title.get_right()[0], self.sub.get_right()[0]) + 0.2
        hy = self.sub.get_bottom()[1] - 0.2
        headings = THETA + np.linspace(0, sum(TURNS), 9)

        def fits(zoom: float, zc: float) -> bool:
            cam.set_zoom(zoom)
            cam.frame_center = [0, 0, zc]
            for theta in headings:
                cam.set_theta(theta)
                cam.reset_rotation_matrix()
                s, d = cam.project_points(shapes)[:, :2], cam.project_points(dots)[:, :2]
                if (s[:, 0].min() < x0 or s[:, 0].max() > x1 or s[:, 1].min() < y0 or s[:, 1].max() > y1
                        or d[:, 1].min() < y0 + 0.2 or d[:, 1].max() > y1 - 0.2):
                    return False
                every = np.vstack([s, d])
                if ((every[:, 0] < hx) & (every[:, 1] > hy)).any():
                    return False
            return True

        self.set_camera_orientation(phi=PHI, theta=THETA)
        choice = (0.6, 0.0)
        for zoom in np.arange(zoom_max, 0.6, -0.02):
            ok = [zc for zc in np.arange(-1.0, 1.0001, 0.05) if fits(zoom, zc)]
            if ok:
                choice = (float(zoom), float(min(ok, key=abs)))
                break
        self.set_camera_orientation(phi=PHI, theta=THETA, zoom=choice[0], frame_center=[0, 0, choice[1]])
        cam.reset_rotation_matrix()

    # --- steps ---------------------------------------------------------------------------------
    def show_cloud(self):
        th = self.theme
        self.space = SpaceDrawing(self.coords[len(self.atlas_ids):], [""] * len(self.featured),
                                  side=6.4, dot_radius=0.06, labelled=[],
                                  cloud=self.coords[: len(self.atlas_ids)], theme=self.theme)
        for dot in self.space.dots:
            dot.set_color(th.muted)
        self.title = label("Embedding space", style.TITLE_SIZE, theme=self.theme).to_corner(UL, buff=0.35)
        # two short lines under the title, so the vertical axis never runs through them
        self.sub = VGroup(label(f"{len(self.atlas_ids)} frequent words", style.SMALL_SIZE, color=th.muted),
                          label("PCA of W_E to 3-D", style.SMALL_SIZE, color=th.muted))
        self.sub.arrange(DOWN, aligned_edge=LEFT, buff=0.1).next_to(self.title, DOWN, buff=0.12)
        self.sub.align_to(self.title, LEFT)
        self.add_fixed_in_frame_mobjects(self.title, self.sub)
        self.fit_camera()
        self.space.face_camera(self)
        self.remove(*self.space.dots)
        self.play(Write(self.title), FadeIn(self.sub), FadeIn(self.space.axes), FadeIn(self.space.cloud),
                  run_time=1.2)
        self.say(f"Each dot is one token's {self.trace.config['d_model']} numbers, seen along the "
                 "three directions in which they vary most.", 4.5)
        turn(self, TURNS[0], 6.0)
        ends = self.screen_labels(self.extremes, th.text)
        self.add(*[self.space.dots[self.at(t)] for t in self.extremes])
        self.play(ends.animate.set_opacity(1), run_time=0.6)
        self.say("The labelled tokens lie farthest out along the three axes: the directions in which "
                 "these words' numbers spread most.", 4.0)
        self.wait(4.5)
        ends_text = ", ".join(show_piece(self.piece(t)) for t in self.extremes)
        self.pause("This is the model's own W_E, projected with PCA, not placed by hand. The labelled "
                   f"dots ({ends_text}) are the words farthest out along the three axes. PCA picks the "
                   "directions of greatest spread, not a meaning: their ends need not be a contrast "
                   "anyone can name. A direction that does mean something is measured later, from "
                   "pairs of words.")
        self.play(FadeOut(ends), *[FadeOut(self.space.dots[self.at(t)]) for t in self.extremes], run_time=0.4)

    def place_prompt(self):
        th = self.theme
        dots = [self.space.dots[self.at(t)] for t in self.prompt_ids]
        for dot in dots:
            dot.set_color(th.text)
        self.play(*[FadeIn(d) for d in dots], run_time=0.5)
        back = self.close_in(dots)      # a tight cluster (e.g. a prompt of loose bytes): closer
        marks = self.screen_labels(self.prompt_ids, th.text)
        self.play(marks.animate.set_opacity(1), run_time=0.6)
        n_distinct = len(dict.fromkeys(self.trace.tokens))
        which = (f"The last {len(self.prompt_ids)} different tokens of the prompt" if n_distinct > len(self.prompt_ids)
                 else "The prompt's own tokens")
        self.say(f"{which} land among them.", 3.0)
        self.say("Each one starts from its own row of W_E.")
        self.wait(3.5)
        closer = (" The camera closed in: these tokens lie close together in "
                  "the projection." if back else "")
        out = n_distinct - len(self.prompt_ids)
        left = (f" The prompt has {n_distinct} different tokens; "
                + ("the first one is" if out == 1 else f"the first {out} are")
                + " left out so the labels stay readable." if out > 0 else "")
        self.pause(f"{which}, placed with the same projection: each starts from its row of W_E."
                   + left + closer)
        self.say("Now turn the cloud and pick one word's nearest neighbours.")
        self.play(FadeOut(marks), *[FadeOut(d) for d in dots], run_time=0.4)
        if back:
            back()
        turn(self, TURNS[1], 3.0)

    def show_neighbours(self):
        th = self.theme
        f = self.at(self.focus)
        near = [self.space.dots[self.at(n)] for n, _ in self.neighbours]
        for dot in near:
            dot.set_color(th.text)
        self.space.dots[f].set_color(th.chosen)
        self.play(*[FadeIn(d) for d in near + [self.space.dots[f]]], run_time=0.5)
        back = self.close_in([self.space.dots[f], *near])
        panel = VGroup(label(f"nearest to {show_piece(self.piece(self.focus))}", style.SMALL_SIZE,
                             color=th.chosen))
        for n, s in self.neighbours:
            v = self.record("W_E", (n,), s, derivations.cosine_with_row(self.focus))
            panel.add(label(f"{show_piece(self.piece(n))}  {v:.2f}", style.SMALL_SIZE, mono=True, theme=self.theme))
        panel.add(label("cosine similarity", style.SMALL_SIZE, color=th.muted))
        panel.add(label(f"in all {self.trace.config['d_model']} numbers", style.SMALL_SIZE, color=th.muted))
        panel.arrange(DOWN, aligned_edge=LEFT, buff=0.09)
        panel.add_to_back(BackgroundRectangle(panel, color=th.background, fill_opacity=1.0, buff=0.1))
        # at the right edge (else bottom left), at the height where it covers the least of what
        # is drawn (the axes, the dots): lowest first
        shown = [self.space.axes] if self.space.axes in self.mobjects else []   # not while close in
        drawn = screen_points(self, [*shown, *near, self.space.dots[f]])
        x0, x1, y0, y1 = BOUNDS
        w, h = panel.width, panel.height
        spots = [(x1 - w / 2, y) for y in np.arange(y0 + h / 2, y1 - h / 2 + 1e-6, 0.1)]
        spots.append((x0 + w / 2, y0 + h / 2))

        def covered(spot) -> int:
            x, y = spot
            return int(((np.abs(drawn[:, 0] - x) < w / 2 + 0.1) & (np.abs(drawn[:, 1] - y) < h / 2 + 0.1)).sum())
        panel.move_to([*min(spots, key=covered), 0])
        self.add_fixed_in_frame_mobjects(panel)
        # the word and each neighbour named beside its dot (no lines joining them: with the
        # labels' leaders they would read as a tangle)
        focus_lab = self.screen_labels([self.focus] + [n for n, _ in self.neighbours],
                                       [th.chosen] + [th.text] * len(self.neighbours), [panel])
        self.play(FadeIn(panel),
                  focus_lab.animate.set_opacity(1), run_time=1.0)
        self.say(f"The words whose vectors point most nearly the same way as {spoken(self.piece(self.focus))}.", 4.0)
        self.wait(4.5)
        closer = (" The camera closed in to name them apart." if back else "")
        self.pause(f"Nearest neighbours by cosine similarity, computed in all {self.W_E.shape[1]} dimensions (the 3-D "
                   "picture squeezes them, so closeness there is only rough)." + closer)
        self.play(FadeOut(panel), FadeOut(focus_lab),
                  *[FadeOut(d) for d in near + [self.space.dots[f]]], run_time=0.5)
        if back:
            back()

    def close_in(self, dots: list, spread: float = 2.4, most: float = 4.0):
        """Move the camera towards ``dots`` (centred on them) and zoom in until they spread over
        about ``spread`` frame units, by at most ``most`` times: words that lie close together in
        the projection get room for their labels. Animated (1.5 s); does nothing when they already
        spread that far. The heading gets a backing meanwhile (the cloud and the axes reach under
        it). Returns the function that moves the camera back (1 s) and removes the backing, or
        None when the camera stays."""
        xy = np.array([screen_xy(self, d) for d in dots])
        now = float(np.linalg.norm(xy[:, None] - xy[None], axis=-1).max()) if len(xy) > 1 else spread
        factor = min(most, spread / max(now, 1e-6))
        if factor <= 1.05:
            return None
        zoom, centre = self.camera.get_zoom(), self.camera.frame_center
        heading = VGroup(self.title, self.sub)
        right, bottom = heading.get_right()[0] + 0.15, heading.get_bottom()[1] - 0.15
        w, h = config.frame_width / 2 + right, config.frame_height / 2 - bottom     # to the frame's corner
        backing = Rectangle(width=w, height=h, stroke_width=0, fill_color=self.theme.background,
                            fill_opacity=1.0).move_to([right - w / 2, bottom + h / 2, 0])
        self.add_fixed_in_frame_mobjects(backing)
        self.bring_to_front(self.title, self.sub)
        middle = np.mean([d.get_center() for d in dots], axis=0)
        # close in, only the cloud's points that stay in the frame are drawn, and no axes (they
        # would reach far outside it)
        near = self.space.cloud.copy()
        cam = self.camera
        cam.set_zoom(zoom * factor)
        cam.frame_center = middle
        xy = cam.project_points(self.space.cloud.points)[:, :2]
        cam.set_zoom(zoom)
        cam.frame_center = centre
        inside = ((np.abs(xy[:, 0]) < config.frame_width / 2 - 0.1)
                  & (np.abs(xy[:, 1]) < config.frame_height / 2 - 0.1))
        near.points, near.rgbas = near.points[inside], near.rgbas[inside]
        self.add(near)
        self.bring_to_front(backing, self.title, self.sub)
        self.move_camera(zoom=zoom * factor, frame_center=middle, run_time=1.5,
                         added_anims=[FadeOut(self.space.axes), FadeOut(self.space.cloud)])

        def back():
            self.move_camera(zoom=zoom, frame_center=centre, run_time=1.0,
                             added_anims=[FadeIn(self.space.axes), FadeIn(self.space.cloud)])
            self.remove(near, backing)
        back.near, back.backing, back.factor = near, backing, factor   # for a scene that leaves from close in
        return back

    def show_direction(self):
        th = self.theme
        d = self.direction
        a, b = self.space.dots[self.at(d.a)], self.space.dots[self.at(d.b)]
        for dot in (a, b):
            dot.set_color(th.text)
        self.play(FadeIn(a), FadeIn(b), run_time=0.5)
        self.say(f"The difference between two embeddings is a direction: here from "      # said while
                 f"{spoken(self.piece(d.a))} to {spoken(self.piece(d.b))}.", 4.0)   # the camera moves
        close = self.close_in([a, b], spread=2.0)    # two words close together: closer, a longer arrow
        r = close.factor if close else 1.0           # the arrow drawn as thin and short-tipped on screen
        arrow = arrow_3d(a.get_center(), b.get_center(), th.text, thickness=0.025 / r, tip=0.2 / r)
        labs = self.screen_labels([d.a, d.b], th.text, marks=[arrow])
        self.play(Create(arrow), labs.animate.set_opacity(1), run_time=1.0)
        self.wait(4.0)
        self.pause("Subtract one embedding from another and you get a direction in the space."
                   + (" The camera closed in on the two words." if close else ""))
        cloud = [FadeOut(close.near)] if close else [FadeOut(self.space.axes), FadeOut(self.space.cloud)]
        self.play(*cloud, FadeOut(a), FadeOut(b), FadeOut(arrow), FadeOut(labs), FadeOut(self.sub), run_time=0.6)
        if close:
            self.remove(close.backing)

    def number_line(self):
        th = self.theme
        d = self.direction
        pairs = d.others[:N_PAIRS]
        self.remove(self.space, *self.space.dots)
        values = {}
        for t in [x for p in pairs for x in p]:
            values[t] = self.record("W_E", (t,), d.along(self.W_E, t), derivations.along(d.b, d.a))
        lo, hi = min(values.values()), max(values.values())
        pad = 0.08 * (hi - lo or 1.0)
        lo, hi = lo - pad, hi + pad
        x0, x1 = -5.0, 5.0

        def x(v):
            return x0 + (x1 - x0) * (v - lo) / (hi - lo)

        head = label(f"dot product with the direction {show_piece(self.piece(d.a))} → "
                     f"{show_piece(self.piece(d.b))}", style.BODY_SIZE, theme=self.theme)
        head.next_to(self.title, DOWN, buff=0.3).set_x(0)
        rows = VGroup()
        pitch = 0.62
        top_y = head.get_bottom()[1] - 0.75
        for r, (m, f) in enumerate(pairs):
            y = top_y - r * pitch
            rows.add(Line([x0, y, 0], [x1, y, 0], color=th.neutral, stroke_width=2))
            # the left word's label ends at its dot, the right word's starts at its dot: no overlap
            left, right = (m, f) if values[m] <= values[f] else (f, m)
            for t, edge in ((left, RIGHT), (right, LEFT)):
                color = th.text if t == f else th.muted
                rows.add(Dot([x(values[t]), y, 0], radius=0.06, color=color))
                lab = label(show_piece(self.piece(t)), style.SMALL_SIZE, color=color, theme=self.theme)
                rows.add(lab.move_to([x(values[t]), y + 0.3, 0], aligned_edge=edge))   # above its dot
        axis_y = top_y - len(pairs) * pitch + 0.1
        axis = Line([x0, axis_y, 0], [x1, axis_y, 0], color=th.muted, stroke_width=2)
        ticks = VGroup()
        for v in (lo + pad, hi - pad):
            ticks.add(label(f"{v:+.2f}", style.SMALL_SIZE, color=th.muted).move_to([x(v), axis_y - 0.35, 0]))
        later = sum(values[f] > values[m] for m, f in pairs)
        shown = (f"{later} of these {len(pairs)}" if len(pairs) < len(d.others) else f"{later} of {len(pairs)}")
        rest = f", {d.separated} of {len(d.others)} in all" if len(pairs) < len(d.others) else ""
        verdict = label(f"{shown} pairs{rest}: the female word lies further along",
                        style.SMALL_SIZE, theme=self.theme)
        verdict.move_to([0, axis_y - 1.0, 0])
        self.add_fixed_in_frame_mobjects(head, rows, axis, ticks, verdict)
        for m in (head, rows, axis, ticks, verdict):
            m.set_opacity(0)
        self.play(head.animate.set_opacity(1), rows.animate.set_opacity(1), axis.animate.set_opacity(1),
                  ticks.animate.set_opacity(1), run_time=1.0)
        self.say("Project other pairs onto that direction: the number line is each word's dot product with it.", 4.5)
        self.wait(4.5)
        self.play(verdict.animate.set_opacity(1), run_time=0.6)
        self.say(f"In {later} of these {len(pairs)} pairs, and {d.separated} of {len(d.others)} in all, "
                 "the female word sits further along: the model learned this direction.", 5.0)
        self.wait(5.0)
        self.pause("Directions carry meaning: the same difference separates many other pairs. "
                   "Nobody told the model; it learned this from text.")

