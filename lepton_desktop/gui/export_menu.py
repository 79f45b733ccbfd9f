"""File > Export: the open video's results and corrections as CSV, its timelines as PNG or SVG."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph.exporters as pg_exporters
from PySide6.QtCore import QRectF
from PySide6.QtGui import QKeySequence, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QGraphicsScene, QMenu

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.gui.save_places import suggested_output
from lepton_desktop.services.analysis import stored_results
from lepton_desktop.services.corrections import export_corrections
from lepton_desktop.services.csv_export import write_analysis_csv

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)


def _render_svg(scene: QGraphicsScene, source: QRectF, out: Path) -> None:
    """Draw ``source`` of ``scene`` into an SVG file (vector curves and text)."""
    generator = QSvgGenerator()
    generator.setFileName(str(out))
    generator.setSize(source.size().toSize())
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle("Lepton Desktop emotion timelines")
    painter = QPainter(generator)
    try:
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()


class ExportMenu:
    """Builds *File > Export* on the main window; each action asks where, writes, and says what it wrote."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        add = window._action
        add(menu, "Results as &CSV…", QKeySequence("Ctrl+E"), self.results_csv)
        add(menu, "C&orrections as CSV…", QKeySequence(), self.corrections_csv)
        menu.addSeparator()
        add(menu, "Timelines as &PNG…", QKeySequence(), lambda: self.timelines("png"))
        add(menu, "Timelines as &SVG…", QKeySequence(), lambda: self.timelines("svg"))

    def _target(self, what: str, suffix: str, kind: str) -> Path | None:
        """Ask for the file to write (named after the video); None when cancelled or nothing is open."""
        win = self.window
        if win.video_path is None:
            win.statusBar().showMessage(f"Open a video first: {what} belong to a video.", 6000)
            return None
        default = str(suggested_output(win, f"{win.video_path.stem}-{what.replace(' ', '-')}.{suffix}"))
        path, _ = QFileDialog.getSaveFileName(win, f"Export {what}", default, f"{kind} (*.{suffix})")
        if not path:
            return None
        out = Path(path)
        return out if out.suffix.lower() == f".{suffix}" else out.with_name(out.name + f".{suffix}")

    def _done(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)
        log.info(text)

    def results_csv(self) -> None:
        """The newest stored analysis: one line per face per frame (the columns of ``lepton analyze --csv``)."""
        win = self.window
        stored = stored_results(win.project, win.fingerprint) if win.fingerprint else None
        if win.video_path is not None and stored is None:
            win._error("Nothing to export yet", "This video has no finished analysis in this project: press Ctrl+R.")
            return
        out = self._target("results", "csv", "CSV files")
        if out is None or stored is None or win._timeline is None:
            return
        try:
            write_analysis_csv(out, stored.rows, win._timeline)
        except LeptonError as exc:
            win._error("The results were not exported", str(exc))
            return
        rows = 0 if stored.rows is None else len(stored.rows)
        self._done(f"Exported {rows} face rows of run {stored.run_id} to {out}")

    def corrections_csv(self) -> None:
        """The live corrections of the open video, one line each."""
        win = self.window
        out = self._target("corrections", "csv", "CSV files")
        if out is None or win.video_path is None:
            return
        try:
            count = export_corrections(win.project, out, str(win.video_path))
        except LeptonError as exc:
            win._error("The corrections were not exported", str(exc))
            return
        self._done(f"Exported {count} corrections to {out}")

    def timelines(self, suffix: str) -> None:
        """The timelines as they are shown (every person's row, the legend), as an image or a drawing."""
        win = self.window
        if not win.results.people():
            win.statusBar().showMessage("There are no timelines to export: analyse the video first (Ctrl+R).", 6000)
            return
        out = self._target("timelines", suffix, "PNG images" if suffix == "png" else "SVG drawings")
        if out is None:
            return
        win.timeline.flush_now()
        scene_item = win.timeline.ci
        try:
            if suffix == "png":
                exporter = pg_exporters.ImageExporter(scene_item)
                width = max(1600, int(scene_item.boundingRect().width()))
                exporter.parameters()["width"] = width
                exporter.export(str(out))
            else:  # Qt's SVG painter: pyqtgraph's SVG exporter fails on curves with gaps (NaN where a person is unseen)
                _render_svg(win.timeline.scene(), scene_item.sceneBoundingRect(), out)
        except OSError as exc:
            win._error("The timelines were not exported", f"{out} could not be written ({exc}).")
            return
        if not out.is_file():
            win._error("The timelines were not exported", f"{out} could not be written; is the folder writable?")
            return
        self._done(f"Exported the timelines of {len(win.results.people())} people to {out}")
