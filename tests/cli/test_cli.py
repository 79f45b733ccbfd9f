"""The ``lepton`` command line, run as a user would run it (a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from lepton_desktop.vision.weight_files import ENSEMBLE_MODEL, MINIXCEPTION_MODEL, RESNET_MODEL
from tests.synth import make_video, read_number


def lepton(*args, home=None):
    env = dict(os.environ)
    if home is not None:
        env["LEPTON_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "lepton_desktop", *map(str, args)], capture_output=True, text=True, env=env, timeout=120
    )


def test_info_prints_the_metadata_contract(videos):
    path = make_video(videos / "cli_info.mp4", 45, options={"bf": "2"})
    result = lepton("info", path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("frames", "fps", "avg_fps", "duration_s", "width", "height", "rotation", "vfr"):
        assert key in data
    assert (data["frames"], data["width"], data["height"], data["rotation"], data["vfr"]) == (45, 128, 96, 0, False)
    assert data["duration_s"] == pytest.approx(1.5)


def test_frame_writes_exactly_frame_n(videos, tmp_path):
    import cv2

    path = make_video(videos / "cli_frame.mp4", 40, options={"bf": "3", "g": "40"})
    out = tmp_path / "f.png"
    result = lepton("frame", path, 33, "-o", out)
    assert result.returncode == 0, result.stderr
    image = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    assert read_number(image) == 33
    from tests.synth import sequential_frames

    assert np.array_equal(image, sequential_frames(path)[33][1])  # PNG is lossless
    from lepton_desktop.video import VideoReader

    with VideoReader(path) as reader:
        at = reader.timeline.time_of(33) + 0.001  # a moment into frame 33
    timed = lepton("frame", path, f"{at:.4f}s", "-o", out)  # a time: the frame on screen then
    assert timed.returncode == 0 and json.loads(timed.stdout)["frame"] == 33, timed.stderr
    assert f"lepton: {float(f'{at:.4f}'):g} s is frame 33" in timed.stderr
    assert read_number(cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)) == 33


@pytest.mark.parametrize(
    "args,message",
    [
        (["info", "/definitely/missing.mp4"], "no such file"),
        (["frame", "{video}", "999", "-o", "{tmp}/x.png"], "out of range"),
        (["frame", "{video}", "9s", "-o", "{tmp}/x.png"], "9 s is past the end of the video"),
        (["frame", "{video}", "1", "-o", "{tmp}/nofolder/x.png"], "does not exist"),
        (["frame", "{video}", "1", "-o", "{tmp}/x.txt"], "unknown image type"),
        (["project", "show", "{tmp}/none.lepton"], "No project"),
        (["project", "show", "{video}"], "not a Lepton project"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(videos, tmp_path, args, message):
    video = make_video(videos / "cli_bad.mp4", 5)
    result = lepton(*[a.format(video=video, tmp=tmp_path) for a in args])
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lepton: error:") and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2_and_say_it_in_one_line():
    assert lepton("frame").returncode == 2
    assert lepton("frame", "x.mp4", "-3", "-o", "x.png").returncode == 2
    assert lepton("bogus").returncode == 2
    typo = lepton("correct", "--video", "v.mp4", "--track", "1", "--start", "0", "--end", "9", "--label", "happpy")
    assert typo.returncode == 2 and typo.stderr.count("\n") == 1, typo.stderr
    assert typo.stderr.startswith("lepton correct: error: argument --label: invalid choice: 'happpy'")
    assert typo.stderr.rstrip().endswith("(see `lepton correct --help`)")
    assert "did you mean 'happy'?" in typo.stderr
    command = lepton("analyzee", "x.mp4")
    assert command.stderr == (
        "lepton: error: argument COMMAND: invalid choice: 'analyzee'; did you mean 'analyze'? (see `lepton --help`)\n"
    )
    option = lepton("analyze", "x.mp4", "--strides", "2")  # told by the command, with the option meant
    assert option.returncode == 2 and option.stderr == (
        "lepton analyze: error: unrecognized arguments: --strides 2; did you mean '--stride'? "
        "(see `lepton analyze --help`)\n"
    )
    assert lepton("analyse", "--help").returncode == 0  # the app's spelling works too
    nested = lepton("models", "activate", "1", "--projct", "p.lepton")  # told by the innermost command
    assert nested.stderr.startswith("lepton models activate: error: unrecognized arguments: --projct p.lepton; ")
    assert "did you mean '--project'?" in nested.stderr


@pytest.mark.parametrize(
    "args", [[], ["info"], ["frame"], ["project"], ["project", "init"], ["project", "add"], ["project", "show"]]
)
def test_help_everywhere(args):
    result = lepton(*args, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


def test_project_show_without_a_path_shows_the_default_project(tmp_path):
    shown = lepton("project", "show", home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["project"].endswith("default.lepton")


def test_project_workflow(videos, tmp_path):
    a = make_video(videos / "cli_a.mp4", 20)
    b = make_video(videos / "cli_b.mkv", 30)
    proj = tmp_path / "study.lepton"
    init = lepton("project", "init", proj)
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["videos"] == []
    assert lepton("project", "init", proj).returncode == 1  # never overwrites
    added = json.loads(lepton("project", "add", proj, a, b).stdout)
    assert [x["outcome"] for x in added] == ["added", "added"]
    moved = tmp_path / "moved.mp4"
    moved.write_bytes(a.read_bytes())
    relinked = json.loads(lepton("project", "add", proj, moved).stdout)
    assert relinked[0]["outcome"] == "relinked" and relinked[0]["id"] == added[0]["id"]
    shown = json.loads(lepton("project", "show", proj).stdout)
    assert [(v["path"], v["frames"], v["exists"]) for v in shown["videos"]] == [
        (str(moved), 20, True),
        (str(b), 30, True),
    ]
    assert shown["schema"] and shown["counts"]["corrections"] == 0


def test_adding_a_bad_video_changes_nothing(videos, tmp_path):
    good = make_video(videos / "cli_good.mp4", 10)
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    proj = tmp_path / "p.lepton"
    lepton("project", "init", proj)
    result = lepton("project", "add", proj, good, bad)
    assert result.returncode == 1 and "bad.mp4" in result.stderr
    assert json.loads(lepton("project", "show", proj).stdout)["videos"] == []


def test_proxy_prepares_copies_of_slow_to_seek_videos(videos, tmp_path):
    slow = make_video(videos / "cli_proxy_slow.mp4", 200, size=(640, 360), options={"g": "250"})
    quick = make_video(videos / "cli_proxy_quick.mp4", 30)
    result = lepton("proxy", slow, quick, home=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report[0]["state"] == "done" and report[0]["bytes"] > 0
    assert report[1]["state"].startswith("not needed") and report[1]["bytes"] == 0
    assert sorted(p.name for p in (tmp_path / "cache" / "proxy").iterdir()) == [os.path.basename(report[0]["folder"])]
    again = json.loads(lepton("proxy", slow, home=tmp_path).stdout)
    assert again[0]["state"] == "done" and again[0]["bytes"] == report[0]["bytes"]  # already there: kept


def test_models_on_a_first_start_lists_the_shipped_versions(tmp_path):
    """`lepton models` as the first command ever (empty LEPTON_HOME): the versions, not "No project"."""
    home = tmp_path / "home"
    home.mkdir()
    done = lepton("models", home=home)
    assert done.returncode == 0, done.stderr
    versions = json.loads(done.stdout)
    names = [v["name"] for v in versions]
    assert [v["name"] for v in versions if v["active"]] == [RESNET_MODEL.name]
    assert {RESNET_MODEL.name, MINIXCEPTION_MODEL.name, ENSEMBLE_MODEL.name} <= set(names)
    assert (
        lepton("models", "activate", str(versions[names.index(MINIXCEPTION_MODEL.name)]["id"]), home=home).returncode
        == 0
    )


def test_after_analyze_the_other_commands_use_the_same_default_project(tmp_path):
    """As typed after `lepton analyze VIDEO`: correct, corrections and export-annotations need no --project."""
    from lepton_desktop.services.samples import bundled_sample

    home, clip = tmp_path / "home", bundled_sample()
    home.mkdir()
    assert lepton("analyze", clip, "--device", "cpu", home=home).returncode == 0
    done = lepton("correct", "--video", clip, "--track", 1, "--start", 0, "--end", 9, "--label", "happy",
                  "--annotator", "ana", home=home)  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = lepton("corrections", "--csv", tmp_path / "c.csv", home=home)
    assert done.returncode == 0, done.stderr
    rows = (tmp_path / "c.csv").read_text().splitlines()
    assert len(rows) == 2 and "happy" in rows[1] and "ana" in rows[1]
    done = lepton("export-annotations", "--video", clip, "--format", "eaf", "-o", tmp_path / "a.eaf", home=home)
    assert done.returncode == 0, done.stderr
    assert "happy" in (tmp_path / "a.eaf").read_text()
