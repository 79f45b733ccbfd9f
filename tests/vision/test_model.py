"""The expression models: the port matches Keras, each CNN-LSTM starts equal to its CNN, weights load as data."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from lepton_desktop.vision.model import WINDOW, EmotionModel
from lepton_desktop.vision.resnet import ExpressionResNet
from lepton_desktop.vision.weights import (
    MINIXCEPTION_MODEL,
    WeightsError,
    bundled_weights,
    load_detector,
    load_emotion_model,
    save_emotion_model,
)

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "fer_keras_reference.npz"


def test_port_matches_the_original_keras_outputs():
    """tests/data/fer_keras_reference.npz holds inputs and the original Keras model's softmax (TF 2.21)."""
    ref = np.load(REFERENCE)
    model = load_emotion_model(bundled_weights(MINIXCEPTION_MODEL.file))
    with torch.no_grad():
        _, logits = model.frame_outputs(torch.from_numpy(ref["x"]).permute(0, 3, 1, 2).contiguous())
    probs = torch.softmax(logits.double(), dim=1).numpy()
    assert np.abs(probs - ref["y"]).max() < 1e-4
    assert (probs.argmax(1) == ref["y"].argmax(1)).all()


@pytest.mark.parametrize("which", ["default", "minixception"])
def test_shipped_cnn_lstm_equals_the_cnn_exactly(which):
    model = load_emotion_model(None if which == "default" else bundled_weights(MINIXCEPTION_MODEL.file))
    assert isinstance(model.cnn, ExpressionResNet) == (which == "default")
    crops = torch.rand(40, 1, 64, 64) * 2 - 1
    with torch.no_grad():
        _, cnn_logits = model.cnn(crops)
        full = model(crops)
    assert torch.equal(full, cnn_logits)


def test_temporal_memory_is_bounded_to_the_previous_window():
    """Frame t's output is the LSTM run from zero since the start of the window before t's window."""
    torch.manual_seed(0)
    model = EmotionModel(ExpressionResNet()).eval()
    torch.nn.init.normal_(model.temporal.out.weight, std=0.5)
    emb, logits = torch.randn(3 * WINDOW + 5, 128), torch.randn(3 * WINDOW + 5, 7)
    with torch.no_grad():
        streamed, _ = model.sequence_logits(emb, logits)
        for t in (0, WINDOW - 1, WINDOW, 2 * WINDOW + 3, 3 * WINDOW + 4):
            start = max(0, (t // WINDOW - 1) * WINDOW)
            residual, _ = model.temporal(emb[None, start : t + 1], logits[None, start : t + 1])
            torch.testing.assert_close(streamed[t], logits[t] + residual[0, -1], rtol=1e-5, atol=1e-5)


def test_chunked_lstm_with_carried_state_equals_one_pass():
    torch.manual_seed(0)
    model = EmotionModel().eval()
    torch.nn.init.normal_(model.temporal.out.weight, std=0.5)  # a head that has learnt something
    crops = torch.rand(50, 1, 64, 64) * 2 - 1
    with torch.no_grad():
        emb, logits = model.frame_outputs(crops)
        whole, _ = model.sequence_logits(emb, logits)
        state = None
        parts = []
        for lo in range(0, 50, 7):
            out, state = model.sequence_logits(emb[lo : lo + 7], logits[lo : lo + 7], state)
            parts.append(out)
    assert not torch.equal(whole, logits)
    torch.testing.assert_close(torch.cat(parts), whole, rtol=1e-5, atol=1e-5)


def test_the_default_reads_each_face_and_its_mirror_image_alike():
    model = load_emotion_model()
    assert model.cnn.mirror  # the shipped file says so (metadata "mirror": "1")
    crops = torch.rand(12, 1, 64, 64) * 2 - 1
    with torch.no_grad():
        emb, logits = model.cnn(crops)
        emb_m, logits_m = model.cnn(crops.flip(3))
        one, two = model.cnn.single(crops), model.cnn.single(crops.flip(3))
    assert torch.allclose(logits, logits_m, atol=1e-5) and torch.allclose(emb, emb_m, atol=1e-5)
    assert torch.allclose(logits, (one[1] + two[1]) / 2, atol=1e-5)
    assert (one[1] - two[1]).abs().max() > 1e-3  # one reading alone does differ between the two views
    model.cnn.train()
    assert model.cnn(crops)[1].shape == (12, 7)  # training reads each face once (augmentation mirrors)


@pytest.mark.parametrize("which", ["default", "minixception"])
def test_fine_tuned_model_round_trips(tmp_path, which):
    model = load_emotion_model(None if which == "default" else bundled_weights(MINIXCEPTION_MODEL.file))
    torch.nn.init.normal_(model.temporal.out.weight, std=0.1)
    path = tmp_path / "tuned.safetensors"
    sha = save_emotion_model(model, path, parent="base")
    again = load_emotion_model(path)
    assert len(sha) == 64
    assert type(again.cnn) is type(model.cnn)
    assert getattr(again.cnn, "mirror", False) == getattr(model.cnn, "mirror", False)
    for (k, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items(), strict=True):
        assert torch.equal(a, b), k


def test_files_that_are_not_ours_are_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("code ran",))

    pickled = tmp_path / "evil.safetensors"
    pickled.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(WeightsError, match="not a Lepton model"):
        load_emotion_model(pickled)
    other = tmp_path / "other.safetensors"
    save_file({"weight": torch.zeros(3)}, str(other), metadata={"format": "someone-else"})
    with pytest.raises(WeightsError, match="not a Lepton expression model"):
        load_emotion_model(other)
    ours_but_wrong = tmp_path / "wrong.safetensors"
    save_file({"conv1.weight": torch.zeros(3)}, str(ours_but_wrong), metadata={"format": "lepton-minixception-v1"})
    with pytest.raises(WeightsError, match="does not fit"):
        load_emotion_model(ours_but_wrong)
    with pytest.raises(WeightsError, match="no such model file"):
        load_emotion_model(tmp_path / "missing.safetensors")
    with pytest.raises(WeightsError, match="not a Lepton face-detector"):
        load_detector(other)


def test_device_choice():
    from lepton_desktop.vision.device import DeviceError, pick_device

    auto = pick_device("auto")
    assert auto.type == ("cuda" if torch.cuda.is_available() else auto.type)
    assert pick_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="no CUDA GPU"):
            pick_device("cuda")
    with pytest.raises(DeviceError, match="unknown device"):
        pick_device("tpu")
