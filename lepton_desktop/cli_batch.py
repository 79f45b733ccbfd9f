"""``lepton batch``: analyse many videos on Ray (a local Ray, or a cluster by address) into one project.

Exit codes: 0 every video analysed (or analysed before), 1 some failed (listed with the reason in the
JSON summary), 130 stopped by Ctrl+C (what finished is kept; a re-run resumes).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from lepton_desktop.cli import _print_json
from lepton_desktop.cli_args import _positive
from lepton_desktop.cli_stop import StopWhenAsked


class _BatchBar:
    """One line on stderr, only when stderr is a terminal: videos, frames/s over the cluster, time left."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, step: Any) -> None:
        if not self.enabled or step.videos_total <= 0:
            return
        share = step.videos_done / step.videos_total
        left = "" if step.seconds_left is None else f"{step.seconds_left:6.0f} s left"
        sys.stderr.write(
            f"\rbatch [{'#' * int(share * 30):<30}] {step.videos_done}/{step.videos_total} videos  "
            f"{len(step.running)} running  {step.frames_done} frames  {step.fps:6.1f} fps  {left} "
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _cmd_batch(args: argparse.Namespace) -> int:
    from lepton_desktop.services.analysis import default_project
    from lepton_desktop.services.batch import analyze_batch
    from lepton_desktop.vision.analyzer import AnalysisSettings

    project = args.project or default_project()
    settings = AnalysisSettings(
        stride=args.stride, min_face=args.min_face, actions=args.actions, steady_stride=args.steady_stride
    )
    bar = _BatchBar()
    started = time.perf_counter()
    last = None
    try:
        with StopWhenAsked("cancelling running videos, keeping finished ones") as stop:
            for last in analyze_batch(
                args.inputs, project=project, settings=settings, device=args.device, model_version=args.model,
                workers=args.workers, ray_address=args.ray_address, should_stop=stop,
            ):  # fmt: skip
                bar(last)
    finally:
        bar.close()
    assert last is not None
    counts: dict[str, int] = {}
    for o in last.outcomes:
        counts[o.outcome] = counts.get(o.outcome, 0) + 1
    wall = time.perf_counter() - started
    _print_json({
        "project": str(project), "state": last.state, "cluster": last.cluster, "videos": last.videos_total,
        "counts": counts, "frames": last.frames_done, "fps": round(last.fps, 2), "wall_s": round(wall, 3),
        "outcomes": [o.to_json() for o in last.outcomes],
    })  # fmt: skip
    for o in last.outcomes:
        if o.outcome == "failed":
            said = o.reason if str(o.video) in o.reason else f"{o.video}: {o.reason}"  # the path once
            print(f"lepton: failed: {said}", file=sys.stderr)
    listed = ", ".join(f"{n} {k}" for k, n in counts.items())
    print(f"lepton: batch {last.state}: {listed or 'no videos'} in {wall:.1f} s", file=sys.stderr)
    if last.state == "cancelled":
        return 130
    return 1 if counts.get("failed") else 0


def add_commands(sub: Any) -> None:
    """Add ``batch`` to the ``lepton`` parser."""
    p = sub.add_parser(
        "batch",
        help="analyse many videos on Ray (local or a cluster) into one project",
        description=(
            "Analyse every video named (files, folders searched recursively for video files, text files "
            "listing paths), each as a Ray task: on a local Ray started for the run, or on the cluster at "
            "--ray-address / RAY_ADDRESS. Results are stored as `lepton analyze` stores them; videos analysed "
            "before with the same settings and model are skipped, so a re-run resumes. A failed video is "
            "retried once, then listed with its reason. Ctrl+C stops and keeps what finished."
        ),
    )
    p.add_argument("inputs", nargs="+", type=Path, help="video files, folders, or .txt files listing paths")
    p.add_argument("--project", help="project file or URL (default: your default project)")
    p.add_argument("--workers", type=_positive, help="videos at a time (a local Ray gets this many CPUs; default: all)")
    p.add_argument("--ray-address", help="join this Ray cluster (default: $RAY_ADDRESS, else a local Ray)")
    p.add_argument("--device", default="auto", help="auto (a GPU per task when there is one), cpu, cuda or mps")
    p.add_argument("--stride", type=_positive, default=3, help="detect faces every K frames (3)")
    p.add_argument(
        "--steady-stride", type=_positive, default=4, help="while faces are steady, detect every Nth of those (4)"
    )
    p.add_argument("--min-face", type=_positive, default=40, help="smallest face to find, in video pixels (40)")
    p.add_argument("--model", type=int, help="model version id (see `lepton models`; default: the active one)")
    p.add_argument("--actions", action="store_true", help="also read 52 facial actions per face (slower)")
    p.set_defaults(func=_cmd_batch)
