"""face-api.js's expression net: the port matches face-api.js itself; the ensemble blends it with the ResNet."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.vision.ensemble import FACEAPI_WEIGHT, ExpressionEnsemble
from lepton_desktop.vision.faceapi import FaceApiExpressionNet
from lepton_desktop.vision.training import TrainSettings, _trainable
from lepton_desktop.vision.weights import (
    ENSEMBLE_MODEL,
    RESNET_MODEL,
    WeightsError,
    bundled_weights,
    load_emotion_model,
    save_emotion_model,
)

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "faceapi_tfjs_reference.npz"


def _faceapi() -> FaceApiExpressionNet:
    net = FaceApiExpressionNet()
    net.load_state_dict(load_file(str(bundled_weights(ENSEMBLE_MODEL.file))))
    return net.eval()


FACEAPI_COLUMN = {"neutral": 0, "happy": 1, "sad": 2, "angry": 3, "fear": 4, "disgust": 5, "surprise": 6}
"""Where each of our classes is in face-api.js's output (its FACE_EXPRESSION_LABELS: neutral, happy, sad,
angry, fearful, disgusted, surprised), written out here rather than taken from the module under test."""


def test_port_matches_face_api_js_outputs():
    """tests/data/faceapi_tfjs_reference.npz: inputs and face-api.js 1.7.15's own probabilities (tfjs 4.22 CPU),
    in face-api's class order (models/verify_faceapi_port.py)."""
    ref = np.load(REFERENCE)
    expected = ref["faceapi_order"][:, [FACEAPI_COLUMN[e] for e in EMOTIONS]]
    x = torch.from_numpy(ref["inputs"]).permute(0, 3, 1, 2).float()
    with torch.no_grad():
        probs = torch.softmax(_faceapi()(x)[1].double(), dim=1).numpy()
    assert np.abs(probs - expected).max() < 1e-4
    assert (probs.argmax(1) == expected.argmax(1)).all()
    assert len(set(probs.argmax(1).tolist())) >= 3  # the reference faces are not all one class


def test_the_shipped_ensemble_is_the_blend_of_its_two_members():
    ensemble = load_emotion_model(bundled_weights(ENSEMBLE_MODEL.file))
    resnet = load_emotion_model(bundled_weights(RESNET_MODEL.file))
    assert isinstance(ensemble.cnn, ExpressionEnsemble) and ensemble.cnn.faceapi_weight == FACEAPI_WEIGHT
    assert ensemble.cnn.mirror and resnet.cnn.mirror  # the blend reads faces as its ResNet does: both ways
    crops = torch.rand(6, 1, 64, 64) * 2 - 1
    faceapi = _faceapi()
    with torch.no_grad():
        emb, logits = ensemble.cnn(crops)
        full = ensemble(crops)
        resnet.cnn.mirror = False
        views = []
        for view in (crops, crops.flip(3)):  # each view blended, the two views' log-blends averaged
            resnet_emb, resnet_logits = resnet.cnn(view)
            big = F.interpolate((view + 1) * 127.5, size=(112, 112), mode="bilinear", align_corners=False)
            other = faceapi(big.expand(-1, 3, -1, -1))[1]
            blend = (1 - FACEAPI_WEIGHT) * torch.softmax(resnet_logits, 1) + FACEAPI_WEIGHT * torch.softmax(other, 1)
            views.append((resnet_emb, torch.log(blend)))
    expected = torch.softmax((views[0][1] + views[1][1]) / 2, 1)
    torch.testing.assert_close(torch.softmax(logits, 1), expected, rtol=1e-5, atol=1e-6)
    # the temporal head reads the ResNet's embedding (of both views)
    torch.testing.assert_close(emb, (views[0][0] + views[1][0]) / 2, rtol=1e-5, atol=1e-6)
    assert torch.equal(full, logits)  # the zero temporal head leaves the ensemble's output as it is


def test_fine_tuning_never_trains_face_api_and_a_tuned_ensemble_reloads_the_same(tmp_path):
    model = load_emotion_model(bundled_weights(ENSEMBLE_MODEL.file))
    groups = _trainable(model, TrainSettings(train_cnn=True))
    trained = {id(p) for g in groups for p in g["params"]}  # type: ignore[attr-defined]
    names = [n for n, p in model.named_parameters() if id(p) in trained]
    assert names and not [n for n in names if "faceapi" in n] and any(n.startswith("cnn.classifier") for n in names)
    torch.nn.init.normal_(model.temporal.out.weight, std=0.1)  # as if fine-tuned
    path = tmp_path / "tuned.safetensors"
    save_emotion_model(model, path)
    again = load_emotion_model(path)
    assert isinstance(again.cnn, ExpressionEnsemble) and again.cnn.faceapi_weight == FACEAPI_WEIGHT
    crops = torch.rand(40, 1, 64, 64) * 2 - 1
    with torch.no_grad():
        assert torch.equal(model.eval()(crops), again(crops))


def test_an_ensemble_file_copied_alone_finds_the_shipped_resnet(tmp_path):
    """A batch worker gets the version's file alone, written to a temporary folder."""
    copy = tmp_path / "lepton-weights" / "abc.safetensors"
    copy.parent.mkdir()
    shutil.copy(bundled_weights(ENSEMBLE_MODEL.file), copy)
    model = load_emotion_model(copy)
    assert isinstance(model.cnn, ExpressionEnsemble)


@pytest.mark.parametrize("damage", ["missing", "changed"])
def test_an_ensemble_without_its_resnet_says_so(tmp_path, monkeypatch, damage):
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(bundled_weights(ENSEMBLE_MODEL.file), folder)
    if damage == "changed":
        (folder / RESNET_MODEL.file).write_bytes(bundled_weights(RESNET_MODEL.file).read_bytes()[:-4] + b"\0\0\0\0")
    monkeypatch.setattr("lepton_desktop.vision.weight_files.bundled_dir", lambda name: tmp_path / "nowhere")
    said = "which is missing; reinstall" if damage == "missing" else "not the one it was made with (another SHA-256)"
    with pytest.raises(WeightsError, match=re.escape(said)):
        load_emotion_model(folder / ENSEMBLE_MODEL.file)


def test_the_ensemble_is_not_activated_when_its_resnet_is_broken(tmp_path, monkeypatch):
    """An installation whose ResNet file is damaged: activating the ensemble says why and changes nothing."""
    from lepton_desktop.services.models import ModelVersionError, activate, list_versions
    from lepton_desktop.store import open_project

    project = tmp_path / "p.lepton"
    open_project(project, create=True).close()
    ensemble = next(v["id"] for v in list_versions(project) if v["name"] == ENSEMBLE_MODEL.name)
    broken = tmp_path / "models"
    broken.mkdir()
    shutil.copy(bundled_weights(ENSEMBLE_MODEL.file), broken)
    (broken / RESNET_MODEL.file).write_bytes(b"damaged")
    monkeypatch.setattr("lepton_desktop.services.models.bundled_weights", lambda name: broken / name)
    monkeypatch.setattr("lepton_desktop.vision.weight_files.bundled_dir", lambda name: broken)
    with pytest.raises(ModelVersionError, match=r"cannot be activated: .*not the one it was made with"):
        activate(project, ensemble)
    assert [v["name"] for v in list_versions(project) if v["active"]] == [RESNET_MODEL.name]
