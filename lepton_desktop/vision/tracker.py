"""Tracking faces across detection frames: stable IDs, short gaps bridged by interpolation.

Detections arrive every ``stride`` frames. Each is matched to the track whose
box, moved on at its recent velocity, overlaps it most (greedy, IoU above a
threshold). A track that misses up to ``max_missed`` detection frames in a row
is kept and its gap is filled by interpolation once it is found again; after
that it ends (a face that comes back later becomes a new track). Tracks seen
only once are dropped as likely false detections.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from lepton_desktop.vision.align import FaceGeometry
from lepton_desktop.vision.overlap import iou_matrix


@dataclass
class Track:
    """A face over time: geometry at the detection frames where it was found."""

    key: int
    frames: list[int] = field(default_factory=list)
    faces: list[FaceGeometry] = field(default_factory=list)
    missed: int = 0
    alive: bool = True
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4, np.float32))

    def predicted_box(self, frame: int) -> np.ndarray:
        """Where the box should be at ``frame`` at the current velocity."""
        return self.faces[-1].box + self.velocity * (frame - self.frames[-1])  # type: ignore[no-any-return]

    def geometry_at(self, frame: int) -> FaceGeometry | None:
        """The face at ``frame``: exact on detection frames, interpolated between them, None outside."""
        i = bisect.bisect_left(self.frames, frame)
        if i < len(self.frames) and self.frames[i] == frame:
            return self.faces[i]
        if i == 0 or i == len(self.frames):
            return None
        f0, f1 = self.frames[i - 1], self.frames[i]
        return self.faces[i - 1].interpolate(self.faces[i], (frame - f0) / (f1 - f0))

    def add(self, frame: int, face: FaceGeometry) -> None:
        """Record a detection; the velocity follows the last step, smoothed."""
        if self.frames:
            step = (face.box - self.faces[-1].box) / max(frame - self.frames[-1], 1)
            self.velocity = (0.5 * self.velocity + 0.5 * step).astype(np.float32)
        self.frames.append(frame)
        self.faces.append(face)
        self.missed = 0


class FaceTracker:
    """Greedy IoU tracker over detection frames."""

    def __init__(
        self, iou_threshold: float = 0.25, max_missed: int = 3, min_hits: int = 2, max_jump: float = 0.9
    ) -> None:
        self.iou_threshold = iou_threshold
        self.max_jump = max_jump
        self.max_missed = max_missed
        self.min_hits = min_hits
        self.tracks: list[Track] = []
        self._next_key = 0

    def update(self, frame: int, faces: list[FaceGeometry]) -> None:
        """Match the faces detected at ``frame`` to tracks; start tracks for the rest."""
        alive = [t for t in self.tracks if t.alive]
        matched_tracks: set[int] = set()
        matched_faces: set[int] = set()
        if alive and faces:
            predicted = np.stack([t.predicted_box(frame) for t in alive])
            found = np.stack([f.box for f in faces])
            iou = iou_matrix(predicted, found)
            for flat in np.argsort(-iou, axis=None):
                ti, fi = np.unravel_index(flat, iou.shape)
                if iou[ti, fi] < self.iou_threshold:
                    break
                if ti in matched_tracks or fi in matched_faces:
                    continue
                alive[ti].add(frame, faces[fi])
                matched_tracks.add(int(ti))
                matched_faces.add(int(fi))
            # Fast motion: no overlap left, but a face of similar size close by (in face widths).
            for ti, fi in self._by_distance(predicted, found, matched_tracks, matched_faces):
                alive[ti].add(frame, faces[fi])
                matched_tracks.add(ti)
                matched_faces.add(fi)
        for ti, track in enumerate(alive):
            if ti not in matched_tracks:
                track.missed += 1
                if track.missed > self.max_missed:
                    track.alive = False
        for fi, face in enumerate(faces):
            if fi not in matched_faces:
                track = Track(self._next_key)
                self._next_key += 1
                track.add(frame, face)
                self.tracks.append(track)

    def _by_distance(
        self, predicted: np.ndarray, found: np.ndarray, used_tracks: set[int], used_faces: set[int]
    ) -> list[tuple[int, int]]:
        pairs = []
        for ti, p in enumerate(predicted):
            if ti in used_tracks:
                continue
            side_p = max(p[2] - p[0], p[3] - p[1], 1.0)
            for fi, f in enumerate(found):
                if fi in used_faces:
                    continue
                side_f = max(f[2] - f[0], f[3] - f[1], 1.0)
                if not 0.6 <= side_f / side_p <= 1 / 0.6:
                    continue
                dist = float(np.hypot((p[0] + p[2] - f[0] - f[2]) / 2, (p[1] + p[3] - f[1] - f[3]) / 2))
                if dist / side_p <= self.max_jump:
                    pairs.append((dist / side_p, ti, fi))
        out: list[tuple[int, int]] = []
        for _, ti, fi in sorted(pairs):
            if ti in used_tracks or fi in used_faces or any(t == ti or f == fi for t, f in out):
                continue
            out.append((ti, fi))
        return out

    def confirmed(self, track: Track) -> bool:
        """A real face: seen at least ``min_hits`` times (or still being followed)."""
        return len(track.frames) >= self.min_hits or (track.alive and track.missed == 0)

    def forget_before(self, frame: int) -> None:
        """Drop ended tracks whose last detection is before ``frame`` (keeps memory flat)."""
        self.tracks = [t for t in self.tracks if t.alive or t.frames[-1] >= frame]
