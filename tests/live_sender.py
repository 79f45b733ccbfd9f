"""Send a video clip as a live MPEG-TS stream over UDP, at its real-time rate (a test and benchmark helper).

    python -m tests.live_sender CLIP udp://127.0.0.1:5000 [--loops N] [--gop 25] [--frames N]

Decodes the clip (looping it N times), encodes every frame with libx264 (no B-frames, a keyframe
every ``--gop`` frames, as a camera or an encoder box would), muxes MPEG-TS into UDP packets of
1316 bytes and paces them at the clip's frame rate. Prints ``sent N`` on stdout after every frame
(flushed), so a test that kills it still knows how many frames went out.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction

import av


def send(clip: str, url: str, loops: int = 1, gop: int = 25, frames: int | None = None) -> int:
    with av.open(clip) as source:
        stream = source.streams.video[0]
        rate = stream.guessed_rate or stream.average_rate or Fraction(25)
        width, height = stream.codec_context.width, stream.codec_context.height
    out = av.open(f"{url}?pkt_size=1316", "w", format="mpegts")
    video = out.add_stream("libx264", rate=rate)
    video.width, video.height, video.pix_fmt = width, height, "yuv420p"
    video.options = {"preset": "veryfast", "tune": "zerolatency", "g": str(gop), "bf": "0"}
    sent = 0
    started = time.monotonic()
    try:
        for _ in range(loops):
            with av.open(clip) as source:
                for frame in source.decode(video=0):
                    if frames is not None and sent >= frames:
                        break
                    due = started + sent / float(rate)
                    wait = due - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                    picture = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
                    picture.pts, picture.time_base = sent, 1 / rate
                    for packet in video.encode(picture):
                        out.mux(packet)
                    sent += 1
                    print(f"sent {sent}", flush=True)
        for packet in video.encode():
            out.mux(packet)
    finally:
        out.close()
    return sent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("url")
    parser.add_argument("--loops", type=int, default=1)
    parser.add_argument("--gop", type=int, default=25)
    parser.add_argument("--frames", type=int, help="stop after this many frames")
    args = parser.parse_args()
    sent = send(args.clip, args.url, args.loops, args.gop, args.frames)
    print(f"done {sent}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
