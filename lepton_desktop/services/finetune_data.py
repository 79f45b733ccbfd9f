"""Reading an exported dataset for fine-tuning: windows with burn-in, and a validation split.

Each exported sequence is a window of up to 32 consecutive labelled frames of one
person. A window whose person was also labelled in the window just before it gets
that window's frames in front as unlabelled burn-in, so the temporal head trains
with the same bounded history it has in analysis (see
:mod:`lepton_desktop.vision.model`).

Splits are by video. When the export has no validation videos (one corrected
video), the last :data:`HOLDOUT_SHARE` of each video's labelled frames become the
validation split instead, with a gap of :data:`HOLDOUT_GAP` frames left out between
the two so that neighbouring, nearly identical frames do not sit on both sides.
The result says so in plain words (``Dataset.validation``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.services.dataset_summary import FORMAT, HOLDOUT_GAP, HOLDOUT_SHARE, holdout_split
from lepton_desktop.vision.training import Sequence


class FineTuneError(LeptonError):
    """Fine-tuning cannot run (not a Lepton dataset, no training data, ...)."""


@dataclass(frozen=True)
class _Window:
    video: str
    track: int
    frames: np.ndarray
    seq: Sequence


@dataclass(frozen=True)
class Dataset:
    """The sequences of an exported dataset, and what its card says."""

    train: list[Sequence]
    val: list[Sequence]
    info: dict[str, Any]
    validation: str = "held-out videos"
    """How the validation split was made, in words."""
    notes: list[str] = field(default_factory=list)

    @property
    def features_only(self) -> bool:
        """True when the dataset holds CNN features, not crops."""
        return self.info.get("features_of") is not None


def load_dataset(folder: str | Path) -> Dataset:
    """Read an export's sequences (as data: ``allow_pickle=False``)."""
    root = Path(folder).expanduser()
    if not root.exists():
        raise FineTuneError(
            f"{root} does not exist; make a dataset there with `lepton export` (Learning > Export dataset)."
        )
    try:
        info = json.loads((root / "export.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise FineTuneError(
            f"{root} is not a Lepton dataset (no readable export.json); make one with `lepton export`."
        ) from None
    if info.get("format") != FORMAT:
        raise FineTuneError(f"{root} is not a Lepton dataset of format {FORMAT} (found {info.get('format')!r}).")
    splits = {split: _read_split(root / "sequences" / split) for split in ("train", "val")}
    if not splits["train"]:
        raise FineTuneError(f"{root} has no training sequences.")
    validation = "held-out videos"
    notes: list[str] = []
    if not splits["val"]:
        splits["train"], splits["val"] = hold_out_time_range(splits["train"])
        if not splits["val"] or not splits["train"]:
            left = "hold any out for validation" if not splits["val"] else "train on any once some are held out"
            raise FineTuneError(
                f"{root} has too few labelled frames to {left} (with no validation videos, the last "
                f"{HOLDOUT_SHARE:.0%} of each video's labels are held out, {HOLDOUT_GAP} frames apart from the "
                "rest); label more of the video, or a second video."
            )
        validation = (
            f"held-out time range: the last {HOLDOUT_SHARE:.0%} of each video's labelled frames, "
            f"{HOLDOUT_GAP} frames apart from the training frames (the dataset has no validation videos; "
            "scores on the same video are optimistic)"
        )
        notes.append(validation)
    return Dataset(_with_burn_in(splits["train"]), _with_burn_in(splits["val"]), info, validation, notes)


def _read_split(folder: Path) -> list[_Window]:
    windows = []
    for path in sorted(folder.glob("*.npz")):
        try:
            with np.load(path, allow_pickle=False) as data:
                labels = data["labels"].astype(np.int8)
                if "crops" in data:
                    seq = Sequence(labels, crops=data["crops"].astype(np.uint8))
                else:
                    seq = Sequence(labels, embeddings=data["embeddings"].astype(np.float32),
                                   logits=data["logits"].astype(np.float32))  # fmt: skip
                frames = data["frames"].astype(np.int64) if "frames" in data else np.arange(labels.size)
                video = str(data["video_fingerprint"]) if "video_fingerprint" in data else path.stem
                track = int(data["track"]) if "track" in data else 0
        except (OSError, ValueError, KeyError) as exc:
            raise FineTuneError(f"{path} is damaged ({exc}); export the dataset again.") from None
        windows.append(_Window(video, track, frames, seq))
    windows.sort(key=lambda w: (w.video, w.track, int(w.frames[0]) if w.frames.size else 0))
    return windows


def hold_out_time_range(windows: list[_Window]) -> tuple[list[_Window], list[_Window]]:
    """Per video: the windows of its last labelled frames become validation, with a gap before them."""
    train, val = holdout_split([(w.video, w.frames) for w in windows])
    return [windows[i] for i in train], [windows[i] for i in val]


def _with_burn_in(windows: list[_Window]) -> list[Sequence]:
    """Sequences, each with the window before it (same person, contiguous frames) as unlabelled burn-in."""
    out = []
    previous: _Window | None = None
    for w in windows:
        seq = w.seq
        if (
            previous is not None
            and (previous.video, previous.track) == (w.video, w.track)
            and int(previous.frames[-1]) + 1 == int(w.frames[0])
        ):
            seq = _prepend(previous.seq, seq)
        out.append(seq)
        previous = w
    return out


def _prepend(context: Sequence, seq: Sequence) -> Sequence:
    labels = np.concatenate([np.full(len(context.labels), -1, np.int8), seq.labels])
    if seq.crops is not None and context.crops is not None:
        return replace(seq, labels=labels, crops=np.concatenate([context.crops, seq.crops]))
    if seq.embeddings is not None and context.embeddings is not None:
        assert seq.logits is not None and context.logits is not None
        return replace(
            seq,
            labels=labels,
            embeddings=np.concatenate([context.embeddings, seq.embeddings]),
            logits=np.concatenate([context.logits, seq.logits]),
        )
    return seq
