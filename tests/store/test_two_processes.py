"""The app and the CLI on one project at once: each sees the other's commits and nothing is lost.

The app opens its project more than once (the window, an analysis worker, a dialog). Reading the
file's first bytes from Python on each open once dropped every SQLite lock the app held (closing a
descriptor of a file drops the process's POSIX locks on it); a ``lepton`` command then took the
project for unused and deleted its ``-wal`` file while the app still wrote there, and the command's
corrections were gone when the app quit.
"""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from lepton_desktop.store import open_project

ADD = "import sys; from lepton_desktop.store import open_project; p = open_project(sys.argv[1]); " \
      "p.annotators.get_or_create(sys.argv[2]); p.close()"  # fmt: skip
NAMES = "import sys; from lepton_desktop.store import open_project; p = open_project(sys.argv[1]); " \
        "print(','.join(sorted(a.name for a in p.annotators.list()))); p.close()"  # fmt: skip


def _other_process(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_second_process_never_takes_an_open_project_for_unused(tmp_path):
    path = tmp_path / "shared.lepton"
    app = open_project(path, create=True)
    with app.engine.connect() as conn:  # the window's connection, kept open in the pool
        conn.execute(text("SELECT 1")).all()
    open_project(path).close()  # a worker or dialog opens the project too, and lets go

    _other_process(ADD, str(path), "cli")  # `lepton correct` meanwhile: it opens, writes and exits
    assert (tmp_path / "shared.lepton-wal").exists(), "the app's -wal file was deleted under it"
    assert "cli" in {a.name for a in app.annotators.list()}, "the app does not see the CLI's commit"
    app.annotators.get_or_create("app")
    assert _other_process(NAMES, str(path)) == "app,cli", "the CLI does not see the app's commit"
    app.close()
    assert _other_process(NAMES, str(path)) == "app,cli", "a commit was lost when the app quit"
