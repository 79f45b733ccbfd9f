"""Write and read back the per-frame predictions of a 1-hour, two-face video (216,000 rows).

    python bench/storage.py

Baseline in the same process: the same rows as one SQL row per frame (executemany).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import _common  # noqa: F401
import numpy as np
from _common import Timer


def main() -> None:
    os.environ.setdefault("LEPTON_HOME", tempfile.mkdtemp(prefix="lepton-bench-"))
    from lepton_desktop.core.predictions import TrackPredictions
    from lepton_desktop.core.records import VideoInfo
    from lepton_desktop.store import open_project

    frames_per_track = 30 * 3600
    rng = np.random.default_rng(0)
    tmp = Path(tempfile.mkdtemp())
    with open_project(tmp / "bench.lepton", create=True) as proj:
        info = VideoInfo("/v.mp4", "mov", "h264", frames_per_track, 30, 30, 3600, 1920, 1080, 0, False, 1)
        video, _ = proj.videos.add(info, "b" * 64)
        run = proj.runs.start(video.id, {})
        blocks = []
        for number in (1, 2):
            probs = rng.random((frames_per_track, 7), dtype=np.float32)
            probs /= probs.sum(1, keepdims=True)
            blocks.append(
                (
                    proj.runs.add_track(run.id, number, 0, 0),
                    TrackPredictions(
                        np.arange(frames_per_track, dtype=np.int32),
                        rng.random((frames_per_track, 4), dtype=np.float32) * 1000,
                        probs,
                    ),
                )
            )
        with Timer() as w:
            for track, block in blocks:
                proj.runs.append_predictions(track.id, block)
        with Timer() as r:
            back = [proj.runs.predictions(track.id) for track, _ in blocks]
        assert all(np.array_equal(b.probs, blk.probs) for b, (_, blk) in zip(back, blocks, strict=True))
        rows = 2 * frames_per_track
        size = (tmp / "bench.lepton").stat().st_size + (tmp / "bench.lepton-wal").stat().st_size
        print(f"predictions: {rows} rows (1 h, 2 faces)")
        print(f"lepton chunks: write {w.seconds:.3f} s, read {r.seconds:.3f} s, file {size / 1e6:.1f} MB")

        # Baseline: one row per frame in a plain table, same database engine.
        import sqlite3

        conn = sqlite3.connect(tmp / "baseline.db")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE p (track INT, frame INT, x REAL, y REAL, w REAL, h REAL,"
            " a REAL, b REAL, c REAL, d REAL, e REAL, f REAL, g REAL)"
        )
        with Timer() as bw:
            for track, block in blocks:
                conn.executemany(
                    "INSERT INTO p VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        (track.id, int(f), *map(float, bx), *map(float, pr))
                        for f, bx, pr in zip(block.frames, block.boxes, block.probs, strict=True)
                    ),
                )
            conn.commit()
        with Timer() as br:
            for track, _ in blocks:
                np.array(conn.execute("SELECT * FROM p WHERE track=? ORDER BY frame", (track.id,)).fetchall())
        print(f"baseline row-per-frame: write {bw.seconds:.3f} s, read {br.seconds:.3f} s")
        print(f"ratio (baseline / lepton): write x{bw.seconds / w.seconds:.1f}, read x{br.seconds / r.seconds:.1f}")


if __name__ == "__main__":
    main()
