"""The live view: the picture with its face boxes, per-person timelines that scroll with time, speed and latency.

The session (:class:`~lepton_desktop.services.live.LiveSession`) runs on a :class:`GeneratorWorker`;
its steps bring the rows and the counts, and a 30 Hz timer shows the newest picture whose results are
final (so a box is drawn on the very frame it was found in). Stop (or closing the window) ends the
session, which finishes the recording and stores it with its results; the main window then opens
the recording as any video.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from lepton_desktop.core.words import people
from lepton_desktop.gui.frame_view import FaceMark, FrameView
from lepton_desktop.gui.live_results import LiveResults
from lepton_desktop.gui.timeline import TimelineWidget
from lepton_desktop.gui.worker import GeneratorWorker
from lepton_desktop.services.live import LiveSession, LiveStep

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)

WINDOW_S = 20.0
"""How much of the past the timelines show while live."""
PICTURE_MS = 33


class LiveWindow(QWidget):
    """One live session on screen; ``ended(summary)`` when the recording is stored (an empty dict if it failed)."""

    ended = Signal(object)

    def __init__(self, main: MainWindow, session: LiveSession) -> None:
        super().__init__(main, Qt.WindowType.Window)
        self.main = main
        self.session = session
        self.summary: dict[str, Any] | None = None
        self.last: LiveStep | None = None
        self.setWindowTitle(f"Live: {session.spec.label} — Lepton Desktop")
        screen = main.screen().availableGeometry()  # the whole window on screen, on a 1366x768 one too
        self.resize(min(980, screen.width() - 40), min(760, screen.height() - 110))
        self.view = FrameView()
        self.results = LiveResults(self)
        self.timeline = TimelineWidget(self.results)
        self.timeline.set_empty_text("Each person appears here as soon as their face is found.")
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setWidget(self.timeline)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stats = QLabel("Loading the models…")
        self.stats.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice = QLabel("")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #e0a050;")
        self.notice.setVisible(False)  # shown when the source has something to say (a stall, a reconnection)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Finish the recording and open it with its results")
        self.stop_button.clicked.connect(self.stop)
        bar = QHBoxLayout()
        bar.addWidget(self.stats, 1)
        bar.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.view, 5)
        layout.addLayout(bar)
        layout.addWidget(self.notice)
        layout.addWidget(scroller, 4)
        self.worker = GeneratorWorker(session.run, self)
        self.worker.step.connect(self._step)
        self.worker.failed.connect(self._failed)
        self.worker.done.connect(self._done)
        self._timer = QTimer(self)
        self._timer.setInterval(PICTURE_MS)
        self._timer.timeout.connect(self._show_picture)
        self._shown = -1
        self.open_when_done = True
        """Open the recording in the main window when the session has ended (not while the window closes)."""

    # -- running ------------------------------------------------------------------------

    def start(self) -> None:
        """Connect, load the models and go (in the background)."""
        self.stats.setText(f"Opening {self.session.spec.label}…")
        self.worker.start()
        self._timer.start()

    def stop(self) -> None:
        """Stop: the recording is finished and stored with its results, then opened."""
        if not self.worker.is_running():
            return
        self.worker.stop()
        self.stop_button.setEnabled(False)
        self.stop_button.setText("Stopping…")
        self.notice.setText("Finishing the recording and storing the results…")
        self.notice.setVisible(True)

    def is_running(self) -> bool:
        """True until the session has ended."""
        return self.worker.is_running()

    def _step(self, step: LiveStep) -> None:
        self.last = step
        if step.state == "connecting":
            self.stats.setText(f"Opening {self.session.spec.label}, then loading the models…")
            return
        self.results.add_rows(step.rows)
        self._follow()
        if step.notices:
            self.notice.setText(step.notices[-1])
            self.notice.setVisible(True)
            for text in step.notices:
                log.info("live: %s", text)
        self.stats.setText(stats_text(step))
        if step.finished:
            self.summary = step.summary

    def _follow(self) -> None:
        """Keep the newest results in view: the last ``WINDOW_S`` seconds, scrolling with time."""
        if not self.timeline.rows or self.results.newest < 0:
            return
        fps = self.session.capture.fps if self.session.capture is not None else 25.0
        span = WINDOW_S * fps
        plot = next(iter(self.timeline.rows.values())).plot
        plot.setLimits(xMin=0, xMax=self.results.frame_count)
        newest = self.results.newest
        plot.setXRange(max(0.0, newest - span), max(span, newest + 0.05 * span), padding=0)
        self.timeline.set_playhead(newest)

    def _show_picture(self) -> None:
        picture = self.session.picture()
        if picture is None or picture.index == self._shown:
            return
        self._shown = picture.index
        height, width = picture.rgb.shape[:2]
        self.view.video_size = (width, height)
        self.view.show_frame(picture.index, picture.rgb)
        faces = []
        rows = picture.rows
        if rows is not None:
            for k in range(len(rows)):
                number = int(rows.tracks[k])
                faces.append(FaceMark(self.results.names.get(number, f"Person {number}"), rows.boxes[k], rows.probs[k]))
        self.view.set_faces(faces)

    # -- the end ------------------------------------------------------------------------

    def _done(self) -> None:
        self._timer.stop()
        summary = self.summary or {}
        self.ended.emit(summary)
        if self.open_when_done:
            self._open_recording(summary)
        self.close()

    def _open_recording(self, summary: dict[str, Any]) -> None:
        recording = summary.get("recording")
        if recording is None:
            self.main._error("Nothing was recorded", str(summary.get("end", "No frame arrived from the source.")))
            return
        problem = summary.get("problem")
        if problem:
            self.main.statusBar().showMessage(problem, 30000)
        if self.main.open_video(Path(recording)):
            self.main.statusBar().showMessage(
                f"Live session recorded into {recording}: {summary.get('frames')} frames, "
                f"{summary.get('analysed_share', 0):.0%} analysed live. Analyse (Ctrl+R) for every frame.",
                30000,
            )

    def _failed(self, message: str, _trace: str) -> None:
        self._timer.stop()
        self.ended.emit({})
        self.main._error("The live session stopped", message)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.worker.is_running():  # closing is Stop: the window goes once the recording is stored
            self.stop()
            event.ignore()
            return
        super().closeEvent(event)


def stats_text(step: LiveStep) -> str:
    """``Analysed 24.8 of 25.0 frames/s · latency 120 ms (p95 180 ms) · 2 people · 1234 received, ...``."""
    latency = "latency —" if step.latency_p50_ms is None else (
        f"latency {step.latency_p50_ms:.0f} ms (p95 {step.latency_p95_ms:.0f} ms)"
    )  # fmt: skip
    who = people(step.people)
    return (
        f"Analysed {step.analysed_fps:.1f} of {step.received_fps:.1f} frames/s · {latency} · {who} · "
        f"{step.received} received, {step.recorded} recorded, {step.dropped} not analysed"
    )
