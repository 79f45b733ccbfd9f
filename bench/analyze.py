"""Analysis speed as a user feels it, and what the speed-ups cost in results.

    python bench/analyze.py [--seconds 60] [--device cpu] [--fer-python /path/to/venv/bin/python]

Clips are made here from scikit-image's astronaut photograph (moving, tilting faces):
640x360 and 1920x1080, one and three faces. Three parts, all in one run:

1. **Analysis only** (models loaded, the video's frame index cached), on ``--seconds`` long
   clips: decode-only frames/s (the ceiling), analysis frames/s with the defaults, and with
   ``steady_stride=1`` (every detection frame detected, as before steady skipping) as the
   baseline; detections run; and how far the default's results are from the baseline's
   (rows, people, top-emotion agreement, mean largest probability difference). Peak RSS.
   Then the same defaults with the networks in the old NCHW memory layout against the
   channels-last layout PyTorch now uses: frames/s, ratio, and the same agreement figures; and
   the networks through PyTorch (the baseline) against ONNX Runtime, which CPU analysis now uses.
2. **Whole process**: ``lepton analyze CLIP --project NEW`` as typed, on 10 s clips, with
   ``--runtime torch`` (the baseline) and as a user runs it (ONNX Runtime on the CPU):
   wall time from launch to exit, frames/s over that, and start-up + wrap-up (wall minus the
   analysis loop the run records); best of three with the clip's frame index cached, and the
   first run on the clip (a fresh LEPTON_HOME: the index is built, as on a user's first run).
3. With ``--fer-python`` (a Python with the ``fer`` package): fer's own per-frame loop
   (``FER(mtcnn=True).detect_emotions`` on every frame) on the same 10 s clips, whole process
   and loop only, with our ratio.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time

import _common  # noqa: F401
import numpy as np
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


def clip(size, people, seconds):
    path = out_dir() / f"faces_{size[0]}x{size[1]}_{people}p_{seconds}s.mp4"
    if not path.exists():
        make_clip(path, size, people, seconds)
    return path


def decode_fps(path) -> float:
    from lepton_desktop.video import VideoReader

    with VideoReader(path) as reader, Timer() as t:
        n = sum(1 for _ in reader.iter_frames())
    return n / t.seconds


def analyse(path, engine, **settings):
    """(frames/s, rows as (frames, tracks, probs), people, detections) of one pass, as ``FrameLoop`` runs it."""
    from lepton_desktop.services.frame_loop import FrameLoop
    from lepton_desktop.video import VideoReader
    from lepton_desktop.vision.analyzer import AnalysisSettings

    parts = []
    with VideoReader(path) as reader:
        loop = FrameLoop(reader, engine, AnalysisSettings(**settings))
        for step in loop.steps():
            if step.rows is not None:
                parts.append(step.rows)
    frames = np.concatenate([p.frames for p in parts])
    tracks = np.concatenate([p.tracks for p in parts])
    probs = np.concatenate([p.probs for p in parts])
    order = np.lexsort((tracks, frames))
    return loop.fps, (frames[order], tracks[order], probs[order]), loop.analyzer.faces_found, loop.analyzer.detections


def agreement(a, b) -> tuple[str, float, float]:
    """Whether two runs have the same (frame, person) rows; top-emotion agreement and mean max |dp| on them."""
    same_rows = a[0].shape == b[0].shape and (a[0] == b[0]).all() and (a[1] == b[1]).all()
    if not same_rows:
        ka = {(f, t): i for i, (f, t) in enumerate(zip(a[0].tolist(), a[1].tolist(), strict=True))}
        kb = {(f, t): i for i, (f, t) in enumerate(zip(b[0].tolist(), b[1].tolist(), strict=True))}
        both = sorted(set(ka) & set(kb))
        ia, ib = [ka[k] for k in both], [kb[k] for k in both]
        rows = f"{len(kb) - len(ka):+d}"
    else:
        ia = ib = list(range(len(a[0])))
        rows = "same"
    pa, pb = a[2][ia], b[2][ib]
    return rows, float((pa.argmax(1) == pb.argmax(1)).mean()), float(np.abs(pa - pb).max(1).mean())


def whole_process(path, first: bool = False, runtime: str = "auto") -> dict:
    """``lepton analyze`` as typed, in a fresh process and a fresh project; wall time and what it reports.

    ``first``: also a fresh LEPTON_HOME, so the video's frame index is built as on a user's first run.
    """
    project = tempfile.mktemp(suffix=".lepton")
    cmd = [sys.executable, "-m", "lepton_desktop", "analyze", str(path), "--project", project, "--runtime", runtime]
    env = {**os.environ, "LEPTON_HOME": tempfile.mkdtemp(prefix="lepton-first-")} if first else None
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1])
    report = json.loads(out.stdout)
    loop_s = report["frames"] / report["fps"]
    keep = ("frames", "fps", "people", "device")
    return {"wall": wall, "loop_s": loop_s, **{k: report[k] for k in keep}}


FER_SCRIPT = textwrap.dedent(
    """
    import sys, time, json
    import torch  # fer's MTCNN is facenet-pytorch's; torch loads before TensorFlow
    import cv2
    from fer.fer import FER
    detector = FER(mtcnn=True)
    cap = cv2.VideoCapture(sys.argv[1])
    n = frames_with_face = faces = 0
    t = time.perf_counter()
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        found = len(detector.detect_emotions(frame))
        faces += found
        frames_with_face += found > 0
        n += 1
    print(json.dumps({"frames": n, "seconds": time.perf_counter() - t, "faces": faces, "with_face": frames_with_face}))
    """
)


def fer_run(python, path) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    start = time.perf_counter()
    out = subprocess.run([python, "-c", FER_SCRIPT, str(path)], capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError((out.stderr.strip().splitlines() or [f"exit {out.returncode}"])[-1])
    report = json.loads(out.stdout.strip().splitlines()[-1])
    return {**report, "wall": wall}


def side_by_side(title, labels, before, after, seconds) -> None:
    """The defaults with two engines on every clip: frames/s each, ratio, and how far their rows are apart."""
    print(f"\n{title}")
    print(f"{'clip':<20}{labels[0]:>8}{labels[1]:>8}{'ratio':>7}{'rows':>6}{'top agree':>10}{'max|dp|':>8}")
    for size in ((640, 360), (1920, 1080)):
        for people in (1, 3):
            path = clip(size, people, seconds)
            old_fps, old_rows, _, _ = analyse(path, before)
            fps, rows, _, _ = analyse(path, after)
            same, agree, dp = agreement(old_rows, rows)
            name = f"{size[0]}x{size[1]} {people} face{'s' if people > 1 else ''}"
            print(f"{name:<20}{old_fps:>8.1f}{fps:>8.1f}{fps / old_fps:>7.2f}{same:>6}{agree:>10.3f}{dp:>8.4f}")


def layout(engine, seconds) -> None:
    """Defaults with the networks in NCHW (as before) against the engine's channels-last layout (PyTorch)."""
    from lepton_desktop.services.engine import Engine
    from lepton_desktop.vision.weights import load_detector, load_emotion_model

    nchw = Engine(load_emotion_model(engine.weights_path).to(engine.device), load_detector().to(engine.device),
                  engine.device, engine.weights_path, engine.weights_sha256)  # fmt: skip
    title = "1b. Memory layout of PyTorch's networks: NCHW (before) against channels-last (now), defaults"
    side_by_side(title, ("NCHW", "chlast"), nchw, engine, seconds)


