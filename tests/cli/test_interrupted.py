"""An analysis stopped by SIGTERM or killed outright does not stay "running" for ever; what it stored is kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.store import open_project
from tests.faces import Placement, face_clip

pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("stop") / "long.mp4"
    face_clip(path, 400, lambda i: [Placement(160 + (i % 40), 120, 0.6)], size=(320, 240))
    return path


def _start(clip, project, *extra):
    argv = [sys.executable, "-m", "lepton_desktop", "analyze", str(clip), "--project", str(project), "--stride", "1"]
    return subprocess.Popen([*argv, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _running_with_frames(project, proc, timeout=120):
    """Wait until the run is stored as running with some frames written (or the process ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with open_project(project) as proj:
                running = proj.runs.running()
                if running and proj.runs.tracks(running[0].id):
                    return running[0]
        except LeptonError:  # not created yet, or its schema is being written
            pass
        time.sleep(0.2)
    raise AssertionError(f"no running analysis with stored rows (exit {proc.poll()})")


def test_sigterm_closes_the_run_as_interrupted_and_keeps_its_rows(clip, tmp_path):
    project = tmp_path / "p.lepton"
    proc = _start(clip, project)
    run = _running_with_frames(project, proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM and "stopped (SIGTERM); what was stored is kept" in err
    with open_project(project) as proj:
        closed = proj.runs.get(run.id)
        assert closed.status == "cancelled" and closed.error.startswith("interrupted after ")
        assert proj.runs.tracks(run.id) and proj.runs.running() == []


def test_a_killed_analysis_is_marked_interrupted_when_the_project_is_next_used(clip, tmp_path):
    project = tmp_path / "p.lepton"
    proc = _start(clip, project)
    run = _running_with_frames(project, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    with open_project(project) as proj:
        assert proj.runs.get(run.id).status == "running"  # nobody could say otherwise yet
    from lepton_desktop.services.analysis import stored_results

    with open_project(project) as proj:
        video = proj.videos.get(run.video_id)
    stored_results(project, video.fingerprint)  # what opening the video in the app does (a new analysis too)
    with open_project(project) as proj:
        closed = proj.runs.get(run.id)
        assert closed.status == "failed" and f"its process ({proc.pid}) ended" in closed.error
        assert proj.runs.tracks(run.id)  # the rows it stored are still there
