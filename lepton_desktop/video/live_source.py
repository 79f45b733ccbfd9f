"""Live sources: a camera, a network stream, or a file played as live, opened with PyAV.

    spec = parse_source("udp://127.0.0.1:5000")          # or "/dev/video0", "camera:0", "clip.mp4" (realtime)
    with LiveInput(spec, timeout_s=10) as live:
        for frame in live.frames():                      # av.VideoFrame, as they arrive
            ...

Cameras go through FFmpeg's device formats: V4L2 on Linux (``/dev/videoN``), AVFoundation on
macOS and DirectShow on Windows (``camera:N``, or ``camera:NAME`` on Windows). Every way opening
can fail (no such camera, a camera in use, a refused connection, a stream that sends nothing)
is a :class:`LiveSourceError` with one sentence for the user.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import av

from lepton_desktop.video.errors import VideoError
from lepton_desktop.video.opening import check_path, open_input, reason, video_stream

Kind = Literal["camera", "stream", "file"]

STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp", "rtp", "srt", "tcp", "hls", "mms")
"""Address schemes offered in messages (anything FFmpeg opens is tried)."""


class LiveSourceError(VideoError):
    """A live source cannot be opened or read; the message says why in one sentence."""


@dataclass(frozen=True)
class SourceSpec:
    """What to open: the address FFmpeg gets, its input format and options, and how to name it."""

    kind: Kind
    url: str
    label: str
    """For messages: the address with any password hidden."""
    format: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    realtime: bool = False
    """Pace the frames at the source's own rate (a file played as live)."""


@dataclass(frozen=True)
class Camera:
    """A camera this computer offers: the source text to open it with, and its name."""

    source: str
    name: str


def redact(url: str) -> str:
    """``rtsp://user:secret@host/x`` -> ``rtsp://user:***@host/x`` (messages and logs never show passwords)."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:]*):[^/@]*@", r"\1:***@", url)


def parse_source(text: str, *, realtime: bool = False) -> SourceSpec:
    """Understand a source as a user types it; raise :class:`LiveSourceError` for what cannot be live."""
    text = text.strip()
    if not text:
        raise LiveSourceError("No source given: name a camera (/dev/video0, camera:0), a stream URL or a file.")
    scheme = re.match(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://", text)
    if scheme is not None:
        if scheme.group(1).lower() == "file":
            return _file_spec(text[len("file://") :], realtime)
        return SourceSpec("stream", text, redact(text), options=_stream_options(scheme.group(1).lower()))
    if text == "camera" or text.startswith("camera:") or re.fullmatch(r"/dev/video\d+", text):
        return camera_spec(text)
    return _file_spec(text, realtime)


def _file_spec(text: str, realtime: bool) -> SourceSpec:
    path = check_path(text)
    if not realtime:
        raise LiveSourceError(
            f"{path} is a file, not a live source: add --realtime to play it as live, "
            "or analyse it as a whole with `lepton analyze`."
        )
    return SourceSpec("file", str(path), str(path), realtime=True)


def _stream_options(scheme: str) -> dict[str, str]:
    """Start fast (small probe), never buffer more than needed; per protocol what keeps a stream steady."""
    options = {"probesize": "1000000", "analyzeduration": "1000000"}
    if scheme in ("rtsp", "rtsps"):
        options["rtsp_transport"] = "tcp"  # no lost packets (and so no grey smears) on a busy network
    if scheme == "udp":
        # a large receive buffer and ring (FFmpeg fills it on its own thread), and a full one loses packets
        # rather than stopping the stream
        options.update({"buffer_size": str(8 << 20), "fifo_size": str(100_000), "overrun_nonfatal": "1"})
    return options


def camera_spec(text: str, platform: str = sys.platform) -> SourceSpec:
    """``/dev/videoN``, ``camera`` or ``camera:N`` (``camera:NAME`` on Windows) for this platform's device format."""
    which = text.split(":", 1)[1] if ":" in text else ""
    if platform.startswith("linux"):
        device = text if text.startswith("/dev/") else f"/dev/video{which or 0}"
        return SourceSpec("camera", device, device, format="v4l2")
    if platform == "darwin":
        index = which or "0"
        # "N:none": video device N without sound; AVFoundation wants a frame rate the camera offers
        return SourceSpec(
            "camera", f"{index}:none", f"camera {index}", format="avfoundation", options={"framerate": "30"}
        )
    if platform.startswith("win"):
        name = which
        if not name or name.isdigit():
            cameras = list_cameras(platform)
            k = int(name or 0)
            if k >= len(cameras):
                raise LiveSourceError(_no_camera(f"camera {k}", cameras))
            name = cameras[k].name
        return SourceSpec("camera", f"video={name}", f"camera {name}", format="dshow")
    raise LiveSourceError(f"Cameras are not supported on this system ({platform}); use a stream URL instead.")


