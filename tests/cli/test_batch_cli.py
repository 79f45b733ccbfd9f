"""`lepton batch` as a user types it: a folder and a list, a bad file, the rows `lepton analyze` stores, Ctrl+C."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.store import open_project
from tests.batch_rows import assert_same_results, clips, stored
from tests.cli.test_cli import lepton

pytest.importorskip("skimage")
pytest.importorskip("ray")


def test_batch_of_a_folder_and_a_list_stores_what_analyze_stores(tmp_path):
    folder = tmp_path / "corpus"
    good = clips(folder, 1, 24)
    (listed,) = clips(tmp_path / "elsewhere", 1, 24, first=2)
    (tmp_path / "videos.txt").write_text(f"{listed}\n")
    (folder / "broken.mov").write_text("not a video")
    args = ("batch", folder, tmp_path / "videos.txt", "--project", tmp_path / "b.lepton", "--workers", "2",
            "--device", "cpu", "--stride", "2")  # fmt: skip
    result = lepton(*args)
    assert result.returncode == 1, result.stderr  # one video failed: listed, the others finished
    summary = json.loads(result.stdout)
    assert summary["state"] == "done" and summary["counts"] == {"failed": 1, "done": 2}
    assert summary["cluster"].startswith("local Ray: 1 node, 2 CPUs") and summary["frames"] == 48
    by_video = {o["video"]: o for o in summary["outcomes"]}
    broken = by_video[str(folder / "broken.mov")]
    assert broken["outcome"] == "failed" and broken["attempts"] == 1 and "not a video file" in broken["reason"]
    (said,) = [line for line in result.stderr.splitlines() if line.startswith("lepton: failed: ")]
    assert said.startswith(f"lepton: failed: {folder / 'broken.mov'}") and said.count("broken.mov") == 1, said
    assert "Token authentication" not in result.stderr  # Ray's default for a local cluster, not the user's business
    assert all(by_video[str(v)]["people"] == 1 and by_video[str(v)]["frames"] == 24 for v in [*good, listed])

    for video in [*good, listed]:
        single = lepton("analyze", video, "--project", tmp_path / "s.lepton", "--device", "cpu", "--stride", "2")
        assert single.returncode == 0, single.stderr
    assert_same_results(stored(tmp_path / "b.lepton"), stored(tmp_path / "s.lepton"))

    again = lepton("batch", *good, listed, "--project", tmp_path / "b.lepton", "--device", "cpu", "--stride", "2")
    assert again.returncode == 0, again.stderr  # nothing left to do: no Ray is even started
    assert json.loads(again.stdout)["counts"] == {"reused": 2} and json.loads(again.stdout)["frames"] == 0


def test_ctrl_c_stops_and_keeps_what_finished(tmp_path):
    # enough videos that some are still to do when the first is stored: on a fast CPU three of them
    # once all finished before the Ctrl+C arrived (and the batch rightly said "done")
    videos = clips(tmp_path / "v", 8, 60)
    project = tmp_path / "p.lepton"
    command = [sys.executable, "-m", "lepton_desktop", "batch", *map(str, videos), "--project", str(project),
               "--workers", "1", "--device", "cpu"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        if _stored_yet(project):  # the first video is stored: stop the rest
            break
        time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    summary = json.loads(out)
    kinds = [o["outcome"] for o in summary["outcomes"]]
    assert summary["state"] == "cancelled" and "done" in kinds and "cancelled" in kinds
    assert "lepton: stopping" in err
    with open_project(project) as proj:  # what finished is stored whole; nothing is left half-written
        runs = proj.runs.list_runs()
    assert [r.status for r in runs] == ["done"] * kinds.count("done")


def _end_processes_using(folder: str) -> list[int]:
    """Kill the processes with a file open under ``folder``: what a killed driver's local Ray left behind.

    Its agents outlive the driver, and take a minute to honour SIGTERM with nobody to report to.
    """
    ended = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(fd).startswith(folder + "/") for fd in (entry / "fd").iterdir()):
                os.kill(int(entry.name), signal.SIGKILL)
                ended.append(int(entry.name))
    return ended


def _stored_yet(project):
    """Whether a video's run is stored; a project the batch is still creating (no schema yet) has none."""
    try:
        return project.exists() and bool(stored(project))
    except LeptonError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the killed driver's Ray processes through /proc")
def test_a_killed_driver_resumes_where_it_stopped(tmp_path):
    videos = clips(tmp_path / "v", 3, 40)
    project = tmp_path / "p.lepton"
    ray_tmp = tempfile.mkdtemp(prefix="lr-", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    command = [sys.executable, "-m", "lepton_desktop", "batch", *map(str, videos), "--project", str(project),
               "--workers", "1", "--device", "cpu"]  # fmt: skip
    env = {**os.environ, "RAY_TMPDIR": ray_tmp}  # the local Ray's files, so its processes can be found
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None and not _stored_yet(project):
            time.sleep(0.2)
        proc.kill()  # no chance to clean up: a crash, a power cut, `kill -9`
        proc.wait()
    finally:
        time.sleep(2)  # Ray's own processes notice the driver is gone; its agents do not
        _end_processes_using(ray_tmp)
        shutil.rmtree(ray_tmp, ignore_errors=True)
    first = stored(project)
    assert 1 <= len(first) < 3, "killed after the first video was stored, before the last"
    rest = lepton("batch", *videos, "--project", project, "--workers", "1", "--device", "cpu")
    assert rest.returncode == 0, rest.stderr
    outcomes = [o["outcome"] for o in json.loads(rest.stdout)["outcomes"]]
    assert outcomes.count("reused") == len(first) and outcomes.count("done") == 3 - len(first)
    after = stored(project)
    assert len(after) == 3 and all(v["runs"] == 1 for v in after.values()), "nothing analysed twice"
    with open_project(project) as proj:
        assert not proj.runs.running(), "no run is left 'running'"


def test_an_empty_folder_and_an_unreachable_cluster_are_one_sentence_each(tmp_path):
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "notes.txt").write_text("no videos here")
    done = lepton("batch", empty, "--project", tmp_path / "b.lepton")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"lepton: error: {empty}: no video files in this folder or below it (looked for .")
    assert len(done.stderr.strip().splitlines()) == 1

    (video,) = clips(tmp_path / "one", 1, 8)
    started = time.perf_counter()
    nowhere = lepton("batch", video, "--project", tmp_path / "c.lepton", "--ray-address", "127.0.0.1:1")
    took = time.perf_counter() - started
    assert nowhere.returncode == 1, nowhere.stderr
    assert nowhere.stderr.startswith("lepton: error: Could not reach the Ray cluster at 127.0.0.1:1: nothing answers")
    assert len(nowhere.stderr.strip().splitlines()) == 1 and "gcs_client" not in nowhere.stderr
    assert took < 60, took  # said at once, not after Ray's minutes of retries
