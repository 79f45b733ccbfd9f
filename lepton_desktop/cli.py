"""``lepton``: the headless command line. Stable contract: JSON on stdout, one-line errors on stderr.

Exit codes: 0 success, 1 bad input or a failed operation (message on stderr),
2 wrong usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lepton_desktop import __version__
from lepton_desktop.cli_args import Seconds, _frame_or_time, _Parser, _positive
from lepton_desktop.core.errors import LeptonError

log = logging.getLogger("lepton.cli")


def app_command(video: object, project: object | None) -> str:
    """The command that opens ``video`` in the app, quoted so that it can be pasted into a shell as it is."""
    import os
    import shlex
    import subprocess

    where = [] if project is None else ["--project", str(project)]
    words = ["lepton-desktop", *where, str(video)]
    return subprocess.list2cmdline(words) if os.name == "nt" else shlex.join(words)  # cmd.exe does not read '…'


def _print_json(payload: Any, *, csv_out: Path | None = None) -> None:
    """The command's JSON summary on stdout; on stderr when ``csv_out`` is ``-`` (the CSV rows took stdout)."""
    from lepton_desktop.services.output import is_stdout

    stream = sys.stderr if is_stdout(csv_out) else sys.stdout
    stream.write(json.dumps(payload, indent=2, default=str) + "\n")


def _cmd_info(args: argparse.Namespace) -> int:
    from lepton_desktop.services.samples import bundled_sample
    from lepton_desktop.video import probe

    _print_json(probe(args.video or bundled_sample()).to_json())
    return 0


def frame_of(video: Path, value: int | Seconds) -> int:
    """A frame typed as a number, or as a time (the frame on screen then, said on stderr)."""
    if not isinstance(value, Seconds):
        return value
    from lepton_desktop.services.frames import frames_at

    (frame,) = frames_at(video, [float(value)])
    print(f"lepton: {float(value):g} s is frame {frame}", file=sys.stderr)
    return frame


def _cmd_frame(args: argparse.Namespace) -> int:
    from lepton_desktop.services.frames import export_frame

    args.n = frame_of(args.video, args.n)
    out = export_frame(args.video, args.n, args.output)
    _print_json({"video": str(args.video), "frame": args.n, "output": str(out)})
    return 0


def _cmd_classify(args: argparse.Namespace) -> int:
    from lepton_desktop.core.emotions import EMOTIONS
    from lepton_desktop.services.classify import classify_images
    from lepton_desktop.services.csv_export import write_classify_csv

    results = classify_images(args.images, aligned=args.aligned, device=args.device)
    scored = [(r.path, r.probs) for r in results if r.probs is not None]
    for r in results:
        if r.note:
            print(f"lepton: note: {r.path}: {r.note}", file=sys.stderr)
    if args.csv is not None:
        write_classify_csv(args.csv, scored)
    report: list[dict[str, Any]] = []
    for r in results:
        entry: dict[str, Any] = {"path": r.path}
        if r.probs is not None:
            entry.update({e: round(float(p), 6) for e, p in zip(EMOTIONS, r.probs, strict=True)})
        if r.note:
            entry["note"] = r.note
        report.append(entry)
    _print_json(report, csv_out=args.csv)
    return 0


def _cmd_correct(args: argparse.Namespace) -> int:
    from lepton_desktop.services import corrections as svc
    from lepton_desktop.store import open_project

    if args.annotator is None:  # the name the app asked for on first start
        from lepton_desktop.services.settings import load_settings

        args.annotator = load_settings().annotator
        if not args.annotator.strip():
            raise svc.CorrectionError("Every correction needs an annotator name: pass --annotator NAME.")
    with open_project(args.project) as project:
        video = svc.find_video(project, args.video)
        track = svc.find_track(project, video.id, args.track)
        times = [float(v) for v in (args.start, args.end) if isinstance(v, Seconds)]
        found = svc.frames_at_times(video, times, args.video) if times else []  # the video read once
        for seconds, frame in zip(times, found, strict=True):
            print(f"lepton: {seconds:g} s is frame {frame}", file=sys.stderr)
        frames = iter(found)
        args.start, args.end = (next(frames) if isinstance(v, Seconds) else v for v in (args.start, args.end))
        same = svc.same_as_latest(project, track, args.start, args.end, args.label, args.annotator, args.origin)
        if same is not None:  # typed twice (shell history): storing it again would change nothing but the counts
            print(f"lepton: note: this is already your latest correction of Person {track.number} (id {same.id}); "
                  "nothing was added", file=sys.stderr)  # fmt: skip
        c = same or svc.add_correction(project, track, args.start, args.end, args.label, args.annotator, args.origin)
        missing = svc.frames_without_face(project, track, c.start_frame, c.end_frame)
    warning = svc.no_face_warning(f"Person {track.number}", c.start_frame, c.end_frame, missing)
    if warning:
        print(f"lepton: warning: {warning}", file=sys.stderr)
    _print_json({"id": c.id, "video": video.path, "track": track.number, "start_frame": c.start_frame,
                 "end_frame": c.end_frame, "label": c.label, "annotator": c.annotator, "origin": c.origin})  # fmt: skip
    return 0


