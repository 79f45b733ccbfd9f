"""The app's window opens without loading PyTorch (1.2 s of start-up), and says where analysis will run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, os, sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from lepton_desktop.services.settings import load_settings, save_settings
settings = load_settings()
settings.annotator = "Ana"  # not a first start: no name prompt
save_settings(settings)
app = QApplication([])
from lepton_desktop.gui.app import open_window
window = open_window(Path(sys.argv[1]), None)
QTimer.singleShot(2000, app.quit)  # the video opens, its first frame and timelines are drawn
app.exec()
print(json.dumps({"torch": "torch" in sys.modules, "device": window.status_device.text().strip(),
                  "title": window.windowTitle()}))
sys.stdout.flush()
os._exit(0)
"""


def test_the_window_opens_with_a_video_and_torch_is_never_loaded(tmp_path, samples):
    clip = samples / "pyfeat_single_face.mp4"
    env = {**os.environ, "LEPTON_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(clip)], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert "pyfeat_single_face.mp4" in state["title"]
    assert state["device"] == "device: CPU (ONNX Runtime)"
    assert state["torch"] is False
