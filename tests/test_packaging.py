"""A non-editable wheel install finds its weights and sample video (paths resolve in one place)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_install_finds_weights_and_sample(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if build.returncode != 0 and "hatchling" in build.stderr and "No matching distribution" in build.stderr:
        pytest.skip("hatchling (the build backend) cannot be fetched here")
    assert build.returncode == 0, build.stderr
    [wheel] = (tmp_path / "dist").glob("lepton_desktop-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        timeout=300,
    )
    script = (
        "import json, lepton_desktop, sys\n"
        "from lepton_desktop.vision.weights import bundled_weights, load_detector, load_emotion_model\n"
        "from lepton_desktop.services.samples import bundled_sample\n"
        "load_emotion_model(); load_detector()\n"
        "weights = str(bundled_weights('face_mtcnn.safetensors'))\n"
        "print(json.dumps({'package': lepton_desktop.__file__, 'weights': weights, 'sample': str(bundled_sample())}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    for key in ("package", "weights", "sample"):
        assert found[key].startswith(str(target)), f"{key} resolved outside the installed wheel: {found[key]}"
