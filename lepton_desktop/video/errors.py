"""One typed error per kind of bad video input, each with a sentence a user understands."""

from __future__ import annotations

from lepton_desktop.core.errors import LeptonError


class VideoError(LeptonError):
    """Base class: this video cannot be used, and the message says why."""


class VideoNotFoundError(VideoError):
    """The path does not exist."""


class NotAFileError(VideoError):
    """The path is a folder, a device, a pipe: anything but a regular file."""


class EmptyVideoFileError(VideoError):
    """The file has zero bytes."""


class VideoPermissionError(VideoError):
    """The file exists but this user may not read it."""


class NotAVideoError(VideoError):
    """FFmpeg does not recognise the file as any media format."""


class NoVideoStreamError(VideoError):
    """A media file without a picture: audio only, subtitles only, ..."""


class UnsupportedCodecError(VideoError):
    """The picture is in a codec this build cannot decode."""


class CorruptVideoError(VideoError):
    """The file is a video but too damaged (or incomplete) to read any frame."""
