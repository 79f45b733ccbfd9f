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
