"""What a report says, built once (:mod:`report_build`) and rendered twice (:mod:`report_html`, :mod:`report_pdf`).

Plain frozen dataclasses: numbers, text and PNG bytes, no database rows, no arrays a renderer
would have to interpret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from lepton_desktop.core.errors import LeptonError


class ReportError(LeptonError):
    """A report cannot be made as asked (no analysis, an unknown format, an unwritable file)."""


@dataclass(frozen=True)
class VideoFacts:
    """The video as the project knows it."""

    id: int
    name: str
    path: str
    duration_s: float
    frames: int
    fps: float
    width: int
    height: int
    fingerprint: str
    codec: str
    container: str
    size_bytes: int
    vfr: bool


@dataclass(frozen=True)
class ModelFacts:
    """The model version an analysis used, and what its card says."""

    id: int | None
    name: str
    weights_sha256: str
    accuracy: float | None
    macro_f1: float | None
    measured_on: str | None
    card_title: str
    """Whose card the summary comes from (a fine-tuned version shows its base model's card)."""
    card_summary: str
    card_facts: list[tuple[str, str]] = field(default_factory=list)
    """(Architecture, ...), (Data, ...), (Licence, ...) rows of the card's table."""


@dataclass(frozen=True)
class SegmentRow:
    """A stretch of one label: the model's dominant emotion, or a human label."""

    label: str
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    """Where the stretch ends (the start of the frame after it)."""
    confidence: float | None = None
    """Model segments: the label's mean probability over the stretch."""
    who: str = ""
    """Human segments: the annotators whose corrections decide it."""


@dataclass(frozen=True)
class Thumbnail:
    """A person's face at the frame where one emotion's probability peaks."""

    emotion: str
    frame: int
    time_s: float
    probability: float
    png: bytes


@dataclass(frozen=True)
class AgreementFacts:
    """Cohen's kappa of the two annotators who labelled the most frames (of one person, or of the video)."""

    annotators: tuple[str, str]
    frames: int
    agreement: float
    kappa: float


@dataclass(frozen=True)
class PersonReport:
    """One person (a face track) of the analysis."""

    number: int
    name: str
    frames_seen: int
    first_s: float
    last_s: float
    review_status: str
    """``not_started``, ``in_progress`` or ``done``."""
    model_share: dict[str, float]
    """Share of the seen frames where each emotion is the model's most likely one."""
    corrected_share: dict[str, float]
    """The same, with the human label in place of the model's where there is one."""
    human_frames: int
    """Seen frames that carry a human label."""
    segments: list[SegmentRow]
    segments_left_out: int
    """Model segments shorter than the report lists (flicker)."""
    human_segments: list[SegmentRow]
    annotators: list[str]
    agreement: AgreementFacts | None
    timeline_png: bytes
    share_png: bytes
    thumbnails: list[Thumbnail]
    valence: float | None = None
    """Mean valence over the seen frames (-1..1), from the emotion probabilities."""
    arousal: float | None = None
    """Mean arousal (0..1), when the analysis read facial actions."""
    top_actions: list[tuple[str, float]] = field(default_factory=list)
    """The most active facial actions with their mean coefficient (empty without actions)."""

    @property
    def dominant(self) -> str:
        """The emotion with the largest model share."""
        return max(self.model_share, key=lambda e: self.model_share[e])

    @property
    def dominant_corrected(self) -> str:
        """The emotion with the largest share after corrections."""
        return max(self.corrected_share, key=lambda e: self.corrected_share[e])


@dataclass(frozen=True)
class AnnotatorFacts:
    """What one annotator did on one video."""

    name: str
    corrections: int
    """Live corrections."""
    undone: int
    frames: int
    """Frames that carry this annotator's label (overlaps counted once per person)."""
    people: int
    origins: dict[str, int]
    """Live corrections by origin: ``human``, ``accepted`` (a model proposal), ``import``."""


@dataclass(frozen=True)
class VideoReport:
    """One analysed video: facts, settings, model, people, corrections."""

    video: VideoFacts
    run_id: int
    run_finished: datetime | None
    device: str
    settings: dict[str, Any]
    model: ModelFacts
    people: list[PersonReport]
    annotators: list[AnnotatorFacts]
    agreement: AgreementFacts | None
    notes: list[str] = field(default_factory=list)
    """Sentences about what is missing or odd (the video file moved, damaged frames)."""


@dataclass(frozen=True)
class Provenance:
    """Who made the report, when, with what."""

    app_version: str
    generated_at: datetime
    project: str
    platform: str
    packages: list[tuple[str, str]]


@dataclass(frozen=True)
class Report:
    """A whole report: one video, or every analysed video of a project."""

    title: str
    subtitle: str
    scope: str
    """``video`` or ``project``."""
    videos: list[VideoReport]
    not_analysed: list[str]
    """Project reports: videos of the project without a finished analysis."""
    provenance: Provenance

    @property
    def people(self) -> int:
        """People over all videos."""
        return sum(len(v.people) for v in self.videos)


@dataclass(frozen=True)
class WrittenReport:
    """What was written where."""

    path: Path
    format: str
    """``html`` or ``pdf``."""
    bytes: int
    pages: int | None
    """PDF pages (None for HTML)."""
    sections: int
    videos: int
    people: int
    thumbnails: int

    def to_json(self) -> dict[str, Any]:
        """The ``lepton report`` document."""
        return {
            "path": str(self.path),
            "format": self.format,
            "bytes": self.bytes,
            "pages": self.pages,
            "sections": self.sections,
            "videos": self.videos,
            "people": self.people,
            "thumbnails": self.thumbnails,
        }


@dataclass(frozen=True)
class ReportProgress:
    """One step of making a report."""

    done: int
    total: int
    message: str
    state: str = "running"
    """``running``, then ``done`` or ``cancelled``."""
    report: Report | None = None
    """On the last step of :func:`build_report`: the report."""
    written: WrittenReport | None = None
    """On the last step of :func:`export_report`: the file."""