def list_cameras(platform: str = sys.platform) -> list[Camera]:
    """The cameras this computer offers (Linux: /dev/video* capture nodes; Windows/macOS: asked of FFmpeg)."""
    if platform.startswith("linux"):
        found = []
        for device in sorted(glob.glob("/dev/video*"), key=lambda d: int(re.sub(r"\D", "", d) or 0)):
            node = Path("/sys/class/video4linux") / Path(device).name
            if _read(node / "index") not in ("", "0"):  # a second node of one camera (metadata), not a picture
                continue
            found.append(Camera(device, _read(node / "name") or device))
        return found
    if platform == "darwin":
        return [Camera(f"camera:{k}", name) for k, name in enumerate(_ffmpeg_devices("avfoundation", ""))]
    if platform.startswith("win"):
        return [Camera(f"camera:{name}", name) for name in _ffmpeg_devices("dshow", "dummy")]
    return []


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _ffmpeg_devices(fmt: str, url: str) -> list[str]:
    """Video device names FFmpeg lists for ``fmt`` (it prints them to its log and fails, by design)."""
    if not has_format(fmt):
        return []
    with av.logging.Capture() as logs, contextlib.suppress(av.error.FFmpegError, OSError):
        av.open(url, format=fmt, options={"list_devices": "true"}).close()
    names, video = [], True
    for _level, _name, message in logs:
        line = str(message)
        if "audio devices" in line.lower():
            video = False
        elif "video devices" in line.lower():
            video = True
        quoted = re.search(r'"([^"]+)"', line)
        if quoted and video and "Alternative name" not in line and "(audio)" not in line:
            names.append(quoted.group(1))
    return names


def has_format(name: str) -> bool:
    """Whether this FFmpeg build has the input format ``name`` (device formats are listed as ``a,b`` aliases)."""
    return any(name in entry.split(",") for entry in av.formats_available)


def _no_camera(label: str, cameras: list[Camera]) -> str:
    offered = ", ".join(f"{c.source} ({c.name})" for c in cameras) if cameras else "none were found"
    return f"There is no camera at {label}; cameras on this computer: {offered}."


def open_error(spec: SourceSpec, exc: BaseException, timeout_s: float) -> LiveSourceError:
    """The one sentence for a source that would not open."""
    code = getattr(exc, "errno", None)
    where = spec.label
    if spec.kind == "camera":
        if code == errno.ENOENT or code == errno.ENODEV or code == errno.ENXIO:
            return LiveSourceError(_no_camera(where, list_cameras()))
        if code == errno.EBUSY:
            return LiveSourceError(
                f"The camera {where} is in use by another program; close it (a video call, another recorder) "
                "and try again."
            )
        if code in (errno.EACCES, errno.EPERM):
            return LiveSourceError(
                f"You may not use the camera {where}; on Linux add yourself to the 'video' group and log in again."
            )
        return LiveSourceError(f"The camera {where} could not be opened ({reason(exc)}).")
    if isinstance(exc, av.error.ProtocolNotFoundError):
        scheme = spec.url.split("://", 1)[0]
        return LiveSourceError(
            f"{where}: '{scheme}' is not a kind of address this program can open; use a camera or a stream "
            f"address such as {', '.join(s + '://' for s in STREAM_SCHEMES[:6])} or udp://."
        )
    if isinstance(exc, av.error.ExitError) or code in (errno.ETIMEDOUT, errno.EAGAIN):
        return LiveSourceError(
            f"No video arrived from {where} within {timeout_s:g} s; "
            "check the address and that the stream is being sent."
        )
    if code == errno.ECONNREFUSED:
        return LiveSourceError(
            f"Nothing answers at {where} (connection refused); check the address and that the camera or server is on."
        )
    if isinstance(exc, av.error.HTTPNotFoundError):
        return LiveSourceError(f"{where} was not found on its server (HTTP 404); check the address.")
    if isinstance(exc, av.error.HTTPError | av.error.HTTPForbiddenError | av.error.HTTPUnauthorizedError):
        return LiveSourceError(
            f"The server of {where} refused the stream ({reason(exc)}); check the address and login."
        )
    if isinstance(exc, av.error.InvalidDataError):
        return LiveSourceError(f"{where} sends data that is not a video stream this program can read.")
    return LiveSourceError(f"{where} could not be opened ({reason(exc)}); check the address and your network.")


