"""*Playback > Go to frame or time…* (Ctrl+G): type ``125``, ``12.5s`` or ``1:02.5`` and the player goes there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu

from lepton_desktop.core.positions import read_position
from lepton_desktop.core.timeline import format_timecode

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow

KEY = "Ctrl+G"


def go_to(win: MainWindow, text: str) -> str:
    """Go where ``text`` says; return what the status bar says (where it went, or why it did not move)."""
    timeline = win._timeline
    if timeline is None or win.frame_count == 0:
        return "Open a video first (Ctrl+O); then Ctrl+G goes to a frame or a time in it."
    try:
        position = read_position(text)
    except ValueError as exc:
        return f"Not moved: {exc}."
    last = win.frame_count - 1
    duration = timeline.time_of(last)
    if position.frame is not None:
        if position.frame > last:
            return f"Not moved: this video's frames are 0 to {last}."
        frame = position.frame
    else:
        assert position.seconds is not None
        if position.seconds > duration + timeline.frame_duration():  # the CLI's rule (services.frames.frames_at)
            return f"Not moved: {position.seconds:g} s is past the video's last frame ({format_timecode(duration)})."
        frame = timeline.frame_at(position.seconds)
    win.pause()
    win.seek(frame)
    return f"Went to frame {frame} ({format_timecode(timeline.time_of(frame))})."


def ask_and_go(win: MainWindow) -> None:
    """Ask where to go (frame number or time) and go there; the status bar says the outcome."""
    if win._timeline is None:
        win.statusBar().showMessage(go_to(win, ""), 5000)
        return
    text, ok = QInputDialog.getText(
        win, "Go to", "Frame number, or time (12.5s, 1:02.5):", QLineEdit.EchoMode.Normal, str(win.current)
    )
    if ok and text.strip():
        win.statusBar().showMessage(go_to(win, text), 5000)


def add_go_to_action(win: MainWindow, menu: QMenu) -> None:
    """The menu item and its shortcut."""
    win._action(menu, "&Go to frame or time…", QKeySequence(KEY), lambda: ask_and_go(win))
