"""The open video as the project in use knows it: results, corrections, undo history, review marks, title.

All of these belong to one project. Opening a video and switching projects (File > New
project, Open project) both bind them again here, so nothing shown (a person's track, a
correction to trim, a learning dialog) still points into the project the window has left,
and a correction cannot land in the wrong project.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lepton_desktop.core.words import people as count_people
from lepton_desktop.services.analysis import stored_results
from lepton_desktop.services.projects import read_only

if TYPE_CHECKING:
    from lepton_desktop.gui.main_window import MainWindow

APP_TITLE = "Lepton Desktop"


def project_label(project: str | Path) -> str:
    """A project as a title shows it: the file name, or a database URL without its credentials."""
    text = str(project)
    if "://" in text:
        return text.split("://", 1)[1].rsplit("@", 1)[-1]
    return Path(text).name


def window_title(video: Path | None, project: str | Path) -> str:
    """``video — project — Lepton Desktop`` (the video left out when none is open)."""
    parts = [video.name] if video is not None else []
    label = project_label(project) + (" (read-only)" if read_only(project) else "")
    return " — ".join([*parts, label, APP_TITLE])


def bind_project(window: MainWindow) -> None:
    """Show the open video (if any) through ``window.project``; forget what belonged to another project."""
    window.editing = None
    window._mark_in = None
    window.layer = None
    window.corrections_panel.show_layer(None)
    window.results.clear(window.frame_count)  # the timelines, the people and the compare bands follow
    window.analysis.bar.setValue(0)
    window.analysis.status.setText("Not analysed yet: press Analyse (Ctrl+R).")
    window.shown_version_id = None
    window.show_damage(None)  # the previous video's damage is not this one's
    load_stored(window)
    window._attach_corrections()  # corrections model, undo stack and review marks of this project
    _close_idle_learning_dialog(window)
    window.setWindowTitle(window_title(window.video_path, window.project))


def load_stored(window: MainWindow) -> None:
    """Show the newest stored analysis of the open video in the window's project, if there is one."""
    if window.fingerprint is None:
        return
    stored = stored_results(window.project, window.fingerprint)
    if stored is None:
        return
    window.results.clear(window.frame_count)
    window.shown_version_id = stored.model_version_id
    window.results.names.update(stored.names)
    window.results.add_rows(stored.rows, stored.track_ids)
    window.timeline.flush_now()
    window._corrections_changed()
    window.analysis.bar.setValue(100)
    people = len(stored.track_ids)
    window.analysis.status.setText(f"Stored analysis (run {stored.run_id}): {count_people(people)}.")
    window.show_damage(stored.damage)


def _close_idle_learning_dialog(window: MainWindow) -> None:
    """A learning dialog shows (and acts on) its project: close it unless its job is running.

    A running export or fine-tuning finishes in the project it was started in.
    """
    dialog = getattr(window, "_learning_dialog", None)
    if dialog is None or str(getattr(dialog, "project", "")) == str(window.project):
        return
    worker = getattr(dialog, "worker", None)
    if worker is not None and worker.is_running():
        dialog.setWindowTitle(f"{dialog.windowTitle().split(' — ')[0]} — {project_label(dialog.project)}")
        return
    dialog.close()
    window._learning_dialog = None
