"""File > Open camera or stream: the dialog, then the live view; one live session at a time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.gui.live_dialog import LiveSourceDialog
from lepton_desktop.gui.live_view import LiveWindow
from lepton_desktop.services.live import LiveSession
from lepton_desktop.video.live_source import list_cameras

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow


class LiveAction(QObject):
    """The menu action, its dialog, and the running live window."""

    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        self.dialog: LiveSourceDialog | None = None
        self.live: LiveWindow | None = None
        self.action = window._action(menu, "Open camera or &stream…", QKeySequence("Ctrl+Shift+L"), self.ask)
        window.installEventFilter(self)  # closing the window stops a live session first (keeping it)

    def ask(self) -> None:
        """Show the dialog (or the running live view: one session at a time)."""
        if self.live is not None and self.live.is_running():
            self.live.raise_()
            self.live.activateWindow()
            return
        self.dialog = LiveSourceDialog(self.window, list_cameras())
        self.dialog.accepted.connect(self._chosen)
        self.dialog.show()

    def _chosen(self) -> None:
        assert self.dialog is not None
        text, realtime = self.dialog.source()
        self.start(text, realtime=realtime)

    def start(self, source: str, *, realtime: bool = False) -> LiveWindow | None:
        """Start a live session on ``source`` into the project in use; None (and a message) when it cannot be."""
        win = self.window
        try:
            session = LiveSession(source, project=win.project, realtime=realtime, device=win.settings.device)
        except LeptonError as exc:
            win._error("This source cannot be opened", str(exc))
            return None
        self.live = LiveWindow(win, session)
        self.live.show()
        self.live.start()
        return self.live

    def stop(self) -> None:
        """Stop a running session and wait until it is stored (the main window closes)."""
        if self.live is not None and self.live.is_running():
            self.live.open_when_done = False
            self.live.stop()
            self.live.worker.wait(30_000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.stop()
        return False


def add_live_action(window: MainWindow, file_menu: QMenu) -> LiveAction:
    """Add *Open camera or stream…* to ``file_menu`` (once per window)."""
    existing = getattr(window, "live_action", None)
    if isinstance(existing, LiveAction):
        return existing
    live = LiveAction(window, file_menu)
    window.live_action = live
    return live
