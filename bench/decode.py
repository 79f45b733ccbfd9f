"""Decode throughput and exact-seek latency on a generated 1080p30 H.264 file of 60 s.

    python bench/decode.py [--seconds 60] [--seeks 200]

Prints: demux-only index build time; opening a clip whose frames are one long group of pictures
(time and peak memory, against holding every decoded picture of the group as before, each in a
fresh process); plain PyAV sequential decode fps (the baseline); our threaded iterate fps (ratio
to baseline); downscaled iterate fps; random exact-seek latency p50/p95 (and forward-step
latency), all in one process.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from fractions import Fraction

import _common  # noqa: F401  (puts the repo on sys.path)
import av
import numpy as np
from _common import Timer, out_dir, percentile


def make_1080p(path, seconds: int, slices: int = 2, gop: int = 60) -> None:
    import cv2

    rng = np.random.default_rng(0)
    noise = rng.integers(0, 255, (1080 + 64, 1920 + 64, 3), dtype=np.uint8)
    texture = cv2.GaussianBlur(noise, (0, 0), 6)  # camera-like detail, not white noise
    texture = cv2.normalize(texture, None, 0, 255, cv2.NORM_MINMAX)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 1920, 1080, "yuv420p"
        s.options = {"preset": "veryfast", "crf": "23", "g": str(gop), "bf": "2"}  # typical camera-ish GOP
        if gop > 60:  # one long group, as screen recorders and some cameras write: no cut at scene changes
            s.options = {**s.options, "sc_threshold": "0"}
        if slices == 1:  # one slice per picture, as many cameras write (x264 sliced threads cut two here)
            s.options = {**s.options, "x264-params": "sliced-threads=0"}
        for i in range(seconds * 30):
            dx, dy = (i * 3) % 64, (i * 2) % 64
            image = np.ascontiguousarray(texture[dy : dy + 1080, dx : dx + 1920])
            cv2.circle(image, (200 + (i * 7) % 1500, 540), 120, (240, 200, 160), -1)  # a moving object
            cv2.putText(image, f"{i:05d}", (60, 120), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 255, 255), 6)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 30)
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def timed_frames(reader, indexes) -> list[float]:
    """Milliseconds to get each frame, in the order asked."""
    out = []
    for k in indexes:
        with Timer() as t:
            reader.frame(k)
        out.append(t.seconds * 1000)
    return out


def proxy_seeks(path, reader, seeks: int, exact_ms: list[float]) -> None:
    """Build the proxy copy and seek in it; exact seeks (measured just before) are the baseline."""
    from lepton_desktop.video.proxy import ProxyLayout, ProxyReader
    from lepton_desktop.video.proxy_build import build_proxy

    with Timer() as t:
        for _ in build_proxy(path):
            pass
    layout = ProxyLayout.for_video(reader)
    size = sum(f.stat().st_size for f in layout.folder.glob("*.mp4"))
    hour = size / reader.info.duration_s * 3600 / 1e9
    print(
        f"proxy copy {layout.size[0]}x{layout.size[1]}: built at {reader.frame_count / t.seconds:.0f} frames/s, "
        f"{size / 1e6:.1f} MB ({hour:.2f} GB per hour of this footage)"
    )
    proxy = ProxyReader(layout)
    lat = []
    for k in random_indexes(seeks, reader.frame_count):
        with Timer() as t:
            proxy.frame(k)
        lat.append(t.seconds * 1000)
    proxy.close()
    print(
        f"random proxy seek ({seeks}): p50 {percentile(lat, 50):.1f} ms, p95 {percentile(lat, 95):.1f} ms "
        f"(x{percentile(exact_ms, 95) / percentile(lat, 95):.0f} faster than exact at p95)"
    )


_OPEN = """
import resource, sys, time
import lepton_desktop.video.index as ix
from lepton_desktop.video import VideoReader
if sys.argv[2] == "held":  # as before: every decoded picture of the last group kept until the check ends
    decode = ix._decode_from
    def held(container, stream, seek_ts, limit, keep=True):
        frames = decode(container, stream, seek_ts, limit, True)
        return frames if keep else [f.pts for f in frames]
    ix._decode_from = held
start = time.perf_counter()
with VideoReader(sys.argv[1], cache=False) as reader:
    frames = reader.frame_count
