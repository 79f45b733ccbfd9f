"""Frozen records that cross layer boundaries (what repositories return)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class VideoInfo:
    """What a video file is: its metadata as the video layer read it."""

    path: str
    container: str
    codec: str
    frames: int
    fps: float
    """Nominal frame rate the file declares (or the decoder guesses)."""
    avg_fps: float
    """Frames divided by duration, measured from the timestamps."""
    duration_s: float
    width: int
    """Displayed width, after rotation."""
    height: int
    """Displayed height, after rotation."""
    rotation: int
    """Clockwise degrees (0, 90, 180, 270) applied to decoded frames for display."""
    vfr: bool
    size_bytes: int
    truncated: bool = False
    """True when the file ends early; ``frames`` counts only the decodable ones."""
    problem: str | None = None
    """A user-facing sentence about damage found while indexing, if any."""

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``lepton info`` document."""
        return {
            "path": self.path,
            "container": self.container,
            "codec": self.codec,
            "frames": self.frames,
            "fps": round(self.fps, 6),
            "avg_fps": round(self.avg_fps, 6),
            "duration_s": round(self.duration_s, 6),
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "vfr": self.vfr,
            "size_bytes": self.size_bytes,
            "truncated": self.truncated,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class VideoRecord:
    """A video as the project knows it."""

    id: int
    path: str
    fingerprint: str
    info: VideoInfo
    added_at: datetime


@dataclass(frozen=True)
class Annotator:
    """A person who makes corrections."""

    id: int
    name: str


@dataclass(frozen=True)
class ModelVersion:
    """One version of the expression model known to the project."""

    id: int
    name: str
    weights_sha256: str
    weights_path: str | None
    parent_id: int | None
    created_at: datetime
    active: bool
    dataset_fingerprint: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalysisRun:
    """One analysis of one video by one model version."""

    id: int
    video_id: int
    model_version_id: int | None
    status: str
    """One of ``running``, ``done``, ``failed``, ``cancelled``."""
    params: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None
    frames_done: int
    timings: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class Track:
    """One person (a face track) within one analysis run."""

    id: int
    run_id: int
    video_id: int
    number: int
    """The track's number within its run, as the tracker assigned it (1, 2, ...)."""
    display_name: str
    first_frame: int
    last_frame: int


@dataclass(frozen=True)
class Correction:
    """A human label over an inclusive frame range of one track."""

    id: int
    video_id: int
    track_id: int
    start_frame: int
    end_frame: int
    label: str
    annotator: str
    origin: str
    """``human`` (re-labelled), ``accepted`` (accepted model proposal) or ``import``."""
    created_at: datetime
    tombstoned_at: datetime | None = None

    @property
    def live(self) -> bool:
        """False once undone (tombstoned); the row itself is never deleted."""
        return self.tombstoned_at is None


@dataclass(frozen=True)
class ProjectSummary:
    """What ``lepton project show`` prints."""

    url: str
    schema_revision: str
    videos: tuple[VideoRecord, ...]
    runs: int
    tracks: int
    predictions: int
    corrections: int
    annotators: int
    model_versions: int
