"""Re-analysing with facial actions on finds the same people: earlier corrections still count."""

from __future__ import annotations

from lepton_desktop.services.corrections import same_people, tracking_params
from lepton_desktop.store import open_project
from tests.store.helpers import video_info


def test_reading_facial_actions_does_not_change_who_is_who(tmp_path):
    with open_project(tmp_path / "p.lepton", create=True) as proj:
        video, _ = proj.videos.add(video_info("/videos/a.mp4"), "f" * 64)
        old_run = proj.runs.start(video.id, {"stride": 3, "min_face": 40})
        old = proj.runs.add_track(old_run.id, 1, 0, 99)
        new_run = proj.runs.start(video.id, {"stride": 3, "min_face": 40, "actions": 1})
        new = proj.runs.add_track(new_run.id, 1, 0, 99)
        other_run = proj.runs.start(video.id, {"stride": 1, "min_face": 40, "actions": 1})
        proj.runs.add_track(other_run.id, 1, 0, 99)
        assert same_people(proj, {1: new.id}) == {old.id: new.id}  # another stride is another tracking
    assert tracking_params({"stride": 3, "actions": 1}) == {"stride": 3}


def _follow(proj, run, number, x, frames=range(100)):
    """A track of ``run`` whose face box sits at ``x`` on ``frames``."""
    import numpy as np

    from lepton_desktop.core.predictions import TrackPredictions

    frames = np.asarray(list(frames), np.int32)
    track = proj.runs.add_track(run.id, number, int(frames[0]), int(frames[-1]))
    boxes = np.tile(np.array([x, 50, 80, 80], np.float32), (len(frames), 1))
    probs = np.full((len(frames), 7), 1 / 7, np.float32)
    proj.runs.append_predictions(track.id, TrackPredictions(frames, boxes, probs))
    return track


def test_corrections_follow_the_same_faces_into_an_analysis_with_other_tracking_settings(tmp_path):
    with open_project(tmp_path / "p.lepton", create=True) as proj:
        video, _ = proj.videos.add(video_info("/videos/a.mp4"), "f" * 64)
        old_run = proj.runs.start(video.id, {"stride": 2, "min_face": 40})
        left, right = _follow(proj, old_run, 1, 10), _follow(proj, old_run, 2, 300)
        brief = _follow(proj, old_run, 3, 600, range(10))
        for track in (left, right, brief):
            proj.corrections.add(track.id, 0, 5, "happy", "ana")
        new_run = proj.runs.start(video.id, {"stride": 3, "min_face": 40})  # numbered the other way round
        new_right, new_left = _follow(proj, new_run, 1, 304, range(2, 100)), _follow(proj, new_run, 2, 14)
        aliases = same_people(proj, {1: new_right.id, 2: new_left.id})
        # the same faces, whatever their numbers; a face the new run never saw matches nothing
        assert aliases == {left.id: new_left.id, right.id: new_right.id}

        # a stride that split a person in two: both halves' corrections go to the one new track
        split_run = proj.runs.start(video.id, {"stride": 1, "min_face": 40})
        first_half = _follow(proj, split_run, 1, 900, range(0, 40))
        second_half = _follow(proj, split_run, 2, 902, range(45, 100))
        for track in (first_half, second_half):
            proj.corrections.add(track.id, track.first_frame, track.first_frame + 3, "sad", "bo")
        joined_run = proj.runs.start(video.id, {"stride": 5, "min_face": 40})
        whole = _follow(proj, joined_run, 1, 901)
        assert same_people(proj, {1: whole.id}) == {first_half.id: whole.id, second_half.id: whole.id}
