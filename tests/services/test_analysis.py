"""analyze_video: a generator that saves as it goes, reuses finished runs, and stops when asked."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lepton_desktop.services.analysis import analyze_video, load_run_rows, run_to_completion
from lepton_desktop.store import open_project
from lepton_desktop.vision.analyzer import AnalysisSettings
from tests.faces import Placement, face_clip
from tests.synth import make_video

pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clips") / "walk.mp4"
    face_clip(path, 75, lambda i: [Placement(110 + 2 * i, 120, 0.6)])
    return path


def test_progress_results_and_run_are_stored(clip, tmp_path):
    steps = list(analyze_video(clip, project=tmp_path / "p.lepton", settings=AnalysisSettings(stride=3)))
    assert steps[-1].state == "done" and steps[-1].frames_done == steps[-1].total == 75
    assert all(a.frames_done <= b.frames_done for a, b in itertools.pairwise(steps))
    assert any(s.rows is not None for s in steps[:-1]), "rows arrive while the analysis runs"
    with open_project(tmp_path / "p.lepton") as proj:
        [run] = proj.runs.list_runs()
        assert run.status == "done" and run.frames_done == 75 and run.timings["total_s"] > 0
        [track] = proj.runs.tracks(run.id)
        rows = load_run_rows(proj, run.id)
        assert (track.first_frame, track.last_frame) == (0, 74)
        assert np.sort(rows.frames).tolist() == list(range(75))
        assert proj.model_versions.active() is not None and run.model_version_id == proj.model_versions.active().id


def test_same_video_same_settings_is_reused_unless_forced(clip, tmp_path):
    project = tmp_path / "p.lepton"
    first = run_to_completion(analyze_video(clip, project=project))
    again = run_to_completion(analyze_video(clip, project=project))
    assert again.state == "reused" and again.run_id == first.run_id and len(again.rows) == 75
    other = run_to_completion(analyze_video(clip, project=project, settings=AnalysisSettings(stride=5)))
    assert other.state == "done" and other.run_id != first.run_id
    forced = run_to_completion(analyze_video(clip, project=project, force=True))
    assert forced.state == "done" and forced.run_id not in (first.run_id, other.run_id)


def test_cancel_stops_promptly_and_keeps_what_was_saved(clip, tmp_path):
    seen = []

    def stop():
        return len(seen) >= 20

    steps = []
    for step in analyze_video(clip, project=tmp_path / "p.lepton", should_stop=stop):
        steps.append(step)
        seen.extend([1] * (0 if step.rows is None else len(step.rows)))
    assert steps[-1].state == "cancelled" and steps[-1].frames_done < 75
    with open_project(tmp_path / "p.lepton") as proj:
        [run] = proj.runs.list_runs()
        assert run.status == "cancelled"
        saved = load_run_rows(proj, run.id)
        assert saved is not None and len(saved) >= 20
    # A cancelled run is not reused: the next analysis computes a complete one.
    assert run_to_completion(analyze_video(clip, project=tmp_path / "p.lepton")).state == "done"


def test_video_without_faces_is_a_normal_result(tmp_path):
    path = make_video(tmp_path / "pattern.mp4", 30, size=(320, 240))
    last = run_to_completion(analyze_video(path, project=tmp_path / "p.lepton"))
    assert last.state == "done" and last.faces == 0 and last.rows is None


def test_real_no_face_sample(samples, tmp_path):
    last = run_to_completion(analyze_video(samples / "pyfeat_no_face.mp4", project=tmp_path / "p.lepton"))
    assert last.state == "done" and last.track_ids == {}


def test_real_face_sample(samples, tmp_path):
    last = run_to_completion(analyze_video(samples / "pyfeat_single_face.mp4", project=tmp_path / "p.lepton"))
    assert last.state == "done" and len(last.track_ids) == 1
    with open_project(tmp_path / "p.lepton") as proj:
        rows = load_run_rows(proj, last.run_id)
    assert len(rows) > 0.9 * last.total  # one man, in (nearly) every frame


def test_failure_marks_the_run_failed(clip, tmp_path, monkeypatch):
    from lepton_desktop.vision import analyzer

    def boom(self, index, rgb, gray=None):
        raise RuntimeError("GPU fell off the bus")

    monkeypatch.setattr(analyzer.FrameAnalyzer, "feed", boom)
    with pytest.raises(RuntimeError, match="bus"):
        run_to_completion(analyze_video(clip, project=tmp_path / "p.lepton"))
    with open_project(tmp_path / "p.lepton") as proj:
        [run] = proj.runs.list_runs()
    assert run.status == "failed" and "bus" in run.error
