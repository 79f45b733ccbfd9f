"""Convert face-api.js's expression net (npm @vladmandic/face-api) to models/expression_faceapi.safetensors.

    npm pack @vladmandic/face-api@1.7.15          # -> vladmandic-face-api-1.7.15.tgz
    python models/convert_faceapi.py vladmandic-face-api-1.7.15.tgz [--weight 0.2]

Reads `package/model/face_expression_model-weights_manifest.json` and its `.bin`
straight out of the npm tarball (no JavaScript, no TensorFlow), undoes the
manifest's uint8 quantisation (value = min + scale * byte), maps each tensor onto
lepton_desktop.vision.faceapi.FaceApiExpressionNet and writes safetensors with
metadata naming the source. TensorFlow.js -> PyTorch layout: conv filters
(kh, kw, in, out) -> (out, in, kh, kw); depthwise (kh, kw, in, 1) -> (in, 1, kh, kw);
fully connected (in, out) -> (out, in).

The file is the shipped model version "Lepton ResNet + face-api.js ensemble": its
metadata names the ResNet it is blended with (models/expression_resnet.safetensors,
by name and SHA-256) and face-api's share of the blend (``--weight``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tarfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lepton_desktop.vision.ensemble import FACEAPI_WEIGHT
from lepton_desktop.vision.faceapi import FaceApiExpressionNet

OUT = Path(__file__).with_name("expression_faceapi.safetensors")
BASE = Path(__file__).with_name("expression_resnet.safetensors")
MANIFEST = "package/model/face_expression_model-weights_manifest.json"


def read_weights(manifest: list[dict], blobs: dict[str, bytes]) -> dict[str, np.ndarray]:
    """Every tensor of a TensorFlow.js weights manifest, dequantised to float32."""
    out: dict[str, np.ndarray] = {}
    for group in manifest:
        data = b"".join(blobs[p] for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"], dtype=np.int64))
            quant = spec.get("quantization")
            if quant:
                dtype = np.dtype(quant["dtype"])
                raw = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
                values = (quant["min"] + quant["scale"] * raw.astype(np.float64)).astype(np.float32)
            else:
                dtype = np.dtype(spec["dtype"])
                values = np.frombuffer(data, dtype=dtype, count=count, offset=offset).astype(np.float32)
            offset += count * dtype.itemsize
            out[spec["name"]] = values.reshape(spec["shape"])
        if offset != len(data):
            raise ValueError(f"manifest describes {offset} bytes, the weights file has {len(data)}")
    return out


def convert(weights: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    sd: dict[str, torch.Tensor] = {}

    def put(name: str, array: np.ndarray) -> None:
        sd[name] = torch.from_numpy(np.ascontiguousarray(array))

    for b in range(4):
        for c in range(4):
            src, dst = f"dense{b}/conv{c}", f"dense{b}.conv{c}"
            if b == 0 and c == 0:
                put(f"{dst}.weight", weights[f"{src}/filters"].transpose(3, 2, 0, 1))
                put(f"{dst}.bias", weights[f"{src}/bias"])
                continue
            put(f"{dst}.depthwise.weight", weights[f"{src}/depthwise_filter"].transpose(2, 3, 0, 1))
            put(f"{dst}.pointwise.weight", weights[f"{src}/pointwise_filter"].transpose(3, 2, 0, 1))
            put(f"{dst}.pointwise.bias", weights[f"{src}/bias"])
    put("fc.weight", weights["fc/weights"].T)
    put("fc.bias", weights["fc/bias"])
    if len(weights) != 4 * 3 * 4 - 1 + 2:  # every array of the manifest used exactly once
        raise ValueError(f"unexpected tensors in the manifest: {sorted(weights)}")
    return sd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tarball", type=Path, help="vladmandic-face-api-*.tgz from npm")
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    ap.add_argument("--weight", type=float, default=FACEAPI_WEIGHT, help="face-api's share of the ensemble")
    args = ap.parse_args()
    with tarfile.open(args.tarball) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        blobs = {p: tar.extractfile(f"package/model/{p}").read() for g in manifest for p in g["paths"]}  # type: ignore[union-attr]
        version = json.loads(tar.extractfile("package/package.json").read())["version"]  # type: ignore[union-attr]
    sd = convert(read_weights(manifest, blobs))
    FaceApiExpressionNet().load_state_dict(sd, strict=True)  # every tensor mapped, every shape right
    source = hashlib.sha256(b"".join(blobs.values())).hexdigest()
    metadata = {
        "format": "lepton-faceapi-v1",
        "arch": FaceApiExpressionNet.ARCH,
        "source": f"npm @vladmandic/face-api@{version}: model/face_expression_model.bin",
        "source_sha256": source,
        "tarball_sha256": hashlib.sha256(args.tarball.read_bytes()).hexdigest(),
        "licence": "MIT (face-api.js, Vincent Muehler; @vladmandic/face-api, Vladimir Mandic)",
        "classes": "angry,disgust,fear,happy,sad,surprise,neutral",
        "input": "3x112x112 RGB, values 0..255",
        "base": BASE.name,
        "base_sha256": hashlib.sha256(BASE.read_bytes()).hexdigest(),
        "faceapi_weight": repr(args.weight),
    }
    save_file({k: v.contiguous() for k, v in sd.items()}, str(args.output), metadata=metadata)
    print(f"{len(sd)} tensors; wrote {args.output} ({args.output.stat().st_size} bytes), "
          f"sha256 {hashlib.sha256(args.output.read_bytes()).hexdigest()}")  # fmt: skip


if __name__ == "__main__":
    main()