class LiveInput:
    """One connection to a live source; ``frames()`` yields decoded pictures as they come.

    ``timeout_s`` bounds both opening and every read: a source that sends nothing for that long
    ends ``frames()`` with :class:`StreamStalled` (the caller decides whether to reconnect).
    """

    def __init__(self, spec: SourceSpec, timeout_s: float = 10.0) -> None:
        self.spec = spec
        self.timeout_s = timeout_s
        self.container: Any = None
        self.stream: Any = None
        self.fps: float = 25.0

    def open(self) -> LiveInput:
        """Connect (or open the camera / file); raise :class:`LiveSourceError` with the reason."""
        spec = self.spec
        if spec.format is not None and not has_format(spec.format):
            raise LiveSourceError(f"This build cannot read cameras of this kind ({spec.format}); use a stream URL.")
        try:
            if spec.kind == "file":
                self.container = open_input(Path(spec.url))
            else:
                self.container = av.open(
                    spec.url,
                    mode="r",
                    format=spec.format,
                    options=dict(spec.options),
                    timeout=(self.timeout_s, self.timeout_s),
                    metadata_errors="ignore",
                )
        except VideoError:
            raise
        except (av.error.FFmpegError, OSError) as exc:
            raise open_error(spec, exc, self.timeout_s) from None
        try:
            self.stream = video_stream(self.container, Path(spec.label))
        except VideoError:
            self.close()
            raise LiveSourceError(f"{spec.label} carries no video picture.") from None
        self.stream.thread_type = "SLICE"  # frame threads would hold frames back: latency, and lost at a stall
        rate = self.stream.guessed_rate or self.stream.average_rate or self.stream.base_rate
        self.fps = float(rate) if rate and 1 <= float(rate) <= 240 else 25.0
        return self

    def frames(self) -> Iterator[Any]:
        """Decoded frames in order; damaged packets are skipped; the end of a file ends it.

        Raises :class:`StreamStalled` when the source stops sending (a read timed out, or the
        connection dropped).
        """
        assert self.container is not None, "open() first"
        paced_from: tuple[float, float] | None = None
        try:
            for packet in self.container.demux(self.stream):
                try:
                    decoded = packet.decode()
                except av.error.InvalidDataError:  # a lost or damaged packet: the next keyframe recovers
                    continue
                for frame in decoded:
                    if self.spec.realtime and frame.time is not None:
                        if paced_from is None:
                            paced_from = (time.monotonic(), float(frame.time))
                        due = paced_from[0] + float(frame.time) - paced_from[1]
                        wait = due - time.monotonic()
                        if wait > 0:
                            time.sleep(wait)
                    yield frame
        except av.error.EOFError:
            pass
        except (av.error.ExitError, av.error.FFmpegError, OSError) as exc:
            if self.spec.kind == "file":
                raise LiveSourceError(f"{self.spec.label} could not be read further ({reason(exc)}).") from None
            yield from self._flush()  # what the decoder still holds arrived too
            raise StreamStalled(_stall_reason(exc, self.timeout_s)) from None
        if self.spec.kind != "file":  # a stream or a camera that ends has dropped: the caller may reconnect
            raise StreamStalled("the stream ended")

    def _flush(self) -> Iterator[Any]:
        try:
            yield from self.stream.codec_context.decode(None)
        except (av.error.FFmpegError, ValueError):
            return

    def close(self) -> None:
        """Disconnect (safe to call twice)."""
        if self.container is not None:
            with contextlib.suppress(av.error.FFmpegError, OSError):
                self.container.close()
            self.container = None

    def __enter__(self) -> LiveInput:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


class StreamStalled(Exception):
    """The source stopped sending; ``str()`` says how."""


def _stall_reason(exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, av.error.ExitError):
        return f"no data for {timeout_s:g} s"
    return f"the connection dropped ({reason(exc)})"
