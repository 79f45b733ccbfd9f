"""`lepton report`, typed as a user would: HTML and PDF of a video, a project report, one-line refusals."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import lepton
from tests.reports import analysed_project

pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return analysed_project(tmp_path_factory.mktemp("report-cli"))


@pytest.mark.parametrize("name", ["report.pdf", "report.html"])
def test_report_of_a_video_prints_what_it_wrote(study, tmp_path, name):
    clip, project = study
    out = tmp_path / name
    result = lepton("report", clip, "--project", project, "-o", out)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["path"] == str(out) and summary["bytes"] == out.stat().st_size > 20_000
    assert (summary["videos"], summary["people"]) == (1, 2) and summary["sections"] >= 10
    assert summary["format"] == name.split(".")[1] and summary["thumbnails"] >= 2
    if name.endswith(".pdf"):
        assert out.read_bytes().startswith(b"%PDF-") and summary["pages"] >= 2
    else:
        assert summary["pages"] is None and "<!DOCTYPE html>" in out.read_text(encoding="utf-8")
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_report_over_the_whole_project(study, tmp_path):
    _clip, project = study
    out = tmp_path / "project.html"
    result = lepton("report", "--project", project, "--all", "-o", out)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["videos"] == 1 and ">Overview<" in out.read_text(encoding="utf-8")


def test_refusals_are_one_line_and_write_nothing(study, tmp_path):
    clip, project = study
    cases = [
        (["report", clip, "--project", project, "-o", tmp_path / "r.docx"], "end it in .html or .pdf"),
        (["report", clip, "--project", project, "-o", f"{tmp_path}/"], f"{tmp_path} is a folder; give the report's"),
        (["report", tmp_path / "other.mp4", "--project", project, "-o", tmp_path / "r.pdf"], "other.mp4: no such file"),
        (["report", "--project", project, "-o", tmp_path / "r.pdf"], "Name the video to report on"),
        (["report", "--project", tmp_path / "none.lepton", "--all", "-o", tmp_path / "r.pdf"], "No project at"),
    ]
    for args, message in cases:
        result = lepton(*args)
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    usage = lepton("report", clip, "--project", project)
    assert usage.returncode == 2 and "-o/--output" in usage.stderr


def test_an_analysis_is_needed_first(study, tmp_path):
    from lepton_desktop.services.projects import add_videos
    from tests.faces import two_people_clip

    _clip, project = study
    copy = tmp_path / "copy.lepton"
    copy.write_bytes(project.read_bytes())
    later = two_people_clip(tmp_path / "later.mp4", 12)
    add_videos(copy, [later])
    result = lepton("report", later, "--project", copy, "-o", tmp_path / "r.pdf")
    assert result.returncode == 1
    assert "later.mp4 has no finished analysis in this project; run `lepton analyze" in result.stderr
