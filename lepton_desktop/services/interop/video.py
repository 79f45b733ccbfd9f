"""One video of a project as the interop formats see it: its people, exact frame times, model and human labels."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.labels import UNLABELLED
from lepton_desktop.core.records import Correction, VideoRecord
from lepton_desktop.core.timeline import FrameTimeline
from lepton_desktop.services.corrections import annotator_labels, find_video, person_tracks, same_people
from lepton_desktop.store import Project
from lepton_desktop.video import VideoReader


class InteropError(LeptonError):
    """Annotations cannot be exported or imported as asked; nothing in the project was changed."""


@dataclass(frozen=True)
class Person:
    """A person of the newest finished analysis, with the names files may use for them."""

    number: int
    name: str
    """The display name (``Person 1`` until renamed)."""
    label: str
    """What exports call them: the display name, or ``Person N (name)`` where two share a name."""
    track_id: int
    earlier: tuple[int, ...]
    """The same person's tracks in earlier analyses (their corrections count too)."""


@dataclass(frozen=True)
class VideoAnnotations:
    """What every export and import needs to know about one video of a project."""

    video: VideoRecord
    media: Path
    """The video file on disk (its exact frame times convert between seconds and frames)."""
    timeline: FrameTimeline
    people: tuple[Person, ...]
    model: str
    """The model version of the newest analysis, e.g. ``expression_resnet (v1)``."""

    @property
    def frame_count(self) -> int:
        """Frames in the video."""
        return self.timeline.frame_count


def load(project: Project, video: str | Path) -> VideoAnnotations:
    """The video (by path, id or content) with the people of its newest finished analysis."""
    record = find_video(project, video)
    tracks = person_tracks(project, record.id)
    earlier: dict[int, list[int]] = defaultdict(list)
    for old, new in same_people(project, {t.number: t.id for t in tracks}).items():
        earlier[new].append(old)
    names = [t.display_name.casefold() for t in tracks]
    people = tuple(
        Person(
            t.number,
            t.display_name,
            t.display_name if names.count(t.display_name.casefold()) == 1 else f"Person {t.number} ({t.display_name})",
            t.id,
            tuple(earlier[t.id]),
        )
        for t in tracks
    )
    media = _media_file(record, video)
    with VideoReader(media) as reader:
        timeline = reader.timeline
    if timeline.frame_count != record.info.frames:
        raise InteropError(
            f"{media} has {timeline.frame_count} frames but the analysed video had {record.info.frames}; "
            "pass the file that was analysed."
        )
    return VideoAnnotations(record, media, timeline, people, _model_name(project, tracks[0].run_id if tracks else None))


def _media_file(record: VideoRecord, asked: str | Path) -> Path:
    given = Path(str(asked)).expanduser()
    if given.is_file():
        return given
    stored = Path(record.path)
    if stored.is_file():
        return stored
    raise InteropError(
        f"The video file is needed for its exact frame times, and it is no longer at {record.path}; "
        "pass its new path with --video."
    )


def _model_name(project: Project, run_id: int | None) -> str:
    if run_id is None:
        return "Lepton model"
    version_id = project.runs.get(run_id).model_version_id
    if version_id is None:
        return "Lepton model"
    return f"{project.model_versions.get(version_id).name} (v{version_id})"


def model_labels(project: Project, person: Person, frame_count: int) -> tuple[npt.NDArray[np.int8], np.ndarray]:
    """The model's dominant emotion per frame (-1 where the face was not found) and the probabilities (NaN there)."""
    pred = project.runs.predictions(person.track_id)
    labels = np.full(frame_count, UNLABELLED, np.int8)
    probs = np.full((frame_count, len(EMOTIONS)), np.nan, np.float32)
    keep = pred.frames < frame_count
    frames = pred.frames[keep]
    probs[frames] = pred.probs[keep]
    labels[frames] = pred.probs[keep].argmax(axis=1)
    return labels, probs


def human_labels(project: Project, ctx: VideoAnnotations, person: Person) -> dict[str, npt.NDArray[np.int8]]:
    """Per annotator, the person's frame labels from live corrections (each annotator's newer ones win)."""
    found: dict[str, npt.NDArray[np.int8]] = annotator_labels(
        project, ctx.video.id, person.track_id, ctx.frame_count, person.earlier
    )
    return found


def corrections(project: Project, ctx: VideoAnnotations, person: Person) -> list[Correction]:
    """The live corrections of one person, including those made on earlier analyses of them."""
    found: list[Correction] = []
    for track in (person.track_id, *person.earlier):
        found.extend(project.corrections.list(video_id=ctx.video.id, track_id=track))
    return found
