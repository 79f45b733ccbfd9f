"""File > Export report: the open video (or the whole project) as an HTML or PDF report, made in the background.

The report is built by :func:`lepton_desktop.services.report.export_report`, a generator, on a
:class:`GeneratorWorker`; a progress dialog shows each step and Cancel stops before the next one
(nothing is written then). When it is done, the status bar says where the file is.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QProgressDialog

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.words import people
from lepton_desktop.gui.dialog_job import DialogJob
from lepton_desktop.gui.save_places import suggested_output
from lepton_desktop.services.report import export_report

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)

REPORT_FILTERS = "PDF report (*.pdf);;HTML report (*.html)"


class ReportExport(DialogJob):
    """The two menu actions, the running job (one at a time) and its progress dialog.

    ``last`` is the newest step; its ``written`` says what was written, if anything.
    """

    failed_title = "The report was not written"

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.action = window._action(menu, "Export re&port…", QKeySequence(), self.export_video)
        self.project_action = window._action(menu, "Export projec&t report…", QKeySequence(), self.export_project)

    # -- asking --------------------------------------------------------------------------

    def export_video(self) -> None:
        """A report on the open video."""
        win = self.window
        if win.video_path is None:
            win.statusBar().showMessage("Open a video first: a report describes an analysed video.", 6000)
            return
        if not _has_finished_run(win):
            win._error("Nothing to report yet", "This video has no finished analysis in this project: press Ctrl+R.")
            return
        out = self._ask(suggested_output(win, f"{win.video_path.stem}-report.pdf"))
        if out is not None:
            self._start(out, str(win.video_path), all_videos=False)

    def export_project(self) -> None:
        """A report over every analysed video of the project in use."""
        project = Path(str(self.window.project))
        folder = project.parent if project.parent.is_dir() else Path.home()
        out = self._ask(folder / f"{project.stem or 'project'}-report.pdf")
        if out is not None:
            self._start(out, None, all_videos=True)

    def _ask(self, default: Path) -> Path | None:
        path, chosen = QFileDialog.getSaveFileName(self.window, "Export report", str(default), REPORT_FILTERS)
        if not path:
            return None
        out = Path(path)
        if out.suffix.lower() not in (".pdf", ".html", ".htm"):
            out = out.with_name(out.name + (".html" if chosen.startswith("HTML") else ".pdf"))
        return out

    # -- running -------------------------------------------------------------------------

    def _start(self, out: Path, video: str | None, *, all_videos: bool) -> None:
        if self.is_running():
            self.window.statusBar().showMessage("A report is being made already; wait for it or cancel it.", 6000)
            return
        project = self.window.project
        dialog = QProgressDialog("Gathering the analysis…", "Cancel", 0, 0, self.window)
        dialog.setWindowTitle(f"Export report: {out.name}")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.setMinimumWidth(420)
        self._run(dialog, lambda stop: export_report(project, out, video, all_videos=all_videos, should_stop=stop))

    def _step(self, step: Any) -> None:
        self._show(step.done, step.message, step.total)

    def _done(self) -> None:
        written = getattr(self.last, "written", None)
        if written is None:
            self.window.statusBar().showMessage("The report was cancelled: no file was written.", 8000)
            return
        pages = f", {written.pages} pages" if written.pages else ""
        text = f"Report written to {written.path} ({people(written.people)}{pages})"
        self.window.statusBar().showMessage(text, 15000)
        log.info(text)


def _has_finished_run(win: MainWindow) -> bool:
    """Whether the open video has a finished analysis in the project (run records only; no predictions read)."""
    if win.fingerprint is None:
        return False
    try:
        project = win.corrections.use(win.project)  # the connection the window keeps open
        record = project.videos.by_fingerprint(win.fingerprint)
        return record is not None and any(r.status == "done" for r in project.runs.list_runs(record.id))
    except LeptonError:
        return False


def add_report_action(window: MainWindow, file_menu: QMenu) -> ReportExport:
    """Add *Export report…* and *Export project report…* to ``file_menu`` (once per window)."""
    existing = getattr(window, "report_export", None)
    if isinstance(existing, ReportExport):
        return existing
    export = ReportExport(window, file_menu)
    window.report_export = export  # type: ignore[attr-defined]
    return export
