"""Face thumbnails for reports: a square crop around a stored face box, as PNG bytes."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

THUMB_SIDE = 176
"""Thumbnail side in pixels (about 3 cm at print resolution)."""
MARGIN = 1.4
"""The crop's side as a multiple of the face box's longer side: the whole head, a little context."""
PAD = (236, 236, 236)
"""Where the crop reaches past the frame's edge."""


def face_png(rgb: npt.NDArray[np.uint8], box: npt.NDArray[np.floating], side: int = THUMB_SIDE) -> bytes:
    """The face in ``box`` (x, y, w, h in the frame's pixels), squared, padded at frame edges, ``side`` pixels."""
    height, width = rgb.shape[:2]
    x, y, w, h = (float(v) for v in box)
    half = max(w, h, 2.0) * MARGIN / 2
    cx, cy = x + w / 2, y + h / 2
    x0, y0, x1, y1 = round(cx - half), round(cy - half), round(cx + half), round(cy + half)
    canvas = np.empty((y1 - y0, x1 - x0, 3), np.uint8)
    canvas[:] = PAD
    sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = rgb[sy0:sy1, sx0:sx1]
    shrink = canvas.shape[0] > side
    image = cv2.resize(canvas, (side, side), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV always encodes an 8-bit image
        raise ValueError("the face thumbnail could not be encoded")
    return bytes(png.tobytes())
