"""``lepton export``, ``lepton finetune`` and ``lepton models``: the learning loop, headless."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from lepton_desktop.cli import _print_json, made_default_project
from lepton_desktop.cli_args import _positive

T = TypeVar("T")


class _Bar:
    """One line on stderr, only when it is a terminal."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.enabled = sys.stderr.isatty()

    def show(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r{self.what}: {text:<70}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")

    def drain(self, steps: Iterable[T], text: Callable[[T], str]) -> T | None:
        """Run a job to its end, showing ``text(step)`` for each step; returns the last step."""
        last = None
        try:
            for step in steps:
                self.show(text(step))
                last = step
        finally:
            self.close()
        return last


def _project(args: argparse.Namespace) -> str | Path:
    from lepton_desktop.services.analysis import default_project

    return args.project or default_project()


def _versions_project(args: argparse.Namespace) -> str | Path:
    """The project whose model versions are listed or switched; the per-user default is made on first use."""
    return args.project or made_default_project()


def _cmd_export(args: argparse.Namespace) -> int:
    from lepton_desktop.services.dataset import ExportOptions, export_dataset

    options = ExportOptions(
        videos=tuple(args.video) if args.video else None,
        annotators=tuple(args.annotator) if args.annotator else None,
        include_accepted=args.include_accepted,
        stride=args.stride,
        val_share=args.val_share,
        seed=args.seed,
        color_size=args.size,
        sequence_length=args.sequence_length,
        features_only=args.features_only,
        device=args.device,
    )
    last = _Bar("exporting").drain(
        export_dataset(_project(args), args.output, options), lambda s: f"{s.done}/{s.total} frames  {s.message}"
    )
    summary = None if last is None else last.summary
    for warning in (summary or {}).get("warnings", []):
        print(f"lepton: warning: {warning}", file=sys.stderr)
    _print_json(summary)
    return 0


def _cmd_finetune(args: argparse.Namespace) -> int:
    from lepton_desktop.services.finetune import finetune
    from lepton_desktop.vision.training import TrainSettings

    settings = TrainSettings(
        epochs=args.epochs, batch=args.batch, train_cnn=not args.head_only, patience=args.patience, seed=args.seed,
        augment=not args.no_augment,
    )  # fmt: skip

    def text(step: Any) -> str:
        e = step.epoch
        if e is None:
            return str(step.message)
        return f"epoch {e.epoch}/{e.epochs}  loss {e.train_loss:.3f}  val macro-F1 {e.val_macro_f1:.3f}"

    last = _Bar("fine-tuning").drain(
        finetune(args.dataset, project=_project(args), settings=settings, device=args.device, name=args.name,
                 activate=args.activate),
        text,
    )  # fmt: skip
    _print_json(None if last is None else last.result)
    if last is not None and last.result and last.result.get("verdict"):
        print(f"lepton: {last.result['verdict']}", file=sys.stderr)
    return 0


_BRIEF = ("id", "name", "active", "parent_id", "created_at", "accuracy", "macro_f1", "measured_on",
          "parent_on_same_frames")  # fmt: skip
"""What `lepton models` shows of a version without --verbose."""


def _brief(version: dict[str, Any]) -> dict[str, Any]:
    return {k: version[k] for k in _BRIEF if k in version}


def _cmd_models(args: argparse.Namespace) -> int:
    from lepton_desktop.services.models import list_versions

    versions = list_versions(_versions_project(args))
    if not args.verbose:
        versions = [_brief(v) for v in versions]
    _print_json(versions)
    return 0


def _cmd_models_activate(args: argparse.Namespace) -> int:
    from lepton_desktop.services.models import activate

    made = activate(_versions_project(args), args.id)
    _print_json(made if args.verbose else _brief(made))
    return 0


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError("must be at least 0 and below 1")
    return value


def add_commands(sub: Any) -> None:
    """Add the learning-loop commands to the ``lepton`` parser."""
    p = sub.add_parser(
        "export",
        help="export corrected faces as a fine-tuning dataset",
        description="Export human corrections as face crops (image folders + metadata.jsonl), sequences and a card.",
    )
    p.add_argument("output", type=Path, help="folder to create (must not exist or be empty)")
    p.add_argument("--project", help="project file or URL (default: your default project)")
    p.add_argument(
        "--video", action="append", help="only this video: its path or id (repeatable; default: every corrected video)"
    )
    p.add_argument("--annotator", action="append", help="only this annotator's corrections (repeatable)")
    p.add_argument("--include-accepted", action="store_true", help="also use accepted model proposals")
    p.add_argument("--stride", type=_positive, default=5, help="every Nth labelled frame becomes an image (5)")
    p.add_argument("--val-share", type=_share, default=0.25, help="share of videos for validation (0.25)")
    p.add_argument("--seed", type=int, default=0, help="seed of the video split (0)")
    p.add_argument("--size", type=_positive, default=224, help="side of the colour crops in pixels (224)")
    p.add_argument("--sequence-length", type=_positive, default=32, help="frames per sequence clip (32)")
    p.add_argument("--features-only", action="store_true", help="write CNN features instead of face pixels")
    p.add_argument("--device", default="auto", help="device for --features-only: auto, cpu, cuda, mps")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser(
        "finetune",
        help="fine-tune the model on an exported dataset",
        description="Fine-tune the active model version; prints before/after metrics and the new version's id.",
    )
    p.add_argument("dataset", type=Path, help="a folder made by `lepton export`")
    p.add_argument("--project", help="project to add the new model version to (default: your default project)")
    p.add_argument("--epochs", type=_positive, default=20, help="at most this many epochs (20)")
    p.add_argument("--batch", type=_positive, default=8, help="sequences per step (8)")
    p.add_argument("--patience", type=_positive, default=5, help="stop after N epochs without improvement (5)")
    p.add_argument(
        "--head-only", action="store_true", help="train only the temporal head (default: also the CNN's last block)"
    )
    p.add_argument("--no-augment", action="store_true", help="no mirroring/contrast/shift augmentation")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--name", help="name of the new model version")
    p.add_argument("--activate", action="store_true", help="make the new version the active one")
    p.add_argument("--device", default="auto", help="auto (CUDA with mixed precision when present), cpu, cuda")
    p.set_defaults(func=_cmd_finetune)

    models = sub.add_parser(
        "models", help="list or activate model versions", description="List a project's model versions with metrics."
    )
    models.add_argument("--project", help="project file or URL (default: your default project)")
    models.add_argument("--verbose", action="store_true", help="also weights, datasets and full metrics (matrices)")
    models.set_defaults(func=_cmd_models)
    msub = models.add_subparsers(dest="models_command", metavar="ACTION")
    p = msub.add_parser("activate", help="use this version for new analyses (also rolls back)")
    p.add_argument("id", type=int, help="model version id (from `lepton models`)")
    # SUPPRESS: given before `activate` (lepton models --project P activate 4) it must not be reset to the default
    p.add_argument("--project", default=argparse.SUPPRESS, help="project file or URL (default: your default project)")
    p.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help="also the full metrics")
    p.set_defaults(func=_cmd_models_activate)
