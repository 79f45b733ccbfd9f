"""End-to-end analysis speed against decode-only speed of the same file, and peak memory.

    python bench/analyze.py [--seconds 8] [--device auto] [--fer-python /path/to/venv/bin/python]

Clips (made here from scikit-image's astronaut photograph): 640x360 and 1920x1080,
with one and with three faces. For each: decode-only frames/s (the limit),
analysis frames/s (stride 3, the default), their ratio, and peak resident memory.
With --fer-python (a Python that has the `fer` package and TensorFlow), also
times fer's own per-frame video analysis (MTCNN + mini-Xception) on the 640x360
one-face clip in the same run, and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import tempfile
import textwrap
import time

import _common  # noqa: F401
from _common import ROOT, Timer, out_dir


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_clip(path, size, people, seconds, fps=25):
    from tests.faces import Placement, face_clip

    w, h = size
    s = h / 360

    def schedule(i):
        t = i / fps
        out = []
        for k in range(people):
            cx = w * (k + 1) / (people + 1) + 25 * s * math.sin(t + k)
            out.append(Placement(cx, h * 0.45 + 10 * s * math.cos(t * 0.7 + k), 0.55 * s, angle=10 * math.sin(t + k)))
        return out

    face_clip(path, seconds * fps, schedule, size=size, fps=fps)


def decode_fps(path) -> float:
    from lepton_desktop.video import VideoReader

    with VideoReader(path) as reader, Timer() as t:
        n = sum(1 for _ in reader.iter_frames())
    return n / t.seconds


def analyze_fps(path, device) -> tuple[float, int]:
    from lepton_desktop.services.analysis import analyze_video, run_to_completion

    project = tempfile.mktemp(suffix=".lepton")
    with Timer() as t:
        last = run_to_completion(analyze_video(path, project=project, device=device, force=True))
    return last.total / t.seconds, len(last.track_ids)


FER_SCRIPT = textwrap.dedent(
    """
    import sys, time, json, cv2
    from fer.fer import FER
    detector = FER(mtcnn=True)
    cap = cv2.VideoCapture(sys.argv[1])
    n = 0; faces = 0
    t = time.perf_counter()
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        faces += len(detector.detect_emotions(frame))
        n += 1
    print(json.dumps({"frames": n, "seconds": time.perf_counter() - t, "faces": faces}))
    """
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--fer-python", default=os.environ.get("LEPTON_FER_PYTHON"))
    args = ap.parse_args()
    os.environ.setdefault("LEPTON_HOME", tempfile.mkdtemp(prefix="lepton-bench-"))
    from lepton_desktop.services.engine import get_engine

    engine = get_engine(args.device)
    print(f"device: {engine.device_name}; clip length {args.seconds} s at 25 fps; stride 3")
    print(f"{'clip':<22}{'decode fps':>12}{'analyse fps':>13}{'ratio':>8}{'people':>8}{'peak RSS MB':>13}")
    for size in ((640, 360), (1920, 1080)):
        for people in (1, 3):
            path = out_dir() / f"faces_{size[0]}x{size[1]}_{people}p_{args.seconds}s.mp4"
            if not path.exists():
                make_clip(path, size, people, args.seconds)
            dec = decode_fps(path)
            ana, found = analyze_fps(path, args.device)
            name = f"{size[0]}x{size[1]}, {people} face{'s' if people > 1 else ''}"
            print(f"{name:<22}{dec:>12.1f}{ana:>13.1f}{ana / dec:>8.2f}{found:>8}{peak_rss_mb():>13.0f}")
    if args.fer_python:
        path = out_dir() / f"faces_640x360_1p_{args.seconds}s.mp4"
        ours, _ = analyze_fps(path, "cpu")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
        cmd = [args.fer_python, "-c", FER_SCRIPT, str(path)]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if out.returncode != 0:
            print("fer comparison failed:", out.stderr.strip().splitlines()[-1:])
            return
        fer = json.loads(out.stdout.strip().splitlines()[-1])
        fer_fps = fer["frames"] / fer["seconds"]
        print(f"fer package (MTCNN + mini-Xception, every frame, CPU): {fer_fps:.1f} fps on the 640x360 one-face clip")
        print(f"lepton (CPU, stride 3) on the same clip: {ours:.1f} fps -> x{ours / fer_fps:.1f} faster than fer")


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"(bench took {time.perf_counter() - t0:.0f} s)")
