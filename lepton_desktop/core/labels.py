"""Frame labels from corrections: overlap resolution, agreement, proposals. numpy only.

Labels per frame are small integers: the index in EMOTIONS, or -1 for "no label".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.records import Correction

UNLABELLED = -1


@dataclass(frozen=True)
class Segment:
    """An inclusive frame range with one label."""

    start: int
    end: int
    label: str

    @property
    def frames(self) -> int:
        """Number of frames covered."""
        return self.end - self.start + 1


def frame_labels(corrections: Iterable[Correction], frame_count: int) -> npt.NDArray[np.int8]:
    """Per-frame labels of one annotator's live corrections: where they overlap, the newer one wins.

    "Newer" is creation order (the id breaks ties), so re-labelling part of a range
    replaces exactly the re-labelled frames.
    """
    labels = np.full(frame_count, UNLABELLED, np.int8)
    live = sorted((c for c in corrections if c.live), key=lambda c: (c.created_at, c.id))
    for c in live:
        lo, hi = max(c.start_frame, 0), min(c.end_frame, frame_count - 1)
        if lo <= hi:
            labels[lo : hi + 1] = EMOTIONS.index(c.label)
    return labels


def segments(labels: npt.NDArray[np.integer], min_frames: int = 1) -> list[Segment]:
    """Runs of equal labels (unlabelled frames are gaps), dropping runs shorter than ``min_frames``."""
    out: list[Segment] = []
    if labels.size == 0:
        return out
    change = np.flatnonzero(np.diff(labels.astype(np.int16))) + 1
    starts = np.r_[0, change]
    ends = np.r_[change - 1, labels.size - 1]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        value = int(labels[start])
        if value != UNLABELLED and end - start + 1 >= min_frames:
            out.append(Segment(start, end, EMOTIONS[value]))
    return out


@dataclass(frozen=True)
class Agreement:
    """Frame-level agreement of two label sequences over the frames both labelled."""

    frames: int
    agreement: float
    kappa: float
    confusion: list[list[int]]
    """7x7 counts: rows are the first annotator's labels, columns the second's."""

    def to_json(self) -> dict[str, object]:
        """The CLI's JSON document."""
        return {
            "frames": self.frames,
            "agreement": round(self.agreement, 6),
            "kappa": round(self.kappa, 6),
            "labels": list(EMOTIONS),
            "confusion": self.confusion,
        }


def cohen_kappa(a: npt.NDArray[np.integer], b: npt.NDArray[np.integer]) -> Agreement:
    """Cohen's kappa between two per-frame label arrays, over frames that both labelled.

    kappa = (p_o - p_e) / (1 - p_e). When chance agreement is total (both used one
    and the same label everywhere) kappa is defined here as 1.0 if they agree on
    every frame; with no shared frames everything is 0 and ``frames`` says so.
    """
    both = (a != UNLABELLED) & (b != UNLABELLED)
    x, y = a[both].astype(np.int64), b[both].astype(np.int64)
    k = len(EMOTIONS)
    confusion = np.zeros((k, k), np.int64)
    np.add.at(confusion, (x, y), 1)
    n = int(both.sum())
    if n == 0:
        return Agreement(0, 0.0, 0.0, confusion.tolist())
    observed = float(np.trace(confusion)) / n
    expected = float((confusion.sum(1) * confusion.sum(0)).sum()) / (n * n)
    kappa = 1.0 if expected >= 1.0 and observed >= 1.0 else (observed - expected) / (1.0 - expected)
    return Agreement(n, observed, kappa, confusion.tolist())


def propose_segments(
    probs: npt.NDArray[np.floating],
    *,
    min_frames: int = 12,
    enter: float = 0.5,
    stay: float = 0.35,
) -> list[Segment]:
    """Turn per-frame probabilities (NaN rows = person not seen) into smoothed label segments.

    Hysteresis: a new label takes over only when its probability reaches ``enter``
    (and beats the current one); the current label holds while it stays above
    ``stay``. Segments shorter than ``min_frames`` are merged into their
    neighbours, so flicker never becomes a proposal.
    """
    n = probs.shape[0]
    labels = np.full(n, UNLABELLED, np.int8)
    current = UNLABELLED
    for i in range(n):
        row = probs[i]
        if np.isnan(row[0]):
            current = UNLABELLED
            continue
        best = int(np.argmax(row))
        if current == UNLABELLED or (row[best] >= enter and best != current) or row[current] < stay:
            current = best
        labels[i] = current
    return _merge_short(labels, min_frames)


