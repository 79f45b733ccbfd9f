"""``lepton explain``: why one person's face at one frame got its label, as a PNG (and JSON)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lepton_desktop.cli import _print_json, add_project_option, frame_of
from lepton_desktop.cli_args import _frame_or_time, _positive


def _cmd_explain(args: argparse.Namespace) -> int:
    from lepton_desktop.video.opening import check_path

    check_path(args.video)  # a wrong path is told at once, before the models load
    args.frame = frame_of(args.video, args.frame)
    from lepton_desktop.services.explain import FaceExplainer
    from lepton_desktop.services.explain_figure import write_figure

    with FaceExplainer(args.project, args.video, device=args.device) as why:
        expl = why.explain(args.frame, args.track)
    document: dict[str, Any] = {"video": str(args.video), **expl.to_json()}
    if args.output is not None:
        document["output"] = str(write_figure(expl, args.output))
    _print_json(document)
    top = ", ".join(f"{e} {p:.2f}" for e, p in expl.top(3))
    print(f"lepton: {expl.name} at frame {expl.frame}: {top}; {expl.lstm_words()}", file=sys.stderr)
    return 0


def add_commands(sub: Any) -> None:
    """Add ``explain`` to the ``lepton`` parser."""
    p = sub.add_parser(
        "explain",
        help="why a face got its label: saliency, top classes, CNN vs LSTM, facial actions",
        description=(
            "Explain the analysis of one person at one frame: the aligned face as the model saw it, a "
            "Grad-CAM saliency map for the chosen class, the top three classes, the CNN's probabilities "
            "beside the final (CNN + LSTM) ones, and the most active facial actions. Prints JSON."
        ),
    )
    p.add_argument("video", type=Path, help="an analysed video")
    add_project_option(p)
    p.add_argument("--frame", required=True, type=_frame_or_time, help="frame number, 0-based, or a time (12.5s)")
    p.add_argument("--track", type=_positive, help="person number (default: the first person seen there)")
    p.add_argument("-o", "--output", type=Path, help="write the explanation as a PNG here")
    p.add_argument("--json", action="store_true", help="JSON on stdout (always printed; kept for scripts)")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    p.set_defaults(func=_cmd_explain)
