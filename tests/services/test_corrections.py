"""Annotator agreement counts corrections made before a re-analysis, as the app shows them."""

from __future__ import annotations

import pytest

from lepton_desktop.services.analysis import analyze_video, run_to_completion
from lepton_desktop.services.corrections import add_correction, agreement, find_track, find_video
from lepton_desktop.store import open_project
from tests.faces import two_people_clip

pytest.importorskip("skimage")


def test_agreement_spans_a_re_analysis_of_the_same_people(tmp_path):
    clip, project = tmp_path / "two.mp4", tmp_path / "p.lepton"
    two_people_clip(clip, 30)
    run_to_completion(analyze_video(clip, project=project))
    with open_project(project) as proj:
        video = find_video(proj, clip)
        first = find_track(proj, video.id, 1)
        add_correction(proj, first, 0, 19, "happy", "ana")  # on the first analysis
    run_to_completion(analyze_video(clip, project=project, force=True))  # the same people, new tracks
    with open_project(project) as proj:
        second = find_track(proj, video.id, 1)
        assert second.id != first.id
        add_correction(proj, second, 0, 9, "happy", "ben")
        add_correction(proj, second, 10, 19, "sad", "ben")
        report = agreement(proj, video, 1)
    assert sorted(report.annotators) == ["ana", "ben"]
    assert report.result.frames == 20 and report.result.agreement == pytest.approx(0.5)
