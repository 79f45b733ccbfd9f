"""Corrections use cases: label a range, undo/redo, list, export, inter-annotator agreement.

Every call commits before it returns. Two app instances (or an app and a script)
may write the same SQLite project at once: WAL mode serialises the writes, and
each sees the other's corrections on its next read (the GUI's Refresh).
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.labels import Agreement, cohen_kappa, frame_labels
from lepton_desktop.core.records import Correction, Track, VideoRecord
from lepton_desktop.services.csv_export import write_csv
from lepton_desktop.store import Project, open_project


class CorrectionError(LeptonError):
    """A correction cannot be made as asked."""


def frames_at_times(video: VideoRecord, times: list[float], given: str | Path | None = None) -> list[int]:
    """The frames of a project video on screen at ``times`` (its own timestamps: exact on variable frame rates).

    ``given``: the file the user named, read when it is there (a moved copy the project knows by content).
    """
    path = Path(given) if given is not None and Path(given).is_file() else Path(video.path)
    if not path.is_file():
        raise CorrectionError(f"{video.path} is not there to turn a time into a frame; give frame numbers instead.")
    from lepton_desktop.services.frames import frames_at

    return frames_at(path, times)


def same_as_latest(
    project: Project, track: Track, start: int, end: int, label: str, annotator: str, origin: str = "human"
) -> Correction | None:
    """The annotator's newest live correction of this person when it is exactly this one, else None.

    Only the newest: an older identical one is not a duplicate, since making it again puts it above
    the corrections made after it.
    """
    mine = [c for c in project.corrections.list(track_id=track.id) if c.annotator == annotator]
    if not mine:
        return None
    last = mine[-1]
    same = (last.start_frame, last.end_frame, last.label, last.origin) == (start, end, label, origin)
    return last if same else None


def find_video(project: Project, video: str | Path) -> VideoRecord:
    """A project video by id, by path, or by content (a moved or renamed copy)."""
    text = str(video)
    videos = project.videos.list()
    if text.isdigit():
        for record in videos:
            if record.id == int(text):
                return record
        raise CorrectionError(f"The project has no video with id {text}.")
    wanted = Path(text).expanduser()
    for record in videos:
        if Path(record.path) == wanted.resolve() or Path(record.path) == wanted:
            return record
    if wanted.is_file():
        from lepton_desktop.video.fingerprint import content_fingerprint

        record_by_content = project.videos.by_fingerprint(content_fingerprint(wanted))
        if record_by_content is not None:
            return record_by_content
    if not wanted.exists():
        raise CorrectionError(f"{video}: no such file, and no video of this project was at that path.")
    from lepton_desktop.services.batch_inputs import VIDEO_SUFFIXES

    if wanted.is_dir() or wanted.suffix.lower() not in VIDEO_SUFFIXES:
        kind = "a folder" if wanted.is_dir() else f"a {wanted.suffix or 'suffix-less'} file"
        raise CorrectionError(f"{video} is {kind}, not a video of this project; give a video's path or its id.")
    where = shlex.quote(project.url.removeprefix("sqlite:///"))
    raise CorrectionError(
        f"{video} is not in this project; analyse it first: lepton analyze {shlex.quote(text)} --project {where}"
    )


def person_tracks(project: Project, video_id: int) -> list[Track]:
    """The people of the newest finished analysis of a video."""
    runs = [r for r in project.runs.list_runs(video_id) if r.status == "done"]
    if not runs:
        raise CorrectionError("This video has no finished analysis yet; run 'lepton analyze' on it first.")
    return project.runs.tracks(runs[-1].id)


def same_people(project: Project, current: dict[int, int]) -> dict[int, int]:
    """Tracks of earlier runs that are the same people as ``current`` (number -> track id): old id -> current id.

    Tracking does not depend on the expression model, so re-analysing with another
    model version (same tracking settings) finds the same people under the same
    numbers; their corrections then still show, and new ones go to the new tracks.
    A track counts as the same when its number and settings match and the spans
    overlap by at least 90%. A run made with other tracking settings (another stride,
    smallest face...) may number people otherwise: its tracks that carry corrections
    are matched by where the face was (:func:`_same_faces`).
    """
    if not current:
        return {}
    tracks = {t: project.runs.track(t) for t in current.values()}
    first = next(iter(tracks.values()))
    run = project.runs.get(first.run_id)
    aliases: dict[int, int] = {}
    corrected: set[int] | None = None  # read once, and only when a run with other settings needs it
    for other in project.runs.list_runs(first.video_id):
        if other.id == run.id:
            continue
        if tracking_params(other.params) != tracking_params(run.params):
            if corrected is None:
                listed = project.corrections.list(video_id=first.video_id, include_tombstoned=True)
                corrected = {c.track_id for c in listed}
            olds = [t for t in project.runs.tracks(other.id) if t.id in corrected]
            if olds:
                aliases.update(_same_faces(project, olds, list(tracks.values())))
            continue
        for old in project.runs.tracks(other.id):
            new = tracks.get(current.get(old.number, -1))
            if new is None:
                continue
            overlap = min(old.last_frame, new.last_frame) - max(old.first_frame, new.first_frame) + 1
            longest = max(old.last_frame - old.first_frame, new.last_frame - new.first_frame) + 1
            if overlap >= 0.9 * longest:
                aliases[old.id] = new.id
    return aliases


def _same_faces(project: Project, olds: list[Track], news: list[Track]) -> dict[int, int]:
    """Old tracks matched with the new ones that followed the same face: old id -> new id.

    An old track matches the new track that saw its face on at least 90% of the old track's frames
    with the two boxes overlapping by at least half there (median intersection over union); the
    best-overlapping one when several do. Another stride may split or join tracks, so several old
    tracks may match one new track (one old track held inside a longer new one, say).
    """
    import numpy as np

    matched: dict[int, int] = {}
    new_rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for old in olds:
        old_len = old.last_frame - old.first_frame + 1
        candidates = [  # spans that overlap enough, before any box is read
            n for n in news
            if min(old.last_frame, n.last_frame) - max(old.first_frame, n.first_frame) + 1 >= 0.9 * old_len
        ]  # fmt: skip
        if not candidates:
            continue
        old_frames, old_boxes = project.runs.boxes(old.id)
        best: tuple[float, int] | None = None
        for new in candidates:
            if new.id not in new_rows:
                new_rows[new.id] = project.runs.boxes(new.id)
            new_frames, new_boxes = new_rows[new.id]
            common, at_old, at_new = np.intersect1d(old_frames, new_frames, return_indices=True)
            if len(common) == 0 or len(common) < 0.9 * len(old_frames):
                continue
            iou = float(np.median(_iou(old_boxes[at_old], new_boxes[at_new])))
            if iou >= 0.5 and (best is None or iou * len(common) > best[0]):
                best = (iou * len(common), new.id)
        if best is not None:
            matched[old.id] = best[1]
    return matched


def _iou(a: Any, b: Any) -> Any:
    """Intersection over union of x, y, w, h boxes, row by row."""
    import numpy as np

    x1, y1 = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return inter / np.maximum(union, 1e-6)


def tracking_params(params: dict[str, Any]) -> dict[str, Any]:
    """The settings that decide who is who (face tracking): all but whether facial actions were read."""
    return {k: v for k, v in params.items() if k != "actions"}


def find_track(project: Project, video_id: int, number: int) -> Track:
    """A person by the number shown in the app and the analysis CSV (``track`` column)."""
    tracks = person_tracks(project, video_id)
    for track in tracks:
        if track.number == number:
            return track
    available = ", ".join(str(t.number) for t in tracks) or "none"
    raise CorrectionError(f"This video has no person {number} (people: {available}).")


def add_correction(
    project: Project, track: Track, start: int, end: int, label: str, annotator: str, origin: str = "human"
) -> Correction:
    """Label frames ``start..end`` (inclusive) of one person."""
    if not annotator.strip():
        raise CorrectionError("Every correction needs an annotator name (set it in the app, or pass --annotator).")
    try:
        info = project.videos.get(track.video_id).info
        if end < start:
            raise CorrectionError(
                f"The range starts after it ends (frame {start} to {end}); give the earlier frame first."
            )
        if end >= info.frames or start < 0:
            raise CorrectionError(f"Frames {start}..{end} are not a range inside this video (0..{info.frames - 1}).")
        return project.corrections.add(track.id, start, end, label, annotator, origin)
    except ValueError as exc:
        raise CorrectionError(str(exc)) from None


def frames_without_face(project: Project, track: Track, start: int, end: int) -> int:
    """How many frames of ``start..end`` have no face of this person (labels there cannot train the model)."""
    frames = project.runs.predictions(track.id).frames
    seen = int(((frames >= start) & (frames <= end)).sum())
    return (end - start + 1) - seen


def no_face_warning(name: str, start: int, end: int, missing: int) -> str | None:
    """The sentence an annotator sees when a label covers frames where the person's face was not found."""
    total = end - start + 1
    if missing <= 0:
        return None
    if missing >= total:
        return (f"{name} has no face in frames {start}–{end}: the label is kept, "
                "but it cannot train the model (exports leave these frames out).")  # fmt: skip
    return (f"{name} has no face on {missing} of the {total} frames labelled: "
            "exports leave those frames out.")  # fmt: skip


