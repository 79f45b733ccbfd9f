"""``lepton review`` as typed: the ranked queue as JSON (and CSV), filtered by reason."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from lepton_desktop.services.samples import bundled_sample
from tests.photos import SKIP_REASON, Segment, expression_clip, photo_dir


def _lepton(*args):
    return subprocess.run([sys.executable, "-m", "lepton_desktop", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    path = tmp_path_factory.mktemp("review-cli") / "p.lepton"
    assert _lepton("analyze", bundled_sample(), "--project", path).returncode == 0
    for start, end, label, who in ((10, 60, "sad", "bo"), (40, 90, "happy", "cy")):
        done = _lepton("correct", "--project", path, "--video", bundled_sample(), "--track", 1,
                       "--start", start, "--end", end, "--label", label, "--annotator", who)  # fmt: skip
        assert done.returncode == 0, done.stderr
    return path


def test_review_lists_the_disagreement_first_with_times_and_writes_csv(project, tmp_path):
    out = tmp_path / "queue.csv"
    done = _lepton("review", "--project", project, "--video", bundled_sample(), "--csv", out)
    assert done.returncode == 0, done.stderr
    queue = json.loads(done.stdout)
    first = queue["items"][0]
    assert (first["person"], first["first_frame"], first["last_frame"], first["reason"]) == (1, 40, 60, "annotators")
    assert first["start_s"] == pytest.approx(1.6) and first["end_s"] == pytest.approx(2.4)
    assert queue["counts"]["annotators"] == 1 and queue["counts"]["unreviewed"] >= 2
    assert f"lepton: {len(queue['items'])} items to review (annotators disagree: 1, " in done.stderr
    assert len(queue["items"]) > 1
    alone = _lepton("review", "--project", project)  # the project's only video, unnamed
    assert alone.returncode == 0 and json.loads(alone.stdout)["items"] == queue["items"], alone.stderr
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(queue["items"]) and rows[0]["detail"] == "bo: sad, cy: happy"


def test_review_filters_by_reason_and_refuses_unknown_ones(project):
    done = _lepton("review", "--project", project, "--video", bundled_sample(), "--reason", "unreviewed")
    items = json.loads(done.stdout)["items"]
    assert items and {i["reason"] for i in items} == {"unreviewed"}
    noun = "item" if len(items) == 1 else "items"
    assert (f"lepton: {len(items)} {noun} to review "
            "(reason: not yet reviewed; not listed: annotators disagree: 1") in done.stderr  # fmt: skip
    wrong = _lepton("review", "--project", project, "--video", bundled_sample(), "--reason", "vibes")
    assert wrong.returncode == 2 and "invalid choice: 'vibes'" in wrong.stderr


def test_review_of_a_video_never_analysed_is_one_sentence(tmp_path):
    path = tmp_path / "empty.lepton"
    assert _lepton("project", "init", path).returncode == 0
    assert _lepton("project", "add", path, bundled_sample()).returncode == 0
    nothing = _lepton("review", "--project", tmp_path / "none.lepton")
    assert nothing.returncode == 1
    empty = tmp_path / "new.lepton"
    assert _lepton("project", "init", empty).returncode == 0
    unnamed = _lepton("review", "--project", empty)
    assert unnamed.stderr == "lepton: error: The project has no video yet; analyse one first (lepton analyze VIDEO).\n"
    done = _lepton("review", "--project", path, "--video", bundled_sample())
    assert done.returncode == 1 and done.stderr.strip() == (
        "lepton: error: sample.mp4 has no finished analysis yet; run 'lepton analyze' on it first."
    )


@pytest.mark.skipif(photo_dir() is None, reason=SKIP_REASON)
def test_two_model_versions_that_disagree_are_listed_with_both_labels(tmp_path):
    clip = tmp_path / "posed.mp4"
    expression_clip(clip, [Segment(label, 40) for label in ("angry", "disgust", "surprise", "happy")])
    path = tmp_path / "two-models.lepton"
    assert _lepton("analyze", clip, "--project", path).returncode == 0
    versions = json.loads(_lepton("models", "--project", path).stdout)
    other = next(v["id"] for v in versions if v["name"].startswith("mini-Xception"))
    assert _lepton("analyze", clip, "--project", path, "--model", other).returncode == 0
    done = _lepton("review", "--project", path, "--video", clip, "--reason", "models")
    queue = json.loads(done.stdout)
    assert queue["compared_run"] == 1 and queue["run"] == 2
    assert queue["items"] and {i["reason"] for i in queue["items"]} == {"models"}
    item = queue["items"][0]
    assert item["detail"].startswith("shown: ") and ", version 1: " in item["detail"]
    assert all(i["frames"] >= 8 for i in queue["items"])


def test_the_summary_line_counts_in_words_a_person_reads():
    from lepton_desktop.cli_review import review_summary

    counts = {"annotators": 1, "models": 0, "low_confidence": 0, "flicker": 0, "unreviewed": 1}
    assert review_summary(2, counts, None) == "2 items to review (annotators disagree: 1, not yet reviewed: 1)"
    assert review_summary(1, {"unreviewed": 1}, None) == "1 item to review (not yet reviewed: 1)"
    assert review_summary(0, {}, None) == "0 items to review (nothing)"
    assert review_summary(0, counts, ["flicker"]) == (
        "0 items to review (reason: flicker; not listed: annotators disagree: 1, not yet reviewed: 1)"
    )
    assert review_summary(1, counts, ["unreviewed", "unreviewed"]) == (
        "1 item to review (reason: not yet reviewed; not listed: annotators disagree: 1)"
    )
    assert review_summary(2, {"unreviewed": 2}, ["unreviewed"]) == "2 items to review (reason: not yet reviewed)"
