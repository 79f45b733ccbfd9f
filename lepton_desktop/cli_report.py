"""``lepton report``: an analysis as a report to hand on, HTML or PDF (the format comes from the file name)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lepton_desktop.cli import _print_json
from lepton_desktop.cli_learning import _Bar


def _cmd_report(args: argparse.Namespace) -> int:
    from lepton_desktop.services.analysis import default_project
    from lepton_desktop.services.report import export_report

    project = args.project or default_project()
    last = _Bar("report").drain(
        export_report(project, args.output, args.video, all_videos=args.all),
        lambda s: f"{s.done}/{s.total}  {s.message}",
    )
    if last is None or last.written is None:  # stopped (it asks no one here, but a job may end so)
        print("lepton: the report was not written", file=sys.stderr)
        return 1
    _print_json(last.written.to_json())
    return 0


def add_commands(sub: Any) -> None:
    """Add ``report`` to the ``lepton`` parser."""
    p = sub.add_parser(
        "report",
        help="write a report of an analysed video (or of a whole project) as HTML or PDF",
        description="Write a report: the video, the model and settings, each person's time per emotion (by the "
        "model and after human corrections), timelines, segments, faces at their strongest moments, "
        "annotators and their agreement, provenance. HTML is one self-contained file; PDF is typeset for print.",
    )
    p.add_argument("video", type=Path, nargs="?", help="video file (or its id in the project); leave out with --all")
    p.add_argument("--project", help="project file or URL (default: your default project)")
    p.add_argument("--all", action="store_true", help="one report over every analysed video of the project")
    p.add_argument("-o", "--output", type=Path, required=True, help="file to write: report.html or report.pdf")
    p.set_defaults(func=_cmd_report)
