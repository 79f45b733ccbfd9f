"""The expression model on still images: whole photographs, or ready face crops."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.services.engine import get_analysis_engine
from lepton_desktop.vision.align import MODEL_INPUT, FaceGeometry, aligned_crop, model_input, to_gray

STILL_MIN_FACE = 32
"""Smallest face looked for in a photograph, in its pixels (MTCNN's own default)."""


class ImageError(LeptonError):
    """An image file cannot be read."""


@dataclass(frozen=True)
class ImageResult:
    """Probabilities for one image, or why there are none."""

    path: str
    probs: np.ndarray | None
    note: str | None = None


def read_rgb(path: Path) -> np.ndarray:
    """An image file as RGB uint8."""
    if not path.is_file():
        raise ImageError(f"{path}: no such image file.")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageError(f"{path} is not an image that can be read (PNG, JPEG, BMP, TIFF, WebP).")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def classify_images(
    paths: list[Path], *, aligned: bool = False, device: str = "auto", weights: Path | None = None
) -> list[ImageResult]:
    """Classify the largest face of each image (``aligned``: each image already is a face crop).

    ``weights``: a model version's file (default: the shipped default model). The networks run as
    in an analysis (ONNX Runtime on the CPU, without torch).
    """
    networks = get_analysis_engine(device, weights).networks
    crops: list[np.ndarray] = []
    owners: list[int] = []
    results: list[ImageResult] = [ImageResult(str(p), None) for p in paths]
    for i, path in enumerate(paths):
        rgb = read_rgb(path)
        if aligned:
            crops.append(cv2.resize(to_gray(rgb), (MODEL_INPUT,) * 2, interpolation=cv2.INTER_AREA))
            owners.append(i)
            continue
        found = networks.detect(np.ascontiguousarray(rgb)[None], STILL_MIN_FACE)[0]
        if not found:
            results[i] = ImageResult(str(path), None, "no face found")
            continue
        best = max(found, key=lambda d: float((d.box[2] - d.box[0]) * (d.box[3] - d.box[1])))
        crops.append(aligned_crop(to_gray(rgb), FaceGeometry(best.box, best.landmarks), MODEL_INPUT))
        owners.append(i)
    if crops:
        # A still image is a track of one frame: the temporal head sees it too, with no memory.
        singles = [(np.array([k]), None) for k in range(len(crops))]
        probs, _ = networks.classify(model_input(np.stack(crops)), singles)
        for owner, p in zip(owners, probs, strict=True):
            results[owner] = ImageResult(str(paths[owner]), p)
    return results
