"""An output file in a read-only folder: one sentence, no traceback, and the project keeps everything."""

from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pytest

from lepton_desktop.services.output import OutputFileError, atomic_output
from tests.read_only import mounted_read_only


def _read_only_error(*_args, **_kwargs):
    raise OSError(errno.EROFS, "Read-only file system")


def test_a_read_only_disk_is_one_sentence_even_when_the_cleanup_fails_too(tmp_path, monkeypatch):
    """On a read-only disk both writing the part file and removing it fail; the second must not hide the first."""
    monkeypatch.setattr(Path, "unlink", _read_only_error)
    with pytest.raises(OutputFileError) as caught, atomic_output(tmp_path / "out.csv") as part:
        _read_only_error(part)
    assert str(caught.value) == (
        f"{tmp_path / 'out.csv'} could not be written (Read-only file system); is the disk full or read-only?"
    )


@pytest.fixture
def read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    with mounted_read_only(folder):
        yield folder


def test_corrections_csv_into_a_read_only_folder_as_typed(tmp_path, read_only_folder):
    project = tmp_path / "p.lepton"
    lepton = [sys.executable, "-m", "lepton_desktop"]
    assert subprocess.run([*lepton, "project", "init", str(project)], capture_output=True).returncode == 0
    target = read_only_folder / "c.csv"
    done = subprocess.run(
        [*lepton, "corrections", "--project", str(project), "--csv", str(target)], capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"lepton: error: {target} could not be written (Read-only file system); is the disk full or read-only?"
    ]
    assert not target.exists()
