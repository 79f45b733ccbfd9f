"""The *Why?* panel: for the person and frame at the playhead, why the model chose its label.

It shows the aligned face crop as the model saw it, a Grad-CAM heat map for the chosen class,
the three likeliest classes (final, CNN only, and what the LSTM changed) and the most active
facial actions. Explanations are computed on a thread of the panel's own, newest request only
(scrubbing never queues a backlog); the GUI thread only asks and paints. The panel follows the
playhead while the video is paused and waits while it plays. The person is the active one (the
timeline row last clicked) when their face is at the playhead, else the first person there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QGridLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.services.explain import Explanation, FaceExplainer
from lepton_desktop.services.explain_figure import heat_overlay

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)

WHY_KEY = "Y"
"""View > Why? (the dock)."""
POLL_MS = 120
"""How often the panel looks at the playhead (cheap: it compares a few numbers)."""
IMAGE_SIZE = 150
NOTHING_OPEN = "Open an analysed video: the person at the playhead is explained here."
NOT_ANALYSED = "Not analysed yet: Analysis > Analyse video (Ctrl+R), then the person at the playhead is explained here."
ACTION_BAR_STYLE = (
    "QProgressBar { text-align: left; color: #f0f0f0; background: #26292e;"
    " border: 1px solid #3a3f47; border-radius: 2px; }"
    " QProgressBar::chunk { background: #3b6e9e; }"
)
"""Light text on a muted bar, inset from the border: every letter of the action's name stays readable."""
ACTIONS_SHOWN = 5

Request = tuple[str, str, int, int, int, str]
"""(project, video, frame, person, results generation, analysis state)."""


def _image(rgb: np.ndarray) -> QPixmap:
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QPixmap.fromImage(QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy())


