"""What a person at the window would see go wrong: error dialogs, tracebacks in the app's log, exceptions.

``Watch`` logs to the app's own log file (as ``lepton-desktop`` does), closes every dialog that
an action leaves open or modal (a modal one is closed by a timer from inside its own event
loop), and collects what went wrong, named after the step that did it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from lepton_desktop.logs import setup_logging

ERROR_ICONS = (QMessageBox.Icon.Warning, QMessageBox.Icon.Critical)


class Watch:
    """Collects problems in ``problems``: ``begin(name)`` before a user action, ``check()`` after it."""

    def __init__(self, window: QWidget | None = None) -> None:
        self.window = window
        self.problems: list[str] = []
        self.closed: list[str] = []  # dialogs the watch closed (title), for tests that expect one
        self.current = "start"
        self.log_path = setup_logging("desktop")
        assert self.log_path is not None
        self._log_seen = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._timer = QTimer()
        self._timer.timeout.connect(self._close_modal)
        self._timer.start(50)

    def hold(self) -> None:
        """Leave modal dialogs alone (the test answers one itself) until ``release``."""
        self._timer.stop()

    def release(self) -> None:
        """Close modal dialogs again."""
        self._timer.start(50)

    def stop(self) -> None:
        """Stop closing dialogs and detach from the root logger."""
        self._timer.stop()
        root = logging.getLogger()
        for handler in list(root.handlers):
            if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == self.log_path:
                root.removeHandler(handler)
                handler.close()

    def _close_modal(self) -> None:
        modal = QApplication.activeModalWidget()
        if modal is not None and modal is not self.window:
            self._close(modal)

    def _close(self, widget: QWidget) -> None:
        if isinstance(widget, QMessageBox) and widget.icon() in ERROR_ICONS:
            self.problems.append(f"{self.current}: error dialog {widget.windowTitle()!r}: {widget.text()}")
        self.closed.append(widget.windowTitle())
        if isinstance(widget, QDialog):
            widget.reject()
        widget.close()

    def begin(self, name: str) -> None:
        """What follows is the action ``name``: problems from now on are charged to it."""
        self.current = name

    def check(self) -> None:
        """Record error dialogs and logged problems of the current action; close the dialogs it left open."""
        name = self.current
        for widget in QApplication.topLevelWidgets():
            if widget is not self.window and isinstance(widget, QDialog) and widget.isVisible():
                self._close(widget)
        for line in self.new_log_lines():
            if "Traceback" in line or " ERROR " in line or " WARNING " in line or " CRITICAL " in line:
                self.problems.append(f"{name}: logged: {line}")

    def new_log_lines(self) -> list[str]:
        """Lines the app logged since the last look."""
        for handler in logging.getLogger().handlers:
            handler.flush()
        if self.log_path is None or not self.log_path.exists():
            return []
        with self.log_path.open(encoding="utf-8") as f:
            f.seek(self._log_seen)
            text = f.read()
            self._log_seen = f.tell()
        return text.splitlines()
