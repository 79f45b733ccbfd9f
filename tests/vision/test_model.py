"""The expression model: the port matches Keras, the CNN-LSTM starts equal to the CNN, weights load as data."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from lepton_desktop.vision.model import EmotionModel
from lepton_desktop.vision.weights import WeightsError, load_detector, load_emotion_model, save_emotion_model

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "fer_keras_reference.npz"


def test_port_matches_the_original_keras_outputs():
    """tests/data/fer_keras_reference.npz holds inputs and the original Keras model's softmax (TF 2.21)."""
    ref = np.load(REFERENCE)
    model = load_emotion_model()
    with torch.no_grad():
        _, logits = model.frame_outputs(torch.from_numpy(ref["x"]).permute(0, 3, 1, 2).contiguous())
    probs = torch.softmax(logits.double(), dim=1).numpy()
    assert np.abs(probs - ref["y"]).max() < 1e-4
    assert (probs.argmax(1) == ref["y"].argmax(1)).all()


def test_shipped_cnn_lstm_equals_the_cnn_exactly():
    model = load_emotion_model()
    crops = torch.rand(40, 1, 64, 64) * 2 - 1
    with torch.no_grad():
        _, cnn_logits = model.cnn(crops)
        full = model(crops)
    assert torch.equal(full, cnn_logits)


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


def test_fine_tuned_model_round_trips(tmp_path):
    model = load_emotion_model()
    torch.nn.init.normal_(model.temporal.out.weight, std=0.1)
    path = tmp_path / "tuned.safetensors"
    sha = save_emotion_model(model, path, parent="base")
    again = load_emotion_model(path)
    assert len(sha) == 64
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