def _cmd_corrections(args: argparse.Namespace) -> int:
    from lepton_desktop.services.corrections import export_corrections

    count = export_corrections(args.project, args.csv, args.video, history=args.history)
    _print_json({"csv": str(args.csv), "rows": count}, csv_out=args.csv)
    return 0


def _cmd_agreement(args: argparse.Namespace) -> int:
    from lepton_desktop.services import corrections as svc
    from lepton_desktop.store import open_project

    with open_project(args.project) as project:
        video = svc.find_video(project, args.video)
        report = svc.agreement(project, video, args.track)
    document = report.to_json()
    _print_json(document)
    if "note" in document:
        print(f"lepton: note: {document['note']}", file=sys.stderr)
    return 0


def _summary_json(summary: Any) -> dict[str, Any]:
    return {
        "project": summary.url,
        "schema": summary.schema_revision,
        "videos": [
            {
                "id": v.id,
                "path": v.path,
                "exists": Path(v.path).is_file(),
                "fingerprint": v.fingerprint,
                "frames": v.info.frames,
                "fps": round(v.info.fps, 6),
                "duration_s": round(v.info.duration_s, 3),
                "width": v.info.width,
                "height": v.info.height,
            }
            for v in summary.videos
        ],
        "counts": {
            "runs": summary.runs,
            "tracks": summary.tracks,
            "predictions": summary.predictions,
            "corrections": summary.corrections,
            "annotators": summary.annotators,
            "model_versions": summary.model_versions,
        },
    }


def _cmd_project_init(args: argparse.Namespace) -> int:
    from lepton_desktop.services.projects import init_project

    _print_json(_summary_json(init_project(args.path)))
    return 0


def _cmd_project_add(args: argparse.Namespace) -> int:
    from lepton_desktop.services.projects import add_videos

    added = add_videos(args.path, args.videos)
    _print_json(
        [
            {"id": a.record.id, "path": a.record.path, "outcome": a.outcome, "frames": a.record.info.frames}
            for a in added
        ]
    )
    return 0


