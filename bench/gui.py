"""GUI responsiveness, offscreen.

    QT_QPA_PLATFORM=offscreen python bench/gui.py

0. Start-up: a fresh process to the main window shown with a clip open, as shipped (PyTorch is
   not loaded) and with PyTorch imported first (what the window loaded before); best of three each.
1. Time to show a stored 2-hour analysis (30 fps, two people: 216,000 frames each)
   from the project to drawn timelines.
2. Frame time of timeline pan and zoom at that size (p50/p95 of a forced repaint).
3. Seek latency on a 1080p H.264 file: request -> frame on screen (p50/p95 over random seeks),
   first with exact decoding only (the baseline), then with the proxy copy (preview, then exact);
   and a slider drag (scrub): how many positions got a frame on screen, and rest -> exact frame.
4. Longest GUI-thread stall while an analysis runs (10 ms QTimer heartbeat).
"""

from __future__ import annotations

import os
import random
import tempfile
import time

import _common  # noqa: F401
import numpy as np
from _common import out_dir, percentile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LEPTON_HOME", tempfile.mkdtemp(prefix="lepton-bench-"))


START = """
import os, sys, time
start = float(sys.argv[2])
if sys.argv[3] == "torch":
    import torch  # the baseline: the window used to load it
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from lepton_desktop.services.settings import load_settings, save_settings
settings = load_settings()
settings.annotator = "bench"
save_settings(settings)
app = QApplication([])
from lepton_desktop.gui.app import open_window
window = open_window(Path(sys.argv[1]), None)
def shown():
    print(time.time() - start, "torch" in sys.modules)
    sys.stdout.flush()
    os._exit(0)
QTimer.singleShot(0, shown)  # the first turn of the event loop after the window is shown
app.exec()
"""


