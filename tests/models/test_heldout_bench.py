"""bench/heldout.py, as whoever holds the held-out material runs it: label folders of clips and photographs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.photos import PHOTOS, SKIP_REASON, Segment, expression_clip, photo_dir
from tests.synth import make_video

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(photo_dir() is None, reason=SKIP_REASON)


def test_every_version_is_scored_on_labelled_clips_and_photographs(tmp_path):
    clips, images = tmp_path / "clips", tmp_path / "images"
    for label, folder in (("happy", "happiness"), ("surprise", "surprised")):  # dataset words, mapped to ours
        (clips / folder).mkdir(parents=True)
        expression_clip(clips / folder / f"{label}.mp4", [Segment(label, 20)])
    (clips / "contempt").mkdir()
    make_video(clips / "contempt" / "x.mp4", 5)  # not one of our classes: listed and left out
    (clips / "neutral").mkdir()
    make_video(clips / "neutral" / "noface.mp4", 10)  # nobody in it: counts as wrong
    for label, name in PHOTOS.items():
        (images / label).mkdir(parents=True)
        shutil.copy(photo_dir() / name, images / label / name)
    env = {**os.environ, "LEPTON_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "heldout.py"), "--clips", str(clips), "--images",
                          str(images)], capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "left out (not one of our seven classes): {'contempt': 1}" in text
    assert "clips: 3 in" in text and "images: 4 in" in text
    from lepton_desktop.vision.weights import SHIPPED_MODELS

    for model in SHIPPED_MODELS:
        assert text.count(model.name) == 4, model.name  # scored on clips and images, and a ratio line each
    clip_lines = re.findall(r"accuracy (\d\.\d+) .*frames right (\d\.\d+)\s+no face in (\d+) clips", text)
    assert len(clip_lines) == len(SHIPPED_MODELS)
    for accuracy, _frames, missed in clip_lines:  # the smile and the surprise are right, the empty clip is not
        assert float(accuracy) == pytest.approx(2 / 3, abs=1e-3) and missed == "1"
    assert "x1.00 of the default: Lepton ResNet FER+ v3" in text
