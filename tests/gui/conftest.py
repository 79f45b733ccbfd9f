from __future__ import annotations

import pyqtgraph as pg
import pytest


@pytest.fixture(autouse=True, scope="session")
def _pyqtgraph_config():
    pg.setConfigOptions(antialias=False, imageAxisOrder="row-major")


@pytest.fixture(autouse=True)
def _isolated_qsettings(tmp_path, monkeypatch):
    """QSettings' default store goes to a temporary folder too (the window layout itself is under LEPTON_HOME)."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
