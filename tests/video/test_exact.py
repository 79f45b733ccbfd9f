"""Frame N from random access == the N-th frame of sequential decoding, bit for bit."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
import pytest

from lepton_desktop.video import VideoReader
from tests.synth import make_video, read_number, sequential_frames

CASES = {
    "bframes.mp4": dict(options={"bf": "3", "g": "24"}),
    "long_gop.mp4": dict(frames=150, options={"bf": "2", "g": "300", "keyint_min": "300", "sc_threshold": "0"}),
    "vfr.mkv": dict(
        pts_of=lambda i: i * 33 + (i % 3) * 10 + (i // 20) * 200, time_base=Fraction(1, 1000), options={"bf": "2"}
    ),
    "vfr.mp4": dict(
        pts_of=lambda i: i * 33 + (i % 3) * 10 + (i // 20) * 200, time_base=Fraction(1, 1000), options={"bf": "2"}
    ),
    "edit_list.mp4": dict(first_pts=-7, options={"bf": "2", "g": "12"}),
    "rotated.mp4": dict(rotation=90),
    "odd_size.mp4": dict(size=(130, 98)),
    "hevc.mkv": dict(codec="libx265", options={"x265-params": "log-level=error"}),
    "vp9.webm": dict(codec="libvpx-vp9"),
    "mpeg4_bframes.avi": dict(codec="mpeg4", options={"bf": "2"}),
    "mjpeg.avi": dict(codec="mjpeg", pix_fmt="yuvj420p"),
    "quicktime.mov": dict(options={"bf": "2"}),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request, videos):
    name = request.param
    path = make_video(videos / name, **CASES[name])
    return name, path, sequential_frames(path)


def _unrotate(image, rotation):
    return np.rot90(image, k=rotation // 90) if rotation else image


def test_index_matches_sequential_decoding(case):
    _, path, seq = case
    with VideoReader(path, cache=False) as reader:
        assert reader.frame_count == len(seq)
        assert reader.timeline.pts.tolist() == [pts for pts, _ in seq]


def test_random_access_is_bit_exact_in_any_order(case):
    _, path, seq = case
    with VideoReader(path, cache=False) as reader:
        order = list(range(reader.frame_count))
        random.Random(7).shuffle(order)
        order += [3, 4, 5, 4, 3, reader.frame_count - 1, 0]  # forward steps, backward steps, ends
        for n in order:
            got = _unrotate(reader.frame(n), reader.info.rotation)
            assert np.array_equal(got, seq[n][1]), f"frame {n} differs from sequential decoding"


def test_iteration_yields_every_frame_in_order(case):
    _, path, seq = case
    with VideoReader(path, cache=False) as reader:
        got = list(reader.iter_frames())
        assert [f.index for f in got] == list(range(len(seq)))
        for f in got:
            assert np.array_equal(_unrotate(f.image, reader.info.rotation), seq[f.index][1])
        times = reader.timeline.times()
        assert [f.time_s for f in got] == pytest.approx(times.tolist())


def test_frames_carry_the_source_numbers(case):
    name, _path, seq = case
    offset = 7 if name == "edit_list.mp4" else 0  # the edit list hides the first 7 source frames
    numbers = [read_number(image) for _, image in seq]
    assert numbers == list(range(offset, offset + len(seq)))


def test_iteration_window_step_and_downscale(videos):
    path = make_video(videos / "window.mp4", 60, options={"bf": "2", "g": "10"})
    with VideoReader(path, cache=False) as reader:
        got = list(reader.iter_frames(start=13, stop=41, step=4, max_side=64))
        assert [f.index for f in got] == list(range(13, 41, 4))
        assert got[0].image.shape == (48, 64, 3)
        assert [read_number(reader.frame(f.index)) for f in got] == [f.index for f in got]


def test_abandoned_iteration_stops_its_thread(videos):
    import threading

    path = make_video(videos / "abandon.mp4", 60)
    with VideoReader(path, cache=False) as reader:
        frames = reader.iter_frames()
        next(frames)
        frames.close()
    assert not any(t.name == "lepton-decode" and t.is_alive() for t in threading.enumerate())


def test_metadata(videos):
    with VideoReader(make_video(videos / "meta_rot.mp4", 30, rotation=90, size=(128, 96))) as r:
        info = r.info
        assert (info.width, info.height, info.rotation) == (96, 128, 90)
        image = r.frame(0)
        assert image.shape == (128, 96, 3)
    assert (info.frames, info.fps, info.vfr) == (30, 30.0, False)
    assert info.duration_s == pytest.approx(1.0)
    assert info.container == "mov" and info.codec == "h264"
    vfr = make_video(
        videos / "meta_vfr.mkv", 40, pts_of=lambda i: i * 40 + (i // 10) * 100, time_base=Fraction(1, 1000)
    )
    with VideoReader(vfr) as r:
        assert r.info.vfr
        assert r.info.frames == 40
        assert r.timeline.time_of(10) == pytest.approx(0.5)  # 10*40 ms + one 100 ms gap


def test_rotation_turns_the_picture_clockwise(videos):
    path = make_video(videos / "turn.mp4", 5, rotation=90, size=(128, 96))
    with VideoReader(path) as r:
        upright = r.frame(0)
    seq = sequential_frames(path)[0][1]
    assert np.array_equal(upright, np.rot90(seq, k=-1))  # top-left barcode ends up top-right


def test_index_cache_is_reused(videos, _isolated_home):
    path = make_video(videos / "cached.mp4", 20)
    with VideoReader(path) as first:
        pts = first.timeline.pts.copy()
    cached = list((_isolated_home / "cache" / "frame-index").glob("*.npz"))
    assert cached, "the frame index should be cached"
    with VideoReader(path) as second:
        assert np.array_equal(second.timeline.pts, pts)
        assert read_number(second.frame(19)) == 19