def annotator_labels(
    project: Project, video_id: int, track_id: int, frame_count: int, earlier: tuple[int, ...] = ()
) -> dict[str, Any]:
    """Per-annotator frame labels of one person (live corrections only).

    ``earlier``: the same person's tracks in earlier analyses (``same_people``), whose
    corrections the app shows on this one and which count here too.
    """
    by_annotator: dict[str, list[Correction]] = defaultdict(list)
    for track in (track_id, *earlier):
        for c in project.corrections.list(video_id=video_id, track_id=track):
            by_annotator[c.annotator].append(c)
    return {name: frame_labels(cs, frame_count) for name, cs in by_annotator.items()}


@dataclass(frozen=True)
class AgreementReport:
    """Agreement between two annotators on one video (one person, or all)."""

    annotators: tuple[str, str]
    result: Agreement

    def to_json(self) -> dict[str, Any]:
        """The ``lepton agreement`` document; with no frame in common: agreement and kappa null, and a note."""
        document: dict[str, Any] = {"annotators": list(self.annotators), **self.result.to_json()}
        if self.result.frames == 0:
            a, b = self.annotators
            document |= {"agreement": None, "kappa": None}
            document["note"] = f"{a} and {b} labelled no frame in common, so their agreement cannot be measured."
        return document