class _Computer(QObject):
    """A thread that explains the newest request only; results come back as signals (queued to the GUI)."""

    ready = Signal(object, object, object)  # request, Explanation, heat-map picture (RGB)
    failed = Signal(object, str)  # request, message

    def __init__(self) -> None:
        super().__init__()
        self._cond = threading.Condition()
        self._request: Request | None = None
        self._closing = False
        self._explainer: FaceExplainer | None = None
        self._bound: tuple[str, str, int, str] | None = None
        self.busy_s = 0.0  # time spent computing, for the measure of what the thread takes off the window
        self._thread = threading.Thread(target=self._run, name="why-panel", daemon=True)
        self._thread.start()

    def request(self, key: Request) -> None:
        """Replace any waiting request by ``key``."""
        with self._cond:
            self._request = key
            self._cond.notify()

    def close(self) -> None:
        """Stop the thread (after the explanation in progress) and release the video and project."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        if sys.platform.startswith("linux"):  # below the window, like every background job
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        while True:
            with self._cond:
                while self._request is None and not self._closing:
                    self._cond.wait()
                if self._closing:
                    break
                key, self._request = self._request, None
            started = time.perf_counter()
            try:
                expl = self._explain(key)
                self.ready.emit(key, expl, heat_overlay(expl.face_color, expl.heat, IMAGE_SIZE))
            except LeptonError as exc:
                self.failed.emit(key, str(exc))
            except Exception as exc:  # shown in the panel; the traceback goes to the log
                log.exception("explaining %s failed", key)
                self.failed.emit(key, f"{type(exc).__name__}: {exc}")
            self.busy_s += time.perf_counter() - started
        if self._explainer is not None:
            self._explainer.close()

    def _explain(self, key: Request) -> Explanation:
        project, video, frame, person, generation, state = key
        bound = (project, video, generation, state)
        if self._explainer is None or self._bound != bound:  # another video, project or analysis
            if self._explainer is not None:
                self._explainer.close()
                self._explainer = None
            self._explainer = FaceExplainer(project, video)
            self._bound = bound
        return self._explainer.explain(frame, person)


class WhyPanel(QWidget):
    """The dock's content; give it the main window (it reads the playhead, the video and the results)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.generation = 0
        self.shown: Explanation | None = None
        self.shown_key: Request | None = None
        self.gui_s: list[float] = []  # GUI-thread time of each request and paint (measured by the tests)
        self._asked: Request | None = None
        self._computer = _Computer()
        self._computer.ready.connect(self._ready)
        self._computer.failed.connect(self._failed)
        window.results.reset.connect(self._results_reset)
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.follow)
        self._timer.start()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        self.title = QLabel(NOTHING_OPEN)
        self.title.setWordWrap(True)
        outer.addWidget(self.title)
        self.detail = QWidget()  # the explanation itself: hidden while there is none to show
        layout = QVBoxLayout(self.detail)
        layout.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.detail)
        pictures = QGridLayout()
        self.face_label, self.heat_label = QLabel(), QLabel()
        for col, (label, caption) in enumerate(((self.face_label, "as the model saw it"), (self.heat_label, ""))):
            label.setFixedSize(IMAGE_SIZE, IMAGE_SIZE)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("background: #202020;")
            pictures.addWidget(label, 0, col)
            text = QLabel(caption)
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
            pictures.addWidget(text, 1, col)
        self.heat_caption = pictures.itemAtPosition(1, 1).widget()
        layout.addLayout(pictures)
        self.classes = QGridLayout()
        for col, head in enumerate(("", "final", "CNN only", "LSTM")):
            self.classes.addWidget(QLabel(f"<b>{head}</b>"), 0, col)
        self.class_cells = [[QLabel() for _ in range(4)] for _ in range(3)]
        for r, cells in enumerate(self.class_cells, start=1):
            for c, cell in enumerate(cells):
                self.classes.addWidget(cell, r, c)
        layout.addLayout(self.classes)
        self.measures = QLabel()
        layout.addWidget(self.measures)
        layout.addWidget(QLabel("<b>Most active facial actions</b>"))
        self.action_bars: list[QProgressBar] = []
        for _ in range(ACTIONS_SHOWN):
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setFormat("")
            bar.setStyleSheet(ACTION_BAR_STYLE)
            bar.setMaximumHeight(18)
            layout.addWidget(bar)
            self.action_bars.append(bar)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        outer.addWidget(self.status)
        outer.addStretch(1)
        self.detail.setVisible(False)

    # -- following the playhead -------------------------------------------------------------

    def _results_reset(self) -> None:
        """Another video or project: nothing of the previous one stays on show."""
        self.generation += 1
        self._clear(NOTHING_OPEN)

    def _clear(self, title: str, key: Request | None = None) -> None:
        """Show ``title`` alone: no picture, class or action of an earlier frame stays beside it."""
        self._asked = key
        self.shown, self.shown_key = None, key
        self.title.setText(title)
        self.detail.setVisible(False)
        for label in (self.face_label, self.heat_label):
            label.clear()
        self.heat_caption.setText("")
        for cells in self.class_cells:
            for cell in cells:
                cell.setText("")
        self.measures.setText("")
        for bar in self.action_bars:
            bar.setVisible(False)
        self.status.setText("")

    def person_at(self, frame: int) -> int | None:
        """The person to explain at ``frame``: the active one if their face is there, else the first there."""
        present = [number for number, _box, _probs in self.window.results.at(frame)]
        active = self.window.timeline.active
        if active in present:
            return active
        return present[0] if present else None

    def current_request(self) -> Request | None:
        """What the panel should show now (None: nothing to explain)."""
        win = self.window
        if win.video_path is None:
            return None
        person = self.person_at(win.current)
        if person is None:
            return None
        return (str(win.project), str(win.video_path), int(win.current), person, self.generation, win._analysis_state)

    def follow(self) -> None:
        """Ask for the explanation at the playhead when it changed (not while playing, nor while hidden)."""
        if not self.isVisible() or self.window._timer.isActive():
            return
        running = self.window._worker is not None and self.window._worker.is_running()
        started = time.perf_counter()
        key = self.current_request()
        if key is None:
            if self.window.video_path is not None and not running:
                said = NOT_ANALYSED if not self.window.results.people() else f"No face at frame {self.window.current}."
                if self.title.text() != said:
                    self._clear(said)
            return
        if running:
            self.status.setText("Waiting for the analysis to finish…")
            return
        if key == self._asked:
            return
        self._asked = key
        self.status.setText(f"Explaining frame {key[2]}…")
        self._computer.request(key)
        self.gui_s.append(time.perf_counter() - started)

    # -- results -----------------------------------------------------------------------------

    def _ready(self, key: Request, expl: Explanation, overlay: np.ndarray) -> None:
        if key != self._asked:
            return  # an older request, overtaken by the playhead
        started = time.perf_counter()
        self.shown, self.shown_key = expl, key
        self.title.setText(f"<b>{expl.name}</b> at frame {expl.frame}: <b>{expl.label}</b>")
        self.detail.setVisible(True)
        self.face_label.setPixmap(_image(np.repeat(expl.face[..., None], 3, axis=2)).scaled(IMAGE_SIZE, IMAGE_SIZE))
        self.heat_label.setPixmap(_image(overlay))
        self.heat_caption.setText(f"Grad-CAM for {expl.label}")
        lstm = expl.lstm_part()
        for cells, (name, p) in zip(self.class_cells, expl.top(3), strict=True):
            k = list(lstm).index(name)
            cells[0].setText(name)
            cells[1].setText(f"{p:.2f}")
            cells[2].setText(f"{float(expl.cnn[k]):.2f}")
            cells[3].setText(f"{round(lstm[name], 2) + 0.0:+.2f}")  # never "-0.00"
        arousal = expl.arousal
        text = f"valence {expl.valence:+.2f}"
        if arousal is not None and not np.isnan(arousal):
            text += f"   arousal {arousal:.2f}"
        self.measures.setText(text)
        actions = expl.active_actions(ACTIONS_SHOWN)
        for i, bar in enumerate(self.action_bars):
            if i < len(actions):
                name, value = actions[i]
                bar.setValue(round(value * 100))
                bar.setFormat(f"  {name}  {value:.2f}")  # spaces: clear of the bar's left edge on every style
                bar.setVisible(True)
            else:
                bar.setVisible(False)
        source = {True: "stored with the analysis", False: "read now from the face"}[expl.actions_stored]
        self.status.setText(f"Facial actions {source}." if actions else "Facial actions are not available.")
        self.gui_s.append(time.perf_counter() - started)

    def _failed(self, key: Request, message: str) -> None:
        if key != self._asked:
            return
        self._clear(message, key)

    def busy_seconds(self) -> float:
        """Seconds the panel's thread has spent computing (what the window did not have to do)."""
        return self._computer.busy_s

    def close_worker(self) -> None:
        """Stop the panel's thread (the window closes)."""
        self._timer.stop()
        self._computer.close()


