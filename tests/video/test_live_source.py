"""Live sources as typed, per platform; the recorder's numbering and its refusals."""

from __future__ import annotations

import errno
import os

import av
import numpy as np
import pytest

from lepton_desktop.video import VideoReader
from lepton_desktop.video.live_source import (
    LiveInput,
    LiveSourceError,
    camera_spec,
    has_format,
    list_cameras,
    open_error,
    parse_source,
    redact,
)
from lepton_desktop.video.recorder import Recorder, RecordingError, encoder_name


def test_sources_as_typed():
    assert parse_source("rtsp://cam.local/live").kind == "stream"
    udp = parse_source("udp://127.0.0.1:5000")
    assert udp.options["overrun_nonfatal"] == "1" and int(udp.options["buffer_size"]) >= 1 << 20
    assert parse_source("rtsp://a:b@cam/x").options["rtsp_transport"] == "tcp"
    assert parse_source("rtsp://a:b@cam/x").label == "rtsp://a:***@cam/x"
    assert redact("http://cam/x?user=1") == "http://cam/x?user=1"
    if has_format("v4l2"):
        assert parse_source("/dev/video3").url == "/dev/video3"
    with pytest.raises(LiveSourceError, match="No source given"):
        parse_source("  ")


def test_cameras_per_platform():
    linux = camera_spec("camera:2", platform="linux")
    assert (linux.url, linux.format) == ("/dev/video2", "v4l2")
    mac = camera_spec("camera", platform="darwin")
    assert (mac.url, mac.format, mac.options["framerate"]) == ("0:none", "avfoundation", "30")
    win = camera_spec("camera:Integrated Webcam", platform="win32")
    assert (win.url, win.format) == ("video=Integrated Webcam", "dshow")
    with pytest.raises(LiveSourceError, match="not supported on this system"):
        camera_spec("camera:0", platform="sunos5")


def test_a_missing_camera_names_the_cameras_there_are(tmp_path):
    if not has_format("v4l2"):
        pytest.skip("this FFmpeg has no V4L2 input")
    free = next(f"/dev/video{k}" for k in range(60, 99) if not (tmp_path / f"video{k}").exists())
    with pytest.raises(LiveSourceError) as caught:
        LiveInput(parse_source(free)).open()
    offered = ", ".join(c.source for c in list_cameras()) or "none were found"
    assert str(caught.value).startswith(f"There is no camera at {free}; cameras on this computer: ")
    assert offered.split(",")[0] in str(caught.value)


def _frame(value: int, size=(64, 48)) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(np.full((size[1], size[0], 3), value, np.uint8), format="rgb24")


@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_frame_n_of_the_recording_is_the_nth_frame_written(tmp_path, suffix):
    path = tmp_path / f"r{suffix}"
    recorder = Recorder(path, 65, 49, 25.0)  # odd sides become even
    times = [0.0, 0.04, 0.08, 0.08, 0.2, 0.21, 3.0]  # a repeat and a gap: still one frame each, in order
    for k, t in enumerate(times):
        size = (65, 49) if k != 5 else (128, 96)  # a stream may come back at another size: scaled to the first
        assert recorder.write(_frame(30 * k, size), t) == k
    recorder.close()
    assert recorder.codec == encoder_name()
    with VideoReader(path) as reader:
        assert reader.frame_count == len(times)
        means = [float(f.image.mean()) for f in reader.iter_frames()]
    assert means == sorted(means) and all(abs(m - 30 * k) < 8 for k, m in enumerate(means))


def test_the_recorder_refuses_what_it_cannot_write(tmp_path):
    taken = tmp_path / "taken.mkv"
    taken.write_bytes(b"x")
    with pytest.raises(RecordingError, match="exists already"):
        Recorder(taken, 64, 48, 25)
    with pytest.raises(RecordingError, match=r"\.mkv or \.mp4"):
        Recorder(tmp_path / "x.avi", 64, 48, 25)
    with pytest.raises(RecordingError, match="does not exist"):
        Recorder(tmp_path / "no" / "x.mkv", 64, 48, 25)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (errno.EBUSY, "The camera /dev/video0 is in use by another program; close it"),
        (errno.EACCES, "You may not use the camera /dev/video0; on Linux add yourself to the 'video' group"),
        (errno.EIO, "The camera /dev/video0 could not be opened (input/output error)."),
    ],
)
def test_a_camera_that_cannot_be_used_is_one_sentence(code, message):
    # FFmpeg's V4L2 input raises these as OSError with the errno of the device's open() (no device here to busy)
    error = open_error(camera_spec("/dev/video0", platform="linux"), OSError(code, os.strerror(code)), 10)
    assert str(error).startswith(message)
    assert str(error).count(". ") == 0  # one sentence
