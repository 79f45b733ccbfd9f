"""Each kind of bad input raises one typed error with a readable message; nothing hangs."""

from __future__ import annotations

import av
import numpy as np
import pytest

from lepton_desktop.video import VideoReader, errors, probe
from tests.synth import make_video, read_number


def test_missing_file(tmp_path):
    with pytest.raises(errors.VideoNotFoundError, match="no such file"):
        probe(tmp_path / "nope.mp4")


def test_directory(tmp_path):
    with pytest.raises(errors.NotAFileError, match="is a folder"):
        probe(tmp_path)


def test_zero_bytes(tmp_path):
    (tmp_path / "zero.mp4").write_bytes(b"")
    with pytest.raises(errors.EmptyVideoFileError, match="empty"):
        probe(tmp_path / "zero.mp4")


def test_text_renamed_mp4(tmp_path):
    (tmp_path / "notes.mp4").write_text("meeting notes, definitely not a video\n" * 50)
    with pytest.raises(errors.NotAVideoError, match="not a video"):
        probe(tmp_path / "notes.mp4")


def test_random_bytes(tmp_path):
    (tmp_path / "noise.mkv").write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    with pytest.raises(errors.VideoError):
        probe(tmp_path / "noise.mkv")


def test_audio_only(tmp_path):
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=44100)
        for i in range(10):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with pytest.raises(errors.NoVideoStreamError, match="audio only"):
        probe(path)


def test_unsupported_codec(tmp_path):
    path = make_video(tmp_path / "odd.avi", 10, codec="mpeg4")
    path.write_bytes(path.read_bytes().replace(b"FMP4", b"QQZ9"))  # a codec tag nothing decodes
    with pytest.raises(errors.UnsupportedCodecError, match=r"QQZ9.*cannot decode"):
        probe(path)


def test_mp4_cut_before_its_index(tmp_path):
    path = make_video(tmp_path / "cut.mp4", 60)  # moov at the end, as cameras write it
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(errors.CorruptVideoError, match="index is missing"):
        probe(path)


FASTSTART = {"movflags": "+faststart"}


@pytest.mark.parametrize("suffix,opts,gop", [(".mp4", FASTSTART, 15), (".mkv", {}, 15), (".mp4", FASTSTART, 90)])
def test_truncated_file_yields_decodable_frames_and_reports(tmp_path, suffix, opts, gop):
    # gop 90: the whole clip is one group of pictures, all of it decoded (and let go) to check the tail
    options = {"bf": "2", "g": str(gop), "sc_threshold": "0"}
    full = make_video(tmp_path / f"full{suffix}", 90, options=options, container_options=opts)
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(full.read_bytes()[: int(full.stat().st_size * 0.6)])
    with VideoReader(cut, cache=False) as reader:
        info = reader.info
        assert info.truncated
        assert "incomplete" in info.problem and f"Frames 0-{info.frames - 1}" in info.problem
        assert 20 < info.frames < 90
        got = [f.index for f in reader.iter_frames()]
        assert got == list(range(info.frames))
        for n in (0, info.frames // 2, info.frames - 1):
            assert read_number(reader.frame(n)) == n
    with VideoReader(full, cache=False) as reader:
        assert not reader.info.truncated and reader.info.problem is None


def test_fifo_is_refused_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    with pytest.raises(errors.NotAFileError, match="not a regular file"):
        probe(fifo)


def test_out_of_range_frame(videos):
    path = make_video(videos / "short.mp4", 5)
    with VideoReader(path) as reader, pytest.raises(IndexError, match="has 5 frames"):
        reader.frame(5)


def test_a_symlink_loop_is_one_sentence(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(errors.VideoNotFoundError, match=r"symbolic link that leads back to itself \(a loop\)"):
        VideoReader(a)
    from tests.cli.test_cli import lepton

    result = lepton("analyze", a, "--project", tmp_path / "p.lepton")
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "a loop" in result.stderr
    assert "unexpected" not in result.stderr
