"""Where a Save dialog starts: beside the video, unless that folder may not be written here."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow


def suggested_output(win: MainWindow, name: str) -> Path:
    """``name`` in the video's folder; else in the project's folder; else in the home folder.

    A video on a read-only share, disc or camera card is common: a dialog that starts there
    offers a place where saving fails.
    """
    folders = []
    if win.video_path is not None:
        folders.append(Path(win.video_path).parent)
    from lepton_desktop.services.analysis import default_project

    project = str(win.project)
    if "://" not in project and Path(project).expanduser() != default_project():  # not the hidden data folder
        folders.append(Path(project).expanduser().parent)
    folders.append(Path.home())
    for folder in folders:
        if folder.is_dir() and os.access(folder, os.W_OK):
            return folder / name
    return folders[-1] / name
