"""Open a video, read its metadata, fetch any frame exactly, or iterate frames in order.

One numbering everywhere: frame ``N`` is the N-th frame in presentation order,
as sequential decoding produces them, with the timestamp from the frame index.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from lepton_desktop.core.paths import user_cache_dir
from lepton_desktop.core.records import VideoInfo
from lepton_desktop.core.timeline import FrameTimeline
from lepton_desktop.video import errors
from lepton_desktop.video.damage import DecodeDamage, in_order
from lepton_desktop.video.fingerprint import content_fingerprint
from lepton_desktop.video.index import FrameIndex, build_index
from lepton_desktop.video.opening import check_path, open_input, video_stream
from lepton_desktop.video.slices import h264_slices_per_picture
from lepton_desktop.video.threaded import threaded

log = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]

_FORWARD_DECODE_LIMIT = 90
"""Continue decoding instead of seeking when the target is at most this many frames ahead."""

_QUICK_AHEAD = 15
"""A frame at most this many frames ahead of the decoder counts as quick (see ``is_quick``)."""


class Superseded(Exception):
    """A ``frame`` call was abandoned because its ``stop`` callback said so."""


@dataclass(frozen=True, eq=False)
class DecodedFrame:
    """One frame: its index, its time from the first frame, and RGB pixels (H, W, 3)."""

    index: int
    time_s: float
    image: Image
    gray: Image | None = None
    """The gray picture ``iter_frames(gray=...)`` made from the RGB pixels in the decoding thread."""


class VideoReader:
    """Frame-accurate access to one video file.

    Not thread-safe: give each thread its own reader. ``iter_frames`` opens its
    own decoder, so random access and iteration on the same reader do not
    disturb each other.
    """

    def __init__(self, path: str | os.PathLike[str], *, cache: bool = True, cache_frames: int = 16) -> None:
        self.path = check_path(path)
        self.fingerprint = content_fingerprint(self.path)
        self._lock = threading.Lock()
        self._container = open_input(self.path)
        try:
            self._stream = video_stream(self._container, self.path)
            # random access: slice threads where pictures have several slices, else frame threads
            several = h264_slices_per_picture(self.path, self._stream.index) >= 2
            self._stream.thread_type = "SLICE" if several else "AUTO"
            self.index = self._load_index(cache)
            self.info = self._make_info()
        except BaseException:
            self._container.close()
            raise
        self._decoder: Iterator[Any] | None = None
        self._last_pts: int | None = None
        self._wanted: int | None = None
        self._last_index: int | None = None
        self._behind: dict[int, Any] = {}  # decoded frames just before a backward step (see _fill_backwards)
        self._lru: OrderedDict[tuple[int, tuple[int, int] | None], Image] = OrderedDict()
        self._lru_size = cache_frames
        self._stop: Callable[[], bool] | None = None

    # -- metadata ---------------------------------------------------------------

    @property
    def timeline(self) -> FrameTimeline:
        """Exact frame <-> time conversion for this file."""
        return self.index.timeline

    @property
    def frame_count(self) -> int:
        """Number of decodable frames."""
        return self.index.timeline.frame_count

    def _load_index(self, cache: bool) -> FrameIndex:
        cache_file = _index_cache_path(self.fingerprint) if cache else None
        if cache_file is not None:
            cached = FrameIndex.load(cache_file)
            if cached is not None:
                return cached
        index = build_index(self._container, self._stream, self.path)
        if cache_file is not None:
            try:
                index.save(cache_file)
            except OSError as exc:  # a full or read-only cache is not the user's problem
                log.warning("could not cache the frame index for %s: %s", self.path, exc)
        return index

    def _make_info(self) -> VideoInfo:
        idx = self.index
        timeline = idx.timeline
        stream = self._stream
        rate = stream.guessed_rate or stream.average_rate or stream.base_rate
        fps = float(rate) if rate else timeline.average_fps()
        width, height = idx.coded_width, idx.coded_height
        if idx.rotation in (90, 270):
            width, height = height, width
        return VideoInfo(
            path=str(self.path.resolve()),  # stored in projects, as find_video compares: one spelling per file
            container=str(self._container.format.name).split(",")[0],
            codec=str(stream.codec_context.codec.name),
            frames=timeline.frame_count,
            fps=fps,
            avg_fps=timeline.average_fps(),
            duration_s=timeline.duration(),
            width=width,
            height=height,
            rotation=idx.rotation,
            vfr=timeline.is_variable_rate(),
            size_bytes=self.path.stat().st_size,
            truncated=idx.truncated,
            problem=idx.problem,
        )

    # -- random access ----------------------------------------------------------

    def is_quick(self, index: int) -> bool:
        """True if frame ``index`` needs no seek: cached, kept from a step back, or a few frames ahead."""
        with self._lock:
            if index in self._behind or any(key[0] == index for key in self._lru):
                return True
            if not 0 <= index < self.frame_count or not self.index.exact_timestamps:
                return False
            ahead = self._frames_ahead(int(self.timeline.pts[index]))
            return ahead is not None and ahead <= _QUICK_AHEAD

    def frame(
        self, index: int, *, size: tuple[int, int] | None = None, stop: Callable[[], bool] | None = None
    ) -> Image:
        """RGB pixels of frame ``index``, rotated for display, optionally resized to ``size`` (w, h).

        ``stop`` is asked between decoded frames; when it returns True the call raises
        :class:`Superseded` (the decoder stays where it got to, so a later frame ahead continues from there).
        """
        if not 0 <= index < self.frame_count:
            raise IndexError(
                f"frame {index} is out of range: {self.path.name} has {self.frame_count} frames "
                f"(0-{self.frame_count - 1})"
            )
        key = (index, size)
        with self._lock:
            self._stop = stop
            try:
                return self._frame(index, key, size)
            finally:
                self._stop = None

    def _frame(self, index: int, key: tuple[int, tuple[int, int] | None], size: tuple[int, int] | None) -> Image:
        stepping_back = self._last_index is not None and 0 < self._last_index - index <= 2
        self._last_index = index
        cached = self._lru.get(key)
        if cached is not None:
            self._lru.move_to_end(key)
            return cached
        raw = self._behind.pop(index, None)
        if raw is None and not stepping_back:
            self._behind.clear()  # not stepping back any more: let the decoded frames go
        if raw is None and stepping_back and self.index.exact_timestamps and self._lru_size > 1:
            raw = self._fill_backwards(index)
        image = to_rgb(raw if raw is not None else self._decode_exact(index), self.index.rotation, size)
        self._remember(key, image)
        return image

    def _remember(self, key: tuple[int, tuple[int, int] | None], image: Image) -> None:
        self._lru[key] = image
        while len(self._lru) > self._lru_size:
            self._lru.popitem(last=False)

    def _fill_backwards(self, index: int) -> Any:
        """Stepping backwards: decode frame ``index`` and keep the frames just before it too.

        They are kept decoded, not converted, so the next steps back cost a conversion
        instead of a decode from the keyframe (~100 ms in a long 1080p GOP).
        """
        first = max(0, index - (self._lru_size - 1))
        self._behind.clear()
        found = self._decode_exact(first)
        pts = self.timeline.pts
        for n in range(first + 1, index + 1):
            self._behind[n - 1] = found
            step = self._advance_to(int(pts[n])) if self._decoder is not None else None
            found = step if step is not None else self._decode_exact(n)
        return found

    def _decode_exact(self, index: int) -> Any:
        if not self.index.exact_timestamps:
            return self._decode_by_count(index)
        target = int(self.timeline.pts[index])
        if self._can_continue_to(target):
            found = self._advance_to(target)
            if found is not None:
                return found
        key_pos = self.index.keyframe_before(target)
        for attempt in range(4):
            pos = max(key_pos - attempt, 0)
            self._seek(int(self.index.key_seek[pos]))
            found = self._advance_to(target)
            if found is not None:
                return found
            if pos == 0:
                break
        self._seek(None)
        found = self._advance_to(target)
        if found is None:
            raise errors.CorruptVideoError(
                f"{self.path.name}: frame {index} could not be decoded (the file may be damaged there)."
            )
        return found

    def _frames_ahead(self, target: int) -> int | None:
        """How many frames the open decoder is before ``target``; None if it is not before it."""
        if self._decoder is None or self._last_pts is None or target <= self._last_pts:
            return None
        pts = self.timeline.pts
        return int(np.searchsorted(pts, target)) - int(np.searchsorted(pts, self._last_pts))

    def _can_continue_to(self, target: int) -> bool:
        ahead = self._frames_ahead(target)
        return ahead is not None and ahead <= _FORWARD_DECODE_LIMIT

    def _seek(self, timestamp: int | None) -> None:
        if timestamp is None:
            self._container.seek(0, backward=True, any_frame=False)
        else:
            self._container.seek(timestamp, backward=True, any_frame=False, stream=self._stream)
        self._decoder = self._decode_packets()
        self._last_pts = None

    def _decode_packets(self) -> Iterator[Any]:
        # On the way to the wanted frame, frames before it that no other frame refers to (most
        # B-frames) are not decoded at all: exactness is untouched, a seek into a long GOP gets
        # faster, and frames after it (the next steps forward) decode as usual.
        context = self._stream.codec_context
        for packet in self._container.demux(self._stream):
            wanted = self._wanted
            early = wanted is not None and packet.pts is not None and packet.pts < wanted
            skip = "NONREF" if early else "DEFAULT"
            if context.skip_frame != skip:
                context.skip_frame = skip
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue  # one damaged packet; later frames may still decode
            yield from frames

    def _advance_to(self, target: int) -> Any | None:
        assert self._decoder is not None
        self._wanted = target
        stop = self._stop
        try:
            for frame in self._decoder:
                if stop is not None and stop():
                    raise Superseded(target)
                if frame.pts is None:
                    continue
                self._last_pts = int(frame.pts)
                if frame.pts == target:
                    return frame
                if frame.pts > target:
                    return None
        except av.error.FFmpegError:
            pass
        self._decoder = None
        return None

    def _decode_by_count(self, index: int) -> Any:
        self._wanted = None  # counting frames: every frame must be decoded
        self._seek(None)
        assert self._decoder is not None
        for count, frame in enumerate(self._decoder):
            if count == index:
                self._decoder = None
                return frame
        raise errors.CorruptVideoError(f"{self.path.name}: frame {index} could not be decoded.")

    # -- sequential -------------------------------------------------------------

    def iter_frames(
        self,
        start: int = 0,
        stop: int | None = None,
        *,
        step: int = 1,
        size: tuple[int, int] | None = None,
        max_side: int | None = None,
        prefetch: int = 8,
        damage: DecodeDamage | None = None,
        gray: Callable[[Image], Image] | None = None,
    ) -> Iterator[DecodedFrame]:
        """Yield frames ``start, start+step, ... < stop`` in order, decoded in a background thread.

        ``size`` (w, h) or ``max_side`` downscales during decoding. Indexes strictly increase
        even in a damaged file: frames that fail to decode are absent, repeats are dropped and
        frames the decoder hands over out of order are put back in order. ``damage``, if given,
        records what was missing (complete once the iteration has run to its end). ``gray``, a
        conversion, also makes each frame's gray picture in the decoding thread (analysis reads gray
        crops; at 1080p the conversion is about a tenth of the analysing thread's time per frame).
        """
        stop = self.frame_count if stop is None else min(stop, self.frame_count)
        if step < 1:
            raise ValueError("step must be at least 1")
        if size is None and max_side is not None:
            size = fit_within(self.info.width, self.info.height, max_side)
        damage = damage if damage is not None else DecodeDamage()
        damage.expect(start, max(start, stop), step)
        if start >= stop:
            damage.complete = True
            return iter(())
        return threaded(lambda: self._produce(damage, size, gray), buffer=prefetch, name="lepton-decode")

    def _produce(
        self, damage: DecodeDamage, size: tuple[int, int] | None, gray: Callable[[Image], Image] | None
    ) -> Iterator[DecodedFrame]:
        times = self.timeline.times()
        for n, frame in in_order(self._decoded(damage), damage):
            rgb = to_rgb(frame, self.index.rotation, size)
            yield DecodedFrame(n, float(times[n]), rgb, None if gray is None else gray(rgb))
        damage.complete = True

    def _decoded(self, damage: DecodeDamage) -> Iterator[tuple[int, Any]]:
        """(frame number, decoded frame) on the wanted grid, in the order the decoder gives them."""
        start, stop, step = damage.start, damage.stop, damage.step
        timeline = self.timeline
        with av.open(str(self.path), metadata_errors="ignore") as container:
            stream = _same_stream(container, self._stream)
            stream.thread_type = "AUTO"
            counting = not self.index.exact_timestamps
            if start > 0 and not counting:
                pos = self.index.keyframe_before(int(timeline.pts[start]))
                container.seek(int(self.index.key_seek[pos]), backward=True, any_frame=False, stream=stream)
            count = -1
            try:
                for packet in container.demux(stream):
                    try:
                        frames = packet.decode()
                    except av.error.FFmpegError:
                        damage.decode_errors += 1
                        continue  # one damaged packet; later frames may still decode
                    for frame in frames:
                        count += 1
                        if counting:
                            n: int | None = count
                        elif frame.pts is None:
                            continue
                        else:
                            n = timeline.frame_of_pts(int(frame.pts))
                        if n is None or n < start or (n - start) % step:
                            continue
                        if n >= stop:
                            return
                        yield n, frame
            except av.error.FFmpegError:
                damage.decode_errors += 1  # the demuxer gave up: the frames after this are missing

    # -- lifetime -----------------------------------------------------------------

    def close(self) -> None:
        """Release the decoder and the file."""
        with self._lock:
            self._decoder = None
            self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Metadata of a video file (builds and caches the frame index)."""
    with VideoReader(path) as reader:
        return reader.info


def fit_within(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The largest even size with the same aspect ratio whose longer side is at most ``max_side``."""
    scale = min(1.0, max_side / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def to_rgb(frame: Any, rotation: int, size: tuple[int, int] | None) -> Image:
    """Convert a decoded frame to an RGB array in display orientation, optionally resized."""
    if size is not None:
        w, h = size if rotation in (0, 180) else (size[1], size[0])
        image = frame.to_ndarray(format="rgb24", width=w, height=h, interpolation="AREA")
    else:
        image = frame.to_ndarray(format="rgb24")
    if rotation:
        image = np.ascontiguousarray(np.rot90(image, k=-(rotation // 90)))
    return image  # type: ignore[no-any-return]


def _same_stream(container: Any, stream: Any) -> Any:
    return container.streams[stream.index]


def _index_cache_path(fingerprint: str) -> Path | None:
    try:
        folder = user_cache_dir() / "frame-index"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / f"{fingerprint}.npz"