def _merge_short(labels: npt.NDArray[np.int8], min_frames: int) -> list[Segment]:
    segs = segments(labels)
    changed = True
    while changed and len(segs) > 1:
        changed = False
        for i, seg in enumerate(segs):
            if seg.frames >= min_frames:
                continue
            left = segs[i - 1] if i > 0 and segs[i - 1].end + 1 == seg.start else None
            right = segs[i + 1] if i + 1 < len(segs) and segs[i + 1].start == seg.end + 1 else None
            host = max((s for s in (left, right) if s is not None), key=lambda s: s.frames, default=None)
            if host is None:
                continue
            labels[seg.start : seg.end + 1] = EMOTIONS.index(host.label)
            segs = segments(labels)
            changed = True
            break
    return [s for s in segs if s.frames >= min_frames or len(segs) == 1]


def split(segment: Segment, at: int) -> tuple[Segment, Segment] | None:
    """Split ``segment`` before frame ``at`` (None if ``at`` is not strictly inside)."""
    if not segment.start < at <= segment.end:
        return None
    return Segment(segment.start, at - 1, segment.label), Segment(at, segment.end, segment.label)


def covering(segs: Sequence[Segment], frame: int) -> Segment | None:
    """The segment that contains ``frame``."""
    for seg in segs:
        if seg.start <= frame <= seg.end:
            return seg
    return None


def frame_sources(corrections: Iterable[Correction], frame_count: int) -> npt.NDArray[np.int64]:
    """Per frame, the id of the live correction that decides its label (newer wins), or -1."""
    source = np.full(frame_count, -1, np.int64)
    for c in sorted((c for c in corrections if c.live), key=lambda c: (c.created_at, c.id)):
        lo, hi = max(c.start_frame, 0), min(c.end_frame, frame_count - 1)
        if lo <= hi:
            source[lo : hi + 1] = c.id
    return source


@dataclass(frozen=True)
class TrainingLabels:
    """One track's training labels, agreed over the chosen annotators."""

    labels: npt.NDArray[np.int8]
    """Per frame: EMOTIONS index, or UNLABELLED where nobody labelled it or annotators disagree."""
    annotators: list[str]
    """Per frame: who labelled it ("" where unlabelled); several agreeing annotators are joined by "+"."""
    origins: list[str]
    """Per frame: ``human``, ``accepted``, ``import`` (the newest deciding correction's origin), or ""."""
    conflicts: int
    """Frames left out because annotators disagreed."""


def training_labels(corrections: Sequence[Correction], frame_count: int) -> TrainingLabels:
    """Labels for training from one track's corrections: each annotator's newest-wins labels, kept where all agree."""
    by_id = {c.id: c for c in corrections}
    people = sorted({c.annotator for c in corrections if c.live})
    per_person = [frame_sources([c for c in corrections if c.annotator == p], frame_count) for p in people]
    labels = np.full(frame_count, UNLABELLED, np.int8)
    annotators = [""] * frame_count
    origins = [""] * frame_count
    conflicts = 0
    if not people:
        return TrainingLabels(labels, annotators, origins, 0)
    sources = np.stack(per_person)
    for frame in np.flatnonzero((sources >= 0).any(axis=0)).tolist():
        deciding = [by_id[int(i)] for i in sources[:, frame] if i >= 0]
        if len({c.label for c in deciding}) > 1:
            conflicts += 1
            continue
        newest = max(deciding, key=lambda c: (c.created_at, c.id))
        labels[frame] = EMOTIONS.index(newest.label)
        annotators[frame] = "+".join(c.annotator for c in deciding)
        origins[frame] = newest.origin
    return TrainingLabels(labels, annotators, origins, conflicts)
