"""Analysis > Analyse all videos in project: the batch service on local Ray workers, in the background.

:func:`lepton_desktop.services.batch.analyze_batch` (a generator) runs on a :class:`GeneratorWorker`;
a progress dialog shows videos done, frames/s and time left, Cancel stops the running videos and
keeps the finished ones. Videos analysed before with the same settings and model are skipped.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QProgressDialog

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.gui.dialog_job import DialogJob
from lepton_desktop.gui.project_binding import load_stored
from lepton_desktop.services.batch import analyze_batch
from lepton_desktop.services.batch_inputs import project_videos
from lepton_desktop.vision.analyzer import AnalysisSettings

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)


class BatchAnalysis(DialogJob):
    """The menu action, the running batch (one at a time) and its progress dialog.

    ``last`` is the newest step; its ``outcomes`` say what became of each video.
    """

    failed_title = "The videos were not analysed"
    stopping_text = "Stopping: finished videos are kept…"
    stop_wait_ms = 20_000

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.action = window._action(
            menu, "Analyse a&ll videos in project", QKeySequence("Ctrl+Shift+R"), self.start
        )  # fmt: skip
        if importlib.util.find_spec("ray") is None:  # the installers leave Ray out (it is ~250 MB)
            self.action.setEnabled(False)
            self.action.setToolTip("Needs Ray: pip install 'lepton-desktop[cluster]' (not part of the installers)")
            self.action.setStatusTip(self.action.toolTip())

    def start(self) -> None:
        """Analyse every video of the project whose file is found, on local Ray workers."""
        win = self.window
        if self.is_running():
            win.statusBar().showMessage("The videos of the project are being analysed already.", 6000)
            return
        try:
            win.ensure_default_project()  # a first start: nothing to analyse yet, said below
            videos, missing = project_videos(win.project)
        except LeptonError as exc:
            win._error("The project cannot be read", str(exc))
            return
        if missing:
            log.info("batch: %d videos of the project are missing: %s", len(missing), missing)
        if not videos:
            note = f" ({len(missing)} are missing from where they were)" if missing else ""
            win.statusBar().showMessage(
                f"The project has no video files to analyse{note}; a video joins it when analysed (Ctrl+R).", 10000
            )
            return
        project = win.project
        settings = AnalysisSettings(stride=win.settings.stride, actions=win.settings.actions)
        device = win.settings.device
        dialog = QProgressDialog("Starting the workers (Ray)…", "Cancel", 0, len(videos), win)
        dialog.setWindowTitle(f"Analyse all videos: {len(videos)} in the project")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumDuration(0)
        dialog.setMinimumWidth(460)
        self._run(
            dialog,
            lambda stop: analyze_batch(videos, project=project, settings=settings, device=device, should_stop=stop),
        )

    def _step(self, step: Any) -> None:
        left = "" if step.seconds_left is None else f", about {step.seconds_left:.0f} s left"
        self._show(
            step.videos_done,
            f"{step.videos_done} of {step.videos_total} videos, {len(step.running)} running\n"
            f"{step.frames_done} frames, {step.fps:.1f} frames/s{left}",
        )

    def _done(self) -> None:
        last = self.last
        if last is None:
            return
        counts: dict[str, int] = {}
        for o in last.outcomes:
            counts[o.outcome] = counts.get(o.outcome, 0) + 1
        text = ", ".join(f"{n} {k}" for k, n in counts.items())
        verb = "stopped" if last.state == "cancelled" else "finished"
        self.window.statusBar().showMessage(f"Analysis of all videos {verb}: {text}", 15000)
        log.info("batch %s: %s", verb, text)
        failed = [o for o in last.outcomes if o.outcome == "failed"]
        if failed:
            lines = "\n".join(f"{o.video}: {o.reason}" for o in failed[:20])
            more = f"\n… and {len(failed) - 20} more" if len(failed) > 20 else ""
            QMessageBox.warning(self.window, "Some videos were not analysed", lines + more)
        self._show_open_video(last.outcomes)

    def _show_open_video(self, outcomes: list[Any]) -> None:
        """The open video was analysed by the batch: show its new results (unless it is being analysed itself)."""
        win = self.window
        if win.video_path is None or (win._worker is not None and win._worker.is_running()):
            return
        analysed = {o.video for o in outcomes if o.outcome == "done"}
        if str(Path(win.video_path).resolve()) in analysed:
            load_stored(win)
            win._attach_corrections()  # the corrections follow the new run's people
            win.review.refresh_soon()


def add_batch_action(window: MainWindow, analysis_menu: QMenu) -> BatchAnalysis:
    """Add *Analyse all videos in project* to ``analysis_menu`` (once per window)."""
    existing = getattr(window, "batch_analysis", None)
    if isinstance(existing, BatchAnalysis):
        return existing
    batch = BatchAnalysis(window, analysis_menu)
    window.batch_analysis = batch  # type: ignore[attr-defined]
    return batch
