"""Gather a report's data from a project: a generator that yields a step per video, person and thumbnail.

    for step in build_report("study.lepton", "talk.mp4"):
        print(step.done, step.total, step.message)
    report = step.report  # on the last step

``should_stop`` is asked before every step; when it says so, the last step has state ``cancelled``
and no report. Nothing is written here (see :func:`lepton_desktop.services.report.export_report`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.actions import ACTION_NAMES, arousal, most_active, valence
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.predictions import TrackPredictions
from lepton_desktop.core.records import AnalysisRun, Correction, Track, VideoRecord
from lepton_desktop.services import corrections as svc
from lepton_desktop.services import report_people as people
from lepton_desktop.services.report_data import (
    AgreementFacts,
    PersonReport,
    Report,
    ReportError,
    ReportProgress,
    Thumbnail,
    VideoFacts,
    VideoReport,
)
from lepton_desktop.services.report_faces import face_png
from lepton_desktop.services.report_figures import share_png, timeline_png
from lepton_desktop.services.report_provenance import model_facts, project_label, project_name, provenance
from lepton_desktop.store import Project, open_project
from lepton_desktop.video import VideoReader

log = logging.getLogger(__name__)

MIN_PEAK = 0.2
"""A thumbnail shows an emotion only where its probability reaches this somewhere."""


class _Stopped(Exception):
    pass


class _Steps:
    """Counts steps; asks ``should_stop`` before each one."""

    def __init__(self, total: int, should_stop: Callable[[], bool]) -> None:
        self.done, self.total, self.should_stop = 0, total, should_stop

    def __call__(self, message: str) -> ReportProgress:
        if self.should_stop():
            raise _Stopped
        self.done = min(self.done + 1, self.total)
        return ReportProgress(self.done, self.total, message)


@dataclass(frozen=True)
class _Target:
    record: VideoRecord
    run: AnalysisRun
    tracks: list[Track]
    path: Path
    """The file to cut thumbnails from (the one named, or where the project last saw it)."""


def _newest_done(project: Project, record: VideoRecord) -> AnalysisRun | None:
    runs = [r for r in project.runs.list_runs(record.id) if r.status == "done"]
    return runs[-1] if runs else None


def _targets(
    project: Project, where: str, video: str | Path | None, all_videos: bool
) -> tuple[list[_Target], list[str]]:
    if video is not None and all_videos:
        raise ReportError("Name one video or ask for all of them (--all), not both.")
    if video is None and not all_videos:
        raise ReportError("Name the video to report on, or ask for every video of the project (--all).")
    if video is not None:
        record = svc.find_video(project, video)
        run = _newest_done(project, record)
        if run is None:
            raise ReportError(
                f"{Path(record.path).name} has no finished analysis in this project; "
                f"run `lepton analyze {video} --project {where}` first."
            )
        named = Path(video)
        path = named if named.is_file() else Path(record.path)
        return [_Target(record, run, project.runs.tracks(run.id), path)], []
    targets, missing = [], []
    for record in project.videos.list():
        run = _newest_done(project, record)
        if run is None:
            missing.append(Path(record.path).name)
        else:
            targets.append(_Target(record, run, project.runs.tracks(run.id), Path(record.path)))
    if not targets:
        raise ReportError(
            f"No video of this project has a finished analysis; run `lepton analyze VIDEO --project {where}` first."
        )
    return targets, missing


def build_report(
    project: str | Path,
    video: str | Path | None = None,
    *,
    all_videos: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[ReportProgress]:
    """The report on one video (``video``: a path, an id, or a moved copy) or on all (``all_videos``)."""
    with open_project(project) as proj:
        targets, missing = _targets(proj, project_label(project), video, all_videos)
        total = sum(1 + len(t.tracks) * (1 + len(EMOTIONS)) for t in targets)
        steps = _Steps(total, should_stop)
        videos: list[VideoReport] = []
        try:
            for target in targets:
                videos.append((yield from _video_report(proj, target, steps)))
        except _Stopped:
            yield ReportProgress(steps.done, total, "Stopped: no report was made.", "cancelled")
            return
    if all_videos:
        title, subtitle = "Emotion analysis report", project_name(project)
    else:
        title, subtitle = "Emotion analysis report", videos[0].video.name
    report = Report(title, subtitle, "project" if all_videos else "video", videos, missing, provenance(project))
    yield ReportProgress(total, total, "Report ready", "done", report=report)


def _facts(record: VideoRecord, path: Path) -> VideoFacts:
    info = record.info
    return VideoFacts(
        record.id,
        path.name,
        str(path),
        info.duration_s,
        info.frames,
        info.fps,
        info.width,
        info.height,
        record.fingerprint,
        info.codec,
        info.container,
        info.size_bytes,
        info.vfr,
    )


def _agreement(project: Project, record: VideoRecord, number: int | None = None) -> AgreementFacts | None:
    try:
        found = svc.agreement(project, record, number)
    except LeptonError:  # fewer than two annotators: nothing to compare
        return None
    r = found.result
    return AgreementFacts(found.annotators, r.frames, r.agreement, r.kappa)


def _corrections(
    project: Project, target: _Target, notes: list[str]
) -> tuple[dict[int, list[Correction]], list[Correction]]:
    """Live corrections per person (also those made on an earlier analysis of the same people), and undone ones."""
    number_of = {t.id: t.number for t in target.tracks}
    for old, new in svc.same_people(project, {t.number: t.id for t in target.tracks}).items():
        number_of[old] = number_of[new]
    live: dict[int, list[Correction]] = defaultdict(list)
    undone, stray = [], 0
    for c in project.corrections.list(video_id=target.record.id, include_tombstoned=True):
        number = number_of.get(c.track_id)
        if number is None:
            stray += c.live
        elif c.live:
            live[number].append(c)
        else:
            undone.append(c)
    if stray:
        notes.append(
            f"{stray} correction{'s' if stray != 1 else ''} made on an earlier analysis whose people do not match "
            "this one are not counted."
        )
    return live, undone


def _open(path: Path, frame_count: int, notes: list[str]) -> VideoReader | None:
    """The video, for exact frame times and thumbnails; None (and a note) when it cannot be read as analysed."""
    try:
        reader = VideoReader(path)
    except LeptonError as exc:
        notes.append(f"The video file could not be read ({exc}); thumbnails are left out.")
        return None
    if reader.frame_count != frame_count:
        notes.append(
            f"{path.name} now has {reader.frame_count} frames, the analysis {frame_count}: thumbnails are left out."
        )
        reader.close()
        return None
    return reader


def _video_report(project: Project, target: _Target, steps: _Steps) -> Generator[ReportProgress, None, VideoReport]:
    record, run = target.record, target.run
    facts = _facts(record, target.path)
    yield steps(f"{facts.name}: reading the analysis")
    notes: list[str] = []
    damage = (run.timings.get("damage") or {}).get("message")
    if damage:
        notes.append(str(damage))
    n = record.info.frames
    reader = _open(target.path, n, notes)
    try:
        times = reader.timeline.times() if reader else np.arange(n, dtype=np.float64) / max(record.info.fps, 1e-9)
        live, undone = _corrections(project, target, notes)
        reports: list[PersonReport] = []
        for track in target.tracks:
            person = _Person(project, record, track, reader, times, facts.duration_s)
            reports.append((yield from person.build(live.get(track.number, []), steps, facts.name)))
    finally:
        if reader is not None:
            reader.close()
    annotators = people.annotator_facts(live, undone, n)
    return VideoReport(
        facts,
        run.id,
        run.finished_at,
        str(run.timings.get("device", "")),
        dict(run.params),
        model_facts(project, run.model_version_id),
        reports,
        annotators,
        _agreement(project, record) if len(annotators) >= 2 else None,
        notes,
    )


@dataclass(frozen=True)
class _Person:
    """One person's part of a video report."""

    project: Project
    record: VideoRecord
    track: Track
    reader: VideoReader | None
    times: npt.NDArray[np.float64]
    duration_s: float

    def build(self, mine: list[Correction], steps: _Steps, video: str) -> Generator[ReportProgress, None, PersonReport]:
        """Figures (one step), then a thumbnail per emotion (a step each); ``mine``: this person's live corrections."""
        track, n, times = self.track, self.record.info.frames, self.times
        name = track.display_name or f"Person {track.number}"
        yield steps(f"{video}: {name}, figures")
        pred = self.project.runs.predictions(track.id)
        probs, model = people.per_frame(pred, n)
        human = people.resolved(mine, n)
        after = people.corrected(model, human)
        seen = np.flatnonzero(model >= 0)
        segs, left_out = people.model_segments(model, probs, times, self.duration_s)
        model_share = people.shares(model)
        human_frames = int(((model >= 0) & (human >= 0)).sum())
        rows = [("model", model_share)] + ([("after corrections", people.shares(after))] if human_frames else [])
        figures = timeline_png(times, probs, model, human, self.duration_s), share_png(rows)
        peaks = {e: (f, p) for e, f, p in people.peak_frames(probs, MIN_PEAK)}
        thumbs: list[Thumbnail] = []
        for emotion in EMOTIONS:
            yield steps(f"{video}: {name}, {emotion} face")
            if emotion in peaks and self.reader is not None:
                thumbs.append(self._thumbnail(pred, emotion, *peaks[emotion]))
        first, last = (float(times[seen[0]]), float(times[seen[-1]])) if seen.size else (0.0, 0.0)
        mood = _affect(pred)
        return PersonReport(
            track.number,
            name,
            int(seen.size),
            first,
            last,
            self.project.runs.review(track.id),
            model_share,
            people.shares(after),
            human_frames,
            segs,
            left_out,
            people.human_segments(mine, n, times, self.duration_s),
            sorted({c.annotator for c in mine}),
            _agreement(self.project, self.record, track.number),
            *figures,
            thumbs,
            valence=mood[0],
            arousal=mood[1],
            top_actions=mood[2],
        )

    def _thumbnail(self, pred: TrackPredictions, emotion: str, frame: int, probability: float) -> Thumbnail:
        assert self.reader is not None
        row = int(np.searchsorted(pred.frames, frame))
        png = face_png(self.reader.frame(frame), pred.boxes[row])
        return Thumbnail(emotion, frame, float(self.times[frame]), probability, png)


TOP_ACTIONS = 5
"""How many of a person's most active facial actions a report lists."""


def _affect(pred: TrackPredictions) -> tuple[float | None, float | None, list[tuple[str, float]]]:
    """Mean valence, mean arousal and the most active facial actions of one person (None/empty if unknown)."""
    if len(pred) == 0:
        return None, None, []
    mean_valence = float(np.nanmean(valence(pred.probs)))
    acts = pred.actions
    if acts is None or not np.isfinite(acts).any():
        return mean_valence, None, []
    with np.errstate(all="ignore"):
        means = np.nanmean(acts.astype(np.float32), axis=0)
    top = [(ACTION_NAMES[i], float(means[i])) for i in most_active(acts, TOP_ACTIONS)]
    return mean_valence, float(np.nanmean(arousal(acts))), top
