"""A clip for the live tests: two real faces, one moving fast, and every frame's number printed in it.

The number is a row of 12 black/white blocks (24 px) along the top edge, so a frame taken from a
recording says which frame of the clip it is; the moving face's true position is known per frame,
so rows stored against a recording's frame number can be checked against that very picture.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.faces import Placement, face_clip

BITS = 12
BLOCK = 24
STEP_PX = 5.0
"""How far the moving face goes per frame: a row stored one frame off is off by this much."""


def moving_x(i: int) -> float:
    """The moving face's centre x at frame i: back and forth between 150 and 330 px."""
    span = 180.0
    phase = (i * STEP_PX) % (2 * span)
    return 150.0 + (phase if phase <= span else 2 * span - phase)


def schedule(i: int) -> list[Placement]:
    return [Placement(moving_x(i), 200, 0.8), Placement(500, 200, 0.8, mirrored=True)]


def stamp(rgb: np.ndarray, number: int) -> np.ndarray:
    out = rgb.copy()
    for bit in range(BITS):
        on = (number >> bit) & 1
        out[0:BLOCK, bit * BLOCK : (bit + 1) * BLOCK] = 255 if on else 0
    return out


def read_number(rgb: np.ndarray) -> int:
    number = 0
    for bit in range(BITS):
        block = rgb[BLOCK // 4 : 3 * BLOCK // 4, bit * BLOCK + BLOCK // 4 : (bit + 1) * BLOCK - BLOCK // 4]
        if block.mean() > 128:
            number |= 1 << bit
    return number


def coded_clip(path: Path, frames: int, fps: int = 25) -> Path:
    """Write the clip (640x360, H.264) once; later calls reuse it."""
    if not path.exists():
        import tests.faces as faces

        render = faces.render
        counter = iter(range(frames))

        def numbered(size, placements, occlude=False):  # type: ignore[no-untyped-def]
            return stamp(render(size, placements, occlude), next(counter))

        faces.render = numbered
        try:
            face_clip(path, frames, schedule, size=(640, 360), fps=fps)
        finally:
            faces.render = render
    return path


def box_centre_x(boxes: np.ndarray) -> np.ndarray:
    return boxes[:, 0] + boxes[:, 2] / 2
