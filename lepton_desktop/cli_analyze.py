"""``lepton analyze``: find, track and score every face in a video; store the run in a project."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lepton_desktop.cli import _print_json, app_command
from lepton_desktop.cli_args import _positive


class _ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, step: Any) -> None:
        if not self.enabled or step.total <= 0:
            return
        share = min(step.frames_done / step.total, 1.0)
        left = (step.total - step.frames_done) / step.fps if step.fps > 0 else 0.0
        bar = "#" * int(share * 30)
        sys.stderr.write(
            f"\ranalysing [{bar:<30}] {share:6.1%}  {step.frames_done}/{step.total} frames  "
            f"{step.fps:5.1f} fps  {step.faces} people  {left:5.0f} s left "
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _cmd_analyze(args: argparse.Namespace) -> int:
    if args.video is not None:  # a wrong path is told at once, before the models (and torch) load
        from lepton_desktop.video.opening import check_path

        check_path(args.video)
    if args.csv is not None:  # so is a CSV that could not be written, before the whole analysis
        from lepton_desktop.services.output import check_output

        check_output(args.csv)
    from lepton_desktop.services.analysis import analyze_video, default_project, load_run_rows, run_to_completion
    from lepton_desktop.services.csv_export import write_analysis_csv
    from lepton_desktop.services.samples import bundled_sample
    from lepton_desktop.services.summary import one_line, people_summary
    from lepton_desktop.store import open_project
    from lepton_desktop.video import VideoReader
    from lepton_desktop.vision.analyzer import AnalysisSettings

    video = args.video or bundled_sample()
    settings = AnalysisSettings(
        stride=args.stride, min_face=args.min_face, actions=args.actions, steady_stride=args.steady_stride
    )
    project = args.project or default_project()
    bar = _ProgressBar()
    try:
        last = run_to_completion(
            analyze_video(
                video,
                project=project,
                settings=settings,
                device=args.device,
                runtime=args.runtime,
                force=args.force,
                model_version=args.model,
            ),
            bar,
        )
    finally:
        bar.close()
    with open_project(project) as proj:
        rows = load_run_rows(proj, last.run_id)
    summary: dict[str, Any] = {
        "video": str(video),
        "project": str(project),
        "run": last.run_id,
        "model_version": last.model_version_id,
        "state": last.state,
        "frames": last.total,
        "people": len(last.track_ids),
        "face_rows": 0 if rows is None else len(rows),
        "device": last.device,
        "fps": None if last.state == "reused" else round(last.fps, 2),  # nothing was analysed this time
    }
    with VideoReader(video) as reader:
        timeline = reader.timeline
    with open_project(project) as proj:
        names = {t.number: t.display_name for t in proj.runs.tracks(last.run_id)}
    summary["summary"] = people_summary(rows, timeline.times(), names)
    if last.damage is not None:
        summary["damage"] = {k: v for k, v in last.damage.items() if k != "problem"}
        print(f"lepton: warning: {last.damage['message']}", file=sys.stderr)
    if last.state == "reused":
        print(f"lepton: note: analysed before with these settings and model ({last.device}); these are the stored "
              "results: --force analyses it again", file=sys.stderr)  # fmt: skip
    if rows is None:
        summary["note"] = "no faces were found in this video"
        print(f"lepton: note: no faces were found in {video}", file=sys.stderr)
    if args.csv is not None:
        write_analysis_csv(args.csv, rows, timeline)
        summary["csv"] = str(args.csv)
    _print_json(summary, csv_out=args.csv)
    for person in summary["summary"]:
        print(f"lepton: {one_line(person)}", file=sys.stderr)
    if rows is not None:  # with no face there is nothing to review or correct; the project always named, as the
        # app otherwise opens the one it used last, which may not be the one this command used
        print(f"lepton: to review and correct it, open it in the app: {app_command(video, project)}",
              file=sys.stderr)  # fmt: skip
    return 0


def add_commands(sub: Any) -> None:
    """Add ``analyze`` to the ``lepton`` parser."""
    p = sub.add_parser(
        "analyze",
        aliases=["analyse"],  # as the app spells it
        help="find, track and score every face in a video",
        description="Find and track every face, score seven emotions per face per frame, store the run in a project.",
    )
    p.add_argument("video", type=Path, nargs="?", help="video file (default: the bundled sample)")
    p.add_argument("--project", help="project file or URL (default: your default project)")
    p.add_argument(
        "--csv", type=Path, help="also write frame,time_s,track,x,y,w,h,<7 emotions> rows here (- for standard output)"
    )
    p.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or mps")
    p.add_argument(
        "--runtime",
        choices=("auto", "onnx", "onnx-float", "torch"),  # services.engine.RUNTIMES (not imported: start-up)
        default="auto",
        help="what runs the networks: auto (ONNX Runtime on the CPU, PyTorch on a GPU), onnx, onnx-float "
        "(the expression CNN in float32, not int8) or torch",
    )
    p.add_argument(
        "--stride", type=_positive, default=3, help="detect faces every K frames; tracking fills between (3)"
    )
    p.add_argument(
        "--steady-stride",
        type=_positive,
        default=4,
        help="while every face is steady, detect only every Nth detection frame; what is skipped is "
        "detected after all when a face comes, goes or strays (4; 1 = never skip)",
    )
    p.add_argument(
        "--min-face", type=_positive, default=40, help="smallest face to find, in video pixels (40; larger is faster)"
    )
    p.add_argument("--force", action="store_true", help="recompute even if this video was analysed the same way")
    p.add_argument("--model", type=int, help="model version id (see `lepton models`; default: the active one)")
    p.add_argument(
        "--actions",
        action="store_true",
        help="also read 52 facial actions per face (MediaPipe blendshapes; slower); --csv then adds "
        "valence, arousal and the 52 action columns",
    )
    p.set_defaults(func=_cmd_analyze)
