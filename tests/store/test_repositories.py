"""Repositories return core records and commit every write."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy.exc import IntegrityError

from lepton_desktop.core.predictions import TrackPredictions
from lepton_desktop.core.records import AnalysisRun, Correction, Track, VideoRecord
from lepton_desktop.store.errors import RecordNotFoundError
from lepton_desktop.store.runs import CHUNK_FRAMES
from tests.store.helpers import video_info


def _video(project, fp="f" * 64, path="/videos/a.mp4"):
    record, _ = project.videos.add(video_info(path), fp)
    return record


def test_videos_add_is_idempotent_and_relinks_moved_files(project):
    first, outcome = project.videos.add(video_info("/old/a.mp4"), "1" * 64)
    assert outcome == "added" and isinstance(first, VideoRecord)
    again, outcome = project.videos.add(video_info("/old/a.mp4"), "1" * 64)
    assert outcome == "existing" and again.id == first.id
    moved, outcome = project.videos.add(video_info("/new/a.mp4"), "1" * 64)
    assert outcome == "relinked" and moved.id == first.id and moved.path == "/new/a.mp4"
    assert len(project.videos.list()) == 1
    assert project.videos.by_fingerprint("1" * 64).path == "/new/a.mp4"
    with pytest.raises(RecordNotFoundError):
        project.videos.get(999)


def test_runs_tracks_and_reuse(project):
    video = _video(project)
    model = project.model_versions.ensure("mini-xception", "ab" * 32)
    assert model.active
    run = project.runs.start(video.id, {"stride": 2, "detector": "x"}, model.id)
    assert isinstance(run, AnalysisRun) and run.status == "running"
    assert project.runs.find_reusable(video.id, {"stride": 2, "detector": "x"}, model.id) is None
    done = project.runs.finish(run.id, "done", frames_done=100, timings={"total_s": 1.5})
    assert done.status == "done" and done.finished_at is not None and done.timings == {"total_s": 1.5}
    assert project.runs.find_reusable(video.id, {"detector": "x", "stride": 2}, model.id).id == run.id
    assert project.runs.find_reusable(video.id, {"detector": "x", "stride": 1}, model.id) is None
    track = project.runs.add_track(run.id, 1, 0, 10)
    assert isinstance(track, Track) and track.display_name == "Person 1"
    assert project.runs.rename_track(track.id, " Alice ").display_name == "Alice"
    with pytest.raises(ValueError):
        project.runs.finish(run.id, "running")


def test_predictions_round_trip_across_chunks(project):
    video = _video(project)
    run = project.runs.start(video.id, {})
    track = project.runs.add_track(run.id, 1, 5, 5)
    rng = np.random.default_rng(1)
    n = CHUNK_FRAMES * 2 + 17
    frames = np.sort(rng.choice(200_000, n, replace=False)).astype(np.int32)
    probs = rng.random((n, 7), dtype=np.float32)
    probs /= probs.sum(axis=1, keepdims=True)
    block = TrackPredictions(frames, rng.random((n, 4), dtype=np.float32) * 500, probs)
    project.runs.append_predictions(
        track.id, TrackPredictions(block.frames[:100], block.boxes[:100], block.probs[:100])
    )
    project.runs.append_predictions(
        track.id, TrackPredictions(block.frames[100:], block.boxes[100:], block.probs[100:])
    )
    back = project.runs.predictions(track.id)
    assert np.array_equal(back.frames, block.frames)
    assert np.array_equal(back.boxes, block.boxes)
    assert np.array_equal(back.probs, block.probs)
    where_frames, where_boxes = project.runs.boxes(track.id)  # where the person was, without the rest
    assert np.array_equal(where_frames, block.frames) and np.array_equal(where_boxes, block.boxes)
    assert project.runs.prediction_count() == n
    [stored] = project.runs.tracks(run.id)
    assert (stored.first_frame, stored.last_frame) == (min(5, int(frames[0])), int(frames[-1]))  # spans only widen


def test_corrections_tombstone_and_restore(project):
    video = _video(project)
    run = project.runs.start(video.id, {})
    track = project.runs.add_track(run.id, 1, 0, 100)
    c = project.corrections.add(track.id, 10, 20, "happy", "ana")
    assert isinstance(c, Correction) and c.live and c.video_id == video.id and c.annotator == "ana"
    project.corrections.add(track.id, 30, 40, "sad", "ben", origin="accepted")
    assert [x.label for x in project.corrections.list(video_id=video.id)] == ["happy", "sad"]
    undone = project.corrections.tombstone(c.id)
    assert not undone.live
    assert [x.label for x in project.corrections.list(track_id=track.id)] == ["sad"]
    assert len(project.corrections.list(include_tombstoned=True)) == 2  # history is kept
    assert project.corrections.counts_by_annotator() == {"ben": 1}  # the undone one counts for no one
    assert project.corrections.restore(c.id).live
    assert project.corrections.counts_by_annotator() == {"ana": 1, "ben": 1}
    assert {a.name for a in project.annotators.list()} == {"ana", "ben"}


def test_corrections_validate(project):
    video = _video(project)
    track = project.runs.add_track(project.runs.start(video.id, {}).id, 1, 0, 10)
    with pytest.raises(ValueError, match="expected one of"):
        project.corrections.add(track.id, 0, 5, "bored", "ana")
    with pytest.raises(ValueError, match="range"):
        project.corrections.add(track.id, 5, 2, "sad", "ana")
    with pytest.raises(RecordNotFoundError):
        project.corrections.add(999, 0, 1, "sad", "ana")


def test_database_constraints_hold_even_without_the_repository(project):
    from lepton_desktop.store.schema import CorrectionRow

    video = _video(project)
    track = project.runs.add_track(project.runs.start(video.id, {}).id, 1, 0, 10)
    ann = project.annotators.get_or_create("ana")
    with pytest.raises(IntegrityError), project.session() as s:
        s.add(
            CorrectionRow(
                video_id=video.id, track_id=track.id, start_frame=0, end_frame=3, label="bored", annotator_id=ann.id
            )
        )
    with pytest.raises(IntegrityError), project.session() as s:
        s.add(
            CorrectionRow(
                video_id=video.id, track_id=9999, start_frame=0, end_frame=3, label="sad", annotator_id=ann.id
            )
        )


def test_model_versions(project):
    a = project.model_versions.ensure("base", "a" * 64)
    b = project.model_versions.ensure("tuned", "b" * 64, parent_id=a.id, metrics={"accuracy": 0.7})
    assert a.active and not b.active
    assert project.model_versions.ensure("dup", "a" * 64).id == a.id
    project.model_versions.activate(b.id)
    assert project.model_versions.active().id == b.id
    assert [m.active for m in project.model_versions.list()] == [False, True]
    assert project.model_versions.get(b.id).metrics == {"accuracy": 0.7}


def test_review_status_per_person(project):
    video = _video(project)
    track = project.runs.add_track(project.runs.start(video.id, {}).id, 1, 0, 10)
    assert project.runs.review(track.id) == "not_started"
    project.runs.set_review(track.id, "in_progress", "ana")
    project.runs.set_review(track.id, "done", "ben")
    assert project.runs.review(track.id) == "done"
    with pytest.raises(ValueError, match="expected one of"):
        project.runs.set_review(track.id, "finished")


def test_review_marks_per_person_and_reason(project):
    video = _video(project)
    run = project.runs.start(video.id, {})
    one, two = project.runs.add_track(run.id, 1, 0, 99), project.runs.add_track(run.id, 2, 0, 99)
    project.review_marks.add(one.id, 10, 20, "flicker", "ana")
    project.review_marks.add(two.id, 0, 5, "annotators", None)
    marks = project.review_marks.list([one.id, two.id])
    assert [(m.track_id, m.start_frame, m.end_frame, m.reason, m.annotator) for m in marks] == [
        (one.id, 10, 20, "flicker", "ana"),
        (two.id, 0, 5, "annotators", None),
    ]
    assert project.review_marks.list([two.id])[0].reason == "annotators" and project.review_marks.list([]) == []
    with pytest.raises(ValueError, match="unknown review reason 'vibes'"):
        project.review_marks.add(one.id, 0, 1, "vibes", "ana")
    with pytest.raises(ValueError, match="is before the first"):
        project.review_marks.add(one.id, 9, 3, "flicker", "ana")
    with pytest.raises(RecordNotFoundError):
        project.review_marks.add(999_999, 0, 1, "flicker", "ana")


def test_two_writers_naming_the_same_new_annotator_at_once_share_one_row(project):
    """Writer A looks the name up, writer B creates it and commits, then A inserts: A gets B's row, no error."""
    from sqlalchemy import event

    from lepton_desktop.store import open_project

    other = open_project(project.engine.url.render_as_string(hide_password=False))
    made_by_other = []

    def meanwhile(conn, cursor, statement, *args):  # between A's lookup and A's insert
        if statement.lstrip().upper().startswith("INSERT INTO ANNOTATORS") and not made_by_other:
            made_by_other.append(other.annotators.get_or_create("Dana"))

    event.listen(project.engine, "before_cursor_execute", meanwhile)
    try:
        mine = project.annotators.get_or_create("Dana")
    finally:
        event.remove(project.engine, "before_cursor_execute", meanwhile)
        other.close()
    assert made_by_other and mine == made_by_other[0]
    assert [a.name for a in project.annotators.list()] == ["Dana"]


