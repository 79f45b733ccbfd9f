"""The main window: the player in the middle, people, timelines and analysis in docks."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QUndoGroup, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.core.paths import user_log_dir
from lepton_desktop.core.timeline import FrameTimeline
from lepton_desktop.gui.actions_lane import add_actions_menu_items
from lepton_desktop.gui.analysis_actions import AnalysisMixin
from lepton_desktop.gui.annotations_menu import add_annotation_actions
from lepton_desktop.gui.batch_action import add_batch_action
from lepton_desktop.gui.corrections import CorrectionsModel
from lepton_desktop.gui.dock_layout import DockSizer
from lepton_desktop.gui.export_menu import ExportMenu
from lepton_desktop.gui.frame_loader import FrameLoader
from lepton_desktop.gui.frame_view import FrameView
from lepton_desktop.gui.go_to import add_go_to_action
from lepton_desktop.gui.help import HelpMenu
from lepton_desktop.gui.labelling import LabellingMixin
from lepton_desktop.gui.live_action import add_live_action
from lepton_desktop.gui.memory import settle_memory
from lepton_desktop.gui.panels import AnalysisPanel, CorrectionsPanel, PeoplePanel
from lepton_desktop.gui.player import SPEEDS, PlayerMixin
from lepton_desktop.gui.project_binding import bind_project, window_title
from lepton_desktop.gui.proxy_job import ProxyJob, proxy_for
from lepton_desktop.gui.report_action import add_report_action
from lepton_desktop.gui.results import ResultsModel
from lepton_desktop.gui.review_queue import ReviewController
from lepton_desktop.gui.timeline import TimelineWidget
from lepton_desktop.gui.why_panel import install_why_dock
from lepton_desktop.gui.window_state import restore_layout, save_layout
from lepton_desktop.gui.worker import GeneratorWorker
from lepton_desktop.services.engine import device_label
from lepton_desktop.services.settings import Settings, load_settings, save_settings
from lepton_desktop.video import VideoReader
from lepton_desktop.vision.device import DeviceError

log = logging.getLogger(__name__)

VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.avi *.webm *.m4v);;All files (*)"


class MainWindow(PlayerMixin, AnalysisMixin, LabellingMixin, QMainWindow):
    """A frame-exact player with per-person emotion timelines and background analysis."""

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.settings = settings or load_settings()
        self.setWindowTitle(window_title(None, self.project))
        self.last_error: QMessageBox | None = None
        self.video_path: Path | None = None
        self.fingerprint: str | None = None
        self.reader_info = None
        self._loader: FrameLoader | None = None
        self._timeline: FrameTimeline | None = None
        self._worker: GeneratorWorker | None = None
        self._analysis_settled = True
        self._analysis_state = ""
        self.shown_version_id: int | None = None
        """The model version whose analysis the timelines show (None: no analysis shown)."""
        self.current = 0
        self._play_started: tuple[float, float] | None = None
        self.speed = self.settings.playback_speed if self.settings.playback_speed in SPEEDS else 1.0

        self.results = ResultsModel(self)
        self.corrections = CorrectionsModel(self)
        self.corrections.failed.connect(lambda text: self._error("The correction was not saved", text))
        self.corrections.stepped.connect(lambda text: self.statusBar().showMessage(f"{text} (saved)", 5000))
        self.corrections.changed.connect(self._corrections_changed)
        self.undo_group = QUndoGroup(self)
        self._undo_stacks: dict[tuple[str, str], QUndoStack] = {}
        self._mark_in: int | None = None
        self.review_status: dict[int, str] = {}
        self.editing = None  # the correction chosen in the panel, for trimming
        self.layer: str | None = None  # whose corrections are shown; None = everyone's
        self.last_info: QMessageBox | None = None
        self.view = FrameView()
        self.view.show_overlay = self.settings.show_overlay
        self.results.changed.connect(lambda _: self._update_overlay())
        self._build_transport()
        self._build_docks()
        self._build_actions()
        self._build_status()
        self.proxy_job = ProxyJob(self)
        self.proxy_job.status.connect(self.status_proxy.setText)
        self.proxy_job.problem.connect(lambda msg: self.statusBar().showMessage(msg, 15000))
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.dock_sizer = DockSizer(self, self.docks, self.timeline)
        self.dock_sizer.arranged = restore_layout(self)
        self._settled = False

    # -- construction -----------------------------------------------------------------

    def _build_transport(self) -> None:
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._slider_moved)
        self.play_button = QToolButton()
        self.play_button.setText("Pause")
        self.play_button.setFixedWidth(self.play_button.sizeHint().width() + 8)  # Play and Pause: one width
        self.play_button.setText("Play")
        self.play_button.clicked.connect(self.toggle_play)
        self.speed_box = QComboBox()
        self.speed_box.addItems([f"{s:g}x" for s in SPEEDS])
        self.speed_box.setCurrentIndex(SPEEDS.index(self.speed))
        self.speed_box.currentIndexChanged.connect(lambda i: self.set_speed(SPEEDS[i]))
        for widget in (self.slider, self.play_button, self.speed_box):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the player
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.position_label = QLabel("no video")
        bar = QHBoxLayout()
        bar.addWidget(self.play_button)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.speed_box)
        bar.addWidget(self.position_label)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        self.setCentralWidget(central)

    def _build_docks(self) -> None:
        self.timeline = TimelineWidget(self.results)
        self.timeline.seek_requested.connect(self._timeline_seek)
        self.people = PeoplePanel(self.results)
        self.people.jump_requested.connect(self.seek)
        self.people.rename_requested.connect(self._rename)
        self.corrections_panel = CorrectionsPanel()
        self.corrections_panel.jump_requested.connect(self._jump_to_correction)
        self.timeline.selection_changed.connect(self._selection_changed)
        self.analysis = AnalysisPanel()
        self.analysis.analyse_requested.connect(self.start_analysis)
        self.analysis.cancel_requested.connect(self.cancel_analysis)
        self.review = ReviewController(self)
        scroller = QScrollArea()  # one row per person: scroll when there are more people than fit
        scroller.setWidgetResizable(True)
        scroller.setWidget(self.timeline)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.docks = {}
        for name, title, widget, area in (
            ("timeline", "Emotion timelines", scroller, Qt.DockWidgetArea.BottomDockWidgetArea),
            ("people", "People", self.people, Qt.DockWidgetArea.RightDockWidgetArea),
            ("corrections", "Corrections", self.corrections_panel, Qt.DockWidgetArea.RightDockWidgetArea),
            ("review", "Review queue", self.review.panel, Qt.DockWidgetArea.RightDockWidgetArea),
            ("analysis", "Analysis", self.analysis, Qt.DockWidgetArea.RightDockWidgetArea),
        ):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock-{name}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.tabifyDockWidget(self.docks["corrections"], self.docks["review"])  # two lists: one place, two tabs
        self.docks["corrections"].raise_()
        self.results.reset.connect(self.review.refresh_soon)
        self.results.changed.connect(lambda _n: self.review.refresh_soon())

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.open_action = self._action(file_menu, "&Open video…", QKeySequence.StandardKey.Open, self.open_dialog)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.live_action = add_live_action(self, file_menu)
        file_menu.addSeparator()
        self._action(file_menu, "New &project…", QKeySequence("Ctrl+Shift+N"), self.new_project_dialog)
        self._action(file_menu, "Open pro&ject…", QKeySequence("Ctrl+Shift+O"), self.open_project_dialog)
        file_menu.addSeparator()
        self.export_menu = ExportMenu(self, file_menu.addMenu("&Export"))
        self.annotations_menu = add_annotation_actions(self, file_menu)
        self.report_export = add_report_action(self, file_menu)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence("Ctrl+Q"), self.close)  # no standard key on Windows

        play = menu.addMenu("&Playback")
        self.play_action = self._action(play, "Play / pause", QKeySequence(Qt.Key.Key_Space), self.toggle_play)
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
        add_go_to_action(self, play)
        play.addSeparator()
        self._action(play, "Faster", QKeySequence("]"), lambda: self._nudge_speed(1))
        self._action(play, "Slower", QKeySequence("["), lambda: self._nudge_speed(-1))

        self._build_edit_menu(menu.addMenu("&Edit"))

        view = menu.addMenu("&View")
        self.overlay_action = self._action(view, "Face &boxes", QKeySequence("B"), self.toggle_overlay)
        self.overlay_action.setCheckable(True)
        self.overlay_action.setChecked(self.view.show_overlay)
        self._action(view, "&Fit timelines", QKeySequence("F"), self.timeline.fit_all)
        self._action(view, "Zoom timelines &in", QKeySequence("="), lambda: self.timeline.zoom(0.5))
        self._action(view, "Zoom timelines &out", QKeySequence("-"), lambda: self.timeline.zoom(2.0))
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())

        analysis = menu.addMenu("&Analysis")
        self.analyse_action = self._action(analysis, "&Analyse video", QKeySequence("Ctrl+R"), self.start_analysis)
        self.cancel_action = self._action(analysis, "&Cancel analysis", QKeySequence("Ctrl+."), self.cancel_analysis)
        self.cancel_action.setEnabled(False)
        self.batch_analysis = add_batch_action(self, analysis)
        self.actions_lane_action, self.read_actions_action = add_actions_menu_items(self, view, analysis)
        self.why_dock = install_why_dock(self, view)
        self._build_learning_menu(menu.addMenu("&Learning"))
        self.help_menu = HelpMenu(self, menu.addMenu("&Help"), self._action)

        tools = self.addToolBar("Main")
        tools.setObjectName("toolbar-main")
        tools.setMovable(False)
        for action in (self.open_action, self.analyse_action, self.cancel_action, self.overlay_action):
            tools.addAction(action)

    def _action(self, menu: QMenu, text: str, shortcut, slot) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        # QAction.triggered carries ``checked``; no slot here takes it (a slot with optional
        # parameters, such as start_analysis(model_version=None), would receive False).
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_status(self) -> None:
        self.status_frame = QLabel("")
        self.status_device = QLabel("")
        self.status_proxy = QLabel("")
        self.status_proxy.setToolTip("A small copy of the video is being prepared: seeking will show a frame at once.")
        self.statusBar().addPermanentWidget(self.status_proxy)
        self.statusBar().addPermanentWidget(self.status_frame)
        self.statusBar().addPermanentWidget(self.status_device)
        self._show_device()
        self.statusBar().showMessage("Open a video with File > Open (Ctrl+O) or drop one here.")

    def _show_device(self) -> None:
        try:
            self.status_device.setText(f"  device: {device_label(self.settings.device)}  ")
        except DeviceError as exc:
            self.status_device.setText("  device: unavailable  ")
            self.status_device.setToolTip(str(exc))

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        if not self._settled:  # the start-up's garbage goes back to the system once
            self._settled = True
            QTimer.singleShot(0, settle_memory)

    # -- opening videos ---------------------------------------------------------------

    def open_dialog(self) -> None:
        """Ask for a video file and open it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open video", "", VIDEO_FILTER)
        if path:
            self.open_video(Path(path))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent_videos:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_video(Path(p)))
        if not self.settings.recent_videos:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def open_video(self, path: Path) -> bool:
        """Open ``path``; on failure show why and keep the current video."""
        if self._worker is not None and self._worker.is_running():
            self._error("An analysis is running", "Cancel the running analysis before opening another video.")
            return False
        try:
            reader = VideoReader(path)
            proxy = proxy_for(reader, self.settings)
        except LeptonError as exc:
            self._error("This video cannot be opened", str(exc))
            return False
        except Exception as exc:
            log.exception("opening %s failed", path)
            self._error("This video cannot be opened", f"Unexpected problem: {exc}. Details are in {user_log_dir()}.")
            return False
        self._close_video()
        self.statusBar().clearMessage()
        self.video_path = Path(path)
        self.fingerprint = reader.fingerprint
        self.reader_info = reader.info
        self._timeline = reader.timeline
        self._loader = FrameLoader(reader, proxy, self)
        self._loader.frame_ready.connect(self._show)
        self.view.video_size = (reader.info.width, reader.info.height)
        if proxy is not None and not proxy.layout.complete():
            self.proxy_job.start(self.video_path, self.settings.proxy_budget_bytes())
        self._loader.failed.connect(lambda msg: self.statusBar().showMessage(msg, 10000))
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, reader.frame_count - 1))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.slider.setEnabled(True)
        bind_project(self)  # its stored analysis, corrections and undo history in the project in use
        if reader.info.problem:
            self.statusBar().showMessage(reader.info.problem, 15000)
        self.settings.remember_video(path)
        save_settings(self.settings)
        self.current = 0
        self.timeline.set_playhead(0)  # the new video starts at its first frame on the timeline too
        self._fit_position_label()
        self._update_label()
        self._loader.request(0)
        return True

    def _close_video(self) -> None:
        self.pause()
        self.proxy_job.stop()
        if self._loader is not None:
            self._loader.close()
            self._loader = None

    # -- errors, drag and drop, closing ---------------------------------------------------

    def _error(self, title: str, text: str) -> None:
        log.warning("%s: %s", title, text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal but non-blocking: the event loop keeps running
        self.last_error = box

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_video(Path(urls[0]))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._worker is not None and self._worker.is_running():
            self._worker.stop()
            self._worker.wait(10_000)
        dialog = getattr(self, "_learning_dialog", None)
        if dialog is not None:  # an export or fine-tuning in progress stops cleanly and keeps nothing half-done
            dialog.close()
        self.why_dock.panel.close_worker()
        self._close_video()
        self.corrections.close()
        save_layout(self)
        try:
            save_settings(self.settings)
        except OSError as exc:
            log.warning("settings not saved: %s", exc)
        super().closeEvent(event)
