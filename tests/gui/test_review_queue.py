"""The review queue in the app: N goes to what needs a human, 1-7 correct it, V marks it, the queue follows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from lepton_desktop.services.analysis import analyze_video, run_to_completion
from lepton_desktop.services.corrections import add_correction, find_track
from lepton_desktop.services.samples import bundled_sample
from lepton_desktop.store import open_project
from tests.gui.windows import menu_action, shown_window

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """The bundled sample analysed, with two annotators who disagree on person 1, frames 40-60."""
    project = tmp_path_factory.mktemp("review") / "p.lepton"
    run_to_completion(analyze_video(bundled_sample(), project=project))
    return project


def _disagree(project):
    with open_project(project) as proj:
        video = proj.videos.list()[0]
        track = find_track(proj, video.id, 1)
        add_correction(proj, track, 10, 60, "sad", "bo")
        add_correction(proj, track, 40, 90, "happy", "cy")


def test_n_walks_the_queue_and_corrections_and_marks_empty_it(qtbot, analysed, tmp_path):
    project = tmp_path / "p.lepton"
    project.write_bytes(analysed.read_bytes())
    _disagree(project)
    win = shown_window(qtbot, project, annotator="ana")
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    assert win.open_video(bundled_sample())
    review = win.review
    qtbot.waitUntil(lambda: bool(review.items), timeout=5000)
    panel = review.panel
    assert panel.summary.text().startswith(f"{len(review.items)} to review: 1 annotators disagree")
    first = review.items[0]
    assert (first.person, first.first, first.last, first.reason) == (1, 40, 60, "annotators")
    assert first.detail == "bo: sad, cy: happy"
    reason = panel.table.item(0, 2)  # the reason reads in the table's own text colour, beside a coloured swatch
    assert reason.text() == "annotators differ" and reason.data(Qt.ItemDataRole.DecorationRole) is not None
    assert reason.data(Qt.ItemDataRole.ForegroundRole) is None

    assert menu_action(win, "Edit", "Review", "Next item to review").shortcut().toString() == "N"
    qtbot.keyClick(win, Qt.Key.Key_N)
    assert win.timeline.selection == (1, 40, 60) and win.current == 40
    assert panel.table.currentRow() == 0 and "Review 1/" in win.statusBar().currentMessage()

    # V marks it reviewed: stored, and the queue drops it (the disagreement itself stays in the project)
    qtbot.keyClick(win, Qt.Key.Key_V)
    assert all(i.reason != "annotators" for i in review.items)
    with open_project(project) as proj:
        [mark] = proj.review_marks.list([t.id for t in proj.runs.tracks(1)])
        assert (mark.start_frame, mark.end_frame, mark.reason, mark.annotator) == (40, 60, "annotators", "ana")

    # the next item: a stretch with no correction yet; labelling it (key 4 = happy) removes it at once
    qtbot.keyClick(win, Qt.Key.Key_N)
    item = review.current()
    assert item is not None and item.reason == "unreviewed"
    assert win.timeline.selection == (item.person, item.first, item.last)
    before = len(review.items)
    qtbot.keyClick(win, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: len(review.items) == before - 1, timeout=5000)
    assert all((i.person, i.first, i.last) != (item.person, item.first, item.last) for i in review.items)

    # Shift+N goes back; the reason filter narrows the list
    qtbot.keyClick(win, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert review.current() is not None
    panel.reason.setCurrentIndex(panel.reason.findData("flicker"))
    qtbot.waitUntil(lambda: all(i.reason == "flicker" for i in review.items), timeout=5000)
    win.close()


def test_thresholds_are_settings_and_change_the_queue(qtbot, analysed, tmp_path):
    project = tmp_path / "p.lepton"
    project.write_bytes(analysed.read_bytes())
    win = shown_window(qtbot, project, annotator="ana")
    assert win.open_video(bundled_sample())
    qtbot.waitUntil(lambda: bool(win.review.items), timeout=5000)
    assert not any(i.reason == "low_confidence" for i in win.review.items)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDoubleSpinBox

    def raise_the_bar():
        dialog = win.review.thresholds_dialog
        spin = dialog.findChildren(QDoubleSpinBox)[0]
        spin.setValue(0.99)  # nearly every frame is now "low confidence"
        dialog.accept()

    QTimer.singleShot(200, raise_the_bar)
    menu_action(win, "Edit", "Review", "Review thresholds").trigger()
    assert win.settings.review_low_top == 0.99
    assert any(i.reason == "low_confidence" for i in win.review.items)
    from lepton_desktop.services.settings import load_settings

    assert load_settings().review_low_top == 0.99
    win.close()
