"""Labelling in the window: select, label, undo, redo, delete; the tier and panel follow; nothing is lost."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.store import open_project
from tests.faces import Placement, face_clip
from tests.gui.windows import shown_window

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("label")
    a, b = folder / "a.mp4", folder / "b.mp4"
    face_clip(a, 50, lambda i: [Placement(100, 120, 0.55), Placement(320, 120, 0.55, mirrored=True)], size=(420, 240))
    face_clip(b, 30, lambda i: [Placement(160, 120, 0.6)])
    return a, b


@pytest.fixture
def window(qtbot, tmp_path, clips):
    win = shown_window(qtbot, tmp_path / "l.lepton", exposed=False)
    for clip in clips:  # analyse both once, so both have people
        win.open_video(clip)
        win.start_analysis()
        qtbot.waitUntil(lambda: not win._worker.is_running(), timeout=60_000)
        qtbot.wait(50)
    win.open_video(clips[0])
    win.timeline.flush_now()
    yield win
    win.close()


def _key(qtbot, win, key, mods=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(win, key, mods)


def _stored(tmp_path, history=False):
    with open_project(tmp_path / "l.lepton") as proj:
        return proj.corrections.list(include_tombstoned=history)


def test_label_undo_redo_delete(qtbot, window, tmp_path):
    window.timeline.activate(2)
    window.seek(10)
    _key(qtbot, window, Qt.Key.Key_I)
    window.seek(20)
    _key(qtbot, window, Qt.Key.Key_O)
    assert window.timeline.selection == (2, 10, 20)
    _key(qtbot, window, Qt.Key.Key_5)  # sad
    [c] = _stored(tmp_path)
    assert (c.start_frame, c.end_frame, c.label, c.annotator) == (10, 20, "sad", "ana")
    tier = window.timeline.rows[2].corrected
    assert (tier[10:21] == EMOTIONS.index("sad")).all() and (tier[:10] == -1).all()
    assert window.corrections_panel.visible_rows() == [("Person 2", "10–20", "sad", "ana", "human")]

    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo
    assert _stored(tmp_path) == [] and len(_stored(tmp_path, history=True)) == 1  # tombstoned, not deleted
    assert (window.timeline.rows[2].corrected == -1).all()
    assert window.statusBar().currentMessage() == "Undone: label 10–20 sad (saved)"
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # redo
    [again] = _stored(tmp_path)
    assert again.id == c.id  # the same row came back
    assert window.statusBar().currentMessage() == "Redone: label 10–20 sad (saved)"

    window.seek(15)
    _key(qtbot, window, Qt.Key.Key_Delete)
    assert _stored(tmp_path) == []
    assert window.statusBar().currentMessage().startswith("Deleted Person 2 10–20 sad (Ctrl+Z brings it back)")
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [x.id for x in _stored(tmp_path)] == [c.id]
    assert window.statusBar().currentMessage() == "Undone: delete 10–20 sad (saved)"


def test_newer_label_wins_in_the_tier(qtbot, window):
    window.timeline.select(1, 0, 30)
    window.label_selection("happy")
    window.timeline.select(1, 10, 19)
    window.label_selection("angry")
    tier = window.timeline.rows[1].corrected
    assert (
        tier[5] == EMOTIONS.index("happy")
        and tier[15] == EMOTIONS.index("angry")
        and tier[25] == EMOTIONS.index("happy")
    )


def test_undo_history_is_per_video(qtbot, window, clips, tmp_path):
    window.timeline.select(1, 0, 5)
    window.label_selection("fear")
    window.open_video(clips[1])
    window.timeline.flush_now()
    assert not window.undo_group.canUndo()  # the other video's work is not on this stack
    window.timeline.select(1, 0, 3)
    window.label_selection("neutral")
    window.open_video(clips[0])
    window.undo_action.trigger()
    labels = sorted(c.label for c in _stored(tmp_path))
    assert labels == ["neutral"], "undo on video A undid A's correction and kept B's"


def test_shift_drag_selects_and_panel_click_seeks(qtbot, window):
    window.timeline.fit_all()
    qtbot.wait(50)
    plot = window.timeline.rows[1].plot
    a = window.timeline.mapFromScene(plot.vb.mapViewToScene(QPointF(12, 0.5)))
    b = window.timeline.mapFromScene(plot.vb.mapViewToScene(QPointF(30, 0.5)))
    viewport = window.timeline.viewport()
    shift, left = Qt.KeyboardModifier.ShiftModifier, Qt.MouseButton.LeftButton
    qtbot.mousePress(viewport, left, shift, a)
    for t in np.linspace(0.1, 1, 6):  # QTest.mouseMove carries no button state: send real drag moves
        pos = QPointF(a + (b - a) * float(t))
        move = QMouseEvent(QEvent.Type.MouseMove, pos, viewport.mapToGlobal(pos), Qt.MouseButton.NoButton, left, shift)
        QApplication.sendEvent(viewport, move)
    qtbot.mouseRelease(viewport, left, shift, b)
    sel = window.timeline.selection
    assert sel is not None and sel[0] == 1 and abs(sel[1] - 12) <= 1 and abs(sel[2] - 30) <= 1
    window.label_selection("surprise")
    window.seek(0)
    window.corrections_panel.filter.setText("surprise")
    assert len(window.corrections_panel.visible_rows()) == 1
    window.corrections_panel.table.clicked.emit(window.corrections_panel.proxy.index(0, 0))
    assert window.current == sel[1]


def test_accept_proposal_split_navigate(qtbot, window, tmp_path):
    window.timeline.activate(1)
    window.seek(25)
    _key(qtbot, window, Qt.Key.Key_A)  # the model says happy all along: one accepted segment
    [c] = _stored(tmp_path)
    assert (c.origin, c.label, c.annotator) == ("accepted", "happy", "ana")
    assert c.start_frame == 0 and c.end_frame == 49
    window.seek(30)
    _key(qtbot, window, Qt.Key.Key_S)
    parts = sorted((x.start_frame, x.end_frame, x.origin) for x in _stored(tmp_path))
    assert parts == [(0, 29, "accepted"), (30, 49, "accepted")]
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the split: the original is back
    assert [(x.start_frame, x.end_frame) for x in _stored(tmp_path)] == [(0, 49)]
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    window.seek(5)
    _key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.current == 30
    _key(qtbot, window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.current == 0


def test_only_my_layer_review_status_and_agreement(qtbot, window, tmp_path):
    window.timeline.select(1, 0, 19)
    window.label_selection("happy")
    window.settings.annotator = "ben"
    window.timeline.select(1, 0, 19)
    window.label_selection("sad")
    window.settings.annotator = "ana"
    assert window.timeline.rows[1].corrected[5] == EMOTIONS.index("sad")  # everyone: ben's is newer
    window.mine_action.trigger()
    assert window.timeline.rows[1].corrected[5] == EMOTIONS.index("happy")  # only ana's layer
    assert len(window.corrections_panel.visible_rows()) == 1
    window.mine_action.trigger()
    window.show_agreement()
    assert window.last_info is not None and "20 frames" in window.last_info.text() and "0.0%" in window.last_info.text()
    window.last_info.close()
    window.timeline.activate(1)
    _key(qtbot, window, Qt.Key.Key_R)
    _key(qtbot, window, Qt.Key.Key_R)
    with open_project(tmp_path / "l.lepton") as proj:
        assert proj.runs.review(window.results.track_ids[1]) == "done"
    assert window.people.item(0).text().endswith("✓")


def test_trim_a_chosen_correction(qtbot, window, tmp_path):
    window.timeline.select(1, 10, 30)
    window.label_selection("fear")
    window.corrections_panel.table.clicked.emit(window.corrections_panel.proxy.index(0, 0))
    assert window.timeline.selection == (1, 10, 30)
    window.timeline.rows[1].region.setRegion((14.5, 25.5))  # as if the edges were dragged
    assert window.timeline.selection == (1, 15, 25)
    _key(qtbot, window, Qt.Key.Key_Return)
    [c] = _stored(tmp_path)
    assert (c.start_frame, c.end_frame, c.label) == (15, 25, "fear")
    tier = window.timeline.rows[1].corrected
    assert tier[12] == -1 and tier[20] == EMOTIONS.index("fear")
    window.undo_action.trigger()
    [back] = _stored(tmp_path)
    assert (back.start_frame, back.end_frame) == (10, 30)


def test_a_split_the_project_refuses_half_way_leaves_the_correction_whole(qtbot, window, tmp_path, monkeypatch):
    from lepton_desktop.store.errors import StorageError

    window.timeline.select(1, 10, 30)
    window.label_selection("fear")
    [whole] = _stored(tmp_path)
    real_add, calls = window.corrections.add, []

    def second_add_fails(*args):
        calls.append(args)
        if len(calls) == 2:
            raise StorageError("Project l.lepton: the disk holding the project is full; nothing was saved.")
        return real_add(*args)

    monkeypatch.setattr(window.corrections, "add", second_add_fails)
    window.seek(20)
    window.split_at_playhead()
    assert len(calls) == 2  # the first half was stored, then the second refused
    assert window.last_error.text() == "Project l.lepton: the disk holding the project is full; nothing was saved."
    window.last_error.close()
    assert [(c.id, c.start_frame, c.end_frame) for c in _stored(tmp_path)] == [(whole.id, 10, 30)]  # put back
    assert window.timeline.rows[1].corrected[10:31].tolist() == [EMOTIONS.index("fear")] * 21
    assert window.undo_action.text().endswith("label 10–30 fear")  # the refused split is not on the stack


def test_layer_selector_shows_one_annotators_corrections(qtbot, window):
    window.timeline.select(1, 0, 9)
    window.label_selection("happy")
    window.settings.annotator = "ben"
    window.timeline.select(1, 5, 14)
    window.label_selection("sad")
    _key(qtbot, window, Qt.Key.Key_L)  # all -> ana
    assert window.corrections_panel.layer.text() == "Layer: ana"
    assert window.timeline.rows[1].corrected[7] == EMOTIONS.index("happy")
    assert [r[3] for r in window.corrections_panel.visible_rows()] == ["ana"]
    _key(qtbot, window, Qt.Key.Key_L)  # -> ben
    assert window.timeline.rows[1].corrected[7] == EMOTIONS.index("sad") and window.timeline.rows[1].corrected[2] == -1
    _key(qtbot, window, Qt.Key.Key_L)  # -> all
    assert window.corrections_panel.layer.text() == "Layer: all annotators"
    assert window.timeline.rows[1].corrected[7] == EMOTIONS.index("sad")
    assert len(window.corrections_panel.visible_rows()) == 2


def test_the_video_shows_the_human_label_inside_a_corrected_range(qtbot, window):
    from lepton_desktop.gui.frame_view import overlay_text

    def face(frame, name="Person 2"):
        window.seek(frame)
        qtbot.waitUntil(lambda: window.view.frame_index == frame, timeout=5000)
        return next(f for f in window.view.faces if f.name == name)

    assert face(15).human is None
    window.timeline.select(2, 10, 20)
    _key(qtbot, window, Qt.Key.Key_3)  # fear: shown at once on the frame under the playhead
    inside = window.view.faces[[f.name for f in window.view.faces].index("Person 2")]
    assert inside.human == "fear"
    text = overlay_text(inside.name, inside.probs, inside.human)
    first, second = text.split("\n")
    assert first == "Person 2 · fear (corrected)" and second.startswith("model: ") and second.endswith("%")
    assert face(21).human is None and face(10).human == "fear"
    assert next(f for f in window.view.faces if f.name == "Person 1").human is None  # only the person labelled
    _key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undone: the model's label again
    assert face(10).human is None

    at_ten = face(10)  # a label that agrees with the model confirms it rather than correcting it
    agreed = EMOTIONS[int(np.argmax(at_ten.probs))]
    window.timeline.select(2, 10, 20)
    _key(qtbot, window, getattr(Qt.Key, f"Key_{EMOTIONS.index(agreed) + 1}"))
    confirmed = face(10)
    assert confirmed.human == agreed
    assert overlay_text(confirmed.name, confirmed.probs, confirmed.human).split("\n")[0] == (
        f"Person 2 · {agreed} (confirmed)"
    )
