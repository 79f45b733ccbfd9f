"""Every menu and toolbar action, and every shortcut as a key press, on an analysed video: nothing goes wrong.

A person uses the window through its menus, its toolbar and its keys; this walks all of them
(menus recursively, so new actions are covered without touching this file). It fails on any
error dialog, any warning or traceback in the app's log, any exception raised in a slot, an
analysis that does not finish, and a shortcut that does not reach its action (an ambiguous
key, or a key a focused widget swallows). Dialogs that actions open are closed: file dialogs
answer "cancelled", modal prompts are closed from their own event loop.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QToolBar, QToolButton

from lepton_desktop.gui.main_window import MainWindow
from lepton_desktop.gui.window_state import layout_path
from tests.faces import two_people_clip
from tests.gui.watch import Watch
from tests.gui.windows import shown_window

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("actions") / "two.mp4"
    two_people_clip(path, 40)
    return path


@pytest.fixture
def asked(monkeypatch):
    """File dialogs answer as if the person pressed Cancel; what was asked is recorded."""
    asked: list[str] = []

    def cancelled(kind, answer):
        def ask(*args, **kwargs):
            asked.append(kind)
            return answer

        return ask

    monkeypatch.setattr(QFileDialog, "getOpenFileName", cancelled("open", ("", "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", cancelled("save", ("", "")))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", cancelled("folder", ""))
    return asked


@pytest.fixture
def window(qtbot, tmp_path, clip):
    win = shown_window(qtbot, tmp_path / "actions.lepton")
    assert win.open_video(clip)
    win.start_analysis()
    _settle(qtbot, win)
    assert win.results.people() == [1, 2], win.analysis.status.text()
    for annotator, label in (("bo", "sad"), ("ana", "happy")):  # two annotators: agreement has something to show
        win.settings.annotator = annotator
        win.timeline.select(1, 0, 20)
        win.label_selection(label)
    yield win
    win.close()


def _settle(qtbot, win, timeout=120_000):
    qtbot.wait(20)
    if win._worker is not None and win._worker.is_running():
        qtbot.waitUntil(lambda: not win._worker.is_running(), timeout=timeout)
    qtbot.wait(30)  # the last queued steps of a job, deferred timeline work
    win.pause()


def _actions(win: MainWindow) -> list[QAction]:
    """Every action of the menu bar (submenus too, filled as when they open) and of the toolbars."""
    found: list[QAction] = []

    def walk(menu: QMenu) -> None:
        menu.aboutToShow.emit()  # e.g. Open recent fills itself when it opens
        for action in menu.actions():
            if action.isSeparator():
                continue
            if action.menu() is not None:
                walk(action.menu())
            elif action not in found:
                found.append(action)

    for top in win.menuBar().actions():
        walk(top.menu())
    for bar in win.findChildren(QToolBar):
        found.extend(a for a in bar.actions() if a not in found and not a.isSeparator())
    return found


def _start_then_cancel(win: MainWindow) -> None:
    win.analyse_action.trigger()
    assert win.cancel_action.isEnabled()
    win.cancel_action.trigger()


def _name(action: QAction) -> str:
    return action.text().replace("&", "")


class _Walk:
    def __init__(self, qtbot, win: MainWindow, watch: Watch) -> None:
        self.qtbot, self.win, self.watch = qtbot, win, watch
        self.fired: dict[int, int] = {}  # id(action) -> times triggered (Undo's text changes)

    def count(self, action: QAction) -> None:
        key = id(action)
        action.triggered.connect(lambda *_: self.fired.__setitem__(key, self.fired.get(key, 0) + 1))

    def do(self, name: str, act: Callable[[], None]) -> None:
        win = self.win
        if win.timeline.selection is None and win.results.people():
            win.timeline.select(1, 5, 12)  # labelling actions have something to label
        self.watch.begin(name)
        with self.qtbot.capture_exceptions() as raised:
            act()
            _settle(self.qtbot, win)
        self.watch.problems.extend(f"{name}: uncaught {value!r}" for _, value, _ in raised)
        self.watch.check()
        if win.isVisible():  # back to the window, as after closing a dialog
            # asked again until it is: on a busy machine the offscreen platform can drop the first
            # request while a closing progress dialog still holds the focus
            self.qtbot.waitUntil(lambda: win.activateWindow() or QApplication.activeWindow() is win, timeout=3000)
            win.view.setFocus()

    def analyse_finished(self, how: str) -> None:
        status = self.win.analysis.status.text()
        if not status.startswith("Analysis finished"):
            self.watch.problems.append(f"{how}: the analysis did not finish: {status!r}")

    def press(self, sequence: QKeySequence) -> None:
        combo = sequence[0]
        target = QApplication.focusWidget() or self.win
        QTest.keyClick(target, combo.key(), combo.keyboardModifiers())


def test_every_menu_toolbar_action_and_shortcut(qtbot, window, asked):
    win = window
    watch = Watch(win)
    try:
        actions = _actions(win)
        walk = _Walk(qtbot, win, watch)
        for action in actions:
            walk.count(action)
        quit_action = next(a for a in actions if _name(a) == "Quit")
        assert _name(win.analyse_action) in [_name(a) for a in actions] and len(actions) > 40

        # 1. every action as a menu click
        for action in actions:
            name = _name(action)
            if action is quit_action:
                continue
            if action is win.cancel_action:  # enabled only while an analysis runs
                walk.do("Analysis > Analyse, then Cancel", lambda: _start_then_cancel(win))
                continue
            if not action.isEnabled():
                continue
            for _ in range(2 if action.isCheckable() else 1):  # a toggle goes back to how it was
                walk.do(f"menu {name}", action.trigger)
            if action is win.analyse_action:
                walk.analyse_finished("menu Analysis > Analyse video")

        # 2. every toolbar button as a mouse click
        for bar in win.findChildren(QToolBar):
            for action in bar.actions():
                button = bar.widgetForAction(action)
                if not isinstance(button, QToolButton) or not action.isEnabled():
                    continue
                for _ in range(2 if action.isCheckable() else 1):
                    walk.do(f"toolbar {_name(action)}", lambda b=button: qtbot.mouseClick(b, Qt.MouseButton.LeftButton))
                if action is win.analyse_action:
                    walk.analyse_finished("toolbar Analyse video")

        # 3. every shortcut as a key press; each must reach its own action
        missed = []
        for action in actions:
            name = _name(action)
            if action is quit_action:
                continue
            for sequence in action.shortcuts():
                if sequence.isEmpty():
                    continue
                if action is win.cancel_action:
                    walk.press(QKeySequence(win.analyse_action.shortcut()))  # start one, then cancel it
                    assert win._worker.is_running()
                elif not action.isEnabled():
                    continue
                for _ in range(2 if action.isCheckable() else 1):
                    before = walk.fired.get(id(action), 0)
                    walk.do(f"key {sequence.toString()} ({name})", lambda s=sequence: walk.press(s))
                    if walk.fired.get(id(action), 0) != before + 1:
                        missed.append(f"{sequence.toString()} did not trigger {name!r}")
                if action is win.analyse_action:
                    walk.analyse_finished("key Ctrl+R")

        # 4. Quit, by its key, closes the window and keeps its layout
        walk.do("key Ctrl+Q (Quit)", lambda: walk.press(quit_action.shortcut()))
        assert not win.isVisible() and layout_path().is_file()
    finally:
        watch.stop()
    assert not watch.problems, "\n".join(watch.problems)
    assert not missed, "\n".join(missed)
    never = [_name(a) for a in actions if not walk.fired.get(id(a))]
    assert not never, f"actions that were never triggered: {never}"
    assert {"open", "save"} <= set(asked)  # Open video / Open project and New project asked for a file
