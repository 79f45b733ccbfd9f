"""Saliency on real faces: for a smile, the evidence sits on the lower face (the mouth)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.vision.align import MODEL_INPUT, FaceGeometry, aligned_crop, to_gray
from lepton_desktop.vision.explain import Explainer, lower_share
from lepton_desktop.vision.weights import load_detector, load_emotion_model
from tests.photos import PHOTOS, SKIP_REASON, photo, photo_dir

pytestmark = pytest.mark.skipif(photo_dir() is None, reason=SKIP_REASON)


@pytest.fixture(scope="module")
def crops():
    """Label -> the photograph's face, detected and aligned exactly as an analysis does."""
    detector = load_detector().eval()
    out = {}
    for label in PHOTOS:
        image = photo(label)
        (face,) = detector.detect(torch.from_numpy(image)[None])[0][:1]
        out[label] = aligned_crop(to_gray(image), FaceGeometry(face.box, face.landmarks), MODEL_INPUT)
    return out


@pytest.fixture(scope="module")
def explainer():
    return Explainer(load_emotion_model())


def test_a_smiles_saliency_lies_mostly_on_the_lower_face(crops, explainer):
    heat = explainer.saliency(crops["happy"], EMOTIONS.index("happy"))
    assert heat.shape == (64, 64) and heat.max() == pytest.approx(1.0) and heat.min() >= 0
    assert lower_share(heat) > 0.55  # mostly below the middle of the face (0.65 with the shipped model)
    peak_row = np.unravel_index(np.argmax(heat), heat.shape)[0]
    assert peak_row >= MODEL_INPUT // 2  # and hottest there: the mouth


def test_the_cnn_sees_the_photographs_as_posed(crops, explainer):
    probs = {label: explainer.cnn_probs(crop) for label, crop in crops.items()}
    for p in probs.values():
        assert p.sum() == pytest.approx(1.0, abs=1e-5)
    assert EMOTIONS[int(np.argmax(probs["happy"]))] == "happy"
    assert EMOTIONS[int(np.argmax(probs["surprise"]))] == "surprise"


def test_saliency_depends_on_the_class_asked_for(crops, explainer):
    crop = crops["surprise"]
    maps = [explainer.saliency(crop, k) for k in range(len(EMOTIONS))]
    assert any(not np.allclose(maps[0], m, atol=0.05) for m in maps[1:])


def test_the_shared_model_is_not_touched(crops):
    model = load_emotion_model().eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    explainer = Explainer(model)
    explainer.saliency(crops["happy"], EMOTIONS.index("happy"))
    assert explainer.cnn is not model.cnn
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not model.cnn.blocks[-1]._forward_hooks  # Captum hooked its private copy only
