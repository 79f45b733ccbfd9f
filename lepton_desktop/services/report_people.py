"""A person's numbers for a report: time per emotion (model, and after corrections), segments, annotators.

Plain functions over arrays and correction records; the store and the figures stay in :mod:`report_build`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.labels import UNLABELLED, frame_labels, frame_sources, segments
from lepton_desktop.core.predictions import TrackPredictions
from lepton_desktop.core.records import Correction
from lepton_desktop.services.report_data import AnnotatorFacts, SegmentRow

MIN_SEGMENT_S = 0.5
"""Model segments shorter than this are counted, not listed (a dominant label that flickers)."""
MAX_SEGMENT_ROWS = 40
"""At most this many model segments per person are listed (the longest, in time order)."""


def per_frame(pred: TrackPredictions, frame_count: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int8]]:
    """Probabilities per frame (NaN rows where the person is not seen) and the model's label per frame (-1)."""
    probs = pred.dense_probs(frame_count)
    seen = ~np.isnan(probs[:, 0])
    labels = np.full(frame_count, UNLABELLED, np.int8)
    labels[seen] = probs[seen].argmax(1)
    return probs, labels


def shares(labels: npt.NDArray[np.integer]) -> dict[str, float]:
    """Each emotion's share of the labelled frames (zeros when none are)."""
    counts = np.bincount(labels[labels >= 0].astype(np.int64), minlength=len(EMOTIONS))
    total = int(counts.sum())
    return {e: (float(c) / total if total else 0.0) for e, c in zip(EMOTIONS, counts.tolist(), strict=True)}


def corrected(model: npt.NDArray[np.int8], human: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
    """On the frames the person is seen: the human label where there is one, else the model's."""
    out = model.copy()
    seen_and_labelled = (model >= 0) & (human >= 0)
    out[seen_and_labelled] = human[seen_and_labelled]
    return out


def resolved(corrections: Sequence[Correction], frame_count: int) -> npt.NDArray[np.int8]:
    """One label per frame from everyone's live corrections of a person: where they overlap, the newest wins."""
    return frame_labels(corrections, frame_count)


def _end_time(times: npt.NDArray[np.float64], end: int, duration_s: float) -> float:
    return float(times[end + 1]) if end + 1 < times.size else max(duration_s, float(times[end]))


def model_segments(
    labels: npt.NDArray[np.int8], probs: npt.NDArray[np.float32], times: npt.NDArray[np.float64], duration_s: float
) -> tuple[list[SegmentRow], int]:
    """The model's dominant-emotion segments worth a row, and how many shorter or surplus ones were left out."""
    rows = []
    left_out = 0
    for seg in segments(labels):
        start_s, end_s = float(times[seg.start]), _end_time(times, seg.end, duration_s)
        if end_s - start_s < MIN_SEGMENT_S:
            left_out += 1
            continue
        conf = float(np.nanmean(probs[seg.start : seg.end + 1, EMOTIONS.index(seg.label)]))
        rows.append(SegmentRow(seg.label, seg.start, seg.end, start_s, end_s, conf))
    if len(rows) > MAX_SEGMENT_ROWS:
        longest = sorted(rows, key=lambda r: r.start_s - r.end_s)[:MAX_SEGMENT_ROWS]
        left_out += len(rows) - MAX_SEGMENT_ROWS
        rows = sorted(longest, key=lambda r: r.start_frame)
    return rows, left_out


def human_segments(
    corrections: Sequence[Correction], frame_count: int, times: npt.NDArray[np.float64], duration_s: float
) -> list[SegmentRow]:
    """Stretches of one resolved human label, with the annotators whose corrections decide them."""
    labels = resolved(corrections, frame_count)
    sources = frame_sources(corrections, frame_count)
    who = {c.id: c.annotator for c in corrections}
    rows = []
    for seg in segments(labels):
        ids = np.unique(sources[seg.start : seg.end + 1])
        names = sorted({who[int(i)] for i in ids if int(i) in who})
        start_s = float(times[seg.start])
        rows.append(
            SegmentRow(
                seg.label, seg.start, seg.end, start_s, _end_time(times, seg.end, duration_s), who=", ".join(names)
            )
        )
    return rows


def annotator_facts(
    by_person: dict[int, list[Correction]], undone: list[Correction], frame_count: int
) -> list[AnnotatorFacts]:
    """Per annotator over a video: live corrections, undone ones, frames labelled, people, origins.

    ``by_person``: each person's (track number's) live corrections; ``undone``: the tombstoned ones.
    """
    per_annotator: dict[str, dict[int, list[Correction]]] = defaultdict(lambda: defaultdict(list))
    for number, items in by_person.items():
        for c in items:
            per_annotator[c.annotator][number].append(c)
    undone_count = Counter(c.annotator for c in undone)
    names = sorted(set(per_annotator) | set(undone_count))
    out = []
    for name in names:
        people = per_annotator.get(name, {})
        live = [c for items in people.values() for c in items]
        frames = sum(int((frame_labels(items, frame_count) >= 0).sum()) for items in people.values())
        origins = dict(sorted(Counter(c.origin for c in live).items()))
        out.append(AnnotatorFacts(name, len(live), undone_count.get(name, 0), frames, len(people), origins))
    return sorted(out, key=lambda a: (-a.frames, a.name))


def peak_frames(probs: npt.NDArray[np.float32], min_peak: float) -> list[tuple[str, int, float]]:
    """Per emotion, the frame where its probability peaks: (emotion, frame, probability); below ``min_peak``: none."""
    seen = ~np.isnan(probs[:, 0])
    if not seen.any():
        return []
    out = []
    filled = np.where(seen[:, None], probs, -1.0)
    for i, emotion in enumerate(EMOTIONS):
        frame = int(np.argmax(filled[:, i]))
        value = float(filled[frame, i])
        if value >= min_peak:
            out.append((emotion, frame, value))
    return out
