"""The Help menu: a searchable list of every keyboard shortcut, and About (versions, model cards, licences)."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from lepton_desktop.core.libraries import LIBRARIES
from lepton_desktop.core.paths import bundled_dir


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(menu path, action, keys) of every menu action that has a key, in menu order."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                sub = action.menu()
                walk(sub, f"{path} › {sub.title().replace('&', '')}")  # type: ignore[union-attr]
            elif not action.isSeparator():
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
                if keys:
                    rows.append((path, action.text().replace("&", "").rstrip("…"), keys))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), top.menu().title().replace("&", ""))  # type: ignore[union-attr]
    return rows


class ShortcutsDialog(QDialog):
    """Every keyboard shortcut of the window; typing filters by action, key or menu."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(620, 560)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search actions and keys (e.g. label, Ctrl, undo)")
        self.search.setClearButtonEnabled(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Action", "Keys", "Menu"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # filtering never shifts columns
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for menu, text, keys in shortcut_rows(window):
            row = self.table.rowCount()
            self.table.insertRow(row)
            for col, value in enumerate((text, keys, menu)):
                self.table.setItem(row, col, QTableWidgetItem(value))
        for col in (1, 2):  # sized once, to every row: filtering does not make the columns jump
            self.table.resizeColumnToContents(col)
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.search.textChanged.connect(self.filter)
        self.search.setFocus()

    def filter(self, text: str) -> None:
        """Show the rows whose action, keys or menu contain every word typed."""
        words = text.lower().split()
        for row in range(self.table.rowCount()):
            line = " ".join(self.table.item(row, c).text().lower() for c in range(3))
            self.table.setRowHidden(row, not all(w in line for w in words))

    def visible_actions(self) -> list[str]:
        return [self.table.item(r, 0).text() for r in range(self.table.rowCount()) if not self.table.isRowHidden(r)]


OWN_LICENCE = "see the library's own licence"


def _version(module: str, dist: str) -> tuple[str, str]:
    """A library's version and licence from its installed metadata (nothing is imported for it)."""
    try:
        meta = metadata.metadata(dist)
        version = meta.get("Version") or "unknown"
    except metadata.PackageNotFoundError:  # not installed (an optional part), or an installer without metadata
        import importlib.util

        loaded = sys.modules.get(module)
        if loaded is None:  # never imported for this: torch alone would hold the window for seconds
            return ("not installed", "–") if importlib.util.find_spec(module) is None else ("bundled", OWN_LICENCE)
        return str(getattr(loaded, "__version__", "unknown")), OWN_LICENCE
    classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    licence = meta.get("License-Expression") or (classifiers[0] if classifiers else "") or meta.get("License") or ""
    return version, licence.splitlines()[0] if licence else OWN_LICENCE


def about_text(device_setting: str = "auto") -> str:
    """Markdown: what is running (versions, device) and the licences of what it is made of."""
    from lepton_desktop import __version__
    from lepton_desktop.services.engine import device_label
    from lepton_desktop.vision.device import DeviceError

    try:
        device = device_label(device_setting)
    except DeviceError as exc:
        device = f"unavailable ({exc})"
    lines = [
        f"# Lepton Desktop {__version__}",
        "",
        "Video labelling and facial-emotion analysis. Licence: MIT.",
        "",
        f"- Python {platform.python_version()} on {platform.system()} {platform.machine()}",
        f"- Analysis device: {device}",
        "",
        "## Libraries",
        "",
        "| Library | Version | Licence |",
        "|---|---|---|",
    ]
    for module, dist in LIBRARIES:
        version, licence = _version(module, dist)
        lines.append(f"| {dist} | {version} | {licence} |")
    lines += [
        "",
        "The models, their training data and their licences are on the *Models* tab: each shipped",
        "weights file has its card in the installation's `models` folder.",
    ]
    return "\n".join(lines)


def model_cards() -> list[tuple[str, str]]:
    """(title, markdown) of each model card shipped in ``models/``, the README first."""
    folder = bundled_dir("models")
    paths = sorted(folder.glob("*.md"), key=lambda p: (p.name != "README.md", p.name))
    cards = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        title = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), path.stem)
        title = title.removeprefix("Model card:").replace("`", "").replace(".safetensors", "").strip()
        cards.append((title if path.name != "README.md" else "Overview", text))
    return cards


class AboutDialog(QDialog):
    """Versions, the model cards and the licences, in tabs."""

    def __init__(self, parent: QWidget, device_setting: str = "auto") -> None:
        super().__init__(parent)
        self.setWindowTitle("About Lepton Desktop")
        self.resize(760, 620)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._page(about_text(device_setting)), "Lepton Desktop")
        models = QTabWidget()
        models.setDocumentMode(True)
        try:
            for title, text in model_cards():
                models.addTab(self._page(text), title[:32])
        except FileNotFoundError as exc:
            models.addTab(self._page(str(exc)), "Missing")
        self.tabs.addTab(models, "Models")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

    @staticmethod
    def _page(markdown: str) -> QTextBrowser:
        page = QTextBrowser()
        page.setOpenExternalLinks(True)
        page.setMarkdown(markdown)
        return page


class HelpMenu:
    """Builds *Help* on a main window; keeps the dialogs it opens (one of each)."""

    def __init__(self, window: QMainWindow, menu: QMenu, add_action) -> None:  # type: ignore[no-untyped-def]
        self.window = window
        self.shortcuts: ShortcutsDialog | None = None
        self.about: AboutDialog | None = None
        keys = add_action(menu, "&Keyboard shortcuts…", QKeySequence(Qt.Key.Key_F1), self.show_shortcuts)
        keys.setShortcuts([QKeySequence(Qt.Key.Key_F1), QKeySequence("?")])
        menu.addSeparator()
        self.about_action: QAction = add_action(menu, "&About Lepton Desktop…", QKeySequence(), self.show_about)

    def show_shortcuts(self) -> None:
        if self.shortcuts is None:  # built on first use: every action exists by then
            self.shortcuts = ShortcutsDialog(self.window)
        self.shortcuts.search.clear()
        self.shortcuts.show()
        self.shortcuts.raise_()
        self.shortcuts.activateWindow()
        self.shortcuts.search.setFocus()

    def show_about(self) -> None:
        if self.about is None:
            self.about = AboutDialog(self.window, self.window.settings.device)
        self.about.show()
        self.about.raise_()
        self.about.activateWindow()
