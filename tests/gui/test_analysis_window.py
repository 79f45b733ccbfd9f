"""The window's analysis: worker thread, live curves, stored results, cancel, timeline seeking."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from lepton_desktop.gui.main_window import MainWindow
from lepton_desktop.services.settings import Settings, load_settings
from lepton_desktop.store import open_project
from tests.faces import Placement, face_clip

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("gui") / "two.mp4"
    face_clip(
        path, 60, lambda i: [Placement(100 + i, 120, 0.55), Placement(320, 120, 0.55, mirrored=True)], size=(420, 240)
    )
    return path


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(Settings(project=str(tmp_path / "gui.lepton")))
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    yield win
    win.close()


def _analyse(qtbot, win, timeout=60_000):
    win.start_analysis()
    qtbot.waitUntil(lambda: win._worker is not None and not win._worker.is_running(), timeout=timeout)
    qtbot.wait(50)  # let the last queued steps arrive


def test_analysis_fills_timelines_overlay_and_project(qtbot, window, clip, tmp_path):
    assert window.open_video(clip)
    qtbot.waitUntil(lambda: window.view.frame_index == 0)
    assert window.timeline.rows == {}
    stalls = []
    import time

    last = [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        stalls.append(now - last[0])
        last[0] = now

    from PySide6.QtCore import QTimer

    heart = QTimer()
    heart.timeout.connect(beat)
    heart.start(10)
    _analyse(qtbot, window)
    heart.stop()
    window.timeline.flush_now()
    assert sorted(window.timeline.rows) == [1, 2]
    curve = window.timeline.rows[1].curves[3]  # happy
    x, y = curve.getOriginalDataset()
    assert len(x) == 60 and np.nanmean(y) > 0.8
    assert "2 people" in window.analysis.status.text()
    window.seek(30)
    qtbot.waitUntil(lambda: window.view.frame_index == 30)
    assert [face.name for face in window.view.faces] == ["Person 1", "Person 2"]
    with open_project(tmp_path / "gui.lepton") as proj:
        [run] = proj.runs.list_runs()
        assert run.status == "done" and len(proj.runs.tracks(run.id)) == 2
    assert max(stalls) < 1.0, f"the GUI thread stalled for {max(stalls):.2f} s during analysis"


def test_reopening_shows_stored_results_at_once(qtbot, window, clip):
    window.open_video(clip)
    _analyse(qtbot, window)
    window.results.clear(0)
    assert window.open_video(clip)
    assert sorted(window.results.people()) == [1, 2]  # no analysis was run: loaded from the project
    assert "Stored analysis" in window.analysis.status.text()


def test_cancel_stops_within_a_second(qtbot, window, tmp_path):
    long_clip = tmp_path / "long.mp4"
    face_clip(long_clip, 400, lambda i: [Placement(160 + (i % 50), 120, 0.6)], size=(320, 240))
    window.open_video(long_clip)
    window.start_analysis()
    qtbot.waitUntil(lambda: window.analysis.bar.value() > 0, timeout=30_000)
    import time

    started = time.perf_counter()
    window.cancel_analysis()
    qtbot.waitUntil(lambda: not window._worker.is_running(), timeout=5000)
    assert time.perf_counter() - started < 1.0
    qtbot.wait(50)
    assert "cancelled" in window.analysis.status.text()
    assert window.analysis.analyse.isEnabled() and not window.analysis.cancel.isEnabled()


def test_clicking_the_timeline_seeks(qtbot, window, clip):
    window.open_video(clip)
    _analyse(qtbot, window)
    window.timeline.flush_now()
    window.timeline.fit_all()
    qtbot.wait(50)
    plot = window.timeline.rows[1].plot
    scene_pos = plot.vb.mapViewToScene(QPointF(42, 0.5))
    view_pos = window.timeline.mapFromScene(scene_pos)
    qtbot.mouseClick(window.timeline.viewport(), Qt.MouseButton.LeftButton, pos=view_pos)
    qtbot.waitUntil(lambda: window.view.frame_index == 42, timeout=3000)
    assert window.current == 42 and window.slider.value() == 42
    window.seek(10)
    assert int(window.timeline.rows[1].lines[0].value()) == 10  # the playhead follows the player


def test_rename_person_is_stored(qtbot, window, clip, tmp_path):
    window.open_video(clip)
    _analyse(qtbot, window)
    item = window.people.item(0)
    item.setText("Eileen")
    assert window.results.names[1] == "Eileen"
    with open_project(tmp_path / "gui.lepton") as proj:
        [run] = proj.runs.list_runs()
        assert proj.runs.tracks(run.id)[0].display_name == "Eileen"


def test_settings_persist(qtbot, tmp_path, clip):
    win = MainWindow(Settings(project=str(tmp_path / "p.lepton")))
    qtbot.addWidget(win)
    win.open_video(clip)
    win.set_speed(2.0)
    win.toggle_overlay()
    win.close()
    saved = load_settings()
    assert saved.recent_videos[0] == str(clip.resolve())
    assert saved.playback_speed == 2.0 and saved.show_overlay is False


def test_the_timeline_says_what_is_happening_while_empty(qtbot, window, clip, tmp_path):
    from tests.synth import make_video

    assert window.open_video(clip)
    assert window.timeline._empty.text.startswith("No analysis yet")
    window.start_analysis()
    assert window.timeline._empty.text.startswith("Analysing")
    qtbot.waitUntil(lambda: not window._worker.is_running(), timeout=60_000)
    qtbot.wait(50)
    empty = make_video(tmp_path / "no_faces.mp4", frames=12)  # no faces in it
    assert window.open_video(empty)
    assert window.timeline._empty.text.startswith("No analysis yet")
    _analyse(qtbot, window)
    assert window.timeline._empty.text == "No faces were found in this video."


def test_opening_another_video_puts_the_timeline_playhead_at_its_first_frame(qtbot, window, clip, tmp_path):
    from tests.synth import make_video

    assert window.open_video(clip)
    qtbot.waitUntil(lambda: window.view.frame_index == 0)
    window.seek(40)
    qtbot.waitUntil(lambda: window.view.frame_index == 40)
    assert window.timeline._playhead == 40
    assert window.open_video(make_video(tmp_path / "other.mp4", frames=12))
    assert window.current == 0 and window.timeline._playhead == 0
