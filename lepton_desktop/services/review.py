"""The review queue of a video in a project (``lepton review`` and the app's Review panel).

Gathers what :mod:`lepton_desktop.core.review` ranks: the shown run's probabilities per person,
each annotator's resolved labels (corrections made on an earlier analysis of the same people
count), the newest other model version's labels, review status and review marks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.records import AnalysisRun, VideoRecord
from lepton_desktop.core.review import (
    REASON_TEXT,
    REASONS,
    PersonEvidence,
    ReviewItem,
    ReviewThresholds,
    build_queue,
    counts,
)
from lepton_desktop.services.corrections import (
    annotator_labels,
    find_track,
    find_video,
    same_people,
    tracking_params,
)
from lepton_desktop.services.settings import Settings
from lepton_desktop.store import Project, open_project


class ReviewError(LeptonError):
    """The queue cannot be built as asked."""


@dataclass(frozen=True)
class ReviewQueue:
    """The ranked items of one video, with counts per reason and what was compared."""

    items: list[ReviewItem]
    counts: dict[str, int]
    run_id: int
    compared_run: int | None = None
    names: dict[int, str] = field(default_factory=dict)

    def to_json(self, times: npt.NDArray[np.float64] | None = None) -> dict[str, Any]:
        """The ``lepton review`` document."""
        return {
            "run": self.run_id,
            "compared_run": self.compared_run,
            "counts": self.counts,
            "items": [item_json(i, self.names, times) for i in self.items],
        }


def thresholds_from(settings: Settings) -> ReviewThresholds:
    """The thresholds a user set (Review > Settings in the app), defaults elsewhere."""
    return ReviewThresholds(
        low_top=settings.review_low_top,
        high_entropy=settings.review_high_entropy,
        min_frames=settings.review_min_frames,
        flicker_window=settings.review_flicker_window,
        flicker_changes=settings.review_flicker_changes,
    )


def dense_probs(project: Project, run_id: int, frame_count: int) -> dict[int, npt.NDArray[np.float32]]:
    """Per person number, (frames, 7) probabilities with NaN where the person is not seen."""
    return {t.number: project.runs.predictions(t.id).dense_probs(frame_count) for t in project.runs.tracks(run_id)}


_FINISHED_LABELS: dict[tuple[str, int, str, int], dict[int, npt.NDArray[np.int8]]] = {}
"""Dominant labels of finished runs, by (project, run, when it finished, frames): a finished run never
changes, and the app rebuilds the queue after every correction."""


def finished_run_labels(project: Project, run: AnalysisRun, frame_count: int) -> dict[int, npt.NDArray[np.int8]]:
    """Per person number, the dominant emotion of a finished run per frame (-1 where not seen)."""
    key = (project.url, run.id, str(run.finished_at), frame_count)
    if key not in _FINISHED_LABELS:
        labels = {}
        for number, probs in dense_probs(project, run.id, frame_count).items():
            seen = ~np.isnan(probs[:, 0])
            labels[number] = np.where(seen, np.nan_to_num(probs).argmax(axis=1), -1).astype(np.int8)
        while len(_FINISHED_LABELS) >= 4:
            _FINISHED_LABELS.pop(next(iter(_FINISHED_LABELS)))
        _FINISHED_LABELS[key] = labels
    return _FINISHED_LABELS[key]


def compared_run(project: Project, run: AnalysisRun) -> AnalysisRun | None:
    """The newest finished run of the same video, with the same tracking settings, by another model version."""
    others = [
        r for r in project.runs.list_runs(run.video_id)
        if r.status == "done" and r.id != run.id and tracking_params(r.params) == tracking_params(run.params)
        and r.model_version_id != run.model_version_id
    ]  # fmt: skip
    return others[-1] if others else None


def gather(
    project: Project,
    video: VideoRecord,
    run: AnalysisRun,
    *,
    probs: Mapping[int, npt.NDArray[np.floating]] | None = None,
    compare: bool = True,
) -> tuple[dict[int, PersonEvidence], AnalysisRun | None]:
    """The evidence per person of ``run`` (``probs`` if the caller holds them, else loaded)."""
    frames = video.info.frames
    tracks = {t.number: t for t in project.runs.tracks(run.id)}
    held = probs if probs is not None else dense_probs(project, run.id, frames)
    earlier: dict[int, list[int]] = defaultdict(list)
    for old, new in same_people(project, {n: t.id for n, t in tracks.items()}).items():
        earlier[new].append(old)
    other = compared_run(project, run) if compare else None
    other_labels: dict[int, npt.NDArray[np.int8]] = {} if other is None else finished_run_labels(project, other, frames)
    other_name = ""
    if other is not None:
        other_name = f"version {other.model_version_id}"  # names are long; `lepton models` lists them
    marks_by_track: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    all_ids = [t.id for t in tracks.values()] + [i for ids in earlier.values() for i in ids]
    alias = {old: new for new, olds in earlier.items() for old in olds}
    for mark in project.review_marks.list(all_ids):
        marks_by_track[alias.get(mark.track_id, mark.track_id)].append((mark.start_frame, mark.end_frame, mark.reason))
    people: dict[int, PersonEvidence] = {}
    for number, track in tracks.items():
        dense = held.get(number)
        if dense is None:
            continue
        people[number] = PersonEvidence(
            probs=np.asarray(dense),
            annotators=annotator_labels(project, video.id, track.id, frames, tuple(earlier[track.id])),
            other_model=other_labels.get(number, np.full(frames, -1, np.int8)) if other is not None else None,
            other_name=other_name,
            review_done=project.runs.review(track.id) == "done",
            marks=marks_by_track[track.id],
        )
    return people, other


def newest_run(project: Project, video: VideoRecord) -> AnalysisRun:
    """The video's newest finished analysis (the one the app shows)."""
    runs = [r for r in project.runs.list_runs(video.id) if r.status == "done"]
    if not runs:
        raise ReviewError(f"{Path(video.path).name} has no finished analysis yet; run 'lepton analyze' on it first.")
    return runs[-1]


