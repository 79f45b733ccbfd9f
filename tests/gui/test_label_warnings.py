"""Labelling a range where the person's face was not found: kept, and the annotator is told why it won't train."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.faces import Placement, face_clip
from tests.gui.windows import shown_window

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")


def test_a_label_over_frames_without_the_face_is_kept_with_a_warning(qtbot, tmp_path):
    clip = tmp_path / "leaves.mp4"
    face_clip(clip, 36, lambda i: [Placement(160, 120, 0.6)] if i < 18 else [], size=(320, 240))
    win = shown_window(qtbot, tmp_path / "w.lepton")
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)  # shortcuts reach the active window, as on a desktop
    assert win.open_video(clip)
    qtbot.keyClick(win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert win._worker is not None, win.analysis.status.text()
    qtbot.waitUntil(lambda: win._worker is not None and not win._worker.is_running(), timeout=300_000)
    qtbot.wait(50)
    assert win.analysis.status.text().startswith("Analysis finished"), win.analysis.status.text()

    win.timeline.select(1, 0, 9)
    qtbot.keyClick(win, Qt.Key.Key_4)
    assert "no face" not in win.statusBar().currentMessage()
    win.timeline.select(1, 28, 35)
    qtbot.keyClick(win, Qt.Key.Key_5)
    message = win.statusBar().currentMessage()
    assert "(saved)" in message and "Person 1 has no face in frames 28–35" in message
    assert "cannot train the model" in message
    assert [(c.start_frame, c.end_frame, c.label) for c in win.corrections.items] == [(0, 9, "happy"), (28, 35, "sad")]
    win.close()


def test_an_annotator_name_the_project_cannot_store_is_refused_at_the_prompt(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from tests.gui.windows import menu_action

    win = shown_window(qtbot, tmp_path / "n.lepton")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("x" * 201, True))
    menu_action(win, "Edit", "Set annotator name").trigger()
    assert win.settings.annotator == "ana"  # unchanged
    assert win.last_error is not None and "at most 200 characters; this one has 201" in win.last_error.text()
    win.last_error.close()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("  Bea  ", True))
    menu_action(win, "Edit", "Set annotator name").trigger()
    assert win.settings.annotator == "Bea"
    win.close()
