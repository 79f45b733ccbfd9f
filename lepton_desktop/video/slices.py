"""How many slices an H.264 file codes each picture in: it decides how to thread random access.

A picture cut into several slices decodes on several cores at once ("slice
threading") with no pipeline delay, which makes a seek into a long GOP about
twice as fast on two cores (bench/decode.py). With one slice per picture, only
frame threading gives parallelism, so that stays the choice.
"""

from __future__ import annotations

from pathlib import Path

import av

VCL_TYPES = (1, 5)
"""H.264 NAL unit types that hold a slice of a picture (non-IDR, IDR)."""


def _nal_types_length_prefixed(data: bytes, size_bytes: int) -> list[int]:
    types, pos = [], 0
    while pos + size_bytes < len(data):
        size = int.from_bytes(data[pos : pos + size_bytes], "big")
        types.append(data[pos + size_bytes] & 0x1F)
        pos += size_bytes + max(size, 1)
    return types


def _nal_types_annex_b(data: bytes) -> list[int]:
    types, pos = [], data.find(b"\x00\x00\x01")
    while 0 <= pos < len(data) - 3:
        types.append(data[pos + 3] & 0x1F)
        pos = data.find(b"\x00\x00\x01", pos + 3)
    return types


def h264_slices_per_picture(path: Path, stream_index: int, packets: int = 4) -> int:
    """Slices per picture in the first ``packets`` pictures (the most seen); 1 when unknown or not H.264."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = container.streams[stream_index]
            if stream.codec_context.name != "h264":
                return 1
            extra = bytes(stream.codec_context.extradata or b"")
            size_bytes = (extra[4] & 3) + 1 if len(extra) > 4 and extra[0] == 1 else 0
            most, seen = 1, 0
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                data = bytes(packet)
                types = _nal_types_length_prefixed(data, size_bytes) if size_bytes else _nal_types_annex_b(data)
                most = max(most, sum(t in VCL_TYPES for t in types))
                seen += 1
                if seen >= packets:
                    break
            return most
    except (av.error.FFmpegError, OSError, IndexError, ValueError):
        return 1
