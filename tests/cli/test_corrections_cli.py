"""`lepton correct`, `lepton corrections`, `lepton agreement`: scripting the annotation workflow."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.test_cli import lepton
from tests.faces import Placement, face_clip

pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corr")
    clip = folder / "two.mp4"
    face_clip(
        clip, 40, lambda i: [Placement(100, 120, 0.55), Placement(320, 120, 0.55, mirrored=True)], size=(420, 240)
    )
    project = folder / "p.lepton"
    result = lepton("analyze", clip, "--project", project)
    assert result.returncode == 0, result.stderr
    return clip, project


def test_correct_export_and_agreement(analysed, tmp_path):
    clip, project = analysed
    base = ["--project", project, "--video", clip]
    # ana: frames 0-19 happy, 20-39 sad. ben: 0-9 happy, 10-39 sad -> agree on 30 of 40 frames.
    for args in (
        ["--track", 1, "--start", 0, "--end", 39, "--label", "happy", "--annotator", "ana"],
        ["--track", 1, "--start", 20, "--end", 39, "--label", "sad", "--annotator", "ana"],  # newer wins
        ["--track", 1, "--start", 0, "--end", 9, "--label", "happy", "--annotator", "ben"],
        ["--track", 1, "--start", 10, "--end", 39, "--label", "sad", "--annotator", "ben"],
    ):
        result = lepton("correct", *base, *args)
        assert result.returncode == 0, result.stderr
    report = json.loads(lepton("agreement", *base, "--track", 1).stdout)
    assert report["frames"] == 40
    assert report["agreement"] == pytest.approx(30 / 40)
    # p_o = .75; ana 20 happy/20 sad, ben 10/30 -> p_e = .5*.25 + .5*.75 = .5; kappa = .5
    assert report["kappa"] == pytest.approx(0.5)
    assert sorted(report["annotators"]) == ["ana", "ben"]
    out = tmp_path / "c.csv"
    exported = json.loads(lepton("corrections", "--project", project, "--csv", out).stdout)
    assert exported["rows"] == 4
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["annotator"], r["label"], r["start_frame"], r["end_frame"]) for r in rows][:2] == [
        ("ana", "happy", "0", "39"), ("ana", "sad", "20", "39")
    ]  # fmt: skip
    assert rows[0]["person"] == "Person 1" and rows[0]["track"] == "1"
    # "-": the rows on standard output for a pipe, the summary on stderr, no file named "-"
    piped = lepton("corrections", "--project", project, "--csv", "-")
    assert piped.returncode == 0, piped.stderr
    assert list(csv.DictReader(io.StringIO(piped.stdout))) == rows
    assert json.loads(piped.stderr)["rows"] == 4 and not Path("-").exists()
    analysed_again = lepton("analyze", clip, "--project", project, "--csv", "-")  # reused run: its rows
    assert analysed_again.returncode == 0, analysed_again.stderr
    frames = list(csv.DictReader(io.StringIO(analysed_again.stdout)))
    assert {r["track"] for r in frames} == {"1", "2"} and len(frames) == 80
    assert '"csv": "-"' in analysed_again.stderr  # the summary, on stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (["--track", "9", "--start", "0", "--end", "5", "--label", "sad", "--annotator", "a"], "no person 9"),
        (["--track", "1", "--start", "5", "--end", "500", "--label", "sad", "--annotator", "a"], "not a range"),
        (
            ["--track", "1", "--start", "9", "--end", "2", "--label", "sad", "--annotator", "a"],
            "The range starts after it ends (frame 9 to 2); give the earlier frame first.",
        ),
        (["--track", "1", "--start", "0", "--end", "5", "--label", "sad", "--annotator", " "], "needs an annotator"),
    ],
)
def test_bad_corrections_are_refused(analysed, args, message):
    clip, project = analysed
    result = lepton("correct", "--project", project, "--video", clip, *args)
    assert result.returncode == 1 and message in result.stderr, result.stderr


def test_unknown_label_and_unanalysed_video(analysed, tmp_path):
    clip, project = analysed
    bad = lepton("correct", "--project", project, "--video", clip, "--track", "1", "--start", "0", "--end", "1",
                 "--label", "bored", "--annotator", "a")  # fmt: skip
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    elsewhere = tmp_path / "elsewhere.mp4"
    face_clip(elsewhere, 10, lambda i: [], size=(160, 120))  # a real video the project never saw
    other = lepton("agreement", "--project", project, "--video", elsewhere)
    assert other.returncode == 1
    assert f"not in this project; analyse it first: lepton analyze {elsewhere} --project {project}" in other.stderr
    readme = tmp_path / "README.md"
    readme.write_text("notes")
    text = lepton("agreement", "--project", project, "--video", readme)
    assert text.returncode == 1 and "README.md is a .md file, not a video of this project" in text.stderr
    single = lepton("agreement", "--project", project, "--video", clip, "--track", "2")
    assert single.returncode == 1 and "two annotators" in single.stderr


def test_labels_where_the_person_has_no_face_are_kept_with_a_warning_and_counted_at_export(tmp_path):
    clip = tmp_path / "leaves.mp4"
    face_clip(clip, 40, lambda i: [Placement(160, 120, 0.6)] if i < 20 else [], size=(320, 240))
    project = tmp_path / "p.lepton"
    assert lepton("analyze", clip, "--project", project).returncode == 0
    base = ["--project", project, "--video", clip, "--track", 1, "--annotator", "ana"]
    seen = lepton("correct", *base, "--start", 0, "--end", 9, "--label", "happy")
    assert seen.returncode == 0 and "warning" not in seen.stderr
    part = lepton("correct", *base, "--start", 10, "--end", 29, "--label", "sad")
    assert part.returncode == 0 and "no face on" in part.stderr and "of the 20 frames labelled" in part.stderr
    missing = int(part.stderr.split("no face on ")[1].split()[0])
    assert 5 <= missing <= 12  # the face leaves at frame 20; the tracker may hold it a few frames
    gone = lepton("correct", *base, "--start", 32, "--end", 39, "--label", "fear")
    assert gone.returncode == 0 and "Person 1 has no face in frames 32–39: the label is kept" in gone.stderr
    assert json.loads(gone.stdout)["label"] == "fear"  # kept
    summary = json.loads(lepton("export", tmp_path / "ds", "--project", project, "--features-only").stdout)
    assert summary["frames_without_face_left_out"] == missing + 8
    assert any(f"{missing + 8} labelled frames were left out" in w for w in summary["warnings"])


def test_a_label_too_short_for_a_sequence_is_said_at_export(tmp_path):
    clip = tmp_path / "one.mp4"
    face_clip(clip, 40, lambda i: [Placement(160, 120, 0.6)], size=(320, 240))
    project = tmp_path / "p.lepton"
    assert lepton("analyze", clip, "--project", project).returncode == 0
    base = ["--project", project, "--video", clip, "--track", 1, "--annotator", "ana"]
    assert lepton("correct", *base, "--start", 0, "--end", 29, "--label", "happy").returncode == 0
    assert lepton("correct", *base, "--start", 33, "--end", 37, "--label", "sad").returncode == 0  # 5 frames
    done = lepton("export", tmp_path / "ds", "--project", project, "--features-only")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    train = summary["splits"]["train"]
    assert train["labels"]["sad"] >= 1
    assert train["sequence_labels"] == {**dict.fromkeys(train["labels"], 0), "happy": 30}
    said = [w for w in summary["warnings"] if w.startswith("Training frames labelled sad lie only in stretches")]
    assert said and "shorter than 8 frames in a row" in said[0] and "never learns from them" in said[0], summary
    assert not any("labelled happy" in w for w in summary["warnings"])  # 30 frames in a row: in the sequences
    # one 40-frame video: the held-out end of its labels and the 64-frame gap leave nothing to check on
    (unusable,) = [w for w in summary["warnings"] if w.startswith("Fine-tuning cannot use this dataset as it is")]
    assert "too short for that to leave any to check on; label a second video" in unusable
    assert not any(w.startswith("Only about") for w in summary["warnings"])  # said once, not twice
    refused = lepton("finetune", tmp_path / "ds", "--project", project, "--epochs", "1")
    assert refused.returncode == 1 and "has too few labelled frames to hold any out for validation" in refused.stderr


def test_a_negative_person_number_is_refused_as_a_person_number(analysed):
    clip, project = analysed
    result = lepton("correct", "--project", project, "--video", clip, "--track", "-2", "--start", "0", "--end", "1",
                    "--label", "sad", "--annotator", "a")  # fmt: skip
    assert result.returncode == 2 and "--track: must be 1 or more, not -2" in result.stderr
    assert "frame numbers" not in result.stderr


def test_a_video_path_that_does_not_exist_is_said_as_such(tmp_path):
    from tests.cli.test_cli import lepton

    project, missing = tmp_path / "p.lepton", tmp_path / "nowhere.mp4"
    assert lepton("project", "init", project).returncode == 0
    done = lepton("corrections", "--project", project, "--video", missing, "--csv", tmp_path / "c.csv")
    assert done.returncode == 1
    assert done.stderr == f"lepton: error: {missing}: no such file, and no video of this project was at that path.\n"
    assert not (tmp_path / "c.csv").exists()


def test_a_folder_as_the_csv_is_one_sentence(analysed, tmp_path):
    _, project = analysed
    result = lepton("corrections", "--project", project, "--csv", tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"lepton: error: {tmp_path} is a folder; give the name of a file to write in it.\n"


def test_agreement_without_a_frame_in_common_is_not_measured(analysed):
    clip, project = analysed
    base = ["--project", project, "--video", clip]
    for args in (
        ["--track", 2, "--start", 0, "--end", 9, "--label", "happy", "--annotator", "ana"],
        ["--track", 2, "--start", 20, "--end", 29, "--label", "sad", "--annotator", "ben"],
    ):
        assert lepton("correct", *base, *args).returncode == 0
    result = lepton("agreement", *base, "--track", 2)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["frames"] == 0 and report["agreement"] is None and report["kappa"] is None
    said = "ana and ben labelled no frame in common, so their agreement cannot be measured."
    assert report["note"] == said and result.stderr == f"lepton: note: {said}\n"


def test_the_same_correction_typed_twice_is_stored_once(analysed):
    clip, project = analysed
    args = ["correct", "--project", project, "--video", clip, "--track", 2, "--start", 30, "--end", 35,
            "--label", "fear", "--annotator", "cy"]  # fmt: skip
    first = lepton(*args)
    again = lepton(*args)
    assert first.returncode == again.returncode == 0
    assert json.loads(again.stdout)["id"] == json.loads(first.stdout)["id"]
    assert "this is already your latest correction of Person 2" in again.stderr
    other = lepton(*args[:-4], "--label", "sad", "--annotator", "cy")
    back = lepton(*args)  # the first again, now after another: it must win over "sad", so it is stored
    assert json.loads(back.stdout)["id"] not in (json.loads(first.stdout)["id"], json.loads(other.stdout)["id"])


def test_a_range_can_be_typed_in_seconds(analysed):
    from lepton_desktop.video import VideoReader

    clip, project = analysed
    with VideoReader(clip) as reader:
        times = reader.timeline.times()
        end = float(times[-1]) + reader.timeline.frame_duration()  # the duration `lepton info` gives
    base = ["correct", "--project", project, "--video", clip, "--track", 1, "--label", "surprise", "--annotator", "dee"]
    done = lepton(*base, "--start", "0.4s", "--end", "0:01.0")
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    assert times[made["start_frame"]] <= 0.4 < times[made["start_frame"] + 1]  # the frame on screen then
    assert times[made["end_frame"]] <= 1.0 < times[made["end_frame"] + 1]
    assert f"lepton: 0.4 s is frame {made['start_frame']}" in done.stderr
    late = lepton(*base, "--start", "1s", "--end", "99s")
    assert late.returncode == 1 and f"99 s is past the end of the video (it ends at {end:.2f} s)." in late.stderr
    typo = lepton(*base, "--start", "1:x", "--end", "2s")
    assert typo.returncode == 2 and "neither a frame number nor a time" in typo.stderr
    bare = lepton(*base, "--start", "1.5", "--end", "2s")
    assert bare.returncode == 2 and "'1.5' is not a frame number; for a time in seconds add s (1.5s)" in bare.stderr
    spelt = lepton(*base[:-4], "--label", "Surprise", "--annotator", "dee", "--start", "0.4sec", "--end", "1 seconds")
    assert spelt.returncode == 0, spelt.stderr
    assert (json.loads(spelt.stdout)["start_frame"], json.loads(spelt.stdout)["label"]) == (
        made["start_frame"],
        "surprise",
    )
    for wrong in ("nans", "1:75", "inf s"):
        refused = lepton(*base, "--start", wrong, "--end", "1s")
        assert refused.returncode == 2 and "is not a time" in refused.stderr, (wrong, refused.stderr)


def test_a_time_on_a_moved_copy_reads_the_copy(analysed, tmp_path):
    import shutil

    clip, project = analysed
    moved = shutil.copy(clip, tmp_path / "renamed.mp4")  # the project knows it by content
    done = lepton("correct", "--project", project, "--video", moved, "--track", 1, "--label", "sad",
                  "--annotator", "eve", "--start", "0.4s", "--end", "0.8s")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["start_frame"] < json.loads(done.stdout)["end_frame"]


def test_correct_takes_the_name_given_in_the_app(analysed, tmp_path):
    from lepton_desktop.services.settings import Settings, save_settings, settings_path

    clip, project = analysed
    args = ("correct", "--project", project, "--video", clip, "--track", 2, "--start", 0, "--end", 3, "--label", "fear")
    nameless = lepton(*args, home=tmp_path / "new")
    assert nameless.returncode == 1
    assert nameless.stderr == "lepton: error: Every correction needs an annotator name: pass --annotator NAME.\n"
    home = tmp_path / "home"
    with pytest.MonkeyPatch.context() as mp:  # where the app keeps its settings under this LEPTON_HOME
        mp.setenv("LEPTON_HOME", str(home))
        save_settings(Settings(annotator="Nina"), settings_path())
    named = lepton(*args, home=home)
    assert named.returncode == 0, named.stderr
    assert json.loads(named.stdout)["annotator"] == "Nina"
