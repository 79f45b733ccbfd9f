"""``lepton live``: analyse a camera or a stream as it comes, recorded into the project.

Prints one JSON line a second (people, analysed frames/s, latency, frame counts) and a summary
line at the end. Ctrl+C (or SIGTERM) stops: the recording is finished and stored with its results.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from lepton_desktop.cli import app_command
from lepton_desktop.cli_args import _non_negative, _positive
from lepton_desktop.cli_stop import StopWhenAsked
from lepton_desktop.core.words import people


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _line(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def _cmd_live(args: argparse.Namespace) -> int:
    from lepton_desktop.services.live import LiveSession

    session = LiveSession(
        args.source,
        project=args.project,
        record=args.record,
        realtime=args.realtime,
        seconds=args.seconds,
        device=args.device,
        model_version=args.model,
        stall_timeout_s=args.stall_timeout,
        retries=args.retries,
    )
    last = None
    next_line = 1.0
    recording = False
    finishing = "finishing the recording and storing the results"
    with StopWhenAsked(finishing, (signal.SIGINT, signal.SIGTERM)) as stop:
        for step in session.run(stop):
            for notice in step.notices:
                print(f"lepton: {notice}", file=sys.stderr, flush=True)
            if step.state == "connecting":
                print(f"lepton: live: opening {session.spec.label}", file=sys.stderr, flush=True)
            elif step.state == "running" and not recording:  # said once frames come, not before an error
                recording = True
                print(f"lepton: live: recording into {session.record}", file=sys.stderr, flush=True)
            if step.state == "running" and step.seconds >= next_line:
                _line(step.to_json())
                next_line = int(step.seconds) + 1.0
            last = step
    assert last is not None
    summary = last.summary
    _line({"summary": summary})
    if summary.get("problem"):
        print(f"lepton: warning: {summary['problem']}", file=sys.stderr)
    end = str(summary.get("end", ""))
    if end.startswith("the stream stopped"):
        print(f"lepton: warning: {end}; what arrived was recorded and analysed", file=sys.stderr)
    if summary.get("recording") is None:
        print(f"lepton: error: {end}", file=sys.stderr)
        return 1
    share = summary.get("analysed_share", 0.0)
    latency = summary.get("latency_ms", {})
    print(
        f"lepton: recorded {summary['frames']} frames into {summary['recording']}; analysed {share:.0%} of them "
        f"({people(summary['people'])}, latency p95 "
        f"{latency.get('p95')} ms)",
        file=sys.stderr,
    )
    print(f"lepton: to review and correct it: {app_command(summary['recording'], session.project)}", file=sys.stderr)
    return 0 if summary.get("state") == "done" else 1


def add_commands(sub: Any) -> None:
    """Add ``live`` to the ``lepton`` parser."""
    p = sub.add_parser(
        "live",
        help="analyse a camera or a stream live, recording it into the project",
        description="Receive a camera or a network stream, record every frame into a video file beside the project, "
        "and analyse the newest frames as they come (frames there is no time for are not analysed, never queued). "
        "Prints a JSON line a second and a summary; Ctrl+C stops and keeps everything. The recording becomes an "
        "ordinary video of the project, with the live results as its analysis.",
    )
    p.add_argument(
        "source",
        help="a camera (/dev/video0, camera:0; camera:NAME on Windows), a stream URL (rtsp://, rtmp://, http://, "
        "udp://...) or, with --realtime, a video file played as live",
    )
    p.add_argument("--project", help="project file or URL (default: your default project)")
    p.add_argument("--seconds", type=_seconds, help="stop after this long (default: until Ctrl+C or the source ends)")
    p.add_argument("--record", type=Path, help="the recording (.mkv or .mp4; default: beside the project, dated)")
    p.add_argument("--realtime", action="store_true", help="SOURCE is a file: play it at its own frame rate")
    p.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or mps")
    p.add_argument("--model", type=_positive, help="model version id (default: the active one)")
    p.add_argument(
        "--stall-timeout",
        type=_seconds,
        default=10.0,
        help="seconds without data before a stream counts as stalled (10)",
    )
    p.add_argument("--retries", type=_non_negative, default=3, help="reconnection attempts after a stall or a drop (3)")
    p.set_defaults(func=_cmd_live)