def review_queue(
    project: Project,
    video: VideoRecord,
    *,
    reasons: Sequence[str] = REASONS,
    thresholds: ReviewThresholds | None = None,
    run: AnalysisRun | None = None,
    probs: Mapping[int, npt.NDArray[np.floating]] | None = None,
) -> ReviewQueue:
    """The ranked review queue of ``video`` (its newest finished analysis unless ``run`` is given)."""
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise ReviewError(f"Unknown review reason {unknown[0]!r}; choose from: {', '.join(REASONS)}.")
    run = run or newest_run(project, video)
    people, other = gather(project, video, run, probs=probs, compare="models" in reasons)
    everything = build_queue(people, thresholds)
    items = [i for i in everything if i.reason in reasons]
    names = {t.number: t.display_name for t in project.runs.tracks(run.id)}
    return ReviewQueue(items, counts(everything), run.id, None if other is None else other.id, names)


def mark_reviewed(project: Project, video: VideoRecord, item: ReviewItem, annotator: str) -> None:
    """Record that a human looked at ``item`` (it leaves the queue)."""
    if not annotator.strip():
        raise ReviewError("Marking as reviewed needs an annotator name (set it in the app, or pass --annotator).")
    track = find_track(project, video.id, item.person)
    project.review_marks.add(track.id, item.first, item.last, item.reason, annotator)


def item_json(item: ReviewItem, names: Mapping[int, str], times: npt.NDArray[np.float64] | None) -> dict[str, Any]:
    """One item for JSON and CSV."""
    out: dict[str, Any] = {
        "person": item.person,
        "name": names.get(item.person, f"Person {item.person}"),
        "first_frame": item.first,
        "last_frame": item.last,
        "frames": item.frames,
        "reason": item.reason,
        "reason_text": REASON_TEXT[item.reason],
        "score": round(item.score, 3),
        "detail": item.detail,
    }
    if times is not None and item.last < times.shape[0]:
        out["start_s"] = round(float(times[item.first]), 3)
        out["end_s"] = round(float(times[item.last]), 3)
    return out


def review_for_cli(
    target: str | Path, video: str | None, reasons: Sequence[str]
) -> tuple[ReviewQueue, VideoRecord, npt.NDArray[np.float64] | None]:
    """``lepton review``: the queue with the user's thresholds, and the frame times if the file is at hand.

    With no ``video``, the project's only video (a project of several: one sentence listing them).
    """
    from lepton_desktop.services.settings import load_settings

    with open_project(target) as project:
        if video is None:
            videos = project.videos.list()
            if len(videos) != 1:
                listed = "; ".join(f"{v.id}: {v.path}" for v in videos[:10]) + ("; …" if len(videos) > 10 else "")
                raise ReviewError(
                    "The project has no video yet; analyse one first (lepton analyze VIDEO)."
                    if not videos
                    else f"The project has {len(videos)} videos; name one with --video (a path or an id: {listed})."
                )
            video = str(videos[0].id)
        record = find_video(project, video)
        queue = review_queue(project, record, reasons=reasons, thresholds=thresholds_from(load_settings()))
    times = None
    if Path(record.path).is_file():
        from lepton_desktop.video import VideoReader

        try:
            with VideoReader(record.path) as reader:
                times = reader.timeline.times()
        except LeptonError:  # the file cannot be read here: the queue stands without times
            times = None
    return queue, record, times
