"""Analyse a video: a generator that yields progress, saves results as they come, stops when asked.

    for progress in analyze_video("talk.mp4", project="study.lepton"):
        print(progress.frames_done, progress.total, progress.fps)

Results go into the project as one analysis run (tracks + per-frame
predictions). A finished run of the same video with the same settings and
model is reused instead of recomputed, unless ``force`` is set.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lepton_desktop.core.paths import user_data_dir
from lepton_desktop.core.predictions import TrackPredictions
from lepton_desktop.core.processes import process_alive
from lepton_desktop.services.engine import get_analysis_engine
from lepton_desktop.services.frame_loop import FrameLoop
from lepton_desktop.services.models import pick_version, version_weights
from lepton_desktop.store import Project, open_project
from lepton_desktop.video import VideoReader
from lepton_desktop.vision.analyzer import AnalysisSettings, FaceRows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalysisProgress:
    """One step of an analysis, for progress bars and live plots."""

    video_id: int
    run_id: int
    frames_done: int
    total: int
    faces: int
    """People (tracks) found so far."""
    fps: float
    rows: FaceRows | None = None
    """Rows that became final since the last step (None if none)."""
    state: str = "running"
    """``running``, then one of ``done``, ``cancelled``, ``reused``."""
    device: str = ""
    track_ids: dict[int, int] = field(default_factory=dict)
    """Track number -> project track id, for every track so far."""
    model_version_id: int | None = None
    damage: dict[str, Any] | None = None
    """On the last step of a damaged video: what could not be analysed (see :func:`damage_report`)."""

    @property
    def finished(self) -> bool:
        """True on the last step."""
        return self.state != "running"


def default_project() -> Path:
    """The project used when none is named: one per user."""
    return user_data_dir() / "default.lepton"


def analyze_video(
    video: str | Path,
    *,
    project: str | Path | None = None,
    settings: AnalysisSettings | None = None,
    device: str = "auto",
    weights: Path | None = None,
    model_version: int | None = None,
    runtime: str = "auto",
    force: bool = False,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[AnalysisProgress]:
    """Analyse every face in ``video``; see the module docstring.

    The model is ``weights`` if given, else the project's version ``model_version``,
    else its active version, else the shipped model. ``runtime``: what runs the networks
    (``auto``, ``onnx``, ``onnx-float``, ``torch``; see :func:`~lepton_desktop.services.engine.get_analysis_engine`);
    a stored run is reused whatever computed it, unless a runtime is named and another one made it.
    """
    settings = settings or AnalysisSettings()
    target = project or default_project()
    with VideoReader(video) as reader, open_project(target, create=True) as proj:
        record, _ = proj.videos.add(reader.info, reader.fingerprint)
        chosen = None if weights is not None else pick_version(proj, model_version)
        if chosen is not None:
            weights = version_weights(chosen, proj)
        engine = get_analysis_engine(device, weights, runtime)
        if chosen is not None:
            version = chosen
        else:
            assert weights is not None  # no version is picked only when weights are given
            version = proj.model_versions.ensure(
                weights.stem, engine.weights_sha256, weights_path=str(engine.weights_path)
            )
        params = settings.to_params()
        if not force:
            reused = proj.runs.find_reusable(record.id, params, version.id)
            if reused is not None and runtime != "auto" and reused.timings.get("device") != engine.device_name:
                reused = None  # a runtime named (--runtime onnx-float, torch...) wants its own reading
            if reused is not None:
                yield _reused(proj, reused.id, record.id, reader.frame_count, engine.device_name, version.id)
                return
        loop = FrameLoop(reader, engine, settings)  # before the run starts: what cannot run fails early
        reap_interrupted(proj)
        run = proj.runs.start(record.id, params, version.id, owner=this_process())
        writer = _RunWriter(proj, run.id)
        total = reader.frame_count
        rows: FaceRows | None = None
        try:
            with closing(loop.steps(should_stop)) as steps:
                for step in steps:
                    if step.rows is not None:
                        writer.write(step.rows)
                    if step.finished:
                        rows = step.rows
                        break
                    yield AnalysisProgress(
                        record.id, run.id, step.frames_done, total, step.faces, step.fps, step.rows,
                        device=engine.device_name, track_ids=dict(writer.track_ids),
                    )  # fmt: skip
        except (KeyboardInterrupt, SystemExit):  # Ctrl+C, or SIGTERM (the CLI turns it into SystemExit)
            done = loop.done
            proj.runs.finish(run.id, "cancelled", frames_done=done, error=f"interrupted after {done} frames")
            raise
        except BaseException as exc:
            proj.runs.finish(run.id, "failed", frames_done=loop.done, error=f"{type(exc).__name__}: {exc}")
            raise
        if loop.damage is not None:
            log.warning("%s: %s", reader.path.name, loop.damage["message"])
        proj.runs.finish(run.id, loop.state, frames_done=loop.done, timings=loop.timings())
        yield AnalysisProgress(
            record.id, run.id, loop.done, total, loop.analyzer.faces_found, loop.fps, rows, loop.state,
            engine.device_name, dict(writer.track_ids), version.id, loop.damage,
        )  # fmt: skip


class _RunWriter:
    """Writes rows to the project: a track per new number, predictions appended per track."""

    def __init__(self, project: Project, run_id: int) -> None:
        self.project = project
        self.run_id = run_id
        self.track_ids: dict[int, int] = {}

    def write(self, rows: FaceRows) -> None:
        for number in np.unique(rows.tracks):
            mask = rows.tracks == number
            frames = rows.frames[mask]
            track_id = self.track_ids.get(int(number))
            if track_id is None:
                track = self.project.runs.add_track(self.run_id, int(number), int(frames[0]), int(frames[-1]))
                track_id = self.track_ids[int(number)] = track.id
            marks = None if rows.landmarks is None else rows.landmarks[mask]
            actions = None if rows.actions is None else rows.actions[mask]
            self.project.runs.append_predictions(
                track_id, TrackPredictions(frames, rows.boxes[mask], rows.probs[mask], marks, actions)
            )


def store_computed(
    project: Project,
    video_id: int,
    params: dict[str, Any],
    version_id: int,
    blocks: list[FaceRows],
    *,
    state: str,
    frames_done: int,
    timings: dict[str, Any],
) -> int:
    """Store an analysis computed elsewhere (a batch worker) as :func:`analyze_video` stores its own; the run id."""
    run = project.runs.start(video_id, params, version_id, owner=this_process())
    try:
        writer = _RunWriter(project, run.id)
        for rows in blocks:
            writer.write(rows)
    except BaseException as exc:
        project.runs.finish(run.id, "failed", frames_done=frames_done, error=f"{type(exc).__name__}: {exc}")
        raise
    project.runs.finish(run.id, state, frames_done=frames_done, timings=timings)
    return run.id


def _reused(project: Project, run_id: int, video_id: int, total: int, device: str, version_id: int) -> AnalysisProgress:
    track_ids = {t.number: t.id for t in project.runs.tracks(run_id)}
    rows = load_run_rows(project, run_id)
    run = project.runs.get(run_id)
    device = run.timings.get("device") or device  # what computed the stored rows (an int8 or float reading...)
    return AnalysisProgress(
        video_id, run_id, run.frames_done, total, len(track_ids), 0.0, rows, "reused", device, track_ids, version_id,
        run.timings.get("damage"),
    )  # fmt: skip


def stored_rows(parts: list[tuple[np.ndarray, TrackPredictions]]) -> FaceRows | None:
    """Per-track predictions joined into frame-ordered rows."""
    if not parts:
        return None
    frames = np.concatenate([p.frames for _, p in parts]).astype(np.int32)
    tracks = np.concatenate([n for n, _ in parts]).astype(np.int32)
    boxes = np.concatenate([p.boxes for _, p in parts]).astype(np.float32)
    probs = np.concatenate([p.probs for _, p in parts]).astype(np.float32)
    order = np.lexsort((tracks, frames))
    marks = None
    if all(p.landmarks is not None for _, p in parts):
        marks = np.concatenate([p.landmarks for _, p in parts]).astype(np.float32)[order]
    actions = None
    if all(p.actions is not None for _, p in parts):
        actions = np.concatenate([p.actions for _, p in parts]).astype(np.float32)[order]
    return FaceRows(frames[order], tracks[order], boxes[order], probs[order], marks, actions)


def this_process() -> dict[str, Any]:
    """Who runs an analysis: host name and process id (to tell later whether it is still alive)."""
    return {"host": socket.gethostname(), "pid": os.getpid()}


def reap_interrupted(project: Project) -> list[int]:
    """Close the runs left ``running`` by a process of this machine that no longer exists (a kill, a crash).

    They become ``failed`` with the reason, keeping the frames they stored; a run owned by a live
    process or by another machine is left alone. Returns the ids closed.
    """
    host = socket.gethostname()
    closed = []
    for run in project.runs.running():
        owner = run.timings.get("owner") or {}
        pid = owner.get("pid")
        if owner.get("host") == host and isinstance(pid, int) and pid != os.getpid() and not process_alive(pid):
            reason = f"interrupted: its process ({pid}) ended after {run.frames_done} frames"
            project.runs.finish(run.id, "failed", frames_done=run.frames_done, error=reason)
            closed.append(run.id)
    return closed


def load_run_rows(project: Project, run_id: int) -> FaceRows | None:
    """All rows of a stored run."""
    parts = []
    for track in project.runs.tracks(run_id):
        pred = project.runs.predictions(track.id)
        parts.append((np.full(len(pred), track.number, np.int32), pred))
    return stored_rows(parts)


def run_to_completion(
    progress: Iterator[AnalysisProgress], on_step: Callable[[AnalysisProgress], None] | None = None
) -> AnalysisProgress:
    """Drive an analysis generator to its end; return the last step."""
    last: AnalysisProgress | None = None
    for step in progress:
        last = step
        if on_step is not None:
            on_step(step)
    assert last is not None
    return last


@dataclass(frozen=True)
class StoredResults:
    """The newest finished analysis of a video in a project."""

    run_id: int
    model_version_id: int | None
    rows: FaceRows | None
    track_ids: dict[int, int]
    names: dict[int, str]
    damage: dict[str, Any] | None = None
    """What of a damaged video the run could not analyse (see :func:`damage_report`)."""


def stored_results(project: str | Path, fingerprint: str) -> StoredResults | None:
    """The newest completed run of the video with this content, if the project has one."""
    try:
        proj = open_project(project)
    except Exception:  # no project yet (first start): nothing stored
        return None
    with proj:
        record = proj.videos.by_fingerprint(fingerprint)
        if record is None:
            return None
        reap_interrupted(proj)  # a run a killed process left "running" is closed, with the reason
        runs = [r for r in proj.runs.list_runs(record.id) if r.status == "done"]
        if not runs:
            return None
        run = runs[-1]
        tracks = proj.runs.tracks(run.id)
        return StoredResults(
            run.id,
            run.model_version_id,
            load_run_rows(proj, run.id),
            {t.number: t.id for t in tracks},
            {t.number: t.display_name for t in tracks},
            run.timings.get("damage"),
        )


def rename_person(project: str | Path, track_id: int, name: str) -> None:
    """Give a person (a track) a readable name, stored at once."""
    with open_project(project) as proj:
        proj.runs.rename_track(track_id, name)