def test_names_and_frame_numbers_get_one_rule_and_one_sentence_on_every_database(project):
    import numpy as np

    video = _video(project)
    track = project.runs.add_track(project.runs.start(video.id, {}).id, 1, 0, 10)
    for frames, message in (((2.5, 4), "the first frame must be a whole number, not 2.5"),
                            ((0, True), "the last frame must be a whole number"),
                            ((-1, 3), "frame numbers start at 0")):  # fmt: skip
        with pytest.raises(ValueError, match=message):
            project.corrections.add(track.id, *frames, "sad", "ana")
    stored = project.corrections.add(track.id, np.int64(1), np.int32(3), "sad", "ana")  # numpy integers are fine
    assert (stored.start_frame, stored.end_frame) == (1, 3) and type(stored.start_frame) is int
    for name, message in (("x" * 201, "at most 200 characters; this one has 201"),
                          ("an\x00na", "control characters"), ("   ", "cannot be empty")):  # fmt: skip
        with pytest.raises(ValueError, match=message):
            project.corrections.add(track.id, 0, 1, "sad", name)
        with pytest.raises(ValueError, match=message):
            project.runs.rename_track(track.id, name)
    longest = "y" * 200
    assert project.annotators.get_or_create(longest).name == longest
    assert project.runs.rename_track(track.id, longest).display_name == longest
    assert [c.annotator for c in project.corrections.list()] == ["ana"]  # nothing else was stored


def test_a_full_disk_under_the_project_is_one_sentence_and_keeps_what_was_saved(tmp_path):
    """SQLite's page limit stands in for a full disk: the same SQLITE_FULL error a full disk gives."""
    from sqlalchemy import event

    from lepton_desktop.store import open_project
    from lepton_desktop.store.errors import StorageError

    path = tmp_path / "full.lepton"
    with open_project(path, create=True) as proj:
        video = _video(proj)
        track = proj.runs.add_track(proj.runs.start(video.id, {}).id, 1, 0, 10_000)
        proj.corrections.add(track.id, 0, 1, "sad", "ana")
        proj.engine.dispose()

        @event.listens_for(proj.engine, "connect")
        def no_room(dbapi_conn, _record):
            pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 2}")

        with pytest.raises(StorageError, match=r"full\.lepton: the disk holding the project is full; nothing"):
            for i in range(10_000):
                proj.corrections.add(track.id, i, i + 1, "happy", "x" * 150 + str(i))
        event.remove(proj.engine, "connect", no_room)
        proj.engine.dispose()
    with open_project(path) as proj:
        kept = proj.corrections.list()
        assert kept[0].label == "sad" and all(c.label == "happy" for c in kept[1:])  # every step saved or not
