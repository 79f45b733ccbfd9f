"""File > Import annotations… and Export annotations…, used through the menu with a file dialog, as a person would."""

from __future__ import annotations

import csv
import json

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from lepton_desktop.gui.annotations_menu import add_annotation_actions
from lepton_desktop.services.interop import export_annotations
from tests.gui.windows import menu_action, shown_window
from tests.services.annotated import analysed_project, copy_project, correct, resolved

pytestmark = pytest.mark.gui


def _actions(win):
    """The two actions, wiring them into File if the main window does not have them yet."""
    try:
        menu_action(win, "File", "Import annotations")
    except AssertionError:
        file_menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "File")
        win._annotations_menu_for_test = add_annotation_actions(win, file_menu)
    return menu_action(win, "File", "Import annotations"), menu_action(win, "File", "Export annotations")


def test_import_and_export_annotations_through_the_file_menu(qtbot, tmp_path, monkeypatch):
    corrected, video = analysed_project(tmp_path)
    project = copy_project(corrected, tmp_path / "window.lepton")
    correct(corrected, video)
    from_elan = export_annotations(corrected, video, "eaf", tmp_path / "from-elan.eaf")["file"]
    bad = tmp_path / "bad.eaf"
    bad.write_text((tmp_path / "from-elan.eaf").read_text().replace(">fear<", ">bored<"))
    answers: list[tuple[str, str]] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: answers.pop(0))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: answers.pop(0))

    win = shown_window(qtbot, project)
    import_action, export_action = _actions(win)
    answers.append((str(bad), ""))
    import_action.trigger()  # no video open: a sentence in the status bar, no dialog asked
    assert answers and "Open a video first" in win.statusBar().currentMessage()
    answers.clear()
    assert win.open_video(video)
    qtbot.waitUntil(lambda: sorted(win.results.people()) == [1, 2], timeout=10_000)

    answers.append((str(bad), "ELAN or BORIS files (*.eaf *.boris *.boris.gz *.tsv *.csv *.txt)"))
    import_action.trigger()
    assert win.last_error is not None and win.last_error.isVisible()
    assert 'has "bored"' in win.last_error.text() and win.last_error.windowTitle() == "Nothing was imported"
    assert win.corrections.items == []
    win.last_error.close()

    answers.append((from_elan, "ELAN or BORIS files (*.eaf *.boris *.boris.gz *.tsv *.csv *.txt)"))
    import_action.trigger()
    assert win.statusBar().currentMessage().startswith("Imported 7 corrections from from-elan.eaf (left out: ")
    assert len(win.corrections.items) == 7 and resolved(project) == resolved(corrected)
    assert win.corrections_panel.proxy.rowCount() == 7  # the corrections view refreshed
    track = win.results.track_ids[1]
    assert win.corrections.labels(track, "ben")[5:26].tolist() == [4] * 21  # sad

    answers.append((str(tmp_path / "events"), "BORIS tabular events (*.tsv *.csv)"))
    export_action.trigger()
    assert (tmp_path / "events.tsv").is_file()
    assert win.statusBar().currentMessage() == f"Exported 14 events in 2 observations to {tmp_path / 'events.tsv'}"
    answers.append((str(tmp_path / "events"), "BORIS project (*.boris)"))
    export_action.trigger()
    assert win.statusBar().currentMessage() == f"Exported 22 events in 3 observations to {tmp_path / 'events.boris'}"
    assert set(json.loads((tmp_path / "events.boris").read_text())["observations"]) == {
        "clip - ana", "clip - ben", "clip (model)"
    }  # fmt: skip
    answers.append((str(tmp_path / "final.csv"), "Final labels CSV (*.csv)"))
    export_action.trigger()
    with (tmp_path / "final.csv").open(newline="") as handle:
        sources = [r["source"] for r in csv.DictReader(handle)]
    assert sources.count("human") == 84 and sources.count("model") == 16
    answers.append((str(tmp_path / "again.eaf"), "ELAN (*.eaf)"))
    export_action.trigger()
    assert "Exported 6 tiers, 11 annotations to" in win.statusBar().currentMessage()
    answers.append((str(tmp_path / "typed.boris"), "ELAN (*.eaf)"))  # the name typed says BORIS project
    export_action.trigger()
    assert json.loads((tmp_path / "typed.boris").read_text())["project_format_version"] == "7.0"
    assert win.statusBar().currentMessage().startswith("Exported 22 events in 3 observations")

    other = tmp_path / "other.eaf"  # labels made on another video (its ELAN file links that one)
    other.write_text((tmp_path / "from-elan.eaf").read_text().replace(video.name, "interview.mp4"))
    asked, replies = [], [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]

    def question(_parent, title, text, *_args):
        asked.append((title, text))
        return replies.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    before = resolved(project)
    answers.append((str(other), "ELAN or BORIS files (*.eaf *.boris *.boris.gz *.tsv *.csv *.txt)"))
    import_action.trigger()  # asked first; "No": nothing is stored
    assert asked[0][0] == "Made for another video?"
    assert asked[0][1].startswith(f"The ELAN file links interview.mp4, not {video.name}")
    assert resolved(project) == before and "Nothing imported from other.eaf" in win.statusBar().currentMessage()
    answers.append((str(other), "ELAN or BORIS files (*.eaf *.boris *.boris.gz *.tsv *.csv *.txt)"))
    import_action.trigger()  # "Yes": imported as asked
    assert len(asked) == 2 and win.statusBar().currentMessage().startswith("Imported ")
    win.close()
