"""Build a video's proxy copy (see ``proxy.py``) as a generator of progress steps.

Resumable: parts already written are kept, a stopped build deletes only the
part it was writing. The cache has a byte budget; the least recently used
copies of other videos make room first.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.video.proxy import BYTES_PER_FRAME, GOP, RATE, SEGMENT, ProxyLayout
from lepton_desktop.video.reader import DecodedFrame, VideoReader

log = logging.getLogger(__name__)


class ProxyError(LeptonError):
    """The copy could not be built; the video still works, with exact (slower) seeking only."""


@dataclass(frozen=True)
class ProxyProgress:
    """One step of a build: frames of the copy that exist, of ``total``."""

    done: int
    total: int
    state: str = "building"
    """"building", then "done" or "stopped"."""


def build_proxy(
    path: str | os.PathLike[str],
    *,
    root: Path | None = None,
    budget_bytes: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    segment: int = SEGMENT,
) -> Iterator[ProxyProgress]:
    """Write the missing parts of ``path``'s copy, yielding progress about every 30 frames."""
    with VideoReader(path) as source:
        layout = ProxyLayout.for_video(source, root, segment)
        missing = layout.missing()
        done = layout.frame_count - sum(len(layout.segment_range(n)) for n in missing)
        if missing:
            _make_room(layout, budget_bytes)
            try:
                layout.folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ProxyError(f"The fast-seeking copy cannot be written to {layout.folder}: {exc}") from exc
            for stale in layout.folder.glob("*.part"):  # left by a killed build
                stale.unlink(missing_ok=True)
        yield ProxyProgress(done, layout.frame_count)
        for run in _runs(missing):
            start, stop = layout.segment_range(run[0]).start, layout.segment_range(run[-1]).stop
            frames = source.iter_frames(start, stop, size=layout.size)
            try:
                for number in run:
                    for written in _write_part(layout, number, frames, should_stop):
                        if written < 0:
                            yield ProxyProgress(done, layout.frame_count, "stopped")
                            return
                        yield ProxyProgress(done + written, layout.frame_count)
                    done += len(layout.segment_range(number))
            finally:
                close = getattr(frames, "close", None)
                if close is not None:
                    close()
        yield ProxyProgress(done, layout.frame_count, "done")


def _runs(numbers: list[int]) -> list[list[int]]:
    """Consecutive part numbers grouped, so each group is decoded in one pass."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][-1] == n - 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return runs


def _write_part(
    layout: ProxyLayout, number: int, frames: Iterator[DecodedFrame], should_stop: Callable[[], bool]
) -> Iterator[int]:
    """Encode part ``number`` from ``frames``; yields frames written so far, -1 if stopped."""
    wanted = layout.segment_range(number)
    target = layout.segment_path(number)
    part = target.with_name(target.name + ".part")
    width, height = layout.size
    last: np.ndarray = np.zeros((height, width, 3), np.uint8)
    try:
        with av.open(str(part), "w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=RATE)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {
                "preset": "veryfast",
                "crf": "28",
                "g": str(GOP),
                "keyint_min": str(GOP),
                "sc_threshold": "0",  # keyframes exactly every GOP frames: the reader relies on it
                "bf": "0",  # decode order = display order
                "tune": "fastdecode",
            }
            for local, item in enumerate(_fill_gaps(frames, wanted)):
                if should_stop():
                    raise _Stopped
                last = item if item is not None else last
                _encode(container, stream, last, local)
                if (local + 1) % 30 == 0:
                    yield local + 1
            _flush(container, stream)
        os.replace(part, target)
    except _Stopped:
        part.unlink(missing_ok=True)
        yield -1
        return
    except (OSError, av.error.FFmpegError) as exc:
        part.unlink(missing_ok=True)
        raise ProxyError(
            f"The fast-seeking copy could not be written ({exc}). "
            "Seeking still works, exactly but slower; free some disk space to get it back."
        ) from exc
    except BaseException:  # the build was abandoned (generator closed): keep no half part
        part.unlink(missing_ok=True)
        raise
    yield len(wanted)


class _Stopped(Exception):
    pass


def _fill_gaps(frames: Iterator[DecodedFrame], wanted: range) -> Iterator[np.ndarray | None]:
    """One image per wanted index; a frame that failed to decode repeats the one before (None)."""
    expected = wanted.start
    for frame in frames:
        while expected < frame.index and expected < wanted.stop:
            yield None
            expected += 1
        if frame.index == expected:
            yield frame.image
            expected += 1
        if expected >= wanted.stop:
            return
    while expected < wanted.stop:  # the source ended early (a damaged tail)
        yield None
        expected += 1


def _encode(container: Any, stream: Any, image: np.ndarray, local: int) -> None:
    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    frame.pts, frame.time_base = local, Fraction(1, RATE)
    for packet in stream.encode(frame):
        container.mux(packet)


def _flush(container: Any, stream: Any) -> None:
    for packet in stream.encode():
        container.mux(packet)


def _make_room(layout: ProxyLayout, budget_bytes: int | None) -> None:
    """Remove the least recently used other copies until this one fits in the budget."""
    if budget_bytes is None:
        return
    needed = layout.frame_count * BYTES_PER_FRAME
    if needed > budget_bytes:
        raise ProxyError(
            f"A fast-seeking copy of this video needs about {needed / 1e9:.1f} GB, more than the "
            f"{budget_bytes / 1e9:.1f} GB proxy cache allows. Seeking works, exactly but slower."
        )
    root = layout.folder.parent
    others = [p for p in root.iterdir() if p.is_dir() and p != layout.folder] if root.is_dir() else []
    used = {p: _size(p) for p in [*others, layout.folder] if p.exists()}
    total = sum(used.values()) - used.get(layout.folder, 0) + needed
    for old in sorted(others, key=lambda p: p.stat().st_mtime):
        if total <= budget_bytes:
            break
        log.info("proxy cache: removing %s to make room", old.name)
        shutil.rmtree(old, ignore_errors=True)
        total -= used.get(old, 0)


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
