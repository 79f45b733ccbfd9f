"""Test clips with a real face: scikit-image's astronaut photograph (public domain), animated.

Each frame places the photograph (or its mirror image, a second person) with a
known centre, scale and rotation, so the true face position is known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

FACE_CENTRE = np.array([224.0, 117.0])  # in the 512x512 photograph (between eyes and mouth)
FACE_SIDE = 86.0  # face box side in the photograph, pixels


def photo() -> np.ndarray:
    from skimage import data

    return data.astronaut()


@dataclass(frozen=True)
class Placement:
    """Where a copy of the photograph goes: the *face* centre in the frame, scale, degrees CCW."""

    cx: float
    cy: float
    scale: float
    angle: float = 0.0
    mirrored: bool = False

    def face_side(self) -> float:
        return FACE_SIDE * self.scale


def render(size: tuple[int, int], placements: list[Placement], occlude: bool = False) -> np.ndarray:
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    canvas = np.stack([40 + 30 * x / width, 50 + 20 * y / height, 80 + 0 * x], axis=-1).astype(np.uint8)
    src = photo()
    for p in placements:
        image = np.ascontiguousarray(src[:, ::-1]) if p.mirrored else src
        face = np.array([512 - FACE_CENTRE[0], FACE_CENTRE[1]]) if p.mirrored else FACE_CENTRE
        m = cv2.getRotationMatrix2D((float(face[0]), float(face[1])), p.angle, p.scale)
        m[0, 2] += p.cx - face[0]
        m[1, 2] += p.cy - face[1]
        warped = cv2.warpAffine(image, m, (width, height))
        region = np.zeros((512, 512), np.float32)  # head and shoulders, soft-edged, so people can stand side by side
        axes = (int(FACE_SIDE * 1.1), int(FACE_SIDE * 1.5))
        cv2.ellipse(region, (int(face[0]), int(face[1]) + 20), axes, 0, 0, 360, 1.0, -1)
        region = cv2.GaussianBlur(region, (0, 0), 6)
        mask = cv2.warpAffine(region, m, (width, height))[..., None]
        canvas = (canvas * (1 - mask) + warped * mask).astype(np.uint8)
        if occlude and p is placements[0]:  # a hand passes in front of the first person's face
            half = int(p.face_side() * 0.7)
            cv2.rectangle(
                canvas, (int(p.cx) - half, int(p.cy) - half), (int(p.cx) + half, int(p.cy) + half), (90, 90, 90), -1
            )
    return canvas


def face_clip(
    path: Path,
    frames: int,
    schedule: Callable[[int], list[Placement]],
    *,
    size: tuple[int, int] = (320, 240),
    occluded: Callable[[int], bool] = lambda i: False,
    fps: int = 25,
) -> list[list[Placement]]:
    """Write the clip; return each frame's placements (the ground truth)."""
    truth = []
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"crf": "18"}
        for i in range(frames):
            placements = schedule(i)
            truth.append(placements)
            frame = av.VideoFrame.from_ndarray(render(size, placements, occluded(i)), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return truth


def two_people_clip(path: Path, frames: int) -> Path:
    """Two still people side by side (the photograph and its mirror image), 420x240."""
    face_clip(
        path, frames, lambda i: [Placement(100, 120, 0.55), Placement(320, 120, 0.55, mirrored=True)], size=(420, 240)
    )
    return path
