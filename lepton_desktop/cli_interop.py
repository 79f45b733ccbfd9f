"""``lepton export-annotations`` and ``lepton import-annotations``: ELAN, BORIS and final-labels files, headless."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lepton_desktop.cli import _print_json, add_project_option


def _cmd_export(args: argparse.Namespace) -> int:
    from lepton_desktop.services.interop import export_annotations

    _print_json(export_annotations(args.project, args.video, args.format, args.output))
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from lepton_desktop.services.interop import import_annotations

    summary = import_annotations(args.project, args.video, args.file, annotator=args.annotator, mapping=args.map)
    for warning in summary.get("warnings", []):  # as `lepton export` says its warnings
        print(f"lepton: warning: {warning}", file=sys.stderr)
    _print_json(summary)
    return 0


def add_commands(sub: Any) -> None:
    """Add ``export-annotations`` and ``import-annotations`` to the ``lepton`` parser."""
    p = sub.add_parser(
        "export-annotations",
        help="write a video's labels for ELAN or BORIS, or as a final-labels CSV",
        description="eaf: an ELAN file linked to the video, a tier per person for the model's dominant emotion "
        "(with its mean probability) and a tier per person and annotator for corrections. boris: chosen by the "
        "output's suffix: -o NAME.boris writes a BORIS project, which BORIS opens directly (File > Open project): "
        "the video linked, people as subjects, the seven emotions as state events (keys 1-7), one observation per "
        "annotator with their corrections and one with the model's dominant emotion; any other suffix writes BORIS "
        "tabular events (START/STOP rows of the corrections; .tsv tab-separated, else comma). csv: per person per "
        "frame, the human label where there is one, else the model's (source = human|model).",
    )
    add_project_option(p)
    p.add_argument("--video", required=True, help="video path (or its id in the project)")
    p.add_argument("--format", required=True, choices=("eaf", "boris", "csv"), help="what to write")
    p.add_argument("-o", "--output", required=True, type=Path, help="file to write (.eaf, .boris, .tsv, .csv)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser(
        "import-annotations",
        help="store the labels of an ELAN or BORIS file as corrections",
        description="Read an ELAN .eaf, a BORIS project (.boris, .boris.gz) or BORIS tabular events (.tsv/.csv) "
        "and store its labels as corrections of the video, all or nothing: any problem (an unknown emotion or "
        "person, a time past the end, an unpaired state event) changes nothing. ELAN tiers map to people by name "
        "('Person 2 / ana', 'Person 2', a display name) or their participant; the model's tiers are left out. "
        "BORIS subjects map to people the same way; state events (START/STOP) become corrections, point events "
        "are left out. From a BORIS project, the observations of this video (matched by file name) are read, "
        "except the model's; the annotator is the observation's 'Annotator' variable, else --annotator, else "
        "the observation's name.",
    )
    p.add_argument("file", type=Path, help=".eaf, a BORIS .boris project, or BORIS tabular events .tsv/.csv")
    add_project_option(p)
    p.add_argument("--video", required=True, help="video path (or its id in the project)")
    p.add_argument(
        "--annotator", help="who made the labels, where the file does not say (ELAN ANNOTATOR, BORIS 'Annotator')"
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="TIER=PERSON_NUMBER",
        help='a tier (or BORIS subject) to a person number, or "TIER=skip" to leave it out; repeatable',
    )
    p.set_defaults(func=_cmd_import)
