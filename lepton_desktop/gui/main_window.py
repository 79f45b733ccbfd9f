"""The main window: open a video, play it, step through it frame by frame."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.timeline import format_timecode
from lepton_desktop.gui.frame_loader import FrameLoader
from lepton_desktop.gui.frame_view import FrameView
from lepton_desktop.video import VideoReader

log = logging.getLogger(__name__)

VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.avi *.webm *.m4v);;All files (*)"


class MainWindow(QMainWindow):
    """A video player that is exact to the frame."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Lepton Desktop")
        self.setAcceptDrops(True)
        self.reader_info = None
        self.last_error: QMessageBox | None = None
        self._loader: FrameLoader | None = None
        self._timeline = None
        self.current = 0
        self._play_started: tuple[float, float] | None = None  # (wall clock, video time)

        self.view = FrameView()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._slider_moved)
        self.play_button = QToolButton()
        self.play_button.setText("Play")
        self.play_button.clicked.connect(self.toggle_play)
        # Arrow keys, Space, Home and End belong to the player, whatever was clicked last.
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.position_label = QLabel("no video")
        bar = QHBoxLayout()
        bar.addWidget(self.play_button)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.position_label)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Open a video with File > Open (Ctrl+O) or drop one here.")

        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._build_menu()

    # -- menus and keys -----------------------------------------------------------

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open video…", QKeySequence.StandardKey.Open, self.open_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        play = self.menuBar().addMenu("&Playback")
        self._action(play, "Play / pause", QKeySequence(Qt.Key.Key_Space), self.toggle_play)
        for text, key, delta in (
            ("Next frame", "Right", 1),
            ("Previous frame", "Left", -1),
            ("Forward 10 frames", "Shift+Right", 10),
            ("Back 10 frames", "Shift+Left", -10),
        ):
            self._action(play, text, QKeySequence(key), lambda _checked=False, d=delta: self.step(d))
        self._action(play, "Forward 1 second", QKeySequence("Ctrl+Right"), lambda: self.step_seconds(1.0))
        self._action(play, "Back 1 second", QKeySequence("Ctrl+Left"), lambda: self.step_seconds(-1.0))
        self._action(play, "First frame", QKeySequence("Home"), lambda: self.seek(0))
        self._action(play, "Last frame", QKeySequence("End"), lambda: self.seek(10**12))

    def _action(self, menu, text, shortcut, slot) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    # -- opening ------------------------------------------------------------------

    def open_dialog(self) -> None:
        """Ask for a video file and open it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open video", "", VIDEO_FILTER)
        if path:
            self.open_video(Path(path))

    def open_video(self, path: Path) -> bool:
        """Open ``path``; on failure show why and keep the current video."""
        try:
            reader = VideoReader(path)
        except LeptonError as exc:
            self._error("This video cannot be opened", str(exc))
            return False
        except Exception as exc:
            log.exception("opening %s failed", path)
            self._error("This video cannot be opened", f"Unexpected problem: {exc}. Details are in the log file.")
            return False
        self._close_video()
        self.reader_info = reader.info
        self._timeline = reader.timeline
        self._loader = FrameLoader(reader, self)
        self._loader.frame_ready.connect(self._show)
        self._loader.failed.connect(lambda msg: self.statusBar().showMessage(msg, 10000))
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, reader.frame_count - 1))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(True)
        self.setWindowTitle(f"{path.name} — Lepton Desktop")
        if reader.info.problem:
            self.statusBar().showMessage(reader.info.problem, 15000)
        self.current = 0
        self._loader.request(0)
        return True

    def _close_video(self) -> None:
        self.pause()
        if self._loader is not None:
            self._loader.close()
            self._loader = None

    def _error(self, title: str, text: str) -> None:
        log.warning("%s: %s", title, text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal but non-blocking: the event loop keeps running
        self.last_error = box

    # -- navigation ----------------------------------------------------------------

    @property
    def frame_count(self) -> int:
        """Frames in the open video (0 with none)."""
        return 0 if self._timeline is None else self._timeline.frame_count

    def seek(self, index: int) -> None:
        """Show frame ``index`` (clamped)."""
        if self._loader is None:
            return
        self.current = int(np.clip(index, 0, self.frame_count - 1))
        self.slider.blockSignals(True)
        self.slider.setValue(self.current)
        self.slider.blockSignals(False)
        self._update_label()
        self._loader.request(self.current)

    def step(self, delta: int) -> None:
        """Move by ``delta`` frames."""
        self.pause()
        self.seek(self.current + delta)

    def step_seconds(self, seconds: float) -> None:
        """Move by ``seconds`` of video time (exact on variable-rate files)."""
        if self._timeline is None:
            return
        self.pause()
        self.seek(self._timeline.frame_at(self._timeline.time_of(self.current) + seconds + 1e-9))

    def _slider_moved(self, value: int) -> None:
        self.pause()
        self.seek(value)

    # -- playback ------------------------------------------------------------------

    def toggle_play(self) -> None:
        """Play or pause."""
        if self._timer.isActive():
            self.pause()
        elif self._timeline is not None:
            if self.current >= self.frame_count - 1:
                self.seek(0)
            self._play_started = (time.perf_counter(), self._timeline.time_of(self.current))
            self._timer.start(10)
            self.play_button.setText("Pause")

    def pause(self) -> None:
        """Stop playback where it is."""
        self._timer.stop()
        self._play_started = None
        self.play_button.setText("Play")

    def _tick(self) -> None:
        # Real time wins: the frame due now is shown, late frames are skipped.
        if self._timeline is None or self._play_started is None:
            return
        wall0, video0 = self._play_started
        due = self._timeline.frame_at(video0 + time.perf_counter() - wall0)
        if due != self.current:
            self.seek(due)
        if due >= self.frame_count - 1:
            self.pause()

    # -- display -------------------------------------------------------------------

    def _show(self, index: int, image: np.ndarray) -> None:
        self.view.show_frame(index, image)

    def _update_label(self) -> None:
        if self._timeline is None:
            return
        seconds = self._timeline.time_of(self.current)
        text = f"frame {self.current} / {self.frame_count - 1}   {format_timecode(seconds)}"
        self.position_label.setText(text)

    # -- drag and drop, closing -------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_video(Path(urls[0]))

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._close_video()
        super().closeEvent(event)
