"""FER2013 faces with FER+ crowd votes -> training targets in Lepton's seven classes.

Vote columns are mapped by name (anger -> angry, happiness -> happy, ...).
``contempt``, ``unknown`` and ``NF`` (not a face) have no class of ours: their
votes are dropped from each face's distribution, and a face where they make
up half the votes or more is left out (the taggers could not agree it shows
one of our seven expressions). The target is the remaining vote distribution,
optionally blended with the face's original FER2013 label (``original_weight``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
VOTE_NAMES = {
    "anger": "angry",
    "disgust": "disgust",
    "fear": "fear",
    "happiness": "happy",
    "sadness": "sad",
    "surprise": "surprise",
    "neutral": "neutral",
}


@dataclass(frozen=True)
class FaceSet:
    images: npt.NDArray[np.uint8]
    """(N, 48, 48) gray."""
    targets: npt.NDArray[np.float32]
    """(N, 7) soft labels summing to 1."""
    majority: npt.NDArray[np.int64]
    """(N,) FER+ majority class (ties: the first)."""
    original: npt.NDArray[np.int64]
    """(N,) the original FER2013 label."""
    names: npt.NDArray[np.str_]

    def subset(self, index: npt.NDArray[np.int64]) -> FaceSet:
        return FaceSet(
            self.images[index], self.targets[index], self.majority[index], self.original[index], self.names[index]
        )

    def __len__(self) -> int:
        return int(self.images.shape[0])


def vote_matrix(votes: npt.NDArray[np.integer], columns: list[str]) -> npt.NDArray[np.float32]:
    """(N, 10) votes in the file's column order -> (N, 7) votes in Lepton's class order."""
    out = np.zeros((votes.shape[0], len(CLASSES)), np.float32)
    for j, name in enumerate(columns):
        if name in VOTE_NAMES:
            out[:, CLASSES.index(VOTE_NAMES[name])] = votes[:, j]
    return out


def load_faces(path: Path, original_weight: float = 0.0) -> tuple[FaceSet, dict[str, int]]:
    """The usable faces of ``path`` and counts of what was left out."""
    with np.load(path) as data:
        images = data["images"]
        votes = data["votes"].astype(np.float32)
        columns = [str(c) for c in data["vote_columns"]]
        names = data["names"]
        original = data["fer2013_label"].astype(np.int64)
        original_classes = [str(c) for c in data["fer2013_classes"]]
    if original_classes != list(CLASSES):
        raise ValueError(f"unexpected FER2013 class order {original_classes}")
    ours = vote_matrix(votes, columns)
    total = votes.sum(axis=1)
    keep = ours.sum(axis=1) * 2 > total  # more than half the votes name one of our seven classes
    dist = ours[keep] / ours[keep].sum(axis=1, keepdims=True)
    onehot = np.eye(len(CLASSES), dtype=np.float32)[original[keep]]
    targets = (1 - original_weight) * dist + original_weight * onehot
    faces = FaceSet(images[keep], targets.astype(np.float32), dist.argmax(axis=1), original[keep], names[keep])
    return faces, {"faces": len(images), "kept": int(keep.sum()), "left_out": int((~keep).sum())}


def split(faces: FaceSet, val_share: float, seed: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Train and validation indices, stratified by FER+ majority class, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in range(len(CLASSES)):
        idx = np.flatnonzero(faces.majority == c)
        rng.shuffle(idx)
        n_val = round(len(idx) * val_share)
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))
