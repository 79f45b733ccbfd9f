"""Learning > Model versions (Ctrl+Shift+M): a user switches to the ensemble with the Activate button."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence

from lepton_desktop.services.analysis import default_project
from lepton_desktop.services.models import list_versions
from lepton_desktop.services.projects import init_project
from lepton_desktop.vision.weights import ENSEMBLE_MODEL, RESNET_MODEL
from tests.gui.windows import menu_action, shown_window

pytestmark = pytest.mark.gui


def test_activate_the_ensemble_from_the_model_versions_dialog(qtbot, tmp_path):
    project = tmp_path / "p.lepton"
    init_project(project)
    win = shown_window(qtbot, project)
    action = menu_action(win, "Learning", "Model versions")
    assert action.shortcut() == QKeySequence("Ctrl+Shift+M")
    action.trigger()
    dialog = win._learning_dialog
    qtbot.waitExposed(dialog)
    names = [v["name"] for v in dialog.versions]
    assert names.count(ENSEMBLE_MODEL.name) == 1 and [v["name"] for v in dialog.versions if v["active"]] == [
        RESNET_MODEL.name
    ]
    dialog.table.selectRow(names.index(ENSEMBLE_MODEL.name))
    dialog.activate_button.click()
    chosen = dialog.versions[names.index(ENSEMBLE_MODEL.name)]["id"]
    assert dialog.message.text() == f"Version {chosen} is active: new analyses use it."
    assert [v["name"] for v in dialog.versions if v["active"]] == [ENSEMBLE_MODEL.name]  # the table shows it
    assert [v["name"] for v in list_versions(project) if v["active"]] == [ENSEMBLE_MODEL.name]  # stored at once
    dialog.close()
    win.close()


def test_model_versions_on_a_first_start_lists_the_shipped_versions(qtbot, _isolated_home):
    """An empty LEPTON_HOME, no analysis yet: Ctrl+Shift+M shows the versions (the default project is made)."""
    assert not default_project().exists()
    win = shown_window(qtbot, None)  # no project chosen: the per-user default
    menu_action(win, "Learning", "Model versions").trigger()
    dialog = win._learning_dialog
    qtbot.waitExposed(dialog)
    assert [v["name"] for v in dialog.versions if v["active"]] == [RESNET_MODEL.name]
    assert {ENSEMBLE_MODEL.name, RESNET_MODEL.name} <= {v["name"] for v in dialog.versions}
    assert default_project().is_file()
    dialog.close()
    win.close()


def test_export_and_finetune_on_a_first_start_say_what_is_missing(qtbot, _isolated_home, tmp_path):
    """An empty LEPTON_HOME: Ctrl+Shift+E and Ctrl+Shift+F open their dialogs; Start says in one sentence why not."""
    win = shown_window(qtbot, None)

    export = menu_action(win, "Learning", "Export dataset")
    assert export.shortcut() == QKeySequence("Ctrl+Shift+E")
    export.trigger()
    dialog = win._learning_dialog
    qtbot.waitExposed(dialog)
    assert default_project().is_file() and dialog.videos.count() == 0
    dialog.output.setText(str(tmp_path / "dataset"))
    dialog.start_button.click()
    qtbot.waitUntil(lambda: not dialog.worker.is_running(), timeout=10_000)
    qtbot.wait(20)
    text = dialog.status.text()
    assert text.startswith("<b>Failed:</b>") and "analys" in text.lower(), text
    assert not (tmp_path / "dataset").exists()  # nothing half-written
    dialog.close()

    finetune = menu_action(win, "Learning", "Fine-tune")
    assert finetune.shortcut() == QKeySequence("Ctrl+Shift+F")
    finetune.trigger()
    dialog = win._learning_dialog
    qtbot.waitExposed(dialog)
    dialog.dataset.setText(str(tmp_path / "dataset"))
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.worker is not None and not dialog.worker.is_running(), timeout=10_000)
    qtbot.wait(20)
    text = dialog.status.text()
    assert text.startswith("<b>Failed:</b>") and "dataset" in text.lower() and "project" not in text.lower(), text
    assert [v["name"] for v in list_versions(default_project()) if v["active"]] == [RESNET_MODEL.name]
    dialog.close()
    win.close()
