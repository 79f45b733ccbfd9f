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
