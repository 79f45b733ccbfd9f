"""File > Open camera or stream: pick a camera from the list, or type a stream address (or a file to play as live)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.services.live import check_source
from lepton_desktop.video.live_source import Camera

VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.avi *.webm *.m4v);;All files (*)"


class LiveSourceDialog(QDialog):
    """Cameras found on this computer, an address field, and Start; a wrong source is said here, in one line."""

    def __init__(self, parent: QWidget | None, cameras: list[Camera]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open camera or stream")
        self.setMinimumWidth(520)
        self.cameras = QListWidget()
        for camera in cameras:
            item = QListWidgetItem(f"{camera.name}  ({camera.source})")
            item.setData(Qt.ItemDataRole.UserRole, camera.source)
            self.cameras.addItem(item)
        if not cameras:
            none = QListWidgetItem("No camera was found on this computer.")
            none.setFlags(Qt.ItemFlag.NoItemFlags)
            self.cameras.addItem(none)
        self.cameras.setMaximumHeight(96 if cameras else 34)
        self.cameras.currentItemChanged.connect(self._camera_chosen)
        self.cameras.itemDoubleClicked.connect(lambda _item: self.accept())
        self.address = QLineEdit()
        self.address.setPlaceholderText("rtsp://camera.local/stream, udp://0.0.0.0:5000, http://… or a video file")
        self.address.textEdited.connect(lambda _text: self.cameras.clearSelection())
        browse = QPushButton("File…")
        browse.setToolTip("Play a video file as if it were live, at its own frame rate (for demos and tests)")
        browse.clicked.connect(self._browse)
        browse.setAutoDefault(False)  # Enter in the address field means Start, not File…
        row = QHBoxLayout()
        row.addWidget(self.address, 1)
        row.addWidget(browse)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #e06c5a;")
        self.problem.setVisible(False)
        note = QLabel(
            "Every frame is recorded into a video file beside the project; the newest frames are analysed as they "
            "come. Stop turns the recording into an ordinary video of the project, with its results."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(mid);")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = buttons.addButton("Start", QDialogButtonBox.ButtonRole.AcceptRole)
        for button in buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        self.start_button.setDefault(True)  # Enter starts (never Cancel, never File…)
        self.address.returnPressed.connect(self.accept)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Camera"))
        layout.addWidget(self.cameras)
        layout.addWidget(QLabel("Or a stream address (any URL FFmpeg opens), or a file to play as live"))
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(note)
        layout.addWidget(buttons)
        if cameras:
            self.cameras.setCurrentRow(0)
        else:
            self.address.setFocus()

    def _camera_chosen(self, item: QListWidgetItem | None) -> None:
        if item is not None and item.data(Qt.ItemDataRole.UserRole):
            self.address.setText(str(item.data(Qt.ItemDataRole.UserRole)))
            self.problem.setVisible(False)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Play a video file as live", "", VIDEO_FILTER)
        if path:
            self.address.setText(path)

    def source(self) -> tuple[str, bool]:
        """The source as typed and whether it is a file to play as live."""
        text = self.address.text().strip()
        return text, bool(text) and "://" not in text and Path(text).expanduser().is_file()

    def accept(self) -> None:
        """Start, unless the source is plainly wrong (then say why and stay open)."""
        text, realtime = self.source()
        try:
            check_source(text, realtime)
        except LeptonError as exc:
            self.problem.setText(str(exc))
            self.problem.setVisible(True)
            return
        super().accept()
