"""Live analysis: analysed frames/s and latency (frame arrival to final result) at 360p and 720p, 1 and 3 faces.

    python bench/live.py [--seconds 10] [--memory 60] [--threads 1]

Each clip (made here from scikit-image's astronaut photograph, 25 fps) is played as live
(``--realtime``: paced at its frame rate, every frame recorded) into a :class:`LiveSession` in this
process, with the live settings. Prints per clip: frames received and analysed, the analysed share,
analysed frames/s, latency p50/p95 over the session, and the goal (every frame analysed at
360p/25 fps with one face, p95 < 250 ms) met or not.

``--memory S`` also streams the bundled sample as MPEG-TS over UDP on loopback (a sender in another
process, looping it) for S seconds and prints the process's resident memory every 10 s: it should
stay flat.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _common  # noqa: F401
from _common import ROOT, out_dir

GOAL_P95_MS = 250.0


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_session(
    source: str, *, realtime: bool, seconds: float | None, threads: int | None, tick=None, runtime: str = "auto"
) -> dict:
    from lepton_desktop.services.live import LiveSession

    work = Path(tempfile.mkdtemp(prefix="lepton-live-bench-"))
    session = LiveSession(
        source, project=work / "bench.lepton", record=work / "rec.mkv", realtime=realtime, seconds=seconds,
        stall_timeout_s=3, retries=0, threads=threads, runtime=runtime,
    )  # fmt: skip
    last = None
    for step in session.run():
        if tick is not None:
            tick(step)
        last = step
    return last.summary


def clip_row(path: Path, threads: int | None, runtime: str = "auto") -> dict:
    summary = run_session(str(path), realtime=True, seconds=None, threads=threads, runtime=runtime)
    lat = summary["latency_ms"]
    return {
        "received": summary["received"],
        "analysed": summary["analysed"],
        "share": summary["analysed_share"],
        "fps": summary["analysed_fps"],
        "p50": lat["p50"],
        "p95": lat["p95"],
        "people": summary["people"],
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_check(seconds: int, threads: int | None) -> None:
    from lepton_desktop.services.samples import bundled_sample

    port = free_port()
    loops = int(seconds // 10) + 2
    samples: list[tuple[float, float]] = []
    started = [0.0]

    def tick(step) -> None:
        if step.state == "connecting":
            sender = [sys.executable, "-m", "tests.live_sender", str(bundled_sample()), f"udp://127.0.0.1:{port}",
                      "--loops", str(loops)]  # fmt: skip
            proc = subprocess.Popen(sender, cwd=ROOT, stdout=subprocess.DEVNULL)
            threading.Thread(target=proc.wait, daemon=True).start()
            started[0] = time.monotonic()
        elif step.state == "running" and (not samples or step.seconds - samples[-1][0] >= 10):
            samples.append((step.seconds, rss_mb()))

    summary = run_session(f"udp://127.0.0.1:{port}", realtime=False, seconds=seconds, threads=threads, tick=tick)
    print(f"\nmemory over {seconds} s of a UDP stream (the sample, 640x360, looped; resident MB every 10 s):")
    print("  " + "  ".join(f"{t:4.0f}s {mb:6.0f}" for t, mb in samples))
    if len(samples) >= 3:
        later = [mb for t, mb in samples if t >= 10]
        print(
            f"  from 10 s to the end: {min(later):.0f}..{max(later):.0f} MB (spread {max(later) - min(later):.0f} MB)"
        )
    print(
        f"  received {summary['received']}, recorded {summary['recorded']}, analysed {summary['analysed_share']:.1%}, "
        f"latency p50 {summary['latency_ms']['p50']} ms p95 {summary['latency_ms']['p95']} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10, help="length of each clip")
    ap.add_argument("--memory", type=int, default=0, help="also stream this many seconds over UDP and watch memory")
    ap.add_argument("--threads", type=int, default=1, help="math threads while analysing (0: the runtime's choice)")
    ap.add_argument("--only", help="run only clips whose name contains this (e.g. 640x360_1p)")
    args = ap.parse_args()
    os.environ.setdefault("LEPTON_HOME", tempfile.mkdtemp(prefix="lepton-bench-"))
    sys.path.insert(0, str(ROOT / "bench"))
    from analyze import make_clip

    from lepton_desktop.services.engine import device_label

    threads = args.threads or None
    print(f"device: {device_label('auto')}; {os.cpu_count()} CPU cores; clips of {args.seconds} s at "
          f"25 fps played as live; math threads {threads or 'default'}; each clip through PyTorch (the baseline, "
          f"as live ran before) and as shipped")  # fmt: skip
    print(f"{'clip':<28}{'received':>9}{'analysed':>9}{'share':>8}{'fps':>7}{'p50 ms':>8}{'p95 ms':>8}{'people':>8}")
    for size in ((640, 360), (1280, 720)):
        for people in (1, 3):
            name = f"{size[0]}x{size[1]}_{people}p"
            if args.only and args.only not in name:
                continue
            path = out_dir() / f"faces_{name}_{args.seconds}s.mp4"
            if not path.exists():
                make_clip(path, size, people, args.seconds)
            for runtime in ("torch", "auto"):
                row = clip_row(path, threads, runtime)
                label = f"{name} {'torch' if runtime == 'torch' else 'shipped'}"
                print(f"{label:<28}{row['received']:>9}{row['analysed']:>9}{row['share']:>8.1%}{row['fps']:>7.1f}"
                      f"{row['p50']:>8.0f}{row['p95']:>8.0f}{row['people']:>8}")  # fmt: skip
            if name == "640x360_1p":
                met = row["share"] >= 0.999 and row["p95"] < GOAL_P95_MS
                print(f"{'':<28}goal (every frame analysed, p95 < {GOAL_P95_MS:.0f} ms): {'met' if met else 'NOT met'}")
    if args.memory:
        memory_check(args.memory, threads)


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"(bench took {time.perf_counter() - t0:.0f} s)")
