"""What facial actions cost: analysis frames/s without and with them, in one process, and their ratio.

    python bench/actions.py [VIDEO] [--repeats 2] [--device cpu] [--margins]

VIDEO defaults to the bundled sample (resources/sample/sample.mp4). The models are loaded by a
warm-up run first; then runs without and with actions alternate ``--repeats`` times and the best
of each is kept (a 2-core VM varies by +-30%). Wall-clock frames/s depends on what else runs on
the machine, so frames per CPU-second (user + system time of all this process's threads: torch's,
the decoder's and MediaPipe's) is printed too: the cost that does not depend on the neighbours.
``--margins`` also prints, per crop margin, the share of tracked faces in which the Face
Landmarker finds a face (what chose ``vision.actions.CROP_MARGIN``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
from pathlib import Path

import _common  # noqa: F401
from _common import ROOT, Timer


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def analyse(video: Path, device: str, actions: bool) -> tuple[float, float, int, float]:
    """Frames/s, frames per CPU-second, face rows, share of rows with actions."""
    import numpy as np

    from lepton_desktop.services.analysis import analyze_video, load_run_rows, run_to_completion
    from lepton_desktop.store import open_project
    from lepton_desktop.vision.analyzer import AnalysisSettings

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "bench.lepton"
        settings = AnalysisSettings(actions=actions)
        cpu = cpu_seconds()
        with Timer() as t:
            last = run_to_completion(
                analyze_video(video, project=project, settings=settings, device=device, force=True)
            )
        cpu = cpu_seconds() - cpu
        with open_project(project) as proj:
            rows = load_run_rows(proj, last.run_id)
    n = 0 if rows is None else len(rows)
    found = float("nan")
    if rows is not None and rows.actions is not None:
        found = float((~np.isnan(rows.actions[:, 0])).mean())
    return last.total / t.seconds, last.total / cpu, n, found


def margins(video: Path, device: str) -> dict[str, float]:
    """Share of tracked faces the landmarker finds, per crop margin."""
    import numpy as np

    from lepton_desktop.services.analysis import analyze_video, load_run_rows, run_to_completion
    from lepton_desktop.store import open_project
    from lepton_desktop.video import VideoReader
    from lepton_desktop.vision.actions import ActionReader, face_crop

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "bench.lepton"
        last = run_to_completion(analyze_video(video, project=project, device=device, force=True))
        with open_project(project) as proj:
            rows = load_run_rows(proj, last.run_id)
    assert rows is not None
    crops: dict[float, list[np.ndarray]] = {m: [] for m in (1.1, 1.3, 1.5, 1.8, 2.2)}
    with VideoReader(video) as reader:
        for frame in reader.iter_frames():
            for i in np.flatnonzero(rows.frames == frame.index):
                x, y, w, h = rows.boxes[i]
                for m in crops:
                    crops[m].append(face_crop(frame.image, np.array([x, y, x + w, y + h]), margin=m))
    out = {}
    with ActionReader() as reader:
        for m, faces in crops.items():
            out[f"{m:g}"] = round(float((~np.isnan(reader.read(faces)[:, 0])).mean()), 3)
    return out


def main() -> None:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=ROOT / "resources" / "sample" / "sample.mp4")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--margins", action="store_true")
    args = parser.parse_args()
    analyse(args.video, args.device, actions=True)  # warm-up: loads both models
    without, with_actions, cpu_without, cpu_with = [], [], [], []
    rows, found = 0, 0.0
    for _ in range(args.repeats):
        fps, per_cpu, _, _ = analyse(args.video, args.device, actions=False)
        without.append(fps)
        cpu_without.append(per_cpu)
        fps, per_cpu, rows, found = analyse(args.video, args.device, actions=True)
        with_actions.append(fps)
        cpu_with.append(per_cpu)
    best_without, best_with = max(without), max(with_actions)
    cpu_best_without, cpu_best_with = max(cpu_without), max(cpu_with)
    report = {
        "video": str(args.video),
        "device": args.device,
        "face_rows": rows,
        "rows_with_a_face_found_by_the_landmarker": round(found, 3),
        "fps_without_actions": [round(v, 1) for v in without],
        "fps_with_actions": [round(v, 1) for v in with_actions],
        "best_without": round(best_without, 1),
        "best_with": round(best_with, 1),
        "ratio_with_over_without": round(best_with / best_without, 3),
        "cost_share_of_speed": round(1 - best_with / best_without, 3),
        "frames_per_cpu_second_without": [round(v, 1) for v in cpu_without],
        "frames_per_cpu_second_with": [round(v, 1) for v in cpu_with],
        "cpu_ratio_with_over_without": round(cpu_best_with / cpu_best_without, 3),
        "median_paired_ratio": round(float(np.median(np.array(with_actions) / np.array(without))), 3),
        "median_paired_cpu_ratio": round(float(np.median(np.array(cpu_with) / np.array(cpu_without))), 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    if args.margins:
        report["landmarker_finds_face_by_margin"] = margins(args.video, args.device)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
