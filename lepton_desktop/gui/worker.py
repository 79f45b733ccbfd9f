"""Run a long job (a generator) on a worker thread; Qt only wraps it.

superqt's GeneratorWorker recipe: the job is a plain generator from services/,
the thread checks a stop flag before each step, every step goes to the GUI
thread as a signal, and errors go to one sink. The worker never touches a
widget.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from lepton_desktop.core.errors import LeptonError

log = logging.getLogger(__name__)

BACKGROUND_NICENESS = 10
"""How much lower than the window the job's threads run (Linux: per-thread nice value)."""


def _yield_to_the_window() -> None:
    """Lower this thread's CPU priority (threads it starts, decoder and math pools, inherit it).

    On a busy machine the window's own work (painting, new timeline rows) then runs first,
    and the job takes the cores the window does not need. Linux only; elsewhere a no-op.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)
    except OSError as exc:  # not permitted here: the job just runs at normal priority
        log.debug("could not lower the job's priority: %s", exc)


class GeneratorWorker(QObject):
    """Owns a QThread that drains ``make(should_stop)``; emits ``step``, then ``done`` or ``failed``."""

    step = Signal(object)
    done = Signal()
    failed = Signal(str, str)  # user message, traceback

    def __init__(self, make: Callable[[Callable[[], bool]], Iterator[Any]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._make = make
        self._stop = threading.Event()
        self._thread = QThread()
        self._thread.run = self._run  # type: ignore[method-assign]
        self._thread.finished.connect(self._thread.deleteLater)

    def start(self) -> None:
        """Begin on the worker thread."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the job to stop at its next step (it then finishes normally)."""
        self._stop.set()

    def is_running(self) -> bool:
        """True until the job has ended."""
        try:
            return self._thread.isRunning()
        except RuntimeError:  # the QThread was already deleted: it finished
            return False

    def wait(self, ms: int = 5000) -> bool:
        """Block until the thread ends (for shutdown and tests)."""
        try:
            return self._thread.wait(ms)
        except RuntimeError:
            return True

    def _run(self) -> None:
        _yield_to_the_window()
        try:
            for item in self._make(self._stop.is_set):
                self.step.emit(item)
        except Exception as exc:  # one sink: the window shows the message, the log keeps the traceback
            text = traceback.format_exc()
            if isinstance(exc, LeptonError):  # a refusal said in words (folder not empty, too few frames): no bug
                log.warning("background job refused: %s", exc)
            else:
                log.error("background job failed:\n%s", text)
            self.failed.emit(str(exc) or type(exc).__name__, text)
            return
        self.done.emit()
