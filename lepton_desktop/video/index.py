"""The frame index: the presentation timestamp of every frame, and where keyframes are.

Built by demuxing (no decoding), which reads a 2-hour file in seconds:
the frames are the packets the demuxer does not mark as discarded (an edit
list's pre-roll), sorted by presentation time. The first frame and the last
group of pictures are then decoded to confirm that the decoder really produces
those timestamps; a damaged tail is trimmed and reported. Streams without
timestamps fall back to a full decode, which is exact by definition.

Indexes are cached on disk (``.npz``, no pickle) keyed by content fingerprint.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from lepton_desktop.core.timeline import FrameTimeline
from lepton_desktop.video import errors

log = logging.getLogger(__name__)

INDEX_FORMAT = 3


@dataclass(frozen=True, eq=False)
class FrameIndex:
    """Exact per-frame timestamps plus the keyframes to seek to."""

    timeline: FrameTimeline
    key_pts: npt.NDArray[np.int64]
    """Presentation timestamps of keyframes, sorted."""
    key_seek: npt.NDArray[np.int64]
    """For each keyframe, the timestamp to hand to the demuxer's seek.

    Its pts: dts(K) <= pts(K) < dts(K+1), so a seek to it lands on K whether the
    demuxer indexes by dts (MP4) or pts (Matroska); a seek landing late is retried
    from the keyframe before.
    """
    rotation: int
    coded_width: int
    coded_height: int
    truncated: bool
    problem: str | None
    exact_timestamps: bool
    """False when the stream had no usable timestamps and frames are numbered by decode order."""

    def keyframe_before(self, pts: int) -> int:
        """Position (in ``key_pts``) of the last keyframe at or before ``pts``; 0 if none."""
        pos = int(np.searchsorted(self.key_pts, pts, side="right")) - 1
        return max(pos, 0)

    def save(self, path: Path) -> None:
        """Write to ``path`` atomically."""
        meta = {
            "format": INDEX_FORMAT,
            "tb": [self.timeline.time_base.numerator, self.timeline.time_base.denominator],
            "rotation": self.rotation,
            "coded": [self.coded_width, self.coded_height],
            "truncated": self.truncated,
            "problem": self.problem,
            "exact": self.exact_timestamps,
        }
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as handle:
            np.savez(
                handle,
                pts=self.timeline.pts,
                key_pts=self.key_pts,
                key_seek=self.key_seek,
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> FrameIndex | None:
        """Read a cached index; None if missing, unreadable or of another format."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode())
                if meta.get("format") != INDEX_FORMAT:
                    return None
                return cls(
                    timeline=FrameTimeline(data["pts"].astype(np.int64), Fraction(*meta["tb"])),
                    key_pts=data["key_pts"].astype(np.int64),
                    key_seek=data["key_seek"].astype(np.int64),
                    rotation=int(meta["rotation"]),
                    coded_width=int(meta["coded"][0]),
                    coded_height=int(meta["coded"][1]),
                    truncated=bool(meta["truncated"]),
                    problem=meta["problem"],
                    exact_timestamps=bool(meta["exact"]),
                )
        except (OSError, ValueError, KeyError, json.JSONDecodeError):
            return None


def rotation_of(frame: Any) -> int:
    """Clockwise degrees to rotate a decoded frame for display (0/90/180/270)."""
    # FFmpeg's display matrix angle is counter-clockwise; displaying undoes it.
    angle = -float(getattr(frame, "rotation", 0) or 0)
    return round(angle / 90.0) % 4 * 90


def build_index(container: Any, stream: Any, path: Path) -> FrameIndex:
    """Index ``stream`` of an open ``container`` (the container is left at an arbitrary position)."""
    frame_pts: list[int] = []
    keys: list[tuple[int, int]] = []  # (pts, seek timestamp)
    demux_problem: str | None = None
    has_missing_ts = False
    packets_read = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            packets_read += 1
            pts = packet.pts if packet.pts is not None else packet.dts
            if pts is None:
                has_missing_ts = True
                continue
            if packet.is_keyframe:
                keys.append((int(pts), int(pts)))
            if not packet.is_discard:
                frame_pts.append(int(pts))
    except av.error.FFmpegError as exc:
        demux_problem = f"reading stopped early ({exc.strerror or type(exc).__name__})"

    pts_arr = np.unique(np.asarray(frame_pts, dtype=np.int64))
    if has_missing_ts or pts_arr.size != len(frame_pts) or not keys:
        log.info("%s: timestamps unusable for a demux index; decoding the whole file", path)
        return _decode_index(path)
    if pts_arr.size == 0:
        raise errors.CorruptVideoError(f"{path} contains no readable video frames.")

    key_arr = np.asarray(sorted(keys), dtype=np.int64)
    index = FrameIndex(
        timeline=FrameTimeline(pts_arr, Fraction(stream.time_base)),
        key_pts=key_arr[:, 0].copy(),
        key_seek=key_arr[:, 1].copy(),
        rotation=0,
        coded_width=0,
        coded_height=0,
        truncated=False,
        problem=None,
        exact_timestamps=True,
    )
    return _validate(container, stream, path, index, demux_problem, packets_read)


