"""Record live frames into a video file (MKV or MP4, H.264 by libx264 where the build has it).

Every frame handed to :meth:`Recorder.write` becomes one frame of the file, in order, with a
strictly increasing timestamp, so frame N of the finished file (as :class:`VideoReader` numbers
it) is the N-th frame written. An MKV that is cut off (a crash, a full disk) still plays up to
where it stops; an MP4 is written fragmented for the same reason.
"""

from __future__ import annotations

import contextlib
import errno
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from lepton_desktop.video.errors import VideoError
from lepton_desktop.video.opening import reason

TIME_BASE = Fraction(1, 1000)
"""Timestamps in milliseconds: fine enough for any camera, coarse enough for every container."""
CONTAINERS = {".mkv": "matroska", ".mp4": "mp4", ".mov": "mov"}


class RecordingError(VideoError):
    """The recording cannot be started or written; the message says why and what to do."""


def encoder_name() -> str:
    """H.264 (libx264) when this FFmpeg has it, else MPEG-4 part 2 (every build has that)."""
    for name in ("libx264", "mpeg4"):
        try:
            av.codec.Codec(name, "w")
        except (av.error.FFmpegError, ValueError):  # UnknownCodecError is a ValueError
            continue
        return name
    raise RecordingError("This build of FFmpeg has no video encoder that can record (neither H.264 nor MPEG-4).")


def check_target(path: Path) -> Path:
    """A new file of a known container in an existing, writable folder; else one sentence."""
    path = Path(path).expanduser()
    if path.suffix.lower() not in CONTAINERS:
        raise RecordingError(f"{path}: record into a .mkv or .mp4 file (MKV survives a crash best).")
    if path.exists():
        raise RecordingError(f"{path} exists already; choose a new file name for the recording.")
    if not path.parent.is_dir():
        raise RecordingError(f"The folder {path.parent} does not exist; create it or record elsewhere.")
    return path


class Recorder:
    """One recording: ``write`` frames in order, then ``close``; ``count`` is the number of frames written."""

    def __init__(self, path: Path, width: int, height: int, fps: float) -> None:
        self.path = check_target(path)
        self.width, self.height = max(2, width - width % 2), max(2, height - height % 2)  # 4:2:0 wants even sides
        self.count = 0
        self._last_pts = -1
        fmt = CONTAINERS[self.path.suffix.lower()]
        options = {"movflags": "+frag_keyframe+empty_moov+default_base_moof"} if fmt in ("mp4", "mov") else {}
        try:
            self._container: Any = av.open(str(self.path), "w", format=fmt, options=options)
        except (av.error.FFmpegError, OSError) as exc:
            raise _write_error(self.path, exc) from None
        self.codec = encoder_name()
        rate = Fraction(fps).limit_denominator(1001)
        stream: Any = self._container.add_stream(self.codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = self.width, self.height, "yuv420p"
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        keyframes = str(max(1, round(fps)))  # a keyframe a second: exact seeks in the app stay quick
        if self.codec == "libx264":
            stream.options = {"preset": "veryfast", "tune": "zerolatency", "crf": "20", "g": keyframes}
        else:
            stream.options = {"g": keyframes}
            stream.bit_rate = 4_000_000
        self._stream = stream

    def write(self, frame: Any, seconds: float) -> int:
        """Append ``frame`` (an av.VideoFrame) shown at ``seconds`` from the start; return its frame number."""
        pts = max(round(seconds / TIME_BASE), self._last_pts + 1)
        self._last_pts = pts
        if (frame.width, frame.height) != (self.width, self.height):  # odd sides, or a stream that changed size
            frame = frame.reformat(self.width, self.height, "yuv420p")
        frame.pts, frame.time_base = pts, TIME_BASE
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except (av.error.FFmpegError, OSError) as exc:
            raise _write_error(self.path, exc) from None
        self.count += 1
        return self.count - 1

    def close(self) -> None:
        """Flush the encoder and finish the file (safe to call twice)."""
        if self._container is None:
            return
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        except (av.error.FFmpegError, OSError) as exc:
            raise _write_error(self.path, exc) from None
        finally:
            with contextlib.suppress(av.error.FFmpegError, OSError):
                self._container.close()
            self._container = None


def _write_error(path: Path, exc: BaseException) -> RecordingError:
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC:
        return RecordingError(f"The disk is full: the recording {path} stops here; free some space.")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return RecordingError(f"{path} cannot be written here (permission denied); record into another folder.")
    return RecordingError(f"The recording {path} could not be written ({reason(exc)}).")
