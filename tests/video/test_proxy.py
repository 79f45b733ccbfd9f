"""The proxy copy for fast seeking: same frames, same numbers, resumable, safe on bad disks."""

from __future__ import annotations

import errno
import os
import random

import numpy as np
import pytest

from lepton_desktop.video import VideoReader
from lepton_desktop.video import proxy_build as build_mod
from lepton_desktop.video.proxy import GOP, ProxyLayout, ProxyReader, seek_cost, worth_a_proxy
from lepton_desktop.video.proxy_build import ProxyError, build_proxy
from lepton_desktop.video.reader import Superseded
from tests.synth import make_video, read_number

SEGMENT = 64  # small parts, so a short clip has several


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """640x360, one long GOP (like camera files with sparse keyframes), 3 parts and a bit."""
    path = tmp_path_factory.mktemp("proxy") / "long_gop.mp4"
    return make_video(path, 200, size=(640, 360), options={"g": "250", "bf": "2"})


def _build(clip, root, **kw):
    steps = list(build_proxy(clip, root=root, segment=SEGMENT, **kw))
    with VideoReader(clip) as reader:
        layout = ProxyLayout.for_video(reader, root, SEGMENT)
    return steps, layout


def test_only_slow_to_seek_videos_get_a_copy(clip, videos):
    small = make_video(videos / "proxy_small.mp4", 60, options={"g": "250"})
    with VideoReader(small) as reader:
        assert not worth_a_proxy(reader)
    with VideoReader(clip) as reader:
        assert seek_cost(reader) == pytest.approx(200 * 640 * 360 / (1920 * 1080))
        assert worth_a_proxy(reader)


def test_copy_has_every_frame_under_its_own_number(clip, tmp_path):
    steps, layout = _build(clip, tmp_path)
    assert steps[0].done == 0 and steps[-1].state == "done" and steps[-1].done == steps[-1].total == 200
    assert [p.name for p in sorted(layout.folder.iterdir())] == ["00000.mp4", "00001.mp4", "00002.mp4", "00003.mp4"]
    proxy = ProxyReader(layout)
    order = list(range(200))
    random.Random(4).shuffle(order)
    with VideoReader(clip) as exact:
        for k in [*order[:80], 0, 63, 64, 199]:
            image = proxy.frame(k)
            assert image is not None and image.shape == (360, 640, 3)
            assert read_number(image) == k
            # the same picture, lossy: nearer to frame k than to its neighbours
            near = {n: np.abs(image.astype(int) - exact.frame(n)).mean() for n in (k - 1, k, k + 1) if 0 <= n < 200}
            assert min(near, key=near.__getitem__) == k and near[k] < 12
    assert proxy.frame(200) is None and not proxy.has(-1)
    proxy.close()


def test_copy_keyframes_are_short(clip, tmp_path):
    import av

    _, layout = _build(clip, tmp_path)
    with av.open(str(layout.segment_path(1))) as container:
        keys = [i for i, p in enumerate(container.demux(video=0)) if p.is_keyframe]
    assert keys[:4] == [0, GOP, 2 * GOP, 3 * GOP]


def test_stopped_build_keeps_finished_parts_and_resumes(clip, tmp_path):
    calls = iter(range(10_000))
    steps, layout = _build(clip, tmp_path, should_stop=lambda: next(calls) >= 100)
    assert steps[-1].state == "stopped"
    assert layout.missing() == [1, 2, 3] and not list(layout.folder.glob("*.part"))
    steps, _ = _build(clip, tmp_path)
    assert steps[0].done == 64 and steps[-1].state == "done" and layout.complete()
    proxy = ProxyReader(layout)
    assert [read_number(proxy.frame(k)) for k in (70, 130, 199)] == [70, 130, 199]


def test_leftovers_of_a_killed_build_and_damaged_parts(clip, tmp_path):
    _, layout = _build(clip, tmp_path)
    (layout.folder / "00002.mp4.part").write_bytes(b"half written")
    layout.segment_path(1).write_bytes(b"\0" * 5000)  # a part damaged on disk
    proxy = ProxyReader(layout)
    assert proxy.frame(70) is None  # unreadable: no preview, the exact frame is still decoded
    assert not layout.segment_path(1).exists()  # so the next build writes it again
    assert read_number(proxy.frame(10)) == 10
    _build(clip, tmp_path)
    assert layout.complete() and not list(layout.folder.glob("*.part"))
    assert read_number(ProxyReader(layout).frame(70)) == 70


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_cache_fails_clearly_and_keeps_no_half_part(clip, tmp_path, monkeypatch, code):
    real = build_mod._encode
    count = iter(range(10_000))

    def encode(*args):
        if next(count) == 100:
            raise OSError(code, os.strerror(code))
        real(*args)

    monkeypatch.setattr(build_mod, "_encode", encode)
    with pytest.raises(ProxyError, match="Seeking still works"):
        _build(clip, tmp_path)
    with VideoReader(clip) as reader:
        layout = ProxyLayout.for_video(reader, tmp_path, SEGMENT)
    assert layout.missing() == [1, 2, 3] and not list(layout.folder.glob("*.part"))


def test_cache_budget_removes_least_recently_used_copies(clip, tmp_path):
    old, newer = tmp_path / "v1-old", tmp_path / "v1-newer"
    for n, folder in enumerate((old, newer)):
        folder.mkdir()
        (folder / "00000.mp4").write_bytes(b"x" * 400_000)
        os.utime(folder, (1_000_000 + n, 1_000_000 + n))
    _build(clip, tmp_path, budget_bytes=1_300_000)  # room for the new copy (~0.8 MB budgeted) and one old one
    assert not old.exists() and newer.exists()
    with pytest.raises(ProxyError, match="more than"):
        list(build_proxy(clip, root=tmp_path / "other", budget_bytes=100_000, segment=SEGMENT))


def test_reader_abandons_a_superseded_decode_and_stays_exact(clip):
    with VideoReader(clip, cache_frames=1) as reader:
        assert not reader.is_quick(150)
        with pytest.raises(Superseded):
            reader.frame(150, stop=lambda: True)
        assert read_number(reader.frame(150)) == 150
        assert reader.is_quick(150) and reader.is_quick(160) and not reader.is_quick(190)
        assert read_number(reader.frame(160)) == 160


def test_rotated_video_copy_is_in_display_orientation(videos, tmp_path):
    path = make_video(videos / "proxy_rot.mp4", 200, size=(640, 360), rotation=90, options={"g": "250"})
    _, layout = _build(path, tmp_path)
    assert layout.size == (360, 640)
    proxy = ProxyReader(layout)
    with VideoReader(path) as exact:
        for k in (5, 100, 180):
            image = proxy.frame(k)
            assert image is not None and image.shape == exact.frame(k).shape == (640, 360, 3)
            near = {n: np.abs(image.astype(int) - exact.frame(n)).mean() for n in (k - 1, k, k + 1)}
            assert min(near, key=near.__getitem__) == k
