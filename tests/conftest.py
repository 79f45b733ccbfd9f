"""Shared fixtures: an isolated user home, generated videos, the shared real samples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Caches, logs and settings of the code under test go to a temporary folder."""
    home = tmp_path_factory.mktemp("lepton-home")
    monkeypatch.setenv("LEPTON_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for generated test videos, shared by the session."""
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="session")
def samples() -> Path:
    """The real face/no-face clips beside the checkout (../shared/samples)."""
    if not SAMPLES.is_dir():
        pytest.skip(f"real sample clips not found at {SAMPLES} (they live beside the checkout, in shared/samples)")
    return SAMPLES
