"""Build the open video's proxy copy in the background, paused while an analysis runs.

The copy (``video/proxy.py``) lets a seek show the right frame at 640 px in a
few milliseconds while the exact full-size frame is decoded. The build is a
generator on a :class:`GeneratorWorker`; pausing stops it (finished parts are
kept) and resuming starts a new build, which skips them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from lepton_desktop.gui.worker import GeneratorWorker
from lepton_desktop.services.settings import Settings
from lepton_desktop.video import VideoReader
from lepton_desktop.video.proxy import ProxyLayout, ProxyReader, worth_a_proxy
from lepton_desktop.video.proxy_build import ProxyProgress, build_proxy

log = logging.getLogger(__name__)


def proxy_for(reader: VideoReader, settings: Settings) -> ProxyReader | None:
    """The copy to preview seeks from, if copies are on and this video is slow to seek in."""
    if not settings.proxy_media or not worth_a_proxy(reader):
        return None
    return ProxyReader(ProxyLayout.for_video(reader))


class ProxyJob(QObject):
    """One video's background build; ``status`` carries a short text for the status bar ("" when idle)."""

    status = Signal(str)
    problem = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path: Path | None = None
        self._budget: int | None = None
        self._worker: GeneratorWorker | None = None
        self._paused = False
        self.complete = False

    def start(self, path: Path, budget_bytes: int | None) -> None:
        """Build (or finish building) ``path``'s copy; replaces any other build."""
        self.stop()
        self._path, self._budget, self.complete = path, budget_bytes, False
        if not self._paused:
            self._launch()

    def pause(self) -> None:
        """Stop building for now (an analysis needs the cores); ``resume`` goes on."""
        self._paused = True
        if self._worker is not None:
            self._worker.stop()
            self.status.emit("")

    def resume(self) -> None:
        """Go on building after ``pause``."""
        self._paused = False
        if self._path is not None and not self.complete and not self.running():
            self._launch()

    def stop(self) -> None:
        """Stop and forget the current build (the video is being closed); waits briefly for it."""
        if self._worker is not None:
            self._worker.stop()
            self._worker.wait(5000)
            self._worker.deleteLater()
            self._worker = None
        self._path = None
        self.status.emit("")

    def running(self) -> bool:
        """True while a build thread is alive."""
        return self._worker is not None and self._worker.is_running()

    def _launch(self) -> None:
        path, budget = self._path, self._budget
        assert path is not None
        if self._worker is not None:  # a paused build still finishing its last frame
            self._worker.wait(5000)
            self._worker.deleteLater()

        def job(should_stop):  # type: ignore[no-untyped-def]
            return build_proxy(path, budget_bytes=budget, should_stop=should_stop)

        worker = GeneratorWorker(job, self)
        # steps of an earlier build still queued when it was replaced are ignored
        worker.step.connect(lambda progress: self._step(progress) if worker is self._worker else None)
        worker.failed.connect(lambda message, trace: self._failed(message, trace) if worker is self._worker else None)
        self._worker = worker
        worker.start()

    def _step(self, progress: ProxyProgress) -> None:
        if progress.state == "done":
            self.complete = True
            self.status.emit("")
        elif progress.state == "building" and progress.done < progress.total:
            self.status.emit(f"  preparing fast seeking {progress.done / max(progress.total, 1):.0%}  ")
        else:
            self.status.emit("")

    def _failed(self, message: str, _trace: str) -> None:
        self.status.emit("")
        self.problem.emit(message)
