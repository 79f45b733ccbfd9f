"""``lepton proxy``: prepare fast-seeking copies ahead of time (say, overnight for a team's footage)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lepton_desktop.cli import _print_json
from lepton_desktop.cli_learning import _Bar


def _cmd_proxy(args: argparse.Namespace) -> int:
    from lepton_desktop.services.settings import load_settings
    from lepton_desktop.video import VideoReader
    from lepton_desktop.video.proxy import ProxyLayout, worth_a_proxy
    from lepton_desktop.video.proxy_build import build_proxy

    budget = load_settings().proxy_budget_bytes()
    report = []
    for video in args.videos:
        with VideoReader(video) as reader:
            layout = ProxyLayout.for_video(reader)
            needed = args.force or worth_a_proxy(reader)
        state = "not needed: seeking in this file is already quick"
        if needed:
            last = _Bar(f"proxy {video.name}").drain(
                build_proxy(video, budget_bytes=budget),
                lambda s: f"{s.done}/{s.total} frames ({s.done / max(s.total, 1):.0%})",
            )
            state = "done" if last is None else last.state
        size = sum(f.stat().st_size for f in layout.folder.glob("*.mp4")) if layout.folder.is_dir() else 0
        report.append({"video": str(video), "state": state, "folder": str(layout.folder), "bytes": size})
    _print_json(report)
    return 0


def add_commands(sub: Any) -> None:
    """Add ``proxy`` to the ``lepton`` parser."""
    p = sub.add_parser(
        "proxy",
        help="prepare fast-seeking copies of videos",
        description="Write the small short-GOP copy the desktop app previews seeks from (into the user cache). "
        "The app builds it in the background too; this does it ahead of time.",
    )
    p.add_argument("videos", nargs="+", type=Path, help="video files")
    p.add_argument("--force", action="store_true", help="also for videos that seek quickly without one")
    p.set_defaults(func=_cmd_proxy)
