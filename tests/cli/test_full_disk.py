"""A disk that cannot take another byte: every command says so in one sentence, even read-only ones.

The limit is real: the command runs with a file-size limit (RLIMIT_FSIZE) so SQLite cannot create
its shared-memory file, exactly as on a full disk; the log file cannot grow either.
"""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys

import pytest

from lepton_desktop.services.samples import bundled_sample

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="file-size limits are a POSIX feature")

FULL = "the disk holding the project could not be read or written (full, removed or failing); nothing"


def _no_room() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write returns EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))


def _lepton(*args, limited=True):
    return subprocess.run(
        [sys.executable, "-m", "lepton_desktop", *map(str, args)],
        capture_output=True, text=True, timeout=180, preexec_fn=_no_room if limited else None,
    )  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [
        ["project", "show", "{p}"],
        ["corrections", "--project", "{p}", "--csv", "{out}"],
        ["analyze", str(bundled_sample()), "--project", "{p}"],
    ],
    ids=["project-show", "corrections-export", "analyze"],
)
def test_a_full_disk_is_one_sentence_and_the_project_is_untouched(tmp_path, command):
    project = tmp_path / "p.lepton"
    assert _lepton("project", "init", project, limited=False).returncode == 0
    before = project.read_bytes()
    args = [part.format(p=project, out=tmp_path / "c.csv") for part in command]
    done = _lepton(*args)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    expected = f"lepton: error: Project {project}: {FULL} from this step was saved. Check the disk and try again."
    assert lines[0] == expected
    assert project.read_bytes() == before
    shown = _lepton("project", "show", project, limited=False)
    assert shown.returncode == 0 and json.loads(shown.stdout)["counts"]["runs"] == 0
