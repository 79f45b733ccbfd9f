"""`lepton analyze` and `lepton classify` as a user runs them."""

from __future__ import annotations

import csv
import json

import cv2
import numpy as np
import pytest

from lepton_desktop.core.emotions import EMOTIONS
from tests.cli.test_cli import lepton
from tests.faces import Placement, face_clip, photo
from tests.synth import make_video

pytest.importorskip("skimage")


def test_analyze_writes_the_csv_contract(tmp_path):
    clip = tmp_path / "one.mp4"
    face_clip(clip, 40, lambda i: [Placement(160, 120, 0.7)])
    out = tmp_path / "out.csv"
    result = lepton(
        "analyze", clip, "--project", tmp_path / "p.lepton", "--csv", out, "--device", "cpu", "--stride", "2"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["state"] == "done" and summary["people"] == 1 and summary["device"] == "CPU (ONNX Runtime, int8)"
    with out.open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["frame", "time_s", "track", "x", "y", "w", "h", *EMOTIONS]
    body = rows[1:]
    assert [int(r[0]) for r in body] == list(range(40))
    assert float(body[25][1]) == pytest.approx(1.0)  # 25 fps
    for r in body:
        assert sum(float(v) for v in r[7:]) == pytest.approx(1.0, abs=1e-5)
    happy = np.mean([max(range(7), key=lambda k: float(r[7 + k])) == EMOTIONS.index("happy") for r in body])
    assert happy > 0.9
    (person,) = summary["summary"]  # who was seen, when, and how their expressions divide up
    assert person["person"] == 1 and person["name"] == "Person 1" and person["frames_seen"] == 40
    assert (person["first_frame"], person["last_frame"], person["first_seen_s"]) == (0, 39, 0.0)
    assert person["last_seen_s"] == pytest.approx(39 / 25)
    assert sum(person["share"].values()) == pytest.approx(1.0, abs=1e-3) and person["dominant"] == "happy"
    assert person["share"]["happy"] == pytest.approx(happy, abs=1e-3)
    lines = result.stderr.strip().splitlines()
    assert "Person 1: seen 0.0–1.6 s, mostly happy" in lines[-2]
    assert lines[-1].startswith("lepton: to review and correct it, open it in the app: lepton-desktop --project ")
    again = json.loads(lepton("analyze", clip, "--project", tmp_path / "p.lepton", "--stride", "2").stdout)
    assert again["state"] == "reused" and again["run"] == summary["run"]


def test_analyze_no_faces_and_bad_input(tmp_path):
    blank = make_video(tmp_path / "blank.mp4", 10)
    result = lepton("analyze", blank, "--project", tmp_path / "p.lepton", "--csv", tmp_path / "o.csv")
    assert result.returncode == 0 and "no faces" in result.stderr
    assert "to review and correct it" not in result.stderr  # nothing to correct
    assert json.loads(result.stdout)["people"] == 0 and json.loads(result.stdout)["summary"] == []
    assert (tmp_path / "o.csv").read_text().strip().count("\n") == 0  # header only
    bad = tmp_path / "bad.mp4"
    bad.write_text("nope")
    result = lepton("analyze", bad, "--project", tmp_path / "p.lepton")
    assert result.returncode == 1 and result.stderr.startswith("lepton: error:") and "not a video" in result.stderr
    result = lepton("analyze", tmp_path / "p.lepton", "--project", tmp_path / "p.lepton")  # the project, by mistake
    assert result.returncode == 1 and "p.lepton is a Lepton project, not a video" in result.stderr
    named = lepton("correct", "--project", tmp_path / "p.lepton", "--video", tmp_path / "p.lepton", "--track", "1",
                   "--start", "0", "--end", "1", "--label", "sad", "--annotator", "a")  # fmt: skip
    assert named.returncode == 1 and "p.lepton is a Lepton project, not a video" in named.stderr
    for csv_out, said in ((tmp_path / "no" / "o.csv", "does not exist"), (tmp_path, "is a folder")):
        result = lepton("analyze", blank, "--project", tmp_path / "q.lepton", "--csv", csv_out)
        assert result.returncode == 1 and said in result.stderr  # told before the analysis, not after it
        assert not (tmp_path / "q.lepton").exists()
    result = lepton("analyze", blank, "--device", "cuda") if not _has_cuda() else None
    if result is not None:
        assert result.returncode == 1 and "CUDA" in result.stderr


def _has_cuda():
    import torch

    return torch.cuda.is_available()


def test_classify_images_and_aligned_crops(tmp_path):
    face = tmp_path / "astronaut.png"
    cv2.imwrite(str(face), cv2.cvtColor(photo(), cv2.COLOR_RGB2BGR))
    empty = tmp_path / "wall.png"
    cv2.imwrite(str(empty), np.full((200, 200, 3), 120, np.uint8))
    crop = tmp_path / "crop.png"
    cv2.imwrite(str(crop), cv2.cvtColor(photo()[50:190, 155:295], cv2.COLOR_RGB2BGR))
    out = tmp_path / "c.csv"
    result = lepton("classify", face, empty, "--csv", out)
    assert result.returncode == 0, result.stderr
    assert "no face found" in result.stderr
    with out.open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["path", *EMOTIONS] and len(rows) == 2
    assert EMOTIONS[int(np.argmax([float(v) for v in rows[1][1:]]))] == "happy"
    aligned = json.loads(lepton("classify", "--aligned", crop).stdout)
    assert max(EMOTIONS, key=lambda e: aligned[0][e]) == "happy"
    result = lepton("classify", tmp_path / "missing.png")
    assert result.returncode == 1 and "no such image" in result.stderr


def test_a_missing_video_is_reported_before_torch_is_imported(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys; from lepton_desktop.cli import main; "
        f"rc = main(['analyze', {str(tmp_path / 'nope.mp4')!r}]); print('torch' in sys.modules, rc)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "1"]
    assert "no such file" in out.stderr and out.stderr.count("\n") == 1


def test_what_runs_the_networks_can_be_chosen_as_typed(tmp_path):
    clip = tmp_path / "one.mp4"
    face_clip(clip, 20, lambda i: [Placement(160, 120, 0.7)])
    result = lepton("analyze", clip, "--project", tmp_path / "p.lepton", "--runtime", "torch")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["device"] == "CPU" and summary["people"] == 1  # PyTorch on the CPU
    result = lepton("analyze", clip, "--project", tmp_path / "q.lepton", "--runtime", "onnx", "--device", "cuda")
    assert result.returncode != 0
    assert "ONNX Runtime runs analysis on the CPU only" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout.strip() == ""  # no run reported
