"""Corrections at scale: 10,000 in a project.

    QT_QPA_PLATFORM=offscreen python bench/corrections.py

Prints: time to load the corrections (tier + panel) of a video holding 10,000;
end-to-end time of one labelling action in the window (commit + tier + panel),
p50/p95 over 50 actions; and the same action through the store alone (baseline).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import _common  # noqa: F401
import numpy as np
from _common import percentile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LEPTON_HOME", tempfile.mkdtemp(prefix="lepton-bench-"))


def main() -> None:
    import pyqtgraph as pg
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    sys.setswitchinterval(0.001)
    pg.setConfigOptions(antialias=False, imageAxisOrder="row-major")
    app = QApplication([])
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, os.environ["LEPTON_HOME"])
    from lepton_desktop.core.emotions import EMOTIONS
    from lepton_desktop.core.predictions import TrackPredictions
    from lepton_desktop.core.records import VideoInfo
    from lepton_desktop.gui.main_window import MainWindow
    from lepton_desktop.services.settings import Settings
    from lepton_desktop.store import open_project

    frames = 30 * 3600
    project = tempfile.mktemp(suffix=".lepton")
    rng = np.random.default_rng(0)
    with open_project(project, create=True) as proj:
        info = VideoInfo("/hour.mp4", "mov", "h264", frames, 30, 30, 3600, 1280, 720, 0, False, 1)
        video, _ = proj.videos.add(info, "c" * 64)
        run = proj.runs.start(video.id, {})
        tracks = []
        for number in (1, 2):
            track = proj.runs.add_track(run.id, number, 0, frames - 1)
            probs = np.full((frames, 7), 1 / 7, np.float32)
            proj.runs.append_predictions(
                track.id, TrackPredictions(np.arange(frames, dtype=np.int32), np.ones((frames, 4), np.float32), probs)
            )
            tracks.append(track)
        proj.runs.finish(run.id, "done")
        t = time.perf_counter()
        for i in range(10_000):
            start = int(rng.integers(0, frames - 300))
            proj.corrections.add(
                tracks[i % 2].id, start, start + int(rng.integers(5, 300)), EMOTIONS[i % 7], f"annotator{i % 3}"
            )
        seed_s = time.perf_counter() - t
    print(f"seeded 10,000 corrections through the store: {seed_s:.1f} s ({seed_s / 10:.2f} ms each)")

    win = MainWindow(Settings(project=project, annotator="bench"))
    win.resize(1400, 900)
    win.show()
    app.processEvents()
    from lepton_desktop.services.analysis import stored_results

    stored = stored_results(project, "c" * 64)
    win.results.clear(frames)
    win.results.add_rows(stored.rows, stored.track_ids)
    win.timeline.flush_now()
    win.fingerprint = "c" * 64
    win._timeline = type("T", (), {"frame_count": frames})()  # the window needs only the frame count here
    t = time.perf_counter()
    win._attach_corrections()
    app.processEvents()
    print(f"load the corrections of the video (10,000: tiers + panel): {(time.perf_counter() - t) * 1000:.0f} ms")

    actions = []
    for i in range(50):
        start = 1000 + i * 50
        win.timeline.select(1 + i % 2, start, start + 40)
        t = time.perf_counter()
        win.label_selection(EMOTIONS[i % 7])
        app.processEvents()
        actions.append((time.perf_counter() - t) * 1000)
    print(
        f"one labelling action in the window, end to end: "
        f"p50 {percentile(actions, 50):.1f} ms, p95 {percentile(actions, 95):.1f} ms"
    )
    if os.environ.get("LEPTON_PROFILE"):
        import cProfile
        import pstats

        pr = cProfile.Profile()
        pr.enable()
        for i in range(10):
            win.timeline.select(1, 5000 + i * 50, 5040 + i * 50)
            win.label_selection("sad")
            app.processEvents()
        pr.disable()
        pstats.Stats(pr).sort_stats("cumtime").print_stats(25)
    base = []
    with open_project(project) as proj:
        for i in range(50):
            t = time.perf_counter()
            proj.corrections.add(tracks[0].id, i, i + 10, "sad", "bench")
            base.append((time.perf_counter() - t) * 1000)
    print(f"baseline, the store alone: p50 {percentile(base, 50):.1f} ms, p95 {percentile(base, 95):.1f} ms")
    win.close()


if __name__ == "__main__":
    main()
