"""Helpers for the batch tests: generated clips, and the stored results of a project by video content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from lepton_desktop.services.analysis import load_run_rows
from lepton_desktop.store import open_project
from tests.faces import Placement, face_clip


def clips(folder: Path, count: int, frames: int, first: int = 0) -> list[Path]:
    """``count`` different one-face clips (the face walks at a different place and size in each)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(first, first + count):
        path = folder / f"clip{k}.mp4"
        face_clip(path, frames, lambda i, k=k: [Placement(120 + 4 * k + i, 120, 0.6 + 0.02 * k)])
        paths.append(path)
    return paths


def stored(project: Path | str) -> dict[str, dict[str, Any]]:
    """Per video fingerprint: its finished runs, and the newest one's params, model, tracks and rows."""
    out = {}
    with open_project(project) as proj:
        for video in proj.videos.list():
            runs = [r for r in proj.runs.list_runs(video.id) if r.status == "done"]
            if not runs:
                continue
            run = runs[-1]
            tracks = [(t.number, t.first_frame, t.last_frame) for t in proj.runs.tracks(run.id)]
            out[video.fingerprint] = {
                "runs": len(runs), "params": run.params, "model": run.model_version_id, "tracks": tracks,
                "rows": load_run_rows(proj, run.id), "frames_done": run.frames_done,
            }  # fmt: skip
    return out


def assert_same_results(batch: dict[str, dict[str, Any]], single: dict[str, dict[str, Any]]) -> None:
    """The same videos, settings, model, people and per-frame predictions (up to float rounding across threads)."""
    assert batch.keys() == single.keys()
    for key, a in batch.items():
        b = single[key]
        assert (a["params"], a["model"], a["tracks"], a["frames_done"]) == (
            b["params"], b["model"], b["tracks"], b["frames_done"]
        )  # fmt: skip
        ra, rb = a["rows"], b["rows"]
        assert np.array_equal(ra.frames, rb.frames) and np.array_equal(ra.tracks, rb.tracks)
        np.testing.assert_allclose(ra.probs, rb.probs, atol=1e-4)
        np.testing.assert_allclose(ra.boxes, rb.boxes, atol=1e-2)
