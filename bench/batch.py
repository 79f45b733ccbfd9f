"""Batch analysis on Ray against one `lepton analyze` after another, and a two-node Ray cluster on this machine.

    python bench/batch.py [--clips 8] [--seconds 3] [--no-cluster]

Clips (made here from scikit-image's astronaut photograph): 640x360, one face, 25 fps. In one run:
sequential `lepton analyze` per clip (a process per video, as a shell loop would run it), then
`lepton batch --workers 1` and `--workers 2` (a local Ray started for the run), each into its own
project: wall time, frames/s, ratio to sequential. Per-task cost: the mean seconds a video takes in
a task and the analysis-only frames/s the runs record, so what is Ray's overhead shows. Then (unless
--no-cluster) a head started with `ray start --head` and a second node with `ray start --address`
and its own temp folder, one CPU each, and `lepton batch --ray-address` against it: which nodes ran
videos, and the same numbers (its wall time has no Ray start: the cluster is up already). Columns:
wall (the whole command), frames/s over it, ratio to sequential, frames/s inside the batch (from the
first task to the last result, Ray start-up and shutdown excluded), mean seconds per video, and the
analysis-only frames/s each run records. All clips must end up analysed with the same rows in every project.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401
from _common import ROOT, out_dir

LEPTON = [sys.executable, "-m", "lepton_desktop"]
RAY = str(Path(sys.executable).with_name("ray"))


def make_clips(folder: Path, count: int, seconds: int, fps: int = 25) -> list[Path]:
    from tests.faces import Placement, face_clip

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(count):
        path = folder / f"clip{k}_{seconds}s.mp4"
        if not path.exists():
            face_clip(
                path, seconds * fps,
                lambda i, k=k: [Placement(200 + 60 * math.sin(i / fps + k), 170, 0.55 + 0.03 * k, 8 * math.sin(i / 9))],
                size=(640, 360), fps=fps,
            )  # fmt: skip
        paths.append(path)
    return paths


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    return time.perf_counter() - start, done


def analysis_fps(project: Path) -> tuple[int, float]:
    """Frames and analysis-only seconds the project's runs record."""
    from lepton_desktop.store import open_project

    with open_project(project) as proj:
        runs = [r for r in proj.runs.list_runs() if r.status == "done"]
        return sum(r.frames_done for r in runs), sum(r.timings["total_s"] for r in runs)


