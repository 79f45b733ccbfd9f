"""A project with a real video, a stored analysis of two people with known model labels, and corrections.

The analysis rows are written through the store as an analysis would write them, with probabilities
chosen so each frame's dominant emotion is known; no model runs, so the tests are quick and exact.
"""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.labels import frame_labels
from lepton_desktop.core.predictions import TrackPredictions
from lepton_desktop.services.corrections import find_track
from lepton_desktop.store import open_project
from lepton_desktop.video import VideoReader
from tests.synth import make_video

FRAMES = 60
PEOPLE = {1: (0, 59), 2: (10, 49)}
"""Person number -> first and last frame seen."""


def model_label(number: int, frame: int) -> str:
    """The dominant emotion the stored analysis gives a person on a frame."""
    if number == 1:
        return "happy" if frame < 30 else "sad"
    return "neutral" if frame < 40 else "surprise"


def probability(number: int, frame: int) -> float:
    """The dominant emotion's probability (varies, so means over a segment are checkable)."""
    return 0.5 + 0.4 * ((frame * 7 + number) % 10) / 10


def vfr_clip(path: Path) -> Path:
    """A variable-frame-rate clip: frames 33 ms apart, every tenth gap 50 ms (exact times matter)."""
    pts = [0]
    for i in range(1, FRAMES):
        pts.append(pts[-1] + (50 if i % 10 == 0 else 33))
    return make_video(path, FRAMES, pts_of=lambda i: pts[i], time_base=Fraction(1, 1000))


def analysed_project(folder: Path, video: Path | None = None) -> tuple[Path, Path]:
    """(project, video): the video added with a finished run of two people and no corrections."""
    video = video or vfr_clip(folder / "clip.mp4")
    project = folder / "p.lepton"
    with VideoReader(video) as reader:
        info, fingerprint = reader.info, reader.fingerprint
    with open_project(project, create=True) as proj:
        record, _ = proj.videos.add(info, fingerprint)
        run = proj.runs.start(record.id, {"stride": 3})
        for number, (first, last) in PEOPLE.items():
            track = proj.runs.add_track(run.id, number, first, last)
            frames = np.arange(first, last + 1, dtype=np.int32)
            probs = np.zeros((len(frames), len(EMOTIONS)), np.float32)
            for row, frame in enumerate(frames.tolist()):
                top = probability(number, frame)
                probs[row, :] = (1 - top) / (len(EMOTIONS) - 1)
                probs[row, EMOTIONS.index(model_label(number, frame))] = top
            boxes = np.tile(np.array([10, 10, 40, 40], np.float32), (len(frames), 1))
            proj.runs.append_predictions(track.id, TrackPredictions(frames, boxes, probs))
        proj.runs.finish(run.id, "done", frames_done=info.frames)
    return project, video


CORRECTIONS = [  # person, start, end, label, annotator (in the order made: newer wins where they overlap)
    (1, 0, 19, "happy", "ana"),
    (1, 10, 14, "angry", "ana"),
    (1, 40, 59, "fear", "ana"),
    (2, 12, 30, "disgust", "ana"),
    (1, 5, 25, "sad", "ben"),
    (2, 20, 49, "neutral", "ben"),
]


def correct(project: Path, video: Path, rows: list[tuple[int, int, int, str, str]] = CORRECTIONS) -> None:
    """Make corrections through the store, one by one, as the app does."""
    with open_project(project) as proj:
        record = proj.videos.list()[0]
        for number, start, end, label, annotator in rows:
            proj.corrections.add(find_track(proj, record.id, number).id, start, end, label, annotator)


def copy_project(project: Path, to: Path) -> Path:
    """A copy of a closed project file."""
    shutil.copyfile(project, to)
    return to


def resolved(project: Path) -> dict[tuple[int, str], list[int]]:
    """(person, annotator) -> that annotator's per-frame labels of that person (newest wins; -1 unlabelled)."""
    out: dict[tuple[int, str], list[int]] = {}
    with open_project(project) as proj:
        record = proj.videos.list()[0]
        for number in PEOPLE:
            track = find_track(proj, record.id, number)
            live = proj.corrections.list(video_id=record.id, track_id=track.id)
            for annotator in sorted({c.annotator for c in live}):
                mine = [c for c in live if c.annotator == annotator]
                out[(number, annotator)] = frame_labels(mine, record.info.frames).tolist()
    return out


def stored(project: Path) -> list[tuple[int, int, int, str, str, str]]:
    """Every live correction as (person, start, end, label, annotator, origin), in the order made."""
    with open_project(project) as proj:
        record = proj.videos.list()[0]
        numbers = {t.id: t.number for run in proj.runs.list_runs(record.id) for t in proj.runs.tracks(run.id)}
        return [
            (numbers[c.track_id], c.start_frame, c.end_frame, c.label, c.annotator, c.origin)
            for c in proj.corrections.list(video_id=record.id)
        ]
