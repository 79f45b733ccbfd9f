"""The Linux bundle: build it with PyInstaller, run --self-test offline, with no Python, in a fresh home.

Slow (a few minutes): marked ``bundle``; CI runs it, ``pytest -m "not bundle"`` skips it.
Set LEPTON_BUNDLE to test an existing build instead of building.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux bundle is built on Linux"),
]


def _files(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def bundle() -> Path:
    prebuilt = os.environ.get("LEPTON_BUNDLE")
    if prebuilt:
        return Path(prebuilt)
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("PyInstaller is not installed: pip install -e '.[dev]'")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py")], cwd=ROOT, capture_output=True,
                          text=True, timeout=1800)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(done.stdout[done.stdout.index("{") :])
    print(f"bundle built in {time.perf_counter() - started:.0f} s: {summary}")
    assert Path(summary["installer"]).is_file() and summary["installer"].endswith("-linux-x86_64.tar.gz")
    return Path(summary["app"])


def _offline_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []  # no network namespace here (not root): still nothing reaches out, but it is not enforced


def test_self_test_offline_without_python_in_a_fresh_home(bundle: Path, tmp_path: Path) -> None:
    exe = bundle / "lepton-desktop"
    assert exe.is_file() and os.access(exe, os.X_OK)
    assert (bundle / "_internal" / "models" / "emotion_minixception.safetensors").is_file()
    assert (bundle / "_internal" / "resources" / "sample" / "sample.mp4").is_file()
    home = tmp_path / "home"
    home.mkdir()
    empty_bin = tmp_path / "bin"  # no python3 on PATH
    empty_bin.mkdir()
    env = {"HOME": str(home), "PATH": str(empty_bin), "LANG": "C.UTF-8"}
    before = _files(bundle)
    done = subprocess.run([*_offline_prefix(), str(exe), "--self-test"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["ok"] and report["frozen"] and report["checks"]["people"] == 2
    assert report["checks"]["device"] == "CPU (ONNX Runtime, int8)"  # frozen, without torch, the int8 files with it
    assert report["version"] not in ("", "0.0.0+source")
    assert _files(bundle) == before  # the install folder is never written to
    written = {p.relative_to(home).parts[:3] for p in home.rglob("*") if p.is_file()}
    allowed = {(".local", "share", "lepton-desktop"), (".config", "lepton-desktop"), (".cache", "lepton-desktop"),
               (".local", "state", "lepton-desktop")}  # fmt: skip
    assert all(any(parts[: len(a)] == a for a in allowed) for parts in written), written
    assert not [p for p in tmp_path.iterdir() if p.name not in ("home", "bin")]


def test_cli_in_the_bundle(bundle: Path, tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PATH": "/nonexistent"}
    done = subprocess.run([str(bundle / "lepton-desktop"), "--cli", "info"], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["frames"] > 0
