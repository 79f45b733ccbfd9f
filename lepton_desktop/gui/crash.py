"""An exception no code caught, in the app: logged with its traceback, told to the user in one sentence.

Without this, an error inside a menu action went to the terminal (which a user who double-clicked
the installer never sees) and the action seemed to do nothing.
"""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import user_log_dir

log = logging.getLogger(__name__)

TITLE = "That did not work"

_telling: list[object] = []
"""The message box while it is up (kept alive here); a second failure meanwhile is only logged."""


def install() -> None:
    """Route uncaught exceptions of the GUI thread (Qt slots included) through :func:`report_uncaught`."""
    sys.excepthook = report_uncaught


def message_for(error: BaseException) -> str:
    """What the user reads: our own errors as they are, anything else named, and where the details are."""
    if isinstance(error, LeptonError):
        first = str(error)
    elif isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        first = f"The computer refused a file operation: {error.strerror}{where}."
    else:
        first = f"An unexpected error stopped that action ({type(error).__name__}: {error})."
    return f"{first}\n\nWhat was saved before stays saved. The details are in the log folder: {user_log_dir()}"


def report_uncaught(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
    """Log the traceback; show the message in a window-modal box that does not block the caller."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    log.error("uncaught exception", exc_info=(kind, error, trace))
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is None or _telling:
        return
    # no parent: the window or dialog the error came from may close at once, and would take the message with it
    box = QMessageBox(QMessageBox.Icon.Critical, TITLE, message_for(error))
    box.setWindowModality(Qt.WindowModality.ApplicationModal)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.finished.connect(lambda _code: _telling.clear())
    _telling.append(box)
    box.open()