def agreement(project: Project, video: VideoRecord, track_number: int | None = None) -> AgreementReport:
    """Frame-level agreement and Cohen's kappa of the two annotators who labelled the most frames."""
    import numpy as np

    tracks = person_tracks(project, video.id)
    if track_number is not None:
        tracks = [find_track(project, video.id, track_number)]
    per_annotator: dict[str, list[np.ndarray]] = defaultdict(list)
    names: set[str] = set()
    earlier: dict[int, list[int]] = defaultdict(list)  # corrections made before a re-analysis count too
    for old, new in same_people(project, {t.number: t.id for t in tracks}).items():
        earlier[new].append(old)
    labelled = [annotator_labels(project, video.id, t.id, video.info.frames, tuple(earlier[t.id])) for t in tracks]
    for per in labelled:
        names |= set(per)
    if len(names) < 2:
        raise CorrectionError(
            f"Agreement needs two annotators on the same person; found {len(names)} "
            f"({', '.join(sorted(names)) or 'none'})."
        )
    totals = {n: sum(int((per[n] >= 0).sum()) for per in labelled if n in per) for n in names}
    first, second = sorted(names, key=lambda n: (-totals[n], n))[:2]
    for per in labelled:
        blank = np.full(video.info.frames, -1, np.int8)
        per_annotator[first].append(per.get(first, blank))
        per_annotator[second].append(per.get(second, blank))
    a = np.concatenate(per_annotator[first])
    b = np.concatenate(per_annotator[second])
    return AgreementReport((first, second), cohen_kappa(a, b))


CSV_COLUMNS = (
    "id", "video_id", "video", "track", "person", "start_frame", "end_frame",
    "label", "annotator", "origin", "created_at", "undone_at",
)  # fmt: skip


def export_corrections(target: str | Path, out: Path, video: str | None = None, history: bool = False) -> int:
    """Write corrections (live ones, or the full history) as CSV; return the row count."""
    with open_project(target) as project:
        videos = [find_video(project, video)] if video else project.videos.list()
        rows: list[list[Any]] = []
        for record in videos:
            tracks = {t.id: t for run in project.runs.list_runs(record.id) for t in project.runs.tracks(run.id)}
            for c in project.corrections.list(video_id=record.id, include_tombstoned=history):
                track = tracks.get(c.track_id)
                rows.append([
                    c.id, record.id, record.path, track.number if track else "", track.display_name if track else "",
                    c.start_frame, c.end_frame, c.label, c.annotator, c.origin, c.created_at.isoformat(),
                    c.tombstoned_at.isoformat() if c.tombstoned_at else "",
                ])  # fmt: skip
    write_csv(out, CSV_COLUMNS, rows)
    return len(rows)
