"""The learning loop in the window: export dialog, fine-tune dialog with a live plot, versions, compare."""

from __future__ import annotations

import pytest

from lepton_desktop.gui.learning import ExportDialog, FineTuneDialog, ModelsDialog
from lepton_desktop.gui.main_window import MainWindow
from lepton_desktop.services.settings import Settings
from tests.photos import SKIP_REASON, photo_dir
from tests.services.test_learning_loop import corrected, project  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(photo_dir() is None, reason=SKIP_REASON)


def test_export_then_finetune_then_compare_in_the_app(qtbot, corrected, project, tmp_path):  # noqa: F811
    root = corrected[0]
    window = MainWindow(Settings(project=str(project), annotator="ann"))
    qtbot.addWidget(window)
    assert window.open_video(root / "clip0.mp4")
    qtbot.waitUntil(lambda: len(window.results.track_ids) == 1, timeout=10_000)

    export = ExportDialog(project, window)
    qtbot.addWidget(export)
    assert export.videos.count() == 3 and export.annotators.count() == 1
    export.output.setText(str(tmp_path / "ds"))
    export.start_button.click()
    qtbot.waitUntil(lambda: export.summary is not None, timeout=90_000)
    assert "crops" in export.status.text() and (tmp_path / "ds" / "export.json").is_file()
    qtbot.waitUntil(lambda: export.close_button.isEnabled(), timeout=5_000)

    tune = FineTuneDialog(project, str(tmp_path / "ds"), window)
    qtbot.addWidget(tune)
    tune.epochs.setValue(3)
    tune.start_button.click()
    assert tune.cancel_button.isEnabled()  # the window stays usable: the work is on a worker
    qtbot.waitUntil(lambda: tune.result is not None, timeout=300_000)
    assert len(tune.history) >= 1 and len(tune.plot.f1_curve.getData()[0]) == len(tune.history)
    assert "macro-F1" in tune.status.text() and tune.use_button.isEnabled()
    assert tune.result["verdict"] in tune.status.text()  # whether it is worth using, in words
    assert tune.plot.confusion.isVisibleTo(tune) and not tune.plot.confusion.pixmap().isNull()  # shown, not a path
    screen = tune.screen().availableGeometry().height()
    assert tune.plot.confusion.pixmap().height() <= max(screen // 4, 160)  # the buttons stay on a laptop screen
    ticks = tune.plot.plot.getPlotItem().getAxis("bottom").tickValues(0.7, 3.3, 400)
    assert ticks == [(1, [1, 2, 3])]  # whole epochs
    tune.use_button.click()
    assert "active model" in tune.status.text()
    new = tune.result["version_id"]

    models = ModelsDialog(project, window)
    qtbot.addWidget(models)
    # every column readable without scrolling sideways: the dialog grows as wide as they need, within the screen
    models.resize(300, models.height())
    models.refresh()
    columns = sum(models.table.columnWidth(c) for c in range(models.table.columnCount()))
    allowed = int(0.95 * models.screen().availableGeometry().width())
    assert models.width() >= min(columns + 40, allowed) and models.width() > 300
    assert [v["id"] for v in models.versions if v["active"]] == [new]
    models.table.selectRow(0)  # the shipped model: its analysis is what the timeline shows
    assert window.shown_version_id == models.versions[0]["id"] and not models.compare_button.isEnabled()
    assert "already shows version" in window.compare_with(models.versions[0]["id"])
    assert models.table.item(0, models.COLUMNS.index("measured on")).text().startswith("FER+ validation split")
    assert models.table.item(0, models.COLUMNS.index("accuracy")).text() != ""
    measured = models.table.item(len(models.versions) - 1, models.COLUMNS.index("measured on")).text()
    parent = tune.result["before"]
    assert f"; version {tune.result['parent_id']} there: accuracy {parent['accuracy']:.3f}" in measured
    models.table.selectRow(len(models.versions) - 1)
    assert models.compare_button.isEnabled()
    assert "has not analysed" in window.compare_with(new)
    models.reanalyse_selected()
    qtbot.waitUntil(lambda: not window._worker.is_running(), timeout=180_000)
    assert "Analysis finished" in window.analysis.status.text()
    message = window.compare_with(models.versions[0]["id"])
    assert "version" in message and window.timeline.compare_title == f"v{models.versions[0]['id']}"
    row = window.timeline.rows[1]
    assert (row.compared >= 0).sum() > 100
    # corrections made on the first analysis still show on the re-analysed person
    assert (window.corrections.labels(window.results.track_ids[1], None) >= 0).sum() == 4 * 32
    window.stop_comparing()
    assert row.compared.size == 0
    window.close()