def batch(clips: list[Path], project: Path, extra: list[str], env: dict[str, str] | None = None) -> dict:
    wall, done = run([*LEPTON, "batch", *map(str, clips), "--project", str(project), "--device", "cpu", *extra], env)
    if done.returncode != 0:
        raise SystemExit(f"lepton batch failed ({done.returncode}): {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    per_task = [o["seconds"] for o in summary["outcomes"]]
    frames, analysis_s = analysis_fps(project)
    return {
        "wall_s": round(wall, 2), "frames": summary["frames"], "fps": round(summary["frames"] / wall, 2),
        "fps_inside": summary["fps"], "task_s_mean": round(sum(per_task) / len(per_task), 2),
        "analysis_fps_per_task": round(frames / analysis_s, 2), "cluster": summary["cluster"],
        "nodes_used": len({o.get("node") for o in summary["outcomes"]}),
    }  # fmt: skip


def sequential(clips: list[Path], project: Path) -> dict:
    wall = 0.0
    for clip in clips:
        seconds, done = run([*LEPTON, "analyze", str(clip), "--project", str(project), "--device", "cpu"])
        if done.returncode != 0:
            raise SystemExit(f"lepton analyze failed: {done.stderr[-2000:]}")
        wall += seconds
    frames, analysis_s = analysis_fps(project)
    mean = round(wall / len(clips), 2)
    return {"wall_s": round(wall, 2), "frames": frames, "fps": round(frames / wall, 2), "task_s_mean": mean,
            "analysis_fps_per_task": round(frames / analysis_s, 2)}  # fmt: skip


class TwoNodes:
    """A head and a second node on this machine, one CPU each, each with its own temp folder; stopped by pid."""

    def __init__(self, port: int, tmp: Path) -> None:
        self.port = port
        self.tmp = tmp
        self.env = {**os.environ, "RAY_AUTH_MODE": "token"}  # the head, the node and the driver share ~/.ray/auth_token
        self.procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> TwoNodes:
        common = ["--num-cpus", "1", "--block", "--disable-usage-stats"]
        head = [RAY, "start", "--head", "--port", str(self.port), "--temp-dir", str(self.tmp / "head"),
                "--include-dashboard", "false", *common]  # fmt: skip
        node = [RAY, "start", "--address", f"127.0.0.1:{self.port}", "--temp-dir", str(self.tmp / "node2"), *common]
        for command, name in ((head, "head"), (node, "node2")):
            log = (self.tmp / f"{name}.log").open("wb")
            self.procs.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                               start_new_session=True))  # fmt: skip
            self._wait_for_nodes(len(self.procs))
        return self

    def _wait_for_nodes(self, count: int) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status = subprocess.run([RAY, "status", "--address", f"127.0.0.1:{self.port}"], capture_output=True,
                                    text=True, env=self.env)  # fmt: skip
            if status.returncode == 0 and status.stdout.count("node_") >= count:
                return
            time.sleep(2)
        raise SystemExit(f"the Ray cluster did not reach {count} nodes; see {self.tmp}/*.log")

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self.procs):
            os.killpg(proc.pid, signal.SIGTERM)  # `ray start --block` stops the processes it started
        for proc in self.procs:
            try:
                proc.wait(timeout=90)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--port", type=int, default=6391)
    parser.add_argument("--no-cluster", action="store_true")
    args = parser.parse_args()
    clips = make_clips(out_dir() / "batch_clips", args.clips, args.seconds)
    results = {}
    with tempfile.TemporaryDirectory(prefix="lepton-bench-batch-") as folder:
        tmp = Path(folder)
        os.environ["LEPTON_HOME"] = str(tmp / "home")  # index caches and logs of this run only
        results["sequential analyze"] = sequential(clips, tmp / "seq.lepton")
        results["batch --workers 1"] = batch(clips, tmp / "w1.lepton", ["--workers", "1"])
        results["batch --workers 2"] = batch(clips, tmp / "w2.lepton", ["--workers", "2"])
        if not args.no_cluster:
            with TwoNodes(args.port, tmp) as cluster:
                results["two-node cluster"] = batch(
                    clips, tmp / "cluster.lepton", ["--ray-address", f"127.0.0.1:{args.port}"], cluster.env
                )
        from tests.batch_rows import assert_same_results, stored

        single = stored(tmp / "seq.lepton")
        for name in ("w1", "w2", "cluster"):
            if (tmp / f"{name}.lepton").exists():
                assert_same_results(stored(tmp / f"{name}.lepton"), single)
    base = results["sequential analyze"]["wall_s"]
    print(f"{len(clips)} clips x {args.seconds} s, 640x360, one face, stride 3, CPU ({os.cpu_count()} cores)")
    print(f"{'mode':<22}{'wall s':>8}{'frames/s':>10}{'x seq':>7}{'in Ray':>8}{'s/video':>9}{'fps/task':>10}  cluster")
    for name, r in results.items():
        used = f" ({r['nodes_used']} used)" if "nodes_used" in r else ""
        inside = f"{r['fps_inside']:>8.1f}" if "fps_inside" in r else f"{'':>8}"
        print(f"{name:<22}{r['wall_s']:>8.1f}{r['fps']:>10.1f}{base / r['wall_s']:>7.2f}{inside}"
              f"{r['task_s_mean']:>9.1f}{r['analysis_fps_per_task']:>10.1f}  {r.get('cluster', '')}{used}")  # fmt: skip
    print("same rows in every project: yes")
    (out_dir() / "batch.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
