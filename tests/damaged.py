"""Damaged copies of a real video, made the ways files get damaged: cut short, bits flipped, packets lost.

Each function writes its copy and returns the path; the damage is deterministic (seeded).
"""

from __future__ import annotations

import random
import struct
from pathlib import Path

import av
import numpy as np


def packets(path: Path) -> list[tuple[int, int, int]]:
    """(pts, byte offset, size) of every video packet, in presentation order."""
    with av.open(str(path)) as container:
        found = [(p.pts, p.pos, p.size) for p in container.demux(container.streams.video[0]) if p.size]
    return sorted(found)


def with_lost_packets(src: Path, dst: Path, first: int, count: int, seed: int = 0) -> Path:
    """Overwrite the data of frames ``first .. first+count-1`` with noise (a damaged stretch of disk)."""
    data = bytearray(src.read_bytes())
    rng = random.Random(seed)
    for _, pos, size in packets(src)[first : first + count]:
        data[pos : pos + size] = rng.randbytes(size)
    dst.write_bytes(bytes(data))
    return dst


def bit_flipped(src: Path, dst: Path, rate: float, seed: int = 0) -> Path:
    """Flip one bit in a share ``rate`` of the bytes after the first 4 KiB (the header stays whole)."""
    data = bytearray(src.read_bytes())
    rng = random.Random(seed)
    for at in rng.sample(range(4096, len(data)), int((len(data) - 4096) * rate)):
        data[at] ^= 1 << rng.randrange(8)
    dst.write_bytes(bytes(data))
    return dst


def truncated(src: Path, dst: Path, share: float) -> Path:
    """The first ``share`` of the file: a copy or a recording that stopped."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * share)])
    return dst


def short_sample_table(src: Path, dst: Path, samples: int) -> Path:
    """An MP4 whose sample-size table lists only ``samples`` frames (a damaged ``moov``)."""
    data = bytearray(src.read_bytes())
    at = data.find(b"stsz")
    assert at > 0, "not an MP4 with a sample-size table"
    data[at + 12 : at + 16] = struct.pack(">I", samples)
    dst.write_bytes(bytes(data))
    return dst


def header_only(src: Path, dst: Path) -> Path:
    """The MP4 boxes before the picture data (``ftyp`` + ``moov``), with no ``mdat`` at all."""
    data = src.read_bytes()
    at = data.find(b"mdat")
    assert at > 4, "the picture data comes first in this file"
    dst.write_bytes(data[: at - 4])
    return dst


def random_bytes(dst: Path, size: int = 200_000, seed: int = 0) -> Path:
    dst.write_bytes(np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes())
    return dst


def audio_only(dst: Path, seconds: float = 1.0) -> Path:
    """A real AAC audio file with no picture."""
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("aac", rate=44100)
        for i in range(int(seconds * 44100 / 1024)):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, i * 1024
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return dst


def huge_header(dst: Path, width: int = 60000, height: int = 60000) -> Path:
    """A raw YUV4MPEG file whose header claims an impossible picture size."""
    dst.write_bytes(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\nFRAME\n".encode() + bytes(4096))
    return dst
