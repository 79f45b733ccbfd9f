"""A writer killed with SIGKILL mid-stream loses no committed correction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from lepton_desktop.store import open_project

WRITER = textwrap.dedent(
    """
    import sys
    from lepton_desktop.store import open_project
    from lepton_desktop.core.records import VideoInfo
    import numpy as np
    from lepton_desktop.core.predictions import TrackPredictions

    proj = open_project(sys.argv[1])
    track = int(sys.argv[2])
    i = 0
    while True:
        c = proj.corrections.add(track, i, i + 5, ("happy", "sad", "angry")[i % 3], "writer")
        print(c.id, flush=True)          # printed only after the commit returned
        if i % 10 == 0:                  # mix in bulk writes so the kill can land inside one
            n = 4000
            proj.runs.append_predictions(track, TrackPredictions(
                np.arange(i * n, (i + 1) * n, dtype=np.int32) + 10**6,
                np.zeros((n, 4), np.float32), np.full((n, 7), 1 / 7, np.float32)))
        i += 1
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [5, 57, 203])
def test_sigkill_loses_no_committed_correction(tmp_path, kill_after):
    from tests.store.helpers import video_info

    path = tmp_path / "kill.lepton"
    with open_project(path, create=True) as proj:
        video, _ = proj.videos.add(video_info(), "k" * 64)
        track = proj.runs.add_track(proj.runs.start(video.id, {}).id, 1, 0, 10)
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(track.id)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    confirmed = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while len(confirmed) < kill_after and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        confirmed.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert len(confirmed) == kill_after, "the writer died or stalled before the kill"
    with open_project(path) as proj:
        assert proj.integrity_check() == "ok"
        stored = {c.id for c in proj.corrections.list()}
    assert set(confirmed) <= stored
