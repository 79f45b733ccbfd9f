"""Planning an export: options, the video split, and the labelled frames of each track (no decoding yet)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.labels import UNLABELLED, training_labels
from lepton_desktop.core.predictions import TrackPredictions
from lepton_desktop.core.records import Correction, VideoRecord
from lepton_desktop.store import Project
from lepton_desktop.vision.align import FaceGeometry


class ExportError(LeptonError):
    """The dataset cannot be exported (nothing labelled, target not writable, ...)."""


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how."""

    videos: tuple[int | str, ...] | None = None
    """Project videos by id or path (as ``lepton correct --video`` takes them); None = every video with corrections."""
    annotators: tuple[str, ...] | None = None
    """Whose corrections count; None = everyone's."""
    include_accepted: bool = False
    """Also use accepted model proposals (origin ``accepted``), not only human labels."""
    stride: int = 5
    """Every ``stride``-th labelled frame becomes an image crop (sequences keep every frame)."""
    val_share: float = 0.25
    """Share of videos (not frames) that go to the validation split."""
    seed: int = 0
    color_size: int = 224
    sequence_length: int = 32
    features_only: bool = False
    """Write embeddings instead of face pixels."""
    model_version: int | None = None
    """With ``features_only``: whose CNN computes the features (default: the active version)."""
    device: str = "auto"

    def to_json(self) -> dict[str, Any]:
        """The settings, as recorded in the card."""
        out = asdict(self)
        out["videos"] = list(self.videos) if self.videos is not None else None
        out["annotators"] = list(self.annotators) if self.annotators is not None else None
        return out


@dataclass
class TrackPlan:
    """One track's labelled frames with a face, its split and where the face is on each frame."""

    video: VideoRecord
    split: str
    track_id: int
    track_number: int
    frames: npt.NDArray[np.int32]
    """Labelled frames that have a face (ascending)."""
    labels: npt.NDArray[np.int8]
    annotators: list[str]
    origins: list[str]
    geometry: dict[int, FaceGeometry]
    aligned_from_boxes: bool
    model_version_id: int | None
    actions: npt.NDArray[np.float32] | None = None
    """(len(frames), 52) facial actions stored with the run, NaN where none were found; None if not read."""


@dataclass
class Plan:
    """Everything an export will write, decided before any frame is decoded."""

    tracks: list[TrackPlan] = field(default_factory=list)
    conflicts: int = 0
    no_face: int = 0
    """Labelled frames left out because the person's face was not found there."""
    model_versions: set[int] = field(default_factory=set)


def split_videos(fingerprints: list[str], val_share: float, seed: int) -> dict[str, str]:
    """Fingerprint -> split. Deterministic for a seed; at least one video in each split when there are two."""
    ordered = sorted(fingerprints)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(ordered))
    n_val = round(len(ordered) * val_share)
    n_val = min(max(n_val, 1), len(ordered) - 1) if len(ordered) >= 2 else 0
    return {ordered[i]: ("val" if rank < n_val else "train") for rank, i in enumerate(order.tolist())}


def _box_landmarks(box: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Stand-in landmarks for rows stored without them: an upright face filling its box."""
    x, y, w, h = (float(v) for v in box)
    points = [(0.3, 0.4), (0.7, 0.4), (0.5, 0.6), (0.35, 0.8), (0.65, 0.8)]
    return np.array([(x + a * w, y + b * h) for a, b in points], np.float32)


def _geometry(pred: TrackPredictions, rows: npt.NDArray[np.intp]) -> dict[int, FaceGeometry]:
    out = {}
    for r in rows.tolist():
        x, y, w, h = (float(v) for v in pred.boxes[r])
        marks = pred.landmarks[r] if pred.landmarks is not None else _box_landmarks(pred.boxes[r])
        out[int(pred.frames[r])] = FaceGeometry(np.array([x, y, x + w, y + h], np.float32), marks.astype(np.float32))
    return out


def _video_id(project: Project, video: int | str) -> int:
    """A project video's id from its id or path; one sentence when the project has no such video."""
    from lepton_desktop.services.corrections import find_video

    try:
        return find_video(project, str(video)).id
    except LeptonError as exc:
        raise ExportError(str(exc)) from None


def make_plan(project: Project, options: ExportOptions) -> Plan:
    """Which frames of which tracks to export, with their agreed labels (the project is only read)."""
    videos = {v.id: v for v in project.videos.list()}
    if not videos:
        raise ExportError(
            "Nothing to export yet: analyse a video (Ctrl+R, or `lepton analyze`) and correct its labels first."
        )
    if options.videos is not None:
        picked = [_video_id(project, v) for v in options.videos]
        videos = {i: videos[i] for i in picked}
    origins = {"human", "import"} | ({"accepted"} if options.include_accepted else set())
    chosen: dict[int, list[Correction]] = {}
    for vid in videos:
        corrections = [
            c
            for c in project.corrections.list(video_id=vid)
            if c.origin in origins and (options.annotators is None or c.annotator in options.annotators)
        ]
        if corrections:
            chosen[vid] = corrections
    if not chosen:
        raise ExportError("Nothing to export: no corrections match (check the videos, annotators and origins chosen).")
    splits = split_videos([videos[v].fingerprint for v in chosen], options.val_share, options.seed)
    plan = Plan()
    for vid, corrections in chosen.items():
        video = videos[vid]
        by_track: dict[int, list[Correction]] = defaultdict(list)
        for c in corrections:
            by_track[c.track_id].append(c)
        for track_id, track_corrections in sorted(by_track.items()):
            track = project.runs.track(track_id)
            run = project.runs.get(track.run_id)
            agreed = training_labels(track_corrections, video.info.frames)
            plan.conflicts += agreed.conflicts
            pred = project.runs.predictions(track_id)
            valid = pred.frames < video.info.frames
            rows = np.flatnonzero(valid)
            rows = rows[agreed.labels[pred.frames[rows]] != UNLABELLED]
            plan.no_face += int((agreed.labels != UNLABELLED).sum()) - rows.size
            if rows.size == 0:
                continue
            frames = pred.frames[rows].astype(np.int32)
            if run.model_version_id is not None:
                plan.model_versions.add(run.model_version_id)
            plan.tracks.append(
                TrackPlan(
                    video, splits[video.fingerprint], track_id, track.number, frames, agreed.labels[frames],
                    [agreed.annotators[f] for f in frames.tolist()], [agreed.origins[f] for f in frames.tolist()],
                    _geometry(pred, rows), pred.landmarks is None, run.model_version_id,
                    None if pred.actions is None else pred.actions[rows],
                )
            )  # fmt: skip
    if not plan.tracks:
        raise ExportError("Nothing to export: the corrected frames have no analysed face (analyse the videos first).")
    return plan
