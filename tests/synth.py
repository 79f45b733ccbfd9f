"""Generate small test videos with PyAV whose frames carry their own number.

Each frame shows its source number as a row of black/white blocks (a barcode
that survives lossy coding), over a moving gradient, so a test can read back
which source frame it got, and compare frames bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

BITS = 12
BLOCK = 8


def pattern(number: int, width: int, height: int) -> np.ndarray:
    """An RGB frame encoding ``number`` in its top block row."""
    y, x = np.mgrid[0:height, 0:width]
    base = ((x * 3 + y * 2 + number * 5) % 200 + 28).astype(np.uint8)
    image = np.stack([base, np.roll(base, number % width, axis=1), 255 - base], axis=-1)
    block = max(2, min(BLOCK, width // BITS))
    for bit in range(BITS):
        value = 255 if (number >> bit) & 1 else 0
        image[0 : block * 2, bit * block : (bit + 1) * block] = value
    return image


def read_number(image: np.ndarray) -> int:
    """Decode the number that :func:`pattern` wrote (image in the same orientation)."""
    width = image.shape[1]
    block = max(2, min(BLOCK, width // BITS))
    gray = image[..., :3].mean(axis=-1)
    number = 0
    for bit in range(BITS):
        patch = gray[2 : block * 2 - 2, bit * block + 2 : (bit + 1) * block - 2]
        if patch.mean() > 128:
            number |= 1 << bit
    return number


def make_video(
    path: Path,
    frames: int = 48,
    *,
    codec: str = "libx264",
    size: tuple[int, int] = (128, 96),
    rate: int = 30,
    options: dict[str, str] | None = None,
    pts_of: Callable[[int], int] | None = None,
    time_base: Fraction | None = None,
    rotation: int = 0,
    first_pts: int = 0,
    pix_fmt: str = "yuv420p",
    container_options: dict[str, str] | None = None,
) -> Path:
    """Write ``frames`` numbered frames to ``path`` (container from the suffix).

    ``pts_of`` gives each frame's pts in ``time_base`` (variable frame rate);
    ``first_pts`` shifts all pts (a negative shift makes the mp4 muxer write an
    edit list that hides the first frames); ``rotation`` stores a display
    rotation (clockwise degrees).
    """
    width, height = size
    tb = time_base or Fraction(1, rate)
    with av.open(str(path), "w", options=container_options or {}) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = width, height
        stream.pix_fmt = pix_fmt
        if options:
            stream.options = dict(options)
        if time_base is not None:
            stream.codec_context.time_base = time_base
            stream.time_base = time_base
        if rotation:
            stream.set_display_rotation(-float(rotation))
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(pattern(i, width, height), format="rgb24")
            frame.pts = (pts_of(i) if pts_of else i) + first_pts
            frame.time_base = tb
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def sequential_frames(path: Path) -> list[tuple[int, np.ndarray]]:
    """(pts, RGB) of every frame in presentation order by plain sequential decoding."""
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            out.append((int(frame.pts), frame.to_ndarray(format="rgb24")))
    return out
