"""The window's layout: sized to the screen on a first start, room for every person, readable side panels,
proportions kept when the window grows, and the layout kept under LEPTON_HOME."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from lepton_desktop.core.paths import user_config_dir
from lepton_desktop.gui.main_window import MainWindow
from lepton_desktop.gui.timeline import TimelineWidget
from lepton_desktop.gui.window_state import SCREEN_SHARE, first_geometry, layout_path
from lepton_desktop.services.analysis import analyze_video, run_to_completion
from lepton_desktop.services.corrections import add_correction, find_track, find_video
from lepton_desktop.services.settings import Settings
from lepton_desktop.store import open_project
from tests.faces import two_people_clip

pytestmark = pytest.mark.gui
pytest.importorskip("skimage")

SCREENS = {"1366x768": QRect(0, 0, 1366, 728), "1920x1080": QRect(0, 0, 1920, 1040)}  # less a task bar


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """A clip of two people, analysed, with a dozen corrections."""
    folder = tmp_path_factory.mktemp("layout")
    clip, project = folder / "two.mp4", folder / "layout.lepton"
    two_people_clip(clip, 40)
    run_to_completion(analyze_video(clip, project=project))
    with open_project(project) as proj:
        video = find_video(proj, clip)
        for k in range(12):
            add_correction(proj, find_track(proj, video.id, 1 + k % 2), 3 * k, 3 * k + 2, "happy", "annotator-ana")
    return clip, project


def _window(qtbot, project, geometry=None):
    win = MainWindow(Settings(project=str(project), annotator="ana"))
    qtbot.addWidget(win)
    if geometry is not None:
        win.setGeometry(geometry)
    win.show()
    qtbot.waitExposed(win)
    return win


def _open(qtbot, win, clip):
    assert win.open_video(clip)
    qtbot.waitUntil(lambda: win.dock_sizer.arranged and len(win.timeline.rows) == 2, timeout=5000)
    qtbot.wait(50)


def test_first_geometry_takes_most_of_the_screen_centred():
    for available in SCREENS.values():
        rect = first_geometry(available)
        assert rect.width() == int(available.width() * SCREEN_SHARE)
        assert rect.height() == int(available.height() * SCREEN_SHARE)
        assert rect.center() == available.center()
    small = first_geometry(QRect(0, 0, 800, 600))  # never larger than the screen
    assert small.width() <= 800 and small.height() <= 600


def test_first_start_opens_sized_to_the_screen(qtbot, analysed):
    win = _window(qtbot, analysed[1])
    available = win.screen().availableGeometry()
    assert abs(win.width() - first_geometry(available).width()) <= 2
    assert abs(win.height() - first_geometry(available).height()) <= 40  # the frame may take some


@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_every_person_fits_and_the_side_panels_are_readable(qtbot, analysed, screen):
    clip, project = analysed
    win = _window(qtbot, project, first_geometry(SCREENS[screen]))
    _open(qtbot, win, clip)
    scroller = win.docks["timeline"].widget()
    assert scroller.viewport().height() >= TimelineWidget.height_for(2), "both people's timelines show whole"
    assert win.centralWidget().height() >= 200, "the video keeps room"
    table = win.corrections_panel.table
    header = table.horizontalHeader()
    last = header.count() - 1
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= table.viewport().width() + 1
    assert all(header.sectionSize(c) >= header.sectionSizeFromContents(c).width() - 4 for c in range(last + 1))
    assert table.viewport().height() // table.rowHeight(0) >= 10, "the corrections list shows ten rows or more"
    assert win.people.viewport().height() >= 2 * win.people.sizeHintForRow(0)


def test_growing_the_window_keeps_the_dock_proportions(qtbot, analysed):
    clip, project = analysed
    start = first_geometry(SCREENS["1366x768"])
    win = _window(qtbot, project, start)
    _open(qtbot, win, clip)
    timeline, side = win.docks["timeline"], win.docks["corrections"]
    before = (timeline.height() / win.height(), side.width() / win.width())
    win.setGeometry(SCREENS["1366x768"])  # maximised
    qtbot.waitUntil(lambda: win.height() == SCREENS["1366x768"].height(), timeout=3000)
    qtbot.wait(50)
    after = (timeline.height() / win.height(), side.width() / win.width())
    assert after == pytest.approx(before, abs=0.03), "the video did not take all of the new room"


def test_layout_is_kept_under_lepton_home(qtbot, analysed, _isolated_home, tmp_path):
    clip, project = analysed
    win = _window(qtbot, project, QRect(20, 10, 760, 560))  # inside the offscreen test screen (800x600)
    _open(qtbot, win, clip)
    win.resizeDocks([win.docks["timeline"]], [260], Qt.Orientation.Vertical)
    qtbot.wait(50)
    height = win.docks["timeline"].height()
    win.close()
    assert layout_path().is_file() and layout_path().parent == user_config_dir()
    assert layout_path().is_relative_to(_isolated_home)
    assert not (tmp_path / "qsettings").exists()  # QSettings' default store (redirected by conftest) is unused
    QApplication.processEvents()

    again = _window(qtbot, project)
    assert again.dock_sizer.arranged  # restored, not sized anew
    assert (again.width(), again.height()) == (760, 560)
    assert abs(again.docks["timeline"].height() - height) <= 2


def test_the_corrections_list_shows_an_annotators_whole_name_at_the_side_columns_width(qtbot):
    from lepton_desktop.gui.panels import CorrectionsPanel

    panel = CorrectionsPanel()
    qtbot.addWidget(panel)
    panel.resize(360, 300)  # the side column's least width
    panel.show()
    panel.show_corrections([(1, "Person 1", 9, 36, "sad", "Newcomer Nina", "human")])
    qtbot.waitUntil(lambda: panel.table.columnWidth(3) > 0)
    needed = panel.table.fontMetrics().horizontalAdvance("Newcomer Nina") + 8
    assert panel.table.columnWidth(3) >= needed, (panel.table.columnWidth(3), needed)
