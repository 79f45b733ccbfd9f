"""A long job behind a menu action: one at a time, on a GeneratorWorker, with a progress dialog and Cancel.

Subclasses build the dialog and the generator, and say what a step shows and what the end means
(:meth:`_step`, :meth:`_done`); closing the window or quitting stops a running job first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QProgressDialog

from lepton_desktop.gui.worker import GeneratorWorker

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow


class DialogJob(QObject):
    """The running job, its dialog and its newest step."""

    failed_title = "The job did not finish"
    stopping_text = "Stopping…"
    stop_wait_ms = 10_000

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.worker: GeneratorWorker | None = None
        self.dialog: QProgressDialog | None = None
        self.last: Any = None
        """The newest step of the newest job."""
        window.installEventFilter(self)  # closing the window stops a running job first
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    def is_running(self) -> bool:
        """True while a job runs."""
        return self.worker is not None and self.worker.is_running()

    def _run(self, dialog: QProgressDialog, job: Callable[[Callable[[], bool]], Iterator[Any]]) -> None:
        """Show ``dialog`` and run ``job(should_stop)`` in the background."""
        self.last = None
        dialog.canceled.connect(self.stop_soon)
        self.dialog = dialog
        worker = GeneratorWorker(job, self)
        worker.step.connect(self._remember)
        worker.failed.connect(self._failed)
        worker.done.connect(self._finished)
        self.worker = worker
        dialog.show()
        worker.start()

    def _remember(self, step: Any) -> None:
        self.last = step
        if self.dialog is not None:
            self._step(step)

    def _step(self, step: Any) -> None:
        """Show ``step`` in the dialog (through :meth:`_show`)."""

    def _show(self, done: int, text: str, total: int | None = None) -> None:
        """Progress in the dialog.

        The value goes last: setting it lets Qt handle events, and the job's end, handled there,
        closes the dialog.
        """
        dialog = self.dialog
        if dialog is None:
            return
        dialog.setLabelText(text)
        if total is not None:
            dialog.setMaximum(total)
        dialog.setValue(done)

    def _done(self) -> None:
        """The job ended (finished or cancelled): say what became of it."""

    def _finished(self) -> None:
        self._close_dialog()
        self._done()

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.canceled.disconnect(self.stop_soon)
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def _failed(self, message: str, _trace: str) -> None:
        self._close_dialog()
        self.window._error(self.failed_title, message)

    def stop_soon(self) -> None:
        """Cancel: the job stops at its next step."""
        if self.is_running() and self.worker is not None:
            self.worker.stop()
            if self.dialog is not None:
                self.dialog.setLabelText(self.stopping_text)

    def stop(self) -> None:
        """Stop a running job and wait for it (the window closes, the app quits)."""
        if self.is_running() and self.worker is not None:
            self.worker.stop()
            self.worker.wait(self.stop_wait_ms)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.stop()
        return False