def start_up(clip) -> None:
    import subprocess
    import sys

    from _common import ROOT

    got = {}
    for mode in ("torch", "shipped"):
        runs = []
        for _ in range(3):
            env = {**os.environ, "LEPTON_HOME": tempfile.mkdtemp(prefix="lepton-bench-start-")}
            out = subprocess.run([sys.executable, "-c", START, str(clip), repr(time.time()), mode], env=env,
                                 capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()  # fmt: skip
            runs.append(float(out[0]))
        got[mode] = (min(runs), out[1])
    (base, _), (ours, loaded) = got["torch"], got["shipped"]
    print(f"start-up to the window shown with {clip.name} open: {ours:.2f} s (torch loaded: {loaded}); "
          f"with torch imported first, as before: {base:.2f} s (x{base / ours:.2f} faster)")  # fmt: skip


def main() -> None:
    import sys

    from lepton_desktop.services.samples import bundled_sample

    start_up(bundled_sample())

    import pyqtgraph as pg
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    sys.setswitchinterval(0.001)  # as lepton_desktop.gui.app does
    pg.setConfigOptions(antialias=False, imageAxisOrder="row-major")
    app = QApplication([])
    from PySide6.QtCore import QSettings  # window layout goes to the bench's temporary home, not the user's

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, os.environ["LEPTON_HOME"])
    from lepton_desktop.core.predictions import TrackPredictions
    from lepton_desktop.core.records import VideoInfo
    from lepton_desktop.gui.main_window import MainWindow
    from lepton_desktop.services.analysis import stored_results
    from lepton_desktop.services.settings import Settings
    from lepton_desktop.store import open_project

    def wait(pred, timeout=30.0):
        end = time.perf_counter() + timeout
        while not pred() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    # 1. a stored 2-hour analysis ---------------------------------------------------------
    frames = 2 * 3600 * 30
    project = tempfile.mktemp(suffix=".lepton")
    rng = np.random.default_rng(0)
    with open_project(project, create=True) as proj:
        info = VideoInfo("/long.mp4", "mov", "h264", frames, 30, 30, 7200, 1920, 1080, 0, False, 1)
        video, _ = proj.videos.add(info, "l" * 64)
        run = proj.runs.start(video.id, {})
        for number in (1, 2):
            logits = np.cumsum(rng.normal(0, 0.05, (frames, 7)), axis=0).astype(np.float32)
            probs = np.exp(logits - logits.max(1, keepdims=True))
            probs /= probs.sum(1, keepdims=True)
            track = proj.runs.add_track(run.id, number, 0, frames - 1)
            proj.runs.append_predictions(
                track.id,
                TrackPredictions(np.arange(frames, dtype=np.int32), np.full((frames, 4), 100, np.float32), probs),
            )
        proj.runs.finish(run.id, "done")
    win = MainWindow(Settings(project=project))
    win.resize(1400, 900)
    win.show()
    app.processEvents()
    t0 = time.perf_counter()
    stored = stored_results(project, "l" * 64)
    win.results.clear(frames)
    win.results.add_rows(stored.rows, stored.track_ids)
    win.timeline.flush_now()
    win.timeline.repaint()
    app.processEvents()
    print(f"show a stored 2-hour analysis (2 people x {frames} frames): {time.perf_counter() - t0:.2f} s")

    # 2. pan / zoom frame time -----------------------------------------------------------
    plot = win.timeline.rows[1].plot
    times = []
    for i in range(40):
        lo = (i * 5000) % frames
        width = [frames, 60_000, 6_000, 600][i % 4]
        t = time.perf_counter()
        plot.setXRange(lo, lo + width, padding=0)
        win.timeline.repaint()
        app.processEvents()
        times.append((time.perf_counter() - t) * 1000)
    print(f"timeline pan/zoom frame time: p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms")

    # 3. seek latency on 1080p ----------------------------------------------------------------
    path = out_dir() / "bench_1080p_60s.mp4"
    if not path.exists():
        from decode import make_1080p

        make_1080p(path, 60)

    def seeks(exact_only: bool) -> tuple[list[float], list[float]]:
        first, exact = [], []
        rng2 = random.Random(2)
        for _ in range(60):
            k = rng2.randrange(win.frame_count)
            t = time.perf_counter()
            win.seek(k)
            wait(lambda k=k: win.view.frame_index == k)
            first.append((time.perf_counter() - t) * 1000)
            wait(lambda k=k: win.view.frame_index == k and win.view.exact)
            exact.append((time.perf_counter() - t) * 1000)
        return first, exact

    def scrub() -> tuple[int, float]:
        """A drag along the slider: 40 moves 20 ms apart; frames of those shown, then rest -> exact frame."""
        seen: set[int] = set()
        win._loader.frame_ready.connect(lambda i, _image, _exact: seen.add(i))
        pos, wanted = win.frame_count // 3, set()
        for _ in range(40):
            pos = min(win.frame_count - 1, pos + 23)
            wanted.add(pos)
            win.seek(pos)
            end = time.perf_counter() + 0.02
            wait(lambda end=end: time.perf_counter() >= end)
        t = time.perf_counter()
        wait(lambda: win.view.frame_index == pos and win.view.exact)
        return len(seen & wanted), (time.perf_counter() - t) * 1000

    win.settings.proxy_media = False  # baseline: exact decoding only, as before proxy copies
    win.open_video(path)
    wait(lambda: win.view.frame_index == 0)
    _, lat = seeks(True)
    shown, rest = scrub()
    print(
        f"1080p seek, exact decoding only (60 random): p50 {percentile(lat, 50):.0f} ms, "
        f"p95 {percentile(lat, 95):.0f} ms; scrub: {shown}/40 positions shown, rest -> exact {rest:.0f} ms"
    )
    win.settings.proxy_media = True
    t = time.perf_counter()
    win.open_video(path)
    wait(lambda: win.proxy_job.complete, timeout=300)
    build = time.perf_counter() - t
    print(f"proxy copy of the 60 s 1080p file: built in {build:.1f} s ({win.frame_count / build:.0f} frames/s)")
    first, exact = seeks(False)
    shown, rest = scrub()
    print(
        f"1080p seek with the proxy copy (60 random): request -> frame on screen "
        f"p50 {percentile(first, 50):.0f} ms, p95 {percentile(first, 95):.0f} ms "
        f"(x{percentile(lat, 95) / percentile(first, 95):.1f} faster at p95); exact full-size frame follows at "
        f"p50 {percentile(exact, 50):.0f} ms, p95 {percentile(exact, 95):.0f} ms; "
        f"scrub: {shown}/40 positions shown, rest -> exact {rest:.0f} ms"
    )
    steps = []
    for _ in range(30):
        k = win.current + 1
        t = time.perf_counter()
        win.step(1)
        wait(lambda k=k: win.view.frame_index == k)
        steps.append((time.perf_counter() - t) * 1000)
    print(f"1080p step one frame (30): p50 {percentile(steps, 50):.0f} ms, p95 {percentile(steps, 95):.0f} ms")
    back = []
    for _ in range(30):
        k = win.current - 1
        t = time.perf_counter()
        win.step(-1)
        wait(lambda k=k: win.view.frame_index == k)
        back.append((time.perf_counter() - t) * 1000)
    print(
        f"1080p step one frame back (30): mean {sum(back) / len(back):.0f} ms, "
        f"p50 {percentile(back, 50):.0f} ms, p95 {percentile(back, 95):.0f} ms"
    )

    # 4. GUI stall while analysing ----------------------------------------------------------
    from tests.faces import Placement, face_clip

    clip = out_dir() / "gui_stall_clip.mp4"
    if not clip.exists():
        face_clip(
            clip,
            250,
            lambda i: [Placement(200 + i, 170, 0.7), Placement(460, 170, 0.6, mirrored=True)],
            size=(640, 360),
        )
    win.open_video(clip)
    gaps = []
    last = [time.perf_counter()]

    when = []

    def beat():
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        when.append(last[0])
        last[0] = now

    heart = QTimer()
    heart.timeout.connect(beat)
    heart.start(10)
    t = time.perf_counter()
    win.start_analysis()
    wait(lambda: win._worker is not None and not win._worker.is_running(), timeout=300)
    wait(lambda: False, timeout=0.5)  # the last steps (results attached, corrections loaded) count too
    heart.stop()
    print(
        f"analysis in the window: {time.perf_counter() - t:.1f} s for 250 frames; GUI heartbeat gaps: "
        f"p50 {percentile(gaps, 50):.0f} ms, p99 {percentile(gaps, 99):.0f} ms, "
        f"longest {max(gaps):.0f} ms (10 ms timer)"
    )
    worst = sorted(zip(gaps, when, strict=True), reverse=True)[:3]
    print("  worst gaps: " + ", ".join(f"{g:.0f} ms at +{w - t:.2f} s" for g, w in worst))
    win.close()


if __name__ == "__main__":
    main()
