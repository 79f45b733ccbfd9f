"""Proxy media: a small, short-GOP copy of a video for fast seeking.

An exact seek in a long-GOP 1080p file decodes from the keyframe before the
target, up to 60-250 full-size frames (150-600 ms on two cores). Editors show a
lower-resolution copy while the user scrubs and the exact frame once it is
decoded; this module is that copy.

The copy has the same frames, numbered the same way (proxy frame N is source
frame N, downscaled to at most 640 px and stored in display orientation), in
H.264 with a keyframe every 15 frames, cut into files of 900 frames so that it
becomes usable part by part while it is built and a stopped build resumes.
Files live in the user cache under a folder named by format, content
fingerprint and size; each file appears only once complete (written under a
temporary name, then renamed). Nothing here is needed for correctness: a
missing or damaged part just means the exact decode is the only one.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from lepton_desktop.core.paths import user_cache_dir
from lepton_desktop.video.reader import Image, VideoReader, fit_within, to_rgb

log = logging.getLogger(__name__)

PROXY_FORMAT = 1
MAX_SIDE = 640
GOP = 15
"""Keyframe interval of the copy: a proxy seek decodes at most this many small frames."""
SEGMENT = 900
"""Frames per file (30 s at 30 fps)."""
RATE = 30
"""Nominal rate of the copy: proxy frame N has pts N / RATE seconds. Only the numbering matters."""
BYTES_PER_FRAME = 4_000
"""Rough size of one proxy frame (measured 3.3-3.9 KB on textured 1080p footage), for the cache budget."""
WORTH_IT = 20.0
"""Build a copy when the worst exact seek decodes at least this many 1080p-sized frames."""
_FULL_HD = 1920 * 1080


@dataclass(frozen=True)
class ProxyLayout:
    """Where a video's copy lives and how it is cut."""

    folder: Path
    frame_count: int
    size: tuple[int, int]
    """(width, height) of the copy, in display orientation."""
    segment: int = SEGMENT

    @classmethod
    def for_video(cls, reader: VideoReader, root: Path | None = None, segment: int = SEGMENT) -> ProxyLayout:
        """The copy of the video that ``reader`` has open."""
        width, height = fit_within(reader.info.width, reader.info.height, MAX_SIDE)
        base = root if root is not None else proxy_root()
        name = f"v{PROXY_FORMAT}-{reader.fingerprint}-{width}x{height}-{segment}"
        return cls(base / name, reader.frame_count, (width, height), segment)

    @property
    def segments(self) -> int:
        """Number of files the complete copy has."""
        return -(-self.frame_count // self.segment)

    def segment_path(self, number: int) -> Path:
        """The file that holds frames ``number * SEGMENT`` onwards."""
        return self.folder / f"{number:05d}.mp4"

    def segment_range(self, number: int) -> range:
        """The frame indexes in file ``number``."""
        return range(number * self.segment, min(self.frame_count, (number + 1) * self.segment))

    def missing(self) -> list[int]:
        """The files not written yet."""
        return [n for n in range(self.segments) if not self.segment_path(n).exists()]

    def complete(self) -> bool:
        """True when every file is there."""
        return not self.missing()


def proxy_root() -> Path:
    """The cache folder that holds every video's copy."""
    return user_cache_dir() / "proxy"


def seek_cost(reader: VideoReader) -> float:
    """The worst exact seek in this file, in 1080p-frame decodes (longest GOP x frame area)."""
    index = reader.index
    if not index.exact_timestamps:  # numbered by decode order: every seek decodes from the start
        gop = reader.frame_count
    else:
        starts = np.searchsorted(index.timeline.pts, index.key_pts)
        bounds = np.unique(np.concatenate([[0], starts, [reader.frame_count]]))
        gop = int(np.diff(bounds).max()) if len(bounds) > 1 else reader.frame_count
    return gop * reader.info.width * reader.info.height / _FULL_HD


def worth_a_proxy(reader: VideoReader) -> bool:
    """Whether seeking in this file is slow enough for a copy to pay off."""
    return seek_cost(reader) >= WORTH_IT


class ProxyReader:
    """Random access to the finished parts of a copy; ``frame`` returns None where there is none.

    Not thread-safe: one thread (the display loader) owns it.
    """

    def __init__(self, layout: ProxyLayout) -> None:
        self.layout = layout
        self._number: int | None = None
        self._container: Any = None
        self._stream: Any = None
        self._frames: Iterator[Any] | None = None
        self._last: int | None = None
        self._bad: set[int] = set()
        with contextlib.suppress(OSError):  # mark it recently used: the cache budget removes other copies first
            os.utime(layout.folder)

    def has(self, index: int) -> bool:
        """True if frame ``index`` is in a finished part of the copy."""
        number = index // self.layout.segment
        return (
            0 <= index < self.layout.frame_count
            and number not in self._bad
            and (number == self._number or self.layout.segment_path(number).exists())
        )

    def frame(self, index: int) -> Image | None:
        """The copy's RGB pixels of frame ``index``, or None if that part is missing or unreadable."""
        if not self.has(index):
            return None
        number, local = divmod(index, self.layout.segment)
        try:
            if number != self._number:
                self._open(number)
            found = self._find(local)
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            log.warning("proxy part %s unreadable, using exact decoding there: %s", number, exc)
            self._bad.add(number)
            self._close_part()
            with contextlib.suppress(OSError):
                self.layout.segment_path(number).unlink()  # rebuilt by the next build
            return None
        if found is None:
            return None
        return to_rgb(found, 0, None)

    def close(self) -> None:
        """Close the open part."""
        self._close_part()

    def _open(self, number: int) -> None:
        self._close_part()
        self._container = av.open(str(self.layout.segment_path(number)))
        self._stream = self._container.streams.video[0]
        self._number = number

    def _close_part(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = self._stream = self._frames = None
        self._number = self._last = None

    def _find(self, local: int) -> Any | None:
        continuing = self._frames is not None and self._last is not None and 0 < local - self._last <= GOP
        if not continuing:
            key = local - local % GOP
            self._container.seek(_pts_of(key, self._stream), backward=True, any_frame=False, stream=self._stream)
            self._frames = self._container.decode(self._stream)
            self._last = None
        assert self._frames is not None
        for frame in self._frames:
            if frame.pts is None:
                continue
            n = _index_of(int(frame.pts), self._stream)
            self._last = n
            if n == local:
                return frame
            if n > local:
                break
        self._frames = None
        return None


def _pts_of(local: int, stream: Any) -> int:
    return int(Fraction(local, RATE) / stream.time_base)


def _index_of(pts: int, stream: Any) -> int:
    position: Fraction = Fraction(pts) * Fraction(stream.time_base) * RATE
    return round(position)
