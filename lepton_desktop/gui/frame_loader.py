"""Decode display frames off the GUI thread, keeping only the newest request.

SLEAP's recipe: while a frame is being decoded, further requests overwrite one
pending slot instead of queueing, so scrubbing never builds a backlog.

With a proxy copy (``video/proxy.py``), a frame that needs a seek is first shown
from the copy (640 px, a few ms), then the exact frame replaces it; if a newer
request comes while the exact frame is decoding, that decode is abandoned, so
scrubbing shows copy frames at once and the exact frame once the user rests.
"""

from __future__ import annotations

import logging
import threading

import numpy as np
from PySide6.QtCore import QObject, Signal

from lepton_desktop.video import VideoReader
from lepton_desktop.video.proxy import ProxyReader
from lepton_desktop.video.reader import Superseded

log = logging.getLogger(__name__)


class FrameLoader(QObject):
    """Owns a :class:`VideoReader` on a worker thread; emits ``frame_ready(index, image, exact)``.

    ``exact`` is False for a preview from the proxy copy; the exact frame follows unless superseded.
    """

    frame_ready = Signal(int, object, bool)
    failed = Signal(str)

    def __init__(self, reader: VideoReader, proxy: ProxyReader | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader = reader
        self._proxy = proxy
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
        if self._proxy is not None:
            self._proxy.close()

    def _superseded(self) -> bool:
        return self._pending is not None or self._closing

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                index, self._pending = self._pending, None
            assert index is not None
            previewed = self._proxy is not None and not self._reader.is_quick(index) and self._preview(index)
            if previewed is None:
                return
            try:
                image: np.ndarray = self._reader.frame(index, stop=self._superseded if previewed else None)
            except Superseded:
                continue
            except Exception as exc:  # reported to the window, logged with traceback
                log.exception("frame %s failed", index)
                if not self._emit(self.failed, str(exc)):
                    return
                continue
            if not self._emit(self.frame_ready, index, image, True):
                return

    def _preview(self, index: int) -> bool | None:
        """Show the copy's frame if there is one: True if shown, None if the window is gone."""
        assert self._proxy is not None
        try:
            image = self._proxy.frame(index)
        except Exception:  # the copy is only a help: log it and go on without it
            log.exception("proxy frame %s failed; exact decoding only from now on", index)
            self._proxy = None
            return False
        if image is None:
            return False
        return True if self._emit(self.frame_ready, index, image, False) else None

    @staticmethod
    def _emit(signal: object, *args: object) -> bool:
        try:
            signal.emit(*args)  # type: ignore[attr-defined]
        except RuntimeError:  # the window was destroyed while we decoded: stop quietly
            return False
        return True
