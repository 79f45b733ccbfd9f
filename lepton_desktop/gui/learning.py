"""The learning loop in the app: export a dataset, fine-tune with a live plot, manage model versions.

Each long job is a generator from services/ run by a :class:`GeneratorWorker`;
the dialogs only show progress and offer Cancel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.gui.finetune_plot import FineTunePlot
from lepton_desktop.gui.worker import GeneratorWorker
from lepton_desktop.services.dataset import ExportOptions, export_dataset
from lepton_desktop.services.finetune import finetune
from lepton_desktop.services.models import activate, list_versions
from lepton_desktop.store import open_project
from lepton_desktop.vision.training import TrainSettings


def _checklist(items: list[tuple[str, Any]]) -> QListWidget:
    widget = QListWidget()
    for text, data in items:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, data)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        widget.addItem(item)
    widget.setMaximumHeight(110)
    return widget


def _checked(widget: QListWidget) -> list[Any]:
    return [
        widget.item(i).data(Qt.ItemDataRole.UserRole)
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    ]


def _folder_row(edit: QLineEdit, parent: QWidget, title: str) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit)
    browse = QPushButton("Choose…")
    browse.clicked.connect(lambda: edit.setText(QFileDialog.getExistingDirectory(parent, title) or edit.text()))
    layout.addWidget(browse)
    return row


DEFAULT_DATASET = Path.home() / "lepton-dataset"
"""Where Export writes unless told otherwise, and where Fine-tune looks first."""


class _JobDialog(QDialog):
    """A dialog that runs one job in a worker: Start, Cancel (stops within a step), Close."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.worker: GeneratorWorker | None = None
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.progress = QProgressBar()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton("Start", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        self.close_button = self.buttons.addButton("Close", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self.cancel_button.setEnabled(False)

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.progress)
        self.layout_.addWidget(self.status)
        self.layout_.addWidget(self.buttons)

    def run(self, make) -> None:  # type: ignore[no-untyped-def]
        self.worker = GeneratorWorker(make, self)
        self.worker.step.connect(self.on_step)
        self.worker.failed.connect(self.on_failed)
        self.worker.done.connect(lambda: self._running(False))
        self._running(True)
        self.worker.start()

    def _running(self, on: bool) -> None:
        self.start_button.setEnabled(not on)
        self.cancel_button.setEnabled(on)
        self.close_button.setEnabled(not on)

    def cancel(self) -> None:
        if self.worker is not None and self.worker.is_running():
            self.worker.stop()
            self.status.setText("Cancelling…")

    def on_failed(self, message: str, _trace: str) -> None:
        self._running(False)
        self.status.setText(f"<b>Failed:</b> {message}")

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.worker is not None and self.worker.is_running():
            self.worker.stop()
            self.worker.wait(10_000)
        super().closeEvent(event)

    def start(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def on_step(self, step: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class ExportDialog(_JobDialog):
    """Choose videos, annotators and settings; export a dataset with a progress bar."""

    def __init__(self, project: str | Path, parent: QWidget | None = None) -> None:
        super().__init__("Export fine-tuning dataset", parent)
        self.project = project
        with open_project(project) as proj:
            videos = [(Path(v.path).name, v.id) for v in proj.videos.list()]
            made = proj.corrections.counts_by_annotator()  # live ones: an undone label exports nothing
            annotators = [(f"{name} ({n} correction{'s' if n != 1 else ''})", name) for name, n in sorted(made.items())]
        self.videos = _checklist(videos)
        self.annotators = _checklist(annotators)
        self.accepted = QCheckBox("also accepted model proposals")
        self.stride = QSpinBox(minimum=1, maximum=1000, value=5)
        self.val_share = QDoubleSpinBox(minimum=0.0, maximum=0.9, singleStep=0.05, value=0.25)
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=0)
        self.features = QCheckBox("features only (no face pixels leave the machine)")
        self.output = QLineEdit(str(DEFAULT_DATASET))
        self.form.addRow("Videos", self.videos)
        self.form.addRow("Annotators", self.annotators)
        self.form.addRow("", self.accepted)
        self.form.addRow("Image every N frames", self.stride)
        self.form.addRow("Validation share (videos)", self.val_share)
        self.form.addRow("Split seed", self.seed)
        self.form.addRow("", self.features)
        self.form.addRow("New folder", _folder_row(self.output, self, "Folder for the dataset"))
        self.finish_layout()
        self.summary: dict[str, Any] | None = None

    def options(self) -> ExportOptions:
        return ExportOptions(
            videos=tuple(_checked(self.videos)),
            annotators=tuple(_checked(self.annotators)) if self.annotators.count() else None,
            include_accepted=self.accepted.isChecked(),
            stride=self.stride.value(),
            val_share=self.val_share.value(),
            seed=self.seed.value(),
            features_only=self.features.isChecked(),
        )

    def start(self) -> None:
        project, out, options = self.project, Path(self.output.text()).expanduser(), self.options()
        self.status.setText("Exporting…")
        self.run(lambda stop: export_dataset(project, out, options, should_stop=stop))

    def on_step(self, step: Any) -> None:
        self.progress.setMaximum(max(step.total, 1))
        self.progress.setValue(step.done)
        if step.summary is None:
            self.status.setText(step.message)
        elif step.summary.get("state") == "cancelled":
            self.status.setText("Cancelled: nothing was written.")
        else:
            self.summary = step.summary
            s = step.summary["splits"]
            warnings = "".join(f"<br><b>Warning:</b> {w}" for w in step.summary.get("warnings", []))
            self.status.setText(
                f"Done: {step.summary['crops']} crops (train {s['train']['crops']}, val {s['val']['crops']}), "
                f"{s['train']['sequences'] + s['val']['sequences']} sequences in {step.summary['output']}{warnings}"
            )


class FineTuneDialog(_JobDialog):
    """Fine-tune from the active version with a live loss / macro-F1 plot; offer to use the result."""

    def __init__(self, project: str | Path, dataset: str = "", parent: QWidget | None = None) -> None:
        super().__init__("Fine-tune the model", parent)
        self.project = project
        if not dataset and (DEFAULT_DATASET / "export.json").is_file():  # the folder Export wrote by default
            dataset = str(DEFAULT_DATASET)
        self.dataset = QLineEdit(dataset)
        self.epochs = QSpinBox(minimum=1, maximum=500, value=20)
        self.train_cnn = QCheckBox("also train the CNN's last block (recommended; needs face crops)")
        self.train_cnn.setChecked(True)
        self.form.addRow("Dataset folder", _folder_row(self.dataset, self, "Dataset made by Export"))
        self.form.addRow("At most epochs", self.epochs)
        self.form.addRow("", self.train_cnn)
        self.plot = FineTunePlot()
        self.plot.clear(self.epochs.value())
        self.epochs.valueChanged.connect(lambda n: self.plot.clear(n) if not self.history else None)
        self.layout_.addWidget(self.plot, 1)
        self.use_button = self.buttons.addButton("Use this model", QDialogButtonBox.ButtonRole.ApplyRole)
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_result)
        self.finish_layout()
        self.history: list[Any] = []
        self.result: dict[str, Any] | None = None

    def start(self) -> None:
        project, data = self.project, self.dataset.text()
        settings = TrainSettings(epochs=self.epochs.value(), train_cnn=self.train_cnn.isChecked())
        self.history = []
        self.plot.clear(settings.epochs)
        self.progress.setMaximum(settings.epochs)
        self.progress.setValue(0)
        self.status.setText("Loading the dataset…")
        self.run(lambda stop: finetune(data, project=project, settings=settings, should_stop=stop))

    def on_step(self, step: Any) -> None:
        if step.epoch is not None:
            self.history.append(step.epoch)
            self.plot.show_epochs(self.history)
            self.progress.setValue(step.epoch.epoch)
            self.status.setText(
                f"Epoch {step.epoch.epoch}/{step.epoch.epochs}: loss {step.epoch.train_loss:.3f}, "
                f"validation macro-F1 {step.epoch.val_macro_f1:.3f} ({step.epoch.seconds:.1f} s)"
            )
        elif step.result is not None:
            self.result = step.result
            if step.result["state"] == "cancelled":
                self.status.setText("Cancelled: no model version was kept.")
                return
            b, a = step.result["before"], step.result["after"]
            self.progress.setValue(self.progress.maximum())
            how = "" if step.result["state"] == "done" else f"{step.result['state'].replace('_', ' ')}, "
            self.status.setText(
                f"Done ({how}best epoch {step.result['best_epoch']}). "
                f"Validation accuracy {b['accuracy']:.3f} → {a['accuracy']:.3f}, "
                f"macro-F1 {b['macro_f1']:.3f} → {a['macro_f1']:.3f} "
                f"(validation: {step.result.get('validation', 'held-out videos')}). "
                f"New model version {step.result['version_id']}. {step.result.get('verdict', '')}"
            )
            self.plot.show_confusion(step.result.get("confusion_png"))
            self.use_button.setEnabled(True)
        else:
            self.status.setText(step.message)

    def use_result(self) -> None:
        if self.result and self.result.get("version_id"):
            try:
                activate(self.project, int(self.result["version_id"]))
            except LeptonError as exc:
                self.status.setText(f"<b>Not activated:</b> {exc}")
                return
            self.status.setText(self.status.text() + " It is now the active model.")
            self.use_button.setEnabled(False)


class ModelsDialog(QDialog):
    """Model versions with their metrics: activate (or roll back), re-analyse, compare on the timeline."""

    COLUMNS = ("id", "name", "active", "accuracy", "macro-F1", "measured on", "parent", "created")

    def __init__(self, project: str | Path, window: Any = None) -> None:
        super().__init__(window)
        self.setWindowTitle("Model versions")
        self.project = project
        self.window_ = window
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.activate_button = buttons.addButton("Activate", QDialogButtonBox.ButtonRole.ActionRole)
        self.reanalyse_button = buttons.addButton("Re-analyse video", QDialogButtonBox.ButtonRole.ActionRole)
        self.compare_button = buttons.addButton("Compare on timeline", QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.close)
        self.activate_button.clicked.connect(self.activate_selected)
        self.reanalyse_button.clicked.connect(self.reanalyse_selected)
        self.compare_button.clicked.connect(self.compare_selected)
        layout.addWidget(buttons)
        self.resize(1000, 320)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.refresh()

    def refresh(self) -> None:
        self.versions = list_versions(self.project)
        self.table.setRowCount(len(self.versions))
        for r, v in enumerate(self.versions):
            cells = (
                v["id"], v["name"], "✓" if v["active"] else "",
                "—" if v["accuracy"] is None else f"{v['accuracy']:.3f}",
                "—" if v["macro_f1"] is None else f"{v['macro_f1']:.3f}",
                _measured(v),
                v["parent_id"] or "", v["created_at"][:19].replace("T", " "),
            )  # fmt: skip
            for c, value in enumerate(cells):
                item = QTableWidgetItem(str(value))
                item.setToolTip(str(value))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        measured = self.COLUMNS.index("measured on")
        self.table.setColumnWidth(measured, min(self.table.columnWidth(measured), 330))  # the tooltip has it all
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), 320))
        self.table.resizeRowsToContents()
        self._fit_width()
        active = [r for r, v in enumerate(self.versions) if v["active"]]
        if self.versions:  # the active version is chosen first: Activate does nothing surprising
            self.table.selectRow(active[0] if active else len(self.versions) - 1)

    def _fit_width(self) -> None:
        """As wide as the columns need (no sideways scrolling to read a date), within the screen."""
        needed = sum(self.table.columnWidth(c) for c in range(self.table.columnCount()))
        needed += 2 * self.table.frameWidth() + self.table.verticalScrollBar().sizeHint().width() + 40
        screen = self.screen().availableGeometry().width() if self.screen() is not None else needed
        width = min(max(needed, self.width()), int(0.95 * screen))
        if width != self.width():
            self.resize(width, self.height())

    def _selection_changed(self) -> None:
        """Compare is offered against another version than the one the timeline shows."""
        chosen = self.selected()
        shown = getattr(self.window_, "shown_version_id", None)
        same = chosen is not None and chosen == shown
        self.compare_button.setEnabled(chosen is not None and not same)
        self.compare_button.setToolTip(
            f"The timeline already shows version {shown}."
            if same
            else "Show this version's dominant emotions under each person's timeline."
        )

    def selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return int(self.versions[rows[0].row()]["id"]) if rows else None

    def activate_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        try:
            activate(self.project, chosen)
        except LeptonError as exc:
            self.message.setText(f"<b>Not activated:</b> {exc}")
            return
        self.message.setText(f"Version {chosen} is active: new analyses use it.")
        self.refresh()

    def reanalyse_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None and self.window_ is not None:
            self.window_.start_analysis(model_version=chosen)
            self.message.setText(f"Re-analysing the open video with version {chosen} (see the Analysis panel).")

    def compare_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None and self.window_ is not None:
            self.message.setText(self.window_.compare_with(chosen))


def _measured(version: dict[str, Any]) -> str:
    """Where a version's figures come from; for a fine-tuned one, its parent's on the same frames too."""
    text = version["measured_on"] or "not measured"
    parent = version.get("parent_on_same_frames")
    if parent and parent.get("accuracy") is not None:
        text += (f"; version {version['parent_id']} there: accuracy {parent['accuracy']:.3f}, "
                 f"macro-F1 {parent['macro_f1']:.3f}")  # fmt: skip
    return text
