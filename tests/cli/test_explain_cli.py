"""`lepton explain` as a user runs it: a PNG and JSON saying why a face got its label."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from lepton_desktop.core.emotions import EMOTIONS
from tests.cli.test_cli import lepton
from tests.photos import SKIP_REASON, Segment, expression_clip, photo_dir

pytestmark = pytest.mark.skipif(photo_dir() is None, reason=SKIP_REASON)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """A clip of a smile then surprise, analysed without facial actions (the default)."""
    root = tmp_path_factory.mktemp("explain")
    clip, project = root / "smile_surprise.mp4", root / "p.lepton"
    spans = expression_clip(clip, [Segment("happy", 16), Segment("surprise", 16)], seed=3)
    result = lepton("analyze", clip, "--project", project, "--device", "cpu")
    assert result.returncode == 0, result.stderr
    return clip, project, spans


def test_explain_writes_the_png_and_says_why(analysed, tmp_path):
    clip, project, spans = analysed
    frame = (spans[0][0] + spans[0][1]) // 2
    out = tmp_path / "why.png"
    result = lepton("explain", clip, "--project", project, "--frame", frame, "--track", 1, "-o", out, "--json")
    assert result.returncode == 0, result.stderr
    why = json.loads(result.stdout)
    assert why["frame"] == frame and why["track"] == 1 and why["label"] == "happy"
    assert why["top"][0]["emotion"] == "happy" and len(why["top"]) == 3
    final, cnn = np.array(list(why["final"].values())), np.array(list(why["cnn_only"].values()))
    assert list(why["final"]) == list(EMOTIONS) and final.sum() == pytest.approx(1, abs=1e-3)
    assert cnn.sum() == pytest.approx(1, abs=1e-3)
    np.testing.assert_allclose(np.array(list(why["lstm_part"].values())), final - cnn, atol=2e-4)
    assert not any(why["lstm_part"].values())  # the shipped model's LSTM is the identity: its CNN reading is final's
    assert why["saliency_lower_face_share"] > 0.5  # a smile: the evidence is on the lower face
    assert why["actions_source"] == "read now"  # the run has none stored: read from the same crop
    assert {a["action"] for a in why["actions"][:2]} & {"mouthSmileLeft", "mouthSmileRight"}
    assert why["valence"] > 0.3
    image = cv2.imread(str(out))
    assert image is not None and image.shape[1] > 600 and image.shape[0] > 200
    assert "happy" in result.stderr and "the LSTM adds nothing" in result.stderr


def test_explain_surprise_opens_the_jaw(analysed, tmp_path):
    clip, project, spans = analysed
    frame = (spans[1][0] + spans[1][1]) // 2
    result = lepton("explain", clip, "--project", project, "--frame", frame)  # the first person seen there
    assert result.returncode == 0, result.stderr
    why = json.loads(result.stdout)
    assert why["track"] == 1 and "output" not in why
    assert {a["action"] for a in why["actions"][:3]} & {"jawOpen", "browInnerUp"}
    from lepton_desktop.video import VideoReader

    with VideoReader(clip) as reader:
        at = reader.timeline.time_of(frame) + 0.001
    timed = lepton("explain", clip, "--project", project, "--frame", f"{at:.4f}s")  # the same moment, as a time
    assert timed.returncode == 0 and json.loads(timed.stdout)["frame"] == frame, timed.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--frame", "5", "--track", "7"), "no person 7"),
        (("--frame", "99999"), "outside the video"),
        (("--frame", "999s"), "999 s is past the end of the video"),
    ],
)
def test_explain_refuses_what_is_not_there(analysed, args, message):
    clip, project, _ = analysed
    result = lepton("explain", clip, "--project", project, *args)
    assert result.returncode == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_explain_needs_an_analysis(analysed, tmp_path):
    clip, _, _ = analysed
    result = lepton("explain", clip, "--project", tmp_path / "empty.lepton", "--frame", "1")
    assert result.returncode == 1 and result.stderr.startswith("lepton: error:")
