"""The window's size, position and dock layout: kept in an INI file in the user config folder.

QSettings' default store lies outside ``LEPTON_HOME`` (the registry, ``~/.config``), so a
portable install or a test would share one layout with every other; the INI file does not.
A first start (nothing saved) opens the window at a share of the screen, centred.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow

from lepton_desktop.core.paths import user_config_dir

SCREEN_SHARE = 0.88
"""How much of the screen's free area (both ways) a first start takes."""
MIN_SIZE = (960, 600)
"""Smaller than this only when the screen itself is smaller."""
LAYOUT_VERSION = 2
"""Raised when the docks change (2: the Review queue): an older saved layout is not restored, so a new
dock takes its designed place instead of wherever Qt would put a dock the layout does not know."""


def layout_path() -> Path:
    """Where the window layout is kept."""
    return user_config_dir() / "window.ini"


def _store() -> QSettings:
    return QSettings(str(layout_path()), QSettings.Format.IniFormat)


def first_geometry(available: QRect, share: float = SCREEN_SHARE) -> QRect:
    """A window ``share`` of ``available`` in each direction (at least MIN_SIZE where it fits), centred."""
    width = min(available.width(), max(int(available.width() * share), MIN_SIZE[0]))
    height = min(available.height(), max(int(available.height() * share), MIN_SIZE[1]))
    rect = QRect(0, 0, width, height)
    rect.moveCenter(available.center())
    return rect


def restore_layout(window: QMainWindow) -> bool:
    """Put the window and its docks back as they were saved; True when a dock layout was restored.

    With nothing saved the window is sized to its screen (``first_geometry``).
    """
    store = _store()
    geometry = store.value("geometry")
    state = store.value("windowState")
    if geometry is None or not window.restoreGeometry(geometry):
        screen = window.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            window.setGeometry(first_geometry(screen.availableGeometry()))
    return state is not None and window.restoreState(state, LAYOUT_VERSION)


def save_layout(window: QMainWindow) -> None:
    """Remember the window's geometry and dock layout."""
    store = _store()
    store.setValue("geometry", window.saveGeometry())
    store.setValue("windowState", window.saveState(LAYOUT_VERSION))
    store.sync()
