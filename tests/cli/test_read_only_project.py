"""A project on a read-only share or disk: everything that reads works, as typed; storing is one sentence."""

from __future__ import annotations

import json

import pytest

from lepton_desktop.services.samples import bundled_sample
from tests.cli.test_cli import lepton
from tests.read_only import mounted_read_only

READ_ONLY = "the project file is read-only here; nothing was saved. Copy it somewhere you may write"


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """An analysed and corrected project, then mounted read-only with its folder."""
    folder = tmp_path_factory.mktemp("share") / "study #2 50%"  # characters a URI would read as its own
    folder.mkdir()
    home = tmp_path_factory.mktemp("home")
    project = folder / "study.lepton"
    assert lepton("analyze", "--project", project, home=home).returncode == 0
    for annotator, label in (("ana", "sad"), ("ben", "happy")):
        made = lepton("correct", "--project", project, "--video", "1", "--track", "1", "--start", "0", "--end", "20",
                      "--label", label, "--annotator", annotator, home=home)  # fmt: skip
        assert made.returncode == 0, made.stderr
    with mounted_read_only(folder):
        yield project, home


def test_reading_commands_work_on_a_read_only_project(shared, tmp_path):
    project, home = shared
    shown = lepton("project", "show", project, home=home)
    assert shown.returncode == 0, shown.stderr
    assert len(json.loads(shown.stdout)["videos"]) == 1
    listed = lepton("corrections", "--project", project, "--csv", tmp_path / "c.csv", home=home)
    assert listed.returncode == 0 and json.loads(listed.stdout)["rows"] == 2
    agreed = lepton("agreement", "--project", project, "--video", "1", home=home)
    assert agreed.returncode == 0 and json.loads(agreed.stdout)["frames"] == 21
    report = lepton("report", bundled_sample(), "--project", project, "-o", tmp_path / "r.html", home=home)
    assert report.returncode == 0, report.stderr
    assert "Person 1" in (tmp_path / "r.html").read_text()
    elan = lepton("export-annotations", "--project", project, "--video", "1", "--format", "eaf",
                  "-o", tmp_path / "a.eaf", home=home)  # fmt: skip
    assert elan.returncode == 0, elan.stderr
    models = lepton("models", "--project", project, home=home)
    assert models.returncode == 0 and any(v["active"] for v in json.loads(models.stdout))
    again = lepton("analyze", "--project", project, home=home)  # the stored run is shown
    assert again.returncode == 0 and json.loads(again.stdout)["state"] == "reused"


def test_storing_into_a_read_only_project_is_one_sentence(shared):
    project, home = shared
    for args in (
        ("correct", "--project", project, "--video", "1", "--track", "1", "--start", "0", "--end", "5",
         "--label", "fear", "--annotator", "cy"),
        ("analyze", "--project", project, "--force"),
    ):  # fmt: skip
        done = lepton(*args, home=home)
        assert done.returncode == 1
        assert done.stderr.strip().splitlines() == [
            f"lepton: error: Project {project}: {READ_ONLY}, or change its permissions."
        ]
