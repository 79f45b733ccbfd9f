"""Fast seeking in the window: a preview from the proxy copy at once, then the exact frame."""

from __future__ import annotations

import numpy as np
import pytest

from lepton_desktop.gui.main_window import MainWindow
from lepton_desktop.services.settings import Settings
from lepton_desktop.video import VideoReader
from tests.synth import make_video, read_number

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("proxy-gui") / "long_gop.mp4"
    return make_video(path, 200, size=(640, 360), options={"g": "250", "bf": "2"})


def _window(qtbot, tmp_path, **settings):
    win = MainWindow(Settings(project=str(tmp_path / "p.lepton"), **settings))
    qtbot.addWidget(win)
    win.resize(1000, 700)
    win.show()
    return win


def _record(qtbot, win):
    """What the loader shows from now on (after the first frame of the video is on screen)."""
    qtbot.waitUntil(lambda: win.view.frame_index == 0 and win.view.exact, timeout=5000)
    shown: list[tuple[int, bool, int]] = []
    win._loader.frame_ready.connect(lambda i, image, exact: shown.append((i, exact, read_number(image))))
    return shown


def test_seek_previews_from_the_copy_then_shows_the_exact_frame(qtbot, tmp_path, clip):
    win = _window(qtbot, tmp_path)
    assert win.open_video(clip)
    qtbot.waitUntil(lambda: win.proxy_job.complete, timeout=30_000)
    assert win.status_proxy.text() == ""
    shown = _record(qtbot, win)
    with VideoReader(clip) as reader:
        for k in (150, 20, 120):
            shown.clear()
            win.seek(k)
            qtbot.waitUntil(lambda k=k: win.view.frame_index == k and win.view.exact, timeout=5000)
            assert shown[0] == (k, False, k)  # the preview: right number, at once
            assert shown[-1] == (k, True, k)
            assert np.array_equal(win.view.current_array(), reader.frame(k))  # then exactly the frame
    win.close()


def test_no_copy_when_turned_off_or_for_quick_files(qtbot, tmp_path, clip, videos):
    win = _window(qtbot, tmp_path, proxy_media=False)
    assert win.open_video(clip)
    shown = _record(qtbot, win)
    win.seek(150)
    qtbot.waitUntil(lambda: win.view.frame_index == 150, timeout=5000)
    assert shown == [(150, True, 150)] and not win.proxy_job.running()
    small = make_video(videos / "proxy_gui_small.mp4", 60, options={"g": "250"})
    win.settings.proxy_media = True
    assert win.open_video(small)
    assert not win.proxy_job.running() and not win.proxy_job.complete
    win.close()


def test_analysis_pauses_the_build_and_it_resumes_after(qtbot, tmp_path, clip):
    win = _window(qtbot, tmp_path)
    assert win.open_video(clip)
    qtbot.waitUntil(win.proxy_job.running, timeout=5000)
    win.start_analysis()
    qtbot.waitUntil(lambda: not win.proxy_job.running(), timeout=5000)  # paused for the analysis
    assert win._worker.is_running() and not win.proxy_job.complete
    qtbot.waitUntil(lambda: not win._worker.is_running(), timeout=120_000)
    qtbot.waitUntil(lambda: win.proxy_job.complete, timeout=30_000)  # resumed and finished
    win.seek(77)
    qtbot.waitUntil(lambda: win.view.frame_index == 77 and win.view.exact, timeout=5000)
    win.close()
