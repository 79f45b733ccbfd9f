"""``lepton review``: the stretches of a video that most need a human, ranked, with the reason."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lepton_desktop.cli import _print_json, add_project_option


def _cmd_review(args: argparse.Namespace) -> int:
    from lepton_desktop.core.review import REASONS
    from lepton_desktop.services.csv_export import write_csv
    from lepton_desktop.services.review import item_json, review_for_cli

    reasons = args.reason or list(REASONS)
    queue, record, times = review_for_cli(args.project, args.video, reasons)
    document = {"video": record.path, **queue.to_json(times)}
    if args.csv is not None:
        rows = [item_json(i, queue.names, times) for i in queue.items]
        columns = ["person", "name", "first_frame", "last_frame", "start_s", "end_s", "frames", "reason",
                   "reason_text", "score", "detail"]  # fmt: skip
        write_csv(args.csv, columns, [[r.get(c, "") for c in columns] for r in rows])
        document["csv"] = str(args.csv)
    _print_json(document, csv_out=args.csv)
    print(f"lepton: {review_summary(len(queue.items), queue.counts, args.reason)}", file=sys.stderr)
    return 0


def review_summary(shown: int, counts: dict[str, int], chosen: list[str] | None) -> str:
    """``3 items to review (annotators disagree: 1, ...)``; with ``--reason``, what the filter left out."""
    from lepton_desktop.core.review import REASON_TEXT

    head = f"{shown} {'item' if shown == 1 else 'items'} to review"
    if not chosen:
        listed = ", ".join(f"{REASON_TEXT[r]}: {n}" for r, n in counts.items() if n)
        return f"{head} ({listed or 'nothing'})"
    reasons = " or ".join(REASON_TEXT[r] for r in dict.fromkeys(chosen))
    others = ", ".join(f"{REASON_TEXT[r]}: {n}" for r, n in counts.items() if n and r not in chosen)
    return f"{head} (reason: {reasons}; not listed: {others})" if others else f"{head} (reason: {reasons})"


def add_commands(sub: Any) -> None:
    """Add ``review`` to the ``lepton`` parser."""
    from lepton_desktop.core.review import REASONS

    p = sub.add_parser(
        "review",
        help="list what needs a human, ranked, with the reason",
        description=(
            "List the stretches of a video that most need a human: annotators disagree, model versions "
            "disagree, low confidence, flicker, not yet reviewed. Thresholds are the app's (Edit > Review)."
        ),
    )
    add_project_option(p)
    p.add_argument("--video", help="video path (or its id in the project); default: the project's only video")
    p.add_argument("--reason", action="append", choices=REASONS, help="only this reason (repeatable)")
    p.add_argument("--csv", type=Path, help="also write the queue as CSV here (- for standard output)")
    p.set_defaults(func=_cmd_review)
