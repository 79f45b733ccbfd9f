"""The player window, driven through its real widgets offscreen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from lepton_desktop.gui.main_window import MainWindow
from tests.synth import make_video, read_number, sequential_frames

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot):
    from lepton_desktop.services.settings import Settings

    win = MainWindow(Settings())
    qtbot.addWidget(win)
    win.resize(800, 600)
    win.show()
    yield win
    win.close()


def _wait_for(qtbot, win, index):
    qtbot.waitUntil(lambda: win.view.frame_index == index, timeout=5000)
    return win.view.current_array()


def test_keys_step_exactly(qtbot, window, videos):
    path = make_video(videos / "gui_step.mp4", 90, options={"bf": "2", "g": "30"})
    seq = sequential_frames(path)
    assert window.open_video(path)
    assert np.array_equal(_wait_for(qtbot, window, 0), seq[0][1])
    moves = [
        (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, 1),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier, 11),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier, 41),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, 40),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier, 30),
        (Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier, 89),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier, 59),
        (Qt.Key.Key_Home, Qt.KeyboardModifier.NoModifier, 0),
    ]
    for key, mods, expected in moves:
        qtbot.keyClick(window, key, mods)
        image = _wait_for(qtbot, window, expected)
        assert window.current == expected
        assert np.array_equal(image, seq[expected][1]), f"frame {expected} on screen differs"
        assert read_number(image) == expected
        assert window.position_label.text().startswith(f"frame {expected} /")


def test_slider_seeks_and_scrubbing_keeps_only_the_newest(qtbot, window, videos):
    path = make_video(videos / "gui_scrub.mp4", 120, options={"g": "120"})
    window.open_video(path)
    _wait_for(qtbot, window, 0)
    for value in range(0, 120, 3):  # a fast scrub: 40 requests in a burst
        window.slider.setValue(value)
    image = _wait_for(qtbot, window, 117)
    assert read_number(image) == 117


def test_playback_advances_in_real_time(qtbot, window, videos):
    path = make_video(videos / "gui_play.mp4", 60)
    window.open_video(path)
    _wait_for(qtbot, window, 0)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    qtbot.wait(500)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert 5 <= window.current <= 25  # ~15 frames after 0.5 s at 30 fps, with slack for CI


def test_bad_file_shows_a_message_and_keeps_the_window(qtbot, window, videos, tmp_path):
    good = make_video(videos / "gui_good.mp4", 10)
    window.open_video(good)
    _wait_for(qtbot, window, 0)
    bad = tmp_path / "broken.mp4"
    bad.write_text("not a video")
    assert not window.open_video(bad)
    assert window.last_error is not None and "not a video" in window.last_error.text()
    assert "Traceback" not in window.last_error.text()
    qtbot.keyClick(window.last_error, Qt.Key.Key_Escape)
    window.step(5)  # the previous video still works
    assert read_number(_wait_for(qtbot, window, 5)) == 5


def test_the_slider_and_the_analysis_buttons_stay_put(qtbot, window, videos):
    path = make_video(videos / "gui_still.mp4", 1200)  # four-digit frame numbers
    assert window.open_video(path)
    _wait_for(qtbot, window, 0)
    qtbot.wait(20)
    slider = window.slider.geometry()
    for key in (Qt.Key.Key_End, Qt.Key.Key_Home, Qt.Key.Key_Space, Qt.Key.Key_Space):  # 0 -> 1199 -> 0, Play, Pause
        qtbot.keyClick(window, key)
        qtbot.wait(20)
        assert window.slider.geometry() == slider, (key, window.position_label.text(), window.play_button.text())
    panel = window.analysis
    buttons = panel.analyse.geometry()
    panel.show_progress(1, 1200, 31.5, 3, "CUDA (NVIDIA GeForce RTX 4090 Laptop GPU with a long name)")
    qtbot.wait(20)
    assert panel.analyse.geometry() == buttons  # a status that wraps stays below the buttons