def _toggle_dock(dock: QDockWidget, action: QAction) -> None:
    """Hidden: show it; open but behind another tab: bring it to the front; in front: hide it."""
    if dock.isHidden():
        dock.show()
        dock.raise_()
    elif dock.visibleRegion().isEmpty():
        dock.raise_()
    else:
        dock.hide()
    action.setChecked(not dock.isHidden())


class WhyDock(QDockWidget):
    """The dock; its panel scrolls, so a small screen keeps its layout (the panel is ~470 px tall)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__("Why?", window)
        self.panel = WhyPanel(window)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        scroller.setWidget(self.panel)
        self.setWidget(scroller)


def install_why_dock(window: MainWindow, view: QMenu) -> WhyDock:
    """The *Why?* dock, tabbed with the review queue, and *View > Why?* (key Y) to show it."""
    dock = WhyDock(window)
    panel = dock.panel
    dock.setObjectName("dock-why")
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()  # until asked for (Y); a saved layout that had it open opens it again
    if "review" in window.docks:
        window.tabifyDockWidget(window.docks["review"], dock)
    window.docks["why"] = dock
    action = QAction("&Why?", window)  # the dock's own toggle action ignores keys while the dock is hidden
    action.setCheckable(True)
    action.setShortcut(QKeySequence(WHY_KEY))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(lambda _checked=False: _toggle_dock(dock, action))
    dock.visibilityChanged.connect(lambda _visible: action.setChecked(not dock.isHidden()))
    view.addAction(action)
    window.addAction(action)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(panel.close_worker)
    dock.destroyed.connect(lambda *_: panel._computer.close())
    return dock
