"""Decode display frames off the GUI thread, keeping only the newest request.

SLEAP's recipe: while a frame is being decoded, further requests overwrite one
pending slot instead of queueing, so scrubbing never builds a backlog.
"""

from __future__ import annotations

import logging
import threading

import numpy as np
from PySide6.QtCore import QObject, Signal

from lepton_desktop.video import VideoReader

log = logging.getLogger(__name__)


class FrameLoader(QObject):
    """Owns a :class:`VideoReader` on a worker thread; emits ``frame_ready(index, image)``."""

    frame_ready = Signal(int, object)
    failed = Signal(str)

    def __init__(self, reader: VideoReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader = reader
        self._pending: int | None = None
        self._cond = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="lepton-frame-loader", daemon=True)
        self._thread.start()

    def request(self, index: int) -> None:
        """Ask for frame ``index``; replaces any request not yet started."""
        with self._cond:
            self._pending = index
            self._cond.notify()

    def close(self) -> None:
        """Stop the worker and close the reader."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout=5)
        self._reader.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                index, self._pending = self._pending, None
            assert index is not None
            try:
                image: np.ndarray = self._reader.frame(index)
            except Exception as exc:  # reported to the window, logged with traceback
                log.exception("frame %s failed", index)
                if not self._emit(self.failed, str(exc)):
                    return
                continue
            if not self._emit(self.frame_ready, index, image):
                return

    @staticmethod
    def _emit(signal: object, *args: object) -> bool:
        try:
            signal.emit(*args)  # type: ignore[attr-defined]
        except RuntimeError:  # the window was destroyed while we decoded: stop quietly
            return False
        return True