def runtimes(seconds) -> None:
    """Defaults through PyTorch (channels-last; the baseline) against ONNX Runtime."""
    from lepton_desktop.services.engine import get_analysis_engine

    title = "1c. What runs the networks: PyTorch (before) against ONNX Runtime (now, on the CPU), defaults"
    torch_engine, onnx_engine = get_analysis_engine("cpu", runtime="torch"), get_analysis_engine("cpu", runtime="onnx")
    side_by_side(title, ("torch", "onnx"), torch_engine, onnx_engine, seconds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60, help="length of the analysis-only clips (60)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--fer-python", default=os.environ.get("LEPTON_FER_PYTHON"))
    ap.add_argument("--skip-analysis", action="store_true", help="only the whole-process part")
    args = ap.parse_args()
    os.environ.setdefault("LEPTON_HOME", tempfile.mkdtemp(prefix="lepton-bench-"))
    import torch

    from lepton_desktop.services.engine import get_analysis_engine, get_engine

    engine = get_analysis_engine(args.device)
    print(f"device: {engine.device_name}; {torch.get_num_threads()} threads; {os.cpu_count()} CPUs")

    if not args.skip_analysis:
        print(f"\n1. Analysis only, {args.seconds} s clips at 25 fps (stride 3; baseline: steady_stride=1)")
        head = (
            f"{'clip':<20}{'decode':>8}{'analyse':>9}{'x base':>8}{'of dec':>8}{'base':>7}"
            f"{'detect':>11}{'people':>8}{'rows':>6}{'top agree':>10}{'max|dp|':>8}{'RSS MB':>8}"
        )
        print(head)
        for size in ((640, 360), (1920, 1080)):
            for people in (1, 3):
                path = clip(size, people, args.seconds)
                dec = decode_fps(path)
                analyse(path, engine)  # warm: the frame index is cached, first-call costs paid
                base_fps, base_rows, _, base_det = analyse(path, engine, steady_stride=1)
                fps, rows, found, det = analyse(path, engine)
                same, agree, dp = agreement(base_rows, rows)
                name = f"{size[0]}x{size[1]} {people} face{'s' if people > 1 else ''}"
                print(
                    f"{name:<20}{dec:>8.0f}{fps:>9.1f}{fps / base_fps:>8.2f}{fps / dec:>8.2f}{base_fps:>7.0f}"
                    f"{f'{det}/{base_det}':>11}{found:>8}{same:>6}{agree:>10.3f}{dp:>8.3f}{peak_rss_mb():>8.0f}"
                )

        layout(get_engine(args.device), args.seconds)
        if args.device in ("auto", "cpu"):
            runtimes(args.seconds)

    print("\n2. Whole process: `lepton analyze CLIP --project NEW`, 10 s clips (250 frames), one face")
    fer = {}
    for size in ((640, 360), (1920, 1080)):
        path = clip(size, 1, 10)
        first = whole_process(path, first=True)  # a user's first run on this clip: its frame index is built
        whole_process(path)  # builds and caches the frame index for the runs below
        base = min((whole_process(path, runtime="torch") for _ in range(3)), key=lambda r: r["wall"])
        ours = min((whole_process(path) for _ in range(3)), key=lambda r: r["wall"])
        for label, run in (("--runtime torch", base), ("as typed", ours)):
            print(
                f"{size[0]}x{size[1]} {label:<15}: {run['wall']:.2f} s wall -> {run['frames'] / run['wall']:.1f} "
                f"frames/s (analysis loop {run['fps']:.1f} frames/s; start-up and wrap-up "
                f"{run['wall'] - run['loop_s']:.2f} s; {run['people']} person; {run['device']})"
            )
        print(
            f"{size[0]}x{size[1]}: as typed x{base['wall'] / ours['wall']:.2f} faster than through PyTorch; the first "
            f"run on the clip (frame index built): {first['wall']:.2f} s, start-up and wrap-up "
            f"{first['wall'] - first['loop_s']:.2f} s"
        )
        if args.fer_python:
            try:
                fer[size] = (fer_run(args.fer_python, path), ours)
            except RuntimeError as exc:
                print(f"  fer failed: {exc}")
    if fer:
        print("\n3. fer package (FER(mtcnn=True), every frame, CPU) on the same clips")
        for size, (f, ours) in fer.items():
            fer_whole = f["frames"] / f["wall"]
            fer_loop = f["frames"] / f["seconds"]
            print(
                f"{size[0]}x{size[1]}: fer {fer_whole:.1f} frames/s whole process ({f['wall']:.1f} s), "
                f"{fer_loop:.1f} in its loop; a face on {f['with_face']}/{f['frames']} frames, {f['faces']} faces. "
                f"Lepton x{ours['frames'] / ours['wall'] / fer_whole:.1f} whole process, "
                f"x{ours['fps'] / fer_loop:.1f} loop against loop"
            )


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"(bench took {time.perf_counter() - t0:.0f} s)")
