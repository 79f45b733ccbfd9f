"""Help (shortcut list, About) and File > Export, used through the menus and keys as a person would."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QTabWidget

from lepton_desktop.services.csv_export import ANALYSIS_COLUMNS
from tests.faces import two_people_clip
from tests.gui.windows import menu_action, shown_window

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "two.mp4"
    two_people_clip(path, 30)
    return path


@pytest.fixture
def window(qtbot, tmp_path):
    win = shown_window(qtbot, tmp_path / "help.lepton")
    yield win
    win.close()


def test_f1_and_question_mark_open_a_searchable_shortcut_list(qtbot, window):
    QTest.keyClick(window, Qt.Key.Key_F1)
    dialog = window.help_menu.shortcuts
    assert dialog is not None and dialog.isVisible()
    everything = dialog.visible_actions()
    assert "Analyse video" in everything and "Play / pause" in everything and len(everything) > 40
    QTest.keyClicks(dialog.search, "undo")
    assert dialog.visible_actions() == ["Undo"]
    dialog.search.setText("ctrl shift")  # words match keys too, all of them
    shown = dialog.visible_actions()
    assert "Redo" in shown and "New project" in shown and "Undo" not in shown
    dialog.close()
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=3000)
    QTest.keyClick(window, Qt.Key.Key_Question)
    assert dialog.isVisible() and dialog.search.text() == ""  # a fresh search each time it opens


def test_about_shows_versions_model_cards_and_licences(qtbot, window):
    menu_action(window, "Help", "About Lepton Desktop").trigger()
    about = window.help_menu.about
    assert about is not None and about.isVisible()
    first = about.tabs.widget(0).toPlainText()
    assert "Lepton Desktop" in first and "torch" in first and "PySide6" in first and "Licence" in first
    # every library the analysis and the reports run on, each with its licence from its own metadata
    assert all(name in first for name in ("onnxruntime", "matplotlib", "reportlab", "safetensors"))
    assert "see the library's own licence" not in first and "Apache" in first
    models: QTabWidget = about.tabs.widget(1)
    titles = [models.tabText(i) for i in range(models.count())]
    assert "expression_resnet" in titles and "emotion_minixception" in titles, titles
    card = models.widget(titles.index("expression_resnet")).toPlainText()
    assert "MIT" in card and "FER+" in card


def test_export_results_corrections_and_timelines_through_the_file_menu(qtbot, window, clip, tmp_path, monkeypatch):
    answers: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (answers.pop(0), ""))
    win = window
    answers.append(str(tmp_path / "early.csv"))
    menu_action(win, "File", "Export", "Results as CSV").trigger()  # no video: a sentence, no file, no dialog asked
    assert answers and not (tmp_path / "early.csv").exists()
    answers.clear()

    assert win.open_video(clip)
    QTest.keyClick(win, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.analysis.status.text().startswith("Analysis finished"), timeout=120_000)
    win.timeline.select(1, 3, 12)
    QTest.keyClick(win, Qt.Key.Key_4)  # happy
    qtbot.waitUntil(lambda: len(win.corrections.items) == 1, timeout=5000)

    answers.append(str(tmp_path / "results"))  # no suffix typed: .csv is added
    QTest.keyClick(win, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    with (tmp_path / "results.csv").open() as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == ANALYSIS_COLUMNS
    seen = sum(int((~np.isnan(win.results.boxes[n][:, 0])).sum()) for n in win.results.people())
    assert len(rows) - 1 == seen
    assert {r[2] for r in rows[1:]} == {"1", "2"}

    answers.append(str(tmp_path / "fixes.csv"))
    menu_action(win, "File", "Export", "Corrections as CSV").trigger()
    with (tmp_path / "fixes.csv").open() as handle:
        fixes = list(csv.DictReader(handle))
    assert len(fixes) == 1 and fixes[0]["label"] == "happy" and fixes[0]["start_frame"] == "3"

    answers.append(str(tmp_path / "lines.png"))
    menu_action(win, "File", "Export", "Timelines as PNG").trigger()
    image = QImage(str(tmp_path / "lines.png"))
    assert not image.isNull() and image.width() >= 1600 and image.height() > 200
    answers.append(str(tmp_path / "lines.svg"))
    menu_action(win, "File", "Export", "Timelines as SVG").trigger()
    assert (tmp_path / "lines.svg").read_text().lstrip().startswith("<?xml") and "<svg" in (
        tmp_path / "lines.svg"
    ).read_text()
    assert "Exported the timelines of 2 people" in win.statusBar().currentMessage()


def test_about_never_imports_a_library_to_read_its_version(monkeypatch):
    """An installer without a library's metadata: About says "bundled" rather than import it on the GUI thread."""
    import sys
    from importlib import metadata

    from lepton_desktop.gui import help as help_module

    def missing(_dist):
        raise metadata.PackageNotFoundError(_dist)

    monkeypatch.setattr(help_module.metadata, "metadata", missing)
    monkeypatch.delitem(sys.modules, "xml.dom.minidom", raising=False)
    assert help_module._version("xml.dom.minidom", "xml-dom") == ("bundled", help_module.OWN_LICENCE)
    assert "xml.dom.minidom" not in sys.modules  # found, not imported
    assert help_module._version("no_such_module_here", "nothing")[0] == "not installed"
    import json

    assert help_module._version("json", "json")[0] == json.__version__  # already loaded: its own __version__
