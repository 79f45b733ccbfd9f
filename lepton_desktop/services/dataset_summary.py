"""The record of a finished dataset export: its summary (``export.json``, the card, the CLI) and fingerprint."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lepton_desktop import __version__
from lepton_desktop.core.actions import ACTION_NAMES
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.records import ModelVersion
from lepton_desktop.services.dataset_plan import ExportOptions, Plan

SPLITS = ("train", "val")
FORMAT = "lepton-dataset-v1"
HOLDOUT_SHARE = 0.25
"""Share of a video's labelled frames (its end) held out for validation when there are no validation videos."""
HOLDOUT_GAP = 64
"""Frames between the training and the held-out range that neither uses."""
MIN_SEQUENCE = 8
"""Fewest frames in a row a sequence file holds (shorter labelled stretches give still crops only)."""
MIN_VALIDATION_FRAMES = 100
"""Below this many held-out frames one frame moves accuracy by more than a point: fine-tuning gives no verdict."""


@dataclass(frozen=True)
class Window:
    """One sequence file an export wrote: whose video, its frames (consecutive) and their labels (-1: none)."""

    video: str
    frames: np.ndarray
    labels: np.ndarray


def holdout_split(windows: list[tuple[str, np.ndarray]]) -> tuple[list[int], list[int]]:
    """Training and validation windows (indexes) of a dataset without validation videos.

    ``windows``: (video, frames) of each sequence. Per video, the windows that start in the last
    HOLDOUT_SHARE of its labelled frames validate, those that end HOLDOUT_GAP frames before that
    train, and the ones between are left out. Fine-tuning splits so, and export warns from it.
    """
    by_video: dict[str, list[int]] = defaultdict(list)
    for i, (video, _frames) in enumerate(windows):
        by_video[video].append(i)
    train, val = [], []
    for group in by_video.values():
        frames = np.sort(np.concatenate([windows[i][1] for i in group]))
        cut = int(frames[min(int(len(frames) * (1 - HOLDOUT_SHARE)), len(frames) - 1)])
        for i in group:
            first, last = int(windows[i][1][0]), int(windows[i][1][-1])
            if first >= cut:
                val.append(i)
            elif last < cut - HOLDOUT_GAP:
                train.append(i)
    return train, val


def folder_fingerprint(folder: Path) -> str:
    """SHA-256 over every file's relative path and bytes, in path order: the dataset's identity."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def export_summary(
    plan: Plan,
    lines: list[dict[str, Any]],
    windows: dict[str, list[Window]],
    target: Path,
    options: ExportOptions,
    features_of: dict[str, Any] | None,
    versions: dict[int, ModelVersion],
    *,
    shortest: int = MIN_SEQUENCE,
) -> dict[str, Any]:
    """What an export wrote, as ``export.json`` keeps it and ``lepton export`` prints it (without the fingerprint).

    ``lines``: the metadata lines of every crop; ``windows``: per split, the sequence files (runs of
    at least ``shortest`` frames in a row); ``features_of``: the model whose embeddings a
    features-only export holds, else None.
    """
    splits: dict[str, Any] = {}
    for split in SPLITS:
        mine = [line for line in lines if line["split"] == split]
        written = windows.get(split, [])
        in_sequences = Counter(EMOTIONS[int(k)] for w in written for k in w.labels if k >= 0)
        splits[split] = {
            "crops": len(mine),
            "labels": {e: sum(1 for line in mine if line["label"] == e) for e in EMOTIONS},
            "videos": sorted({line["video"] for line in mine}),
            "sequences": len(written),
            "sequence_frames": sum(int(w.frames.size) for w in written),
            "sequence_labels": {e: in_sequences[e] for e in EMOTIONS},
        }
    per_video = Counter(line["video"] for line in lines)
    per_annotator = Counter(line["annotator"] for line in lines)
    used_versions = sorted(plan.model_versions)
    warnings = []
    if lines and not splits["val"]["sequences"]:
        warnings.append(
            "No validation videos: splits are by video and every corrected video went to training. "
            "Fine-tuning will validate on the last part of each video's labelled frames instead "
            "(optimistic); correct a second video for a fair check."
        )
    if plan.no_face:
        warnings.append(
            f"{plan.no_face} labelled frames were left out: the labelled person's face was not found on them."
        )
    if lines and not splits["train"]["sequences"]:
        warnings.append("No training videos: every corrected video went to validation; lower --val-share.")
    elif splits["train"]["crops"]:
        unseen = [e for e in EMOTIONS if splits["val"]["labels"][e] and not splits["train"]["labels"][e]]
        if unseen:
            counts = ", ".join(f"{e} ({splits['val']['labels'][e]})" for e in unseen)
            warnings.append(
                f"Only the validation videos show {counts}: fine-tuning never learns "
                f"{'it' if len(unseen) == 1 else 'them'}; label {'it' if len(unseen) == 1 else 'them'} "
                "on another video too, or change --seed to split the videos differently."
            )
    for split, who in (("train", "Training"), ("val", "Validation")):
        short = [e for e in EMOTIONS if splits[split]["labels"][e] and not splits[split]["sequence_labels"][e]]
        if short and splits[split]["crops"]:
            named = ", ".join(short)
            use = "never learns from them" if split == "train" else "is never checked on them"
            warnings.append(
                f"{who} frames labelled {named} lie only in stretches shorter than {shortest} frames in a row, "
                f"which the sequences leave out: the temporal head {use}; label at least "
                f"{shortest} frames in a row of {'it' if len(short) == 1 else 'each'}."
            )
    unusable = False
    if splits["val"]["sequences"]:
        held = splits["val"]["sequence_frames"]  # the frames fine-tuning scores a version on
    else:
        train = windows.get("train", [])
        kept, out = holdout_split([(w.video, w.frames) for w in train])
        held = sum(int(train[i].frames.size) for i in out)
        unusable = bool(lines) and (not kept or not out)
        if unusable:
            short_of = "anything to train on" if out else "any to check on"
            warnings.append(
                "Fine-tuning cannot use this dataset as it is: with no validation videos it holds out the last "
                f"{HOLDOUT_SHARE:.0%} of each video's labelled frames and leaves {HOLDOUT_GAP} frames before them "
                f"unused, and these labels are too short for that to leave {short_of}; "
                "label a second video (or a longer stretch of this one)."
            )
    if lines and not unusable and held < MIN_VALIDATION_FRAMES:
        frames = "labelled frame" if held == 1 else "labelled frames"
        warnings.append(
            f"Only about {held} {frames} can be held out to check a fine-tuned version, and at least "
            f"{MIN_VALIDATION_FRAMES} are needed to tell it from its parent: label more frames (other people, other "
            "videos) before fine-tuning."
        )
    return {
        "warnings": warnings,
        "format": FORMAT,
        "output": str(target),
        "frames": sum(len(t.frames) for t in plan.tracks),
        "crops": len(lines),
        "splits": splits,
        "per_video": dict(per_video),
        "per_annotator": dict(per_annotator),
        "conflicting_frames_left_out": plan.conflicts,
        "frames_without_face_left_out": plan.no_face,
        "aligned_from_boxes": sum(len(t.frames) for t in plan.tracks if t.aligned_from_boxes),
        "model_versions": [
            {"id": v, "name": versions[v].name, "weights_sha256": versions[v].weights_sha256}
            for v in used_versions
            if v in versions
        ],
        "features_of": features_of,
        "settings": options.to_json(),
        "lepton_version": __version__,
        "action_names": list(ACTION_NAMES) if any(t.actions is not None for t in plan.tracks) else None,
    }