def _validate(
    container: Any, stream: Any, path: Path, index: FrameIndex, demux_problem: str | None, packets_read: int
) -> FrameIndex:
    """Decode the first frame and the last keyframe's run; trim a tail that will not decode."""
    pts = index.timeline.pts
    first = _decode_from(container, stream, int(index.key_seek[0]), limit=1)
    if not first:
        raise errors.CorruptVideoError(f"{path} is damaged: not a single frame could be decoded.")
    head = first[0]
    if head.pts != int(pts[0]):
        # The decoder disagrees with the demuxer about the first frame; trust the decoder.
        log.info("%s: first decoded pts %s != indexed %s; decoding the whole file", path, head.pts, pts[0])
        return _decode_index(path)
    tail_start = int(index.key_pts[-1])
    tail = _decode_from(container, stream, int(index.key_seek[-1]), limit=None, keep=False)
    decoded_tail = {p for p in tail if p is not None and p >= tail_start}
    expected_tail = pts[pts >= tail_start]
    keep = np.ones(pts.size, dtype=bool)
    missing = [p for p in expected_tail.tolist() if p not in decoded_tail]
    if missing:
        keep &= ~np.isin(pts, np.asarray(missing, dtype=np.int64))
    timeline = FrameTimeline(pts[keep], index.timeline.time_base) if missing else index.timeline
    reasons = [demux_problem] if demux_problem else []
    reasons += _disagreements(container, stream, timeline, packets_read)
    if missing and not reasons:
        reasons.append("the end of the file is missing or damaged")
    problem = _problem(path, timeline, reasons)
    truncated = problem is not None
    return FrameIndex(
        timeline=timeline,
        key_pts=index.key_pts,
        key_seek=index.key_seek,
        rotation=rotation_of(head),
        coded_width=int(head.width),
        coded_height=int(head.height),
        truncated=truncated,
        problem=problem,
        exact_timestamps=True,
    )


def _disagreements(container: Any, stream: Any, timeline: FrameTimeline, packets_read: int) -> list[str]:
    """Where the file's header promises more than its data holds: frames it lists, time it claims."""
    found: list[str] = []
    declared = int(stream.frames or 0)  # samples in the header, edit-list pre-roll included
    if declared and packets_read < declared:
        found.append(f"its header lists {declared} frames but only {packets_read} can be read")
    if timeline.frame_count >= 2:
        if stream.duration and stream.time_base:
            seconds = float(stream.duration * stream.time_base)
        elif container.duration and len(container.streams) == 1:  # e.g. Matroska: only a container duration
            seconds = container.duration / 1_000_000
        else:
            return found
        slack = max(4 * timeline.frame_duration(), 0.25)
        if seconds > timeline.duration() + slack:
            found.append(f"its header says {seconds:.2f} s but the readable frames cover {timeline.duration():.2f} s")
    return found


def _problem(path: Path, timeline: FrameTimeline, reasons: list[str]) -> str | None:
    """One sentence for a file that is incomplete or whose header and data disagree; None if whole."""
    if not reasons:
        return None
    last = timeline.frame_count - 1
    return (
        f"{path.name} is incomplete or damaged: {'; '.join(reasons)}. "
        f"Frames 0-{last} ({timeline.duration():.2f} s) are what can be read, and they are usable."
    )


def _decode_from(container: Any, stream: Any, seek_ts: int, limit: int | None, keep: bool = True) -> list[Any]:
    """Decode frames after seeking to ``seek_ts``; stop after ``limit`` frames.

    ``keep=False`` returns only the frames' timestamps: each picture is let go as soon as it is
    decoded, so checking a long last group of pictures holds a few pictures, not all of them
    (``bench/decode.py``: a 1080p clip whose 300 frames are one group took 1.11 s and 967 MB to
    open while they were all held; 0.59 s and 308 MB now, each in a fresh process).
    """
    out: list[Any] = []
    try:
        container.seek(seek_ts, backward=True, any_frame=False, stream=stream)
    except av.error.FFmpegError:
        return out
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue
            for frame in frames:
                out.append(frame if keep else frame.pts)
                if limit is not None and len(out) >= limit:
                    return out
    except av.error.FFmpegError:
        pass
    return out


def _decode_index(path: Path) -> FrameIndex:
    """Exact index by decoding every frame; frames numbered in output order."""
    pts_list: list[int] = []
    head: Any = None
    reasons: list[str] = []
    with av.open(str(path), metadata_errors="ignore") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        time_base = Fraction(stream.time_base) if stream.time_base else Fraction(1, 1000)
        counter = 0
        last = -1
        packets = 0
        try:
            for packet in container.demux(stream):
                packets += packet.size > 0
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    continue
                for frame in frames:
                    head = head or frame
                    value = frame.pts if frame.pts is not None else counter
                    value = max(int(value), last + 1)  # keep strictly increasing
                    pts_list.append(value)
                    last = value
                    counter += 1
        except av.error.FFmpegError as exc:
            reasons.append(f"reading stopped early ({exc.strerror or 'error'})")
        if head is None:
            raise errors.CorruptVideoError(f"{path} is damaged: not a single frame could be decoded.")
        timeline = FrameTimeline(np.asarray(pts_list, dtype=np.int64), time_base)
        reasons += _disagreements(container, stream, timeline, packets)
    problem = _problem(path, timeline, reasons)
    pts_arr = timeline.pts
    return FrameIndex(
        timeline=timeline,
        key_pts=pts_arr[:1].copy(),
        key_seek=pts_arr[:1].copy(),
        rotation=rotation_of(head),
        coded_width=int(head.width),
        coded_height=int(head.height),
        truncated=problem is not None,
        problem=problem,
        exact_timestamps=False,
    )
