"""Project use cases: create, add videos, summarise."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lepton_desktop.core.records import ProjectSummary, VideoRecord
from lepton_desktop.store import open_project
from lepton_desktop.store.database import read_only_here, to_url
from lepton_desktop.video import VideoReader


@dataclass(frozen=True)
class AddedVideo:
    """What happened to one video given to :func:`add_videos`."""

    record: VideoRecord
    outcome: str
    """``added``, ``existing`` (same file again) or ``relinked`` (same content, new path)."""


def init_project(target: str | Path) -> ProjectSummary:
    """Create a new, empty project (refuses to overwrite anything)."""
    with open_project(target, exclusive_create=True):
        pass
    return summarise(target)


def ensure_project(target: str | Path) -> None:
    """Create ``target`` when it does not exist yet (the per-user default on first use), as an analysis would."""
    with open_project(target, create=True):
        pass


def add_videos(target: str | Path, videos: Iterable[str | Path]) -> list[AddedVideo]:
    """Probe each video (building its frame index) and add it to the project.

    All videos are probed before anything is written, so one bad file leaves
    the project unchanged and the error names that file.
    """
    probed = []
    for video in videos:
        with VideoReader(video) as reader:
            probed.append((reader.info, reader.fingerprint))
    out = []
    with open_project(target) as project:
        for info, fingerprint in probed:
            record, outcome = project.videos.add(info, fingerprint)
            out.append(AddedVideo(record, outcome))
    return out


def summarise(target: str | Path) -> ProjectSummary:
    """Everything ``lepton project show`` prints."""
    with open_project(target) as project:
        counts = project.counts()
        return ProjectSummary(
            url=to_url(target),
            schema_revision=project.schema_revision(),
            videos=tuple(project.videos.list()),
            runs=counts["runs"],
            tracks=counts["tracks"],
            predictions=counts["predictions"],
            corrections=counts["corrections"],
            annotators=counts["annotators"],
            model_versions=counts["model_versions"],
        )


def read_only(target: str | Path) -> bool:
    """Whether the project opens read-only here: its stored results show, and storing anything is refused."""
    return read_only_here(target)
