"""Project files whose names hold characters a URL would read specially: the name is the name, as typed."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import lepton
from tests.faces import Placement, face_clip

pytest.importorskip("skimage")


@pytest.mark.parametrize("name", ["a?b.lepton", "week%2012.lepton", "take #2.lepton", "100% sure.lepton"])
def test_a_project_named_with_url_characters_is_that_file(tmp_path, name):
    video = tmp_path / "clip.mp4"
    face_clip(video, 8, lambda i: [Placement(150, 120, 0.6)])
    project = tmp_path / "projects" / name
    project.parent.mkdir()
    made = lepton("project", "init", project)
    assert made.returncode == 0, made.stderr
    analysed = lepton("analyze", video, "--project", project, "--stride", "2")
    assert analysed.returncode == 0, analysed.stderr
    shown = lepton("project", "show", project)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["counts"]["runs"] == 1
    # the very file typed, and nothing beside it but SQLite's own companions
    assert project.is_file()
    assert {p.name for p in project.parent.iterdir()} <= {name, f"{name}-wal", f"{name}-shm"}


def test_a_video_named_relative_to_the_folder_is_stored_by_its_full_path_and_the_hint_pastes(tmp_path):
    import shlex
    import subprocess
    import sys

    study = tmp_path / "my study"
    study.mkdir()
    face_clip(study / "clip 1.mp4", 8, lambda i: [Placement(150, 120, 0.6)])

    def typed(*args):  # as a user types it, in the folder that holds "my study"
        return subprocess.run([sys.executable, "-m", "lepton_desktop", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)  # fmt: skip

    done = typed("analyze", "my study/clip 1.mp4", "--project", "my study/p 1.lepton", "--stride", "2")
    assert done.returncode == 0, done.stderr
    (video,) = json.loads(lepton("project", "show", study / "p 1.lepton").stdout)["videos"]
    assert video["path"] == str(study / "clip 1.mp4") and video["exists"]  # found from any folder
    (hint,) = [line for line in done.stderr.splitlines() if "open it in the app: " in line]
    command = hint.split("open it in the app: ", 1)[1]
    assert shlex.split(command) == ["lepton-desktop", "--project", "my study/p 1.lepton", "my study/clip 1.mp4"]


def test_the_app_hint_names_the_default_project_the_analysis_went_to(tmp_path):
    # the app opens the project it used last, which need not be the default one the CLI used
    face_clip(tmp_path / "clip.mp4", 8, lambda i: [Placement(150, 120, 0.6)])
    done = lepton("analyze", tmp_path / "clip.mp4", "--stride", "2", home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    default = json.loads(done.stdout)["project"]
    assert default.endswith("default.lepton")
    assert f"open it in the app: lepton-desktop --project {default} {tmp_path / 'clip.mp4'}" in done.stderr