def _cmd_project_show(args: argparse.Namespace) -> int:
    from lepton_desktop.services.projects import summarise

    _print_json(_summary_json(summarise(args.path or made_default_project())))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    parser = _Parser(
        prog="lepton", description="Lepton Desktop, headless: analyse videos, classify images, manage projects."
    )
    parser.add_argument("--version", action="version", version=f"lepton {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to the log file")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("info", help="print a video's metadata as JSON", description="Print a video's metadata as JSON.")
    p.add_argument("video", type=Path, nargs="?", help="video file (default: the bundled sample)")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser(
        "frame", help="write one frame as an image", description="Write frame N (0-based, presentation order) exactly."
    )
    p.add_argument("video", type=Path, help="video file")
    p.add_argument("n", type=_frame_or_time, help="frame number, 0-based, or a time (12.5s, 1:02.5)")
    p.add_argument("-o", "--output", type=Path, required=True, help="image file to write (.png, .jpg)")
    p.set_defaults(func=_cmd_frame)

    from lepton_desktop import cli_analyze

    cli_analyze.add_commands(sub)

    p = sub.add_parser(
        "classify", help="score the expression in still images", description="Score the largest face in each image."
    )
    p.add_argument("images", nargs="+", type=Path, help="image files")
    p.add_argument("--aligned", action="store_true", help="the images are face crops already: skip detection")
    p.add_argument("--csv", type=Path, help="write path,<7 emotions> rows here (- for standard output)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    p.set_defaults(func=_cmd_classify)

    from lepton_desktop.core.emotions import EMOTIONS

    p = sub.add_parser("correct", help="label a frame range of one person", description="Store a correction at once.")
    add_project_option(p)
    p.add_argument("--video", required=True, help="video path (or its id in the project)")
    p.add_argument("--track", required=True, type=_positive, help="person number (the 'track' column of analyze --csv)")
    p.add_argument(
        "--start",
        required=True,
        type=_frame_or_time,
        help="first frame (0-based), or a time: 12.5s, 1:02.5 (the frame on screen then)",
    )
    p.add_argument("--end", required=True, type=_frame_or_time, help="last frame, inclusive (or a time)")  # fmt: skip
    p.add_argument("--label", required=True, type=str.lower, choices=EMOTIONS, help="the emotion")
    p.add_argument("--annotator", help="who made the correction (default: the name given in the app)")
    p.add_argument("--origin", default="human", choices=("human", "accepted", "import"), help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_correct)

    p = sub.add_parser("corrections", help="export corrections as CSV", description="Export corrections as CSV.")
    add_project_option(p)
    p.add_argument("--video", help="only this video (path or id)")
    p.add_argument("--csv", required=True, type=Path, help="file to write (- for standard output)")
    p.add_argument("--history", action="store_true", help="include undone corrections (with undone_at)")
    p.set_defaults(func=_cmd_corrections)

    p = sub.add_parser(
        "agreement", help="agreement between two annotators", description="Frame-level agreement and Cohen's kappa."
    )
    add_project_option(p)
    p.add_argument("--video", required=True, help="video path (or its id in the project)")
    p.add_argument("--track", type=_positive, help="only this person")
    p.set_defaults(func=_cmd_agreement)

    from lepton_desktop import cli_interop, cli_learning, cli_proxy

    cli_learning.add_commands(sub)
    cli_proxy.add_commands(sub)
    cli_interop.add_commands(sub)
    from lepton_desktop import cli_review

    cli_review.add_commands(sub)
    from lepton_desktop import cli_report

    cli_report.add_commands(sub)
    from lepton_desktop import cli_explain

    cli_explain.add_commands(sub)
    from lepton_desktop import cli_batch

    cli_batch.add_commands(sub)
    from lepton_desktop import cli_live

    cli_live.add_commands(sub)

    proj = sub.add_parser(
        "project", help="create and inspect project files", description="Create and inspect project files."
    )
    psub = proj.add_subparsers(dest="project_command", metavar="ACTION", required=True)
    p = psub.add_parser("init", help="create a new project file", description="Create a new, empty project file.")
    p.add_argument("path", help="project file to create (or a postgresql:// URL)")
    p.set_defaults(func=_cmd_project_init)
    p = psub.add_parser(
        "add", help="add videos to a project", description="Add videos (a moved video is relinked by content)."
    )
    p.add_argument("path", help="project file (or database URL)")
    p.add_argument("videos", nargs="+", type=Path, help="video files")
    p.set_defaults(func=_cmd_project_add)
    p = psub.add_parser("show", help="summarise a project as JSON", description="Summarise a project as JSON.")
    p.add_argument("path", nargs="?", help="project file (or database URL; default: your default project)")
    p.set_defaults(func=_cmd_project_show)
    return parser


def _stop_cleanly_on_sigterm() -> None:
    """SIGTERM (a service manager, `kill`) unwinds like Ctrl+C: a running analysis is closed as interrupted."""
    import contextlib
    import signal

    def stop(signum: int, _frame: object) -> None:
        print("lepton: stopped (SIGTERM); what was stored is kept", file=sys.stderr)
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError):  # not the main thread (embedded use): the default stays
        signal.signal(signal.SIGTERM, stop)


def made_default_project() -> Path:
    """The per-user default project, made on first use (as `lepton analyze` and the app make it)."""
    from lepton_desktop.services.analysis import default_project
    from lepton_desktop.services.projects import ensure_project

    project = default_project()
    ensure_project(project)
    return project


def add_project_option(p: argparse.ArgumentParser) -> None:
    """``--project``, defaulting to the per-user project that `lepton analyze` and the app use."""
    p.add_argument("--project", help="project file or URL (default: your default project, as `lepton analyze` uses)")
    p.set_defaults(project_or_default=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "project_or_default", False) and args.project is None:
        from lepton_desktop.services.analysis import default_project

        args.project = str(default_project())
    from lepton_desktop.logs import setup_logging

    log_path = setup_logging("cli", verbose=args.verbose)
    _stop_cleanly_on_sigterm()
    try:
        return int(args.func(args))
    except LeptonError as exc:
        print(f"lepton: error: {exc}", file=sys.stderr)
        return 1
    except (IndexError, ValueError) as exc:
        print(f"lepton: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lepton: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an unexpected failure: one line here, the traceback in the log
        log.exception("unexpected failure")
        where = f"; details in {log_path}" if log_path else ""
        print(f"lepton: error: unexpected failure ({type(exc).__name__}: {exc}){where}", file=sys.stderr)
        return 1