print(frames, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def opening(path) -> None:
    """First open of a clip (index built, last group of pictures decoded to check it): ours vs held."""
    import subprocess
    import sys

    from _common import ROOT

    got = {}
    for mode in ("held", "ours"):
        out = subprocess.run(
            [sys.executable, "-c", _OPEN, str(path), mode], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout.split()
        got[mode] = (int(out[0]), float(out[1]), float(out[2]))
    (n, t_held, m_held), (_, t_ours, m_ours) = got["held"], got["ours"]
    print(
        f"first open, {n} frames in one group of pictures: {t_ours:.2f} s, peak {m_ours:.0f} MB "
        f"(baseline holding the group: {t_held:.2f} s, {m_held:.0f} MB; x{t_held / t_ours:.1f} faster, "
        f"x{m_held / m_ours:.1f} less memory)"
    )


def random_indexes(count: int, frames: int, seed: int = 1) -> list[int]:
    rng = random.Random(seed)
    return [rng.randrange(frames) for _ in range(count)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--seeks", type=int, default=200)
    args = ap.parse_args()
    os.environ.setdefault("LEPTON_HOME", tempfile.mkdtemp(prefix="lepton-bench-"))
    from lepton_desktop.video import VideoReader

    path = out_dir() / f"bench_1080p_{args.seconds}s.mp4"
    if not path.exists():
        with Timer() as t:
            make_1080p(path, args.seconds)
        print(f"generated {path.name} in {t.seconds:.1f} s ({path.stat().st_size / 1e6:.1f} MB)")

    with Timer() as t, VideoReader(path, cache=False) as reader:
        n = reader.frame_count
    print(f"frame index (demux only, {n} frames): {t.seconds:.2f} s")

    long_gop = out_dir() / "bench_1080p_10s_gop300.mp4"
    if not long_gop.exists():
        make_1080p(long_gop, 10, gop=300)
    opening(long_gop)

    with Timer() as t, av.open(str(path)) as c:
        c.streams.video[0].thread_type = "AUTO"
        count = sum(1 for f in c.decode(video=0) if f.to_ndarray(format="rgb24") is not None)
    base_fps = count / t.seconds
    print(f"baseline PyAV sequential decode + RGB: {base_fps:.1f} frames/s")

    with VideoReader(path) as reader:
        with Timer() as t:
            got = sum(1 for _ in reader.iter_frames())
        ours = got / t.seconds
        print(f"lepton iter_frames (threaded) + RGB:   {ours:.1f} frames/s  (x{ours / base_fps:.2f} of baseline)")
        with Timer() as t:
            got = sum(1 for _ in reader.iter_frames(max_side=640))
        small = got / t.seconds
        print(f"lepton iter_frames, downscaled to 640: {small:.1f} frames/s  (x{small / base_fps:.2f} of baseline)")

        lat = timed_frames(reader, random_indexes(args.seeks, n))
        print(
            f"random exact seek ({args.seeks}): p50 {percentile(lat, 50):.1f} ms, "
            f"p95 {percentile(lat, 95):.1f} ms, max {max(lat):.1f} ms"
        )
        proxy_seeks(path, reader, args.seeks, lat)
        start = random.Random(2).randrange(n - 100)
        reader.frame(start)
        steps = timed_frames(reader, range(start + 1, start + 61))
        print(f"step forward one frame (60): p50 {percentile(steps, 50):.1f} ms, p95 {percentile(steps, 95):.1f} ms")

    # Stepping backwards (held Left key): the reader decodes a window behind the playhead at once;
    # a reader with a one-frame cache cannot, and decodes from the keyframe every step (baseline).
    for cache in (1, 16):
        with VideoReader(path, cache_frames=cache) as reader:
            reader.frame(1000)
            back = timed_frames(reader, range(999, 939, -1))
        print(
            f"step backward one frame (60), {'baseline, no window' if cache == 1 else 'window of 15'}: "
            f"mean {sum(back) / len(back):.1f} ms, p50 {percentile(back, 50):.1f} ms, p95 {percentile(back, 95):.0f} ms"
        )

    # The same footage with one slice per picture: random access cannot use slice threads.
    single = out_dir() / f"bench_1080p_{args.seconds}s_1slice.mp4"
    if not single.exists():
        make_1080p(single, args.seconds, slices=1)
    with VideoReader(single):  # build and cache its index, so the readers below decode nothing before seeking
        pass
    for label, clip in (("2 slices/picture", path), ("1 slice/picture ", single)):
        for mode in ("AUTO", "SLICE", "chosen"):
            with VideoReader(clip) as reader:
                if mode != "chosen":
                    reader._stream.thread_type = mode
                lat = timed_frames(reader, random_indexes(min(args.seeks, 60), reader.frame_count))
                chosen = reader._stream.thread_type
            print(
                f"seek, {label}, threads {mode if mode != 'chosen' else f'as chosen ({chosen})':<20}: "
                f"p50 {percentile(lat, 50):.0f} ms, p95 {percentile(lat, 95):.0f} ms"
            )


if __name__ == "__main__":
    main()
