"""File > Export annotations… and Import annotations…: ELAN, BORIS (project or tabular events) and final labels."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.gui.save_places import suggested_output
from lepton_desktop.services.interop import SUFFIX_FORMATS, export_annotations, import_annotations
from lepton_desktop.services.interop.eaf import media_of, other_media

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)

EXPORT_FILTERS = {
    "ELAN (*.eaf)": ("eaf", ".eaf"),
    "BORIS project (*.boris)": ("boris", ".boris"),
    "BORIS tabular events (*.tsv *.csv)": ("boris", ".tsv"),
    "Final labels CSV (*.csv)": ("csv", ".csv"),
}
"""Filter -> (format, suffix added to a name without one). For BORIS the file's suffix picks the layout."""
IMPORT_FILTER = "ELAN or BORIS files (*.eaf *.boris *.boris.gz *.tsv *.csv *.txt);;All files (*)"
_BY_SUFFIX = {".eaf": "eaf", ".boris": "boris", ".tsv": "boris", ".txt": "boris", ".csv": "csv"}


class AnnotationsMenu:
    """The two actions; each asks for a file, calls the service, and says what happened in the status bar."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        self.export_action = window._action(menu, "Export a&nnotations…", QKeySequence(), self.export)
        self.import_action = window._action(menu, "&Import annotations…", QKeySequence(), self.import_)

    def _video(self, what: str) -> Path | None:
        win = self.window
        if win.video_path is None:
            win.statusBar().showMessage(f"Open a video first: {what} belong to a video.", 6000)
        return win.video_path

    def export(self) -> None:
        """Ask where and in which form (the file type chosen), write, and say what was written."""
        win = self.window
        video = self._video("annotations")
        if video is None:
            return
        filters = ";;".join(EXPORT_FILTERS)
        path, chosen = QFileDialog.getSaveFileName(
            win,
            "Export annotations",
            str(suggested_output(win, f"{video.stem}.eaf")),
            filters,
            next(iter(EXPORT_FILTERS)),
        )
        if not path:
            return
        out = Path(path)
        fmt, suffix = EXPORT_FILTERS.get(chosen) or (_BY_SUFFIX.get(out.suffix.lower(), "eaf"), out.suffix or ".eaf")
        # a name typed as .eaf or .boris says which format, whatever the filter
        fmt = SUFFIX_FORMATS.get(out.suffix.lower(), fmt)
        if not out.suffix:
            out = out.with_name(out.name + suffix)
        try:
            summary = export_annotations(win.project, video, fmt, out)
        except LeptonError as exc:
            win._error("The annotations were not exported", str(exc))
            return
        counts = {
            "eaf": lambda s: f"{s['tiers']} tiers, {s['annotations']} annotations",
            "boris": lambda s: f"{s['events']} events in {s['observations']} observations",
            "csv": lambda s: f"{s['rows']} rows ({s['human_rows']} human, {s['model_rows']} model)",
        }[fmt](summary)
        self._done(f"Exported {counts} to {out}")

    def import_(self) -> None:
        """Ask for an ELAN or BORIS file, store its labels as corrections (all or nothing), refresh the view."""
        win = self.window
        video = self._video("corrections")
        if video is None:
            return
        path, _ = QFileDialog.getOpenFileName(win, "Import annotations", str(video.parent), IMPORT_FILTER)
        if not path:
            return
        if not self._meant_for(Path(path), video):
            return
        try:
            summary = import_annotations(win.project, video, Path(path), annotator=win.settings.annotator or None)
        except LeptonError as exc:
            win._error("Nothing was imported", str(exc))
            return
        win.corrections.reload()
        skipped = "; ".join(f"{s['what']}: {s['reason']}" for s in summary["skipped"])
        count = summary["corrections_imported"]
        text = f"Imported {count} correction{'s' if count != 1 else ''} from {Path(path).name}"
        self._done(text + (f" (left out: {skipped})" if skipped else ""))

    def _meant_for(self, path: Path, video: Path) -> bool:
        """An ELAN file linked to another video: ask before storing its labels here (an import is not undone)."""
        if path.suffix.lower() != ".eaf":
            return True
        warning = other_media(media_of(path), video)
        if warning is None:
            return True
        answer = QMessageBox.question(
            self.window,
            "Made for another video?",
            f"{warning[0].upper()}{warning[1:]}\n\nImport its labels onto {video.name} anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            self._done(f"Nothing imported from {path.name}: it was made for another video")
            return False
        return True

    def _done(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 10000)
        log.info(text)


def add_annotation_actions(window: MainWindow, file_menu: QMenu) -> AnnotationsMenu:
    """Add *Export annotations…* and *Import annotations…* to ``file_menu``; keep the returned object alive."""
    return AnnotationsMenu(window, file_menu)
