"""Nothing lost: the app killed mid-burst of labelling, and two app instances on one project."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from lepton_desktop.gui.main_window import MainWindow
from lepton_desktop.services.analysis import analyze_video, run_to_completion
from lepton_desktop.services.settings import Settings
from lepton_desktop.store import open_project
from tests.faces import Placement, face_clip

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")

APP = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication
    pg.setConfigOptions(imageAxisOrder="row-major")
    app = QApplication([])
    from lepton_desktop.gui.main_window import MainWindow
    from lepton_desktop.services.settings import Settings
    win = MainWindow(Settings(project=sys.argv[1], annotator="burst"))
    win.show()
    win.open_video(Path(sys.argv[2]))
    win.timeline.flush_now()
    i = 0
    while True:
        start = (i * 3) % 35
        win.timeline.select(1, start, start + 4)
        win.label_selection(("happy", "sad", "angry", "fear")[i % 4])
        if i % 5 == 4:
            win.undo_action.trigger()       # undo too: a tombstone is a write as well
        print(win.corrections.items[-1].id if win.corrections.items else -1, flush=True)
        app.processEvents()
        i += 1
    """
)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("safety")
    clip = folder / "one.mp4"
    face_clip(clip, 40, lambda i: [Placement(160, 120, 0.6)])
    project = folder / "s.lepton"
    run_to_completion(analyze_video(clip, project=project))
    return clip, project


@pytest.mark.slow
def test_sigkill_during_a_labelling_burst_loses_nothing_confirmed(analysed):
    clip, project = analysed
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", APP, str(project), str(clip)], stdout=subprocess.PIPE, text=True, env=env
    )
    confirmed: list[int] = []
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while len(confirmed) < 60 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        confirmed.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert len(confirmed) == 60, "the app died or stalled before the kill"
    with open_project(project) as proj:
        assert proj.integrity_check() == "ok"
        everything = {c.id for c in proj.corrections.list(include_tombstoned=True)}
    assert {c for c in confirmed if c > 0} <= everything


def test_two_instances_see_each_others_corrections(qtbot, analysed):
    clip, project = analysed
    a = MainWindow(Settings(project=str(project), annotator="ana"))
    b = MainWindow(Settings(project=str(project), annotator="ben"))
    for win in (a, b):
        qtbot.addWidget(win)
        win.open_video(clip)
        win.timeline.flush_now()
    before = len(a.corrections.items)
    a.timeline.select(1, 0, 9)
    a.label_selection("happy")
    b.timeline.select(1, 10, 19)
    b.label_selection("sad")
    assert len(b.corrections.items) == before + 1  # b has not refreshed yet
    b.corrections.reload()  # F5
    a.corrections.reload()
    assert len(a.corrections.items) == len(b.corrections.items) == before + 2
    assert {c.annotator for c in a.corrections.items[-2:]} == {"ana", "ben"}
    with open_project(project) as proj:
        assert proj.integrity_check() == "ok"
