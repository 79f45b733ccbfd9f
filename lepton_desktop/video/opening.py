"""Open a file with PyAV, turning every way it can fail into one typed error."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import av

from lepton_desktop.video import errors


def check_path(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` as a Path if it names a readable, non-empty regular file."""
    p = Path(path).expanduser()
    try:
        st = p.stat()
    except FileNotFoundError:
        raise errors.VideoNotFoundError(
            f"{p}: no such file. Check the path, or relink the video if it was moved."
        ) from None
    except PermissionError:
        raise errors.VideoPermissionError(f"{p}: permission denied; you may not read this file.") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise errors.VideoNotFoundError(
                f"{p} is a symbolic link that leads back to itself (a loop); point it at the video file."
            ) from None
        if exc.errno == errno.ENAMETOOLONG:
            raise errors.VideoNotFoundError(
                f"{p}: the path is too long for this system; move or rename the file."
            ) from None
        raise errors.VideoNotFoundError(
            f"{p} cannot be read ({exc.strerror or exc}); check the disk or the path."
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise errors.NotAFileError(f"{p} is a folder, not a video file. Choose a file inside it.")
    if not stat.S_ISREG(st.st_mode):
        raise errors.NotAFileError(f"{p} is not a regular file (a pipe or a device?); choose a video file.")
    refuse_project_file(p)
    if st.st_size == 0:
        raise errors.EmptyVideoFileError(f"{p} is empty (0 bytes); the copy or download probably failed.")
    if not os.access(p, os.R_OK):
        raise errors.VideoPermissionError(f"{p}: permission denied; you may not read this file.")
    return p


def refuse_project_file(path: Path) -> None:
    """Raise :class:`NotAVideoError` for a Lepton project named as a video, before anything opens it.

    Opening and closing a file (here, FFmpeg or a fingerprint) drops every lock this process's SQLite
    connections hold on it: the project, maybe open in this very process, would lose its -wal file.
    """
    if path.suffix.lower() == ".lepton":
        raise errors.NotAVideoError(
            f"{path} is a Lepton project, not a video; open it as a project (lepton-desktop --project, or "
            "File > Open project)."
        )


def open_input(path: Path) -> Any:
    """Open ``path`` with PyAV; raise NotAVideoError/CorruptVideoError on failure."""
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.InvalidDataError:
        if _looks_like_mp4(path):
            raise errors.CorruptVideoError(
                f"{path} is an MP4/MOV video whose index is missing, usually because the recording "
                "or the copy was interrupted. Copy it again from the source; a repair tool may recover it."
            ) from None
        raise errors.NotAVideoError(
            f"{path} is not a video file that can be read (unrecognised or damaged data)."
        ) from None
    except av.error.FFmpegError as exc:
        size = _declared_size(path)
        if size is not None and max(size) > MAX_SIDE:
            raise errors.CorruptVideoError(_too_large(path, *size)) from None
        if getattr(exc, "errno", None) in _HEADER_ERRNOS:  # FFmpeg's codes for a header it refuses
            raise errors.CorruptVideoError(
                f"{path} could not be opened: its header is damaged or asks for more than can be decoded "
                "(such as an impossible picture size). Use an undamaged copy of the video."
            ) from None
        raise errors.CorruptVideoError(f"{path} could not be opened: {reason(exc)}.") from None


def has_audio(path: str | os.PathLike[str]) -> bool:
    """True when the file carries a sound track (BORIS, for one, offers its waveform then)."""
    with open_input(check_path(path)) as container:
        return bool(container.streams.audio)


MAX_SIDE = 16384
"""The largest picture side accepted: beyond 16K, a header is damaged rather than a real video."""

_HEADER_ERRNOS = {errno.EBUSY, errno.EINVAL, errno.ENOMEM, errno.ERANGE, errno.EOVERFLOW}


def _too_large(path: Path, width: int, height: int) -> str:
    return (
        f"{path} says its pictures are {width}x{height} pixels, beyond any real video (at most {MAX_SIDE} a "
        "side): its header is damaged. Use an undamaged copy of the video."
    )


def _declared_size(path: Path) -> tuple[int, int] | None:
    """The picture size a raw YUV4MPEG header names (FFmpeg gives no size when it refuses one)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(256)
    except OSError:
        return None
    if not head.startswith(b"YUV4MPEG2 "):
        return None
    fields = {t[:1]: t[1:] for t in head.split(b"\n", 1)[0].split(b" ")[1:] if t}
    try:
        return int(fields[b"W"]), int(fields[b"H"])
    except (KeyError, ValueError):
        return None


def video_stream(container: Any, path: Path) -> Any:
    """The first real picture stream (cover art does not count)."""
    streams = [s for s in container.streams.video if not (int(s.disposition) & int(av.stream.Disposition.attached_pic))]
    if not streams:
        kinds = sorted({s.type for s in container.streams if s.type != "video"})
        what = " and ".join(kinds) + " only" if kinds else "no streams at all"
        raise errors.NoVideoStreamError(f"{path} has no video picture ({what}); open a file that contains video.")
    stream = streams[0]
    codec = _codec_name(stream)
    if codec is None:
        raise errors.UnsupportedCodecError(
            f"{path} uses a video codec{_fourcc(path)} that this program cannot decode; "
            "convert it to H.264 MP4 (for example with HandBrake or ffmpeg) and open the copy."
        )
    width, height = int(stream.codec_context.width or 0), int(stream.codec_context.height or 0)
    if max(width, height) > MAX_SIDE:
        raise errors.CorruptVideoError(_too_large(path, width, height))
    return stream


def _codec_name(stream: Any) -> str | None:
    try:
        ctx = stream.codec_context
    except (av.error.FFmpegError, ValueError, AttributeError):
        return None
    if ctx is None or ctx.codec is None:
        return None
    name = ctx.codec.name
    return None if name in ("", "none") else str(name)


def reason(exc: BaseException) -> str:
    """What went wrong, for the middle of a sentence: the OS's or FFmpeg's words, lower case, no full stop."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).rstrip(".").lower() or type(exc).__name__


def _looks_like_mp4(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
    except OSError:
        return False
    return len(head) >= 8 and head[4:8] in (b"ftyp", b"mdat", b"moov", b"wide", b"free")


def _fourcc(path: Path) -> str:
    """`` (XXXX)`` naming an AVI file's codec tag, else ``""`` (PyAV has no context for unknown codecs)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return ""
    at = head.find(b"strf")
    if head[:4] == b"RIFF" and at >= 0 and at + 28 <= len(head):
        tag = head[at + 24 : at + 28]
        if all(32 <= b < 127 for b in tag):
            return f" ({tag.decode()})"
    return ""
