"""The main window as tests use it: shown on screen in a project, and its menu actions found by their path."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction

from lepton_desktop.gui.main_window import MainWindow
from lepton_desktop.services.settings import Settings


def shown_window(qtbot, project: str | Path | None, annotator: str = "ana", *, exposed: bool = True) -> MainWindow:
    """A 1200x800 main window working in ``project``, shown (and exposed, unless told not to wait).

    ``project`` None: no project chosen, so the window works in the per-user default, as on a first start.
    """
    win = MainWindow(Settings(project=str(project) if project is not None else None, annotator=annotator))
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    if exposed:
        qtbot.waitExposed(win)
    return win


def _plain(text: str) -> str:
    return text.replace("&", "").rstrip("…")


def menu_action(win: MainWindow, *path: str) -> QAction:
    """The action at e.g. ``"File", "Export", "Results as CSV"`` (mnemonics and a trailing … ignored)."""
    wanted = [_plain(p) for p in path]
    menu = next((a.menu() for a in win.menuBar().actions() if _plain(a.text()) == wanted[0]), None)
    for i, name in enumerate(wanted[1:], start=1):
        action = next((a for a in menu.actions() if _plain(a.text()) == name), None) if menu is not None else None
        if action is None:
            break
        if i == len(wanted) - 1:
            return action
        menu = action.menu()
    raise AssertionError(f"no menu action {' > '.join(path)}")
