"""The player in the main window: seeking, stepping, real-time playback, the frame on screen (a MainWindow mixin)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.timeline import format_timecode
from lepton_desktop.gui.frame_view import FaceMark

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow as _Base
else:
    _Base = object

SPEEDS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 4.0)


class PlayerMixin(_Base):
    """Frame-exact navigation and playback; frames come from the window's FrameLoader."""

    # -- navigation -------------------------------------------------------------------

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
        self.timeline.set_playhead(self.current, playing=self._timer.isActive())
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

    def _timeline_seek(self, frame: int) -> None:
        self.pause()
        self.seek(frame)

    # -- playback ---------------------------------------------------------------------

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

    def set_speed(self, speed: float) -> None:
        """Playback speed, 0.1x to 4x."""
        if self._timeline is not None and self._play_started is not None:
            self._play_started = (time.perf_counter(), self._timeline.time_of(self.current))
        self.speed = speed
        self.settings.playback_speed = speed
        if self.speed_box.currentIndex() != SPEEDS.index(speed):
            self.speed_box.setCurrentIndex(SPEEDS.index(speed))
        self.statusBar().showMessage(f"Speed {speed:g}x", 2000)

    def _nudge_speed(self, direction: int) -> None:
        i = int(np.clip(SPEEDS.index(self.speed) + direction, 0, len(SPEEDS) - 1))
        self.set_speed(SPEEDS[i])

    def _tick(self) -> None:
        # Real time wins: the frame due now is shown, frames that are late are skipped.
        if self._timeline is None or self._play_started is None:
            return
        wall0, video0 = self._play_started
        due = self._timeline.frame_at(video0 + (time.perf_counter() - wall0) * self.speed)
        if due != self.current:
            self.seek(due)
        if due >= self.frame_count - 1:
            self.pause()

    # -- display ----------------------------------------------------------------------

    def toggle_overlay(self) -> None:
        """Show or hide face boxes and labels."""
        self.view.show_overlay = not self.view.show_overlay
        self.overlay_action.setChecked(self.view.show_overlay)
        self.settings.show_overlay = self.view.show_overlay
        self.view.update()

    def _show(self, index: int, image: np.ndarray, exact: bool) -> None:
        self.view.show_frame(index, image, exact=exact)
        self._update_overlay()

    def _update_overlay(self) -> None:
        index = self.view.frame_index
        if index is None:
            return
        only = self.settings.annotator if self.mine_action.isChecked() else self.layer
        faces = []
        for n, box, probs in self.results.at(index):
            track_id = self.results.track_ids.get(n)
            human = None
            if track_id is not None and self.corrections.items:  # inside a corrected range the person's label shows
                code = int(self.corrections.labels(track_id, only)[index]) if index < self.frame_count else -1
                human = EMOTIONS[code] if code >= 0 else None
            faces.append(FaceMark(self.results.names.get(n, f"Person {n}"), box, probs, human))
        self.view.set_faces(faces)

    def _fit_position_label(self) -> None:
        """Size the frame counter once per video for its longest text: the slider never moves as numbers change."""
        if self._timeline is None:
            return
        last = self.frame_count - 1
        widest = f"frame {last} / {last}   {format_timecode(self._timeline.duration())}"
        self.position_label.setMinimumWidth(
            self.position_label.fontMetrics().horizontalAdvance(widest.replace("1", "8")) + 8
        )

    def _update_label(self) -> None:
        if self._timeline is None:
            return
        seconds = self._timeline.time_of(self.current)
        text = f"frame {self.current} / {self.frame_count - 1}   {format_timecode(seconds)}"
        self.position_label.setText(text)
        self.status_frame.setText(f"  {text}  ")
