"""Build resources/sample/sample.mp4 from a public-domain photograph shipped in scikit-image.

Run once by a developer (scikit-image is a dev tool here, not a dependency):

    pip install scikit-image && python resources/sample/make_sample.py

The photograph is NASA's portrait of astronaut Eileen Collins (public domain),
``skimage.data.astronaut()``. The clip moves, zooms and turns the face, lets it
leave the frame partly, and adds a mirrored copy as a second person, so that
detection, tracking and the timelines all have something to do.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from skimage import data

W, H, FPS, SECONDS = 640, 360, 25, 10
OUT = Path(__file__).with_name("sample.mp4")


def backdrop() -> np.ndarray:
    y, x = np.mgrid[0:H, 0:W]
    base = np.stack([40 + 30 * x / W, 50 + 20 * y / H, 70 + 40 * (1 - x / W)], axis=-1)
    return base.astype(np.uint8)


def place(canvas: np.ndarray, photo: np.ndarray, cx: float, cy: float, scale: float, angle: float) -> None:
    """Paste ``photo`` rotated by ``angle`` degrees and scaled, centred at (cx, cy), with a soft edge."""
    h, w = photo.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[0, 2] += cx - w / 2
    m[1, 2] += cy - h / 2
    warped = cv2.warpAffine(photo, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    mask = np.zeros((h, w), np.float32)
    cv2.ellipse(mask, (w // 2, h // 2), (int(w * 0.46), int(h * 0.48)), 0, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 12)
    alpha = cv2.warpAffine(mask, m, (W, H))[..., None]
    canvas[:] = (canvas * (1 - alpha) + warped * alpha).astype(np.uint8)


def frame_at(t: float, photo: np.ndarray, mirrored: np.ndarray) -> np.ndarray:
    """One continuous shot: the same person throughout, a second one joins at 6.5 s."""
    canvas = backdrop()
    cy = H / 2 + 20
    if t < 2.5:  # slow zoom in, centred
        place(canvas, photo, W / 2, cy, 0.55 + 0.12 * t / 2.5, 0)
    elif t < 5.0:  # sway right and left while turning a little
        u = (t - 2.5) / 2.5
        place(
            canvas, photo, W / 2 + 110 * math.sin(u * 2 * math.pi), cy, 0.67 - 0.07 * u, 12 * math.sin(u * 2 * math.pi)
        )
    elif t < 6.5:  # drift to the right edge (part of the face leaves the frame) and back
        u = (t - 5.0) / 1.5
        place(canvas, photo, W / 2 + 260 * math.sin(u * math.pi), cy, 0.6, 0)
    else:  # move aside and shrink; a second person (the mirror image) joins on the right
        u = min((t - 6.5) / 0.8, 1.0)
        v = (t - 6.5) / 3.5
        place(canvas, photo, W / 2 - 140 * u + 8 * math.sin(v * 4), cy + 5 * u, 0.6 - 0.18 * u, -5 * v)
        if t >= 6.9:
            place(canvas, mirrored, 470 - 10 * math.sin(v * 4), cy + 5, 0.40, 5 * v)
    return canvas


def main() -> None:
    photo = data.astronaut()
    mirrored = np.ascontiguousarray(photo[:, ::-1])
    with av.open(str(OUT), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": "26", "preset": "slow", "g": "50"}
        for i in range(FPS * SECONDS):
            frame = av.VideoFrame.from_ndarray(frame_at(i / FPS, photo, mirrored), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
