"""``lepton`` ends without tearing torch down (cli_run): nothing the user expects is lost by that."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

from tests.damaged import short_sample_table
from tests.faces import two_people_clip


def lepton(*args, home):
    env = {**os.environ, "LEPTON_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "lepton_desktop", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=180)  # fmt: skip


def test_analyze_output_results_and_log_are_all_there_after_the_quick_exit(tmp_path):
    clip = two_people_clip(tmp_path / "two.mp4", frames=30)
    damaged = short_sample_table(clip, tmp_path / "damaged.mp4", 20)
    project = tmp_path / "p.lepton"
    done = lepton("-v", "analyze", damaged, "--project", project, "--csv", tmp_path / "rows.csv", home=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # the whole JSON reached the pipe
    assert report["people"] == 2 and report["face_rows"] > 0
    assert "Person 2" in done.stderr  # the summary lines too
    assert len((tmp_path / "rows.csv").read_text().splitlines()) == report["face_rows"] + 1
    assert not list(tmp_path.glob("p.lepton-*")), "the project file stands alone: no -wal or -shm left"
    db = sqlite3.connect(project)
    try:
        assert db.execute("SELECT count(*) FROM analysis_runs WHERE status = 'done'").fetchone() == (1,)
    finally:
        db.close()
    log = (tmp_path / "log" / "cli.log").read_text()
    assert "damaged.mp4" in log, "the warning about the damaged file reached the log file"


def test_a_failing_command_keeps_its_exit_code_and_message(tmp_path):
    failed = lepton("analyze", tmp_path / "missing.mp4", "--project", tmp_path / "p.lepton", home=tmp_path)
    assert failed.returncode == 1 and failed.stderr.count("\n") == 1 and "missing.mp4" in failed.stderr


SCRIPT = """
import sys, threading, time
{imports}
class Teardown:  # speaks only if Python takes its modules apart at exit
    def __del__(self):
        print("teardown", flush=True)
keep = Teardown()
{thread}
from lepton_desktop.cli_run import run
run(["info", sys.argv[1]])
"""


def _ends(tmp_path, imports="", thread=""):
    clip = two_people_clip(tmp_path / "two.mp4", frames=5)
    code = SCRIPT.format(imports=imports, thread=thread)
    env = {**os.environ, "LEPTON_HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", code, str(clip)], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip


def test_the_quick_exit_is_taken_only_after_torch_and_with_no_other_thread(tmp_path):
    quick = _ends(tmp_path, imports="import torch")
    assert quick.returncode == 0 and json.loads(quick.stdout)["frames"] == 5 and "teardown" not in quick.stdout
    onnx = _ends(
        tmp_path, imports="from lepton_desktop.vision.graphs import onnxruntime; onnxruntime()"
    )  # CPU analysis
    assert onnx.returncode == 0 and "teardown" not in onnx.stdout
    plain = _ends(tmp_path)  # a command that never loaded torch ends as Python always does
    assert plain.returncode == 0 and plain.stdout.rstrip().endswith("teardown")
    waited = _ends(
        tmp_path,
        imports="import torch",
        thread="threading.Thread(target=lambda: (time.sleep(1), print('thread done', flush=True))).start()",
    )
    assert waited.returncode == 0 and "thread done" in waited.stdout and "teardown" in waited.stdout  # fmt: skip


def test_output_that_cannot_be_written_is_an_error_not_a_success(tmp_path):
    """``lepton info > /dev/full`` with buffered output: the failed flush is said and the exit code is not 0."""
    if not os.path.exists("/dev/full"):
        import pytest

        pytest.skip("needs /dev/full (Linux)")
    clip = two_people_clip(tmp_path / "two.mp4", frames=5)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | {"LEPTON_HOME": str(tmp_path)}
    code = "import torch, sys\nfrom lepton_desktop.cli_run import run\nrun(['info', sys.argv[1]])"
    with open("/dev/full", "w") as full:
        out = subprocess.run([sys.executable, "-c", code, str(clip)], stdout=full, stderr=subprocess.PIPE,
                             text=True, env=env, timeout=120)  # fmt: skip
    assert out.returncode == 120 and "the output could not be written" in out.stderr, out.stderr
