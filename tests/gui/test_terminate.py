"""SIGTERM (a logout, ``kill``) closes the app as the user would: the analysis is stored as cancelled."""

from __future__ import annotations

import os
import signal

import pytest
from PySide6.QtWidgets import QApplication

from lepton_desktop.gui.app import close_on_termination
from lepton_desktop.store import open_project
from tests.faces import Placement, face_clip
from tests.gui.windows import shown_window

pytestmark = [pytest.mark.gui, pytest.mark.skipif(os.name != "posix", reason="POSIX signals")]
pytest.importorskip("skimage")


@pytest.fixture
def restore_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_sigterm_during_an_analysis_closes_the_window_and_keeps_the_run(qtbot, tmp_path, restore_signals):
    clip = tmp_path / "long.mp4"
    face_clip(clip, 400, lambda i: [Placement(160 + (i % 50), 120, 0.6)], size=(320, 240))
    win = shown_window(qtbot, tmp_path / "p.lepton")
    assert win.open_video(clip)
    received = close_on_termination(QApplication.instance())
    win.start_analysis()
    qtbot.waitUntil(lambda: win.analysis.bar.value() > 0, timeout=60_000)
    os.kill(os.getpid(), signal.SIGTERM)  # a real signal, delivered to this process
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=15_000)
    assert received == [signal.SIGTERM] and not win._worker.is_running()
    with open_project(tmp_path / "p.lepton") as proj:
        [run] = proj.runs.list_runs()
        assert run.status == "cancelled" and 0 < run.frames_done < 400
        assert proj.runs.tracks(run.id)  # what it had analysed is kept
