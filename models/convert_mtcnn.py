"""Convert facenet-pytorch's MTCNN weights to models/face_mtcnn.safetensors.

    pip download --no-deps facenet-pytorch==2.6.0 -d /tmp/wheels
    python models/convert_mtcnn.py /tmp/wheels/facenet_pytorch-2.6.0-py3-none-any.whl

The wheel carries three state dicts (`facenet_pytorch/data/{pnet,rnet,onet}.pt`).
They are read with `torch.load(weights_only=True)` (data only, never code),
prefixed `pnet.`/`rnet.`/`onet.`, checked against
lepton_desktop.vision.mtcnn.MTCNN (strict: names and shapes), and saved as one
safetensors file.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lepton_desktop.vision.mtcnn import MTCNN

OUT = Path(__file__).with_name("face_mtcnn.safetensors")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wheel", type=Path)
    ap.add_argument("-o", "--output", type=Path, default=OUT)
    args = ap.parse_args()
    sd: dict[str, torch.Tensor] = {}
    sources = {}
    with zipfile.ZipFile(args.wheel) as wheel:
        for net in ("pnet", "rnet", "onet"):
            blob = wheel.read(f"facenet_pytorch/data/{net}.pt")
            sources[net] = hashlib.sha256(blob).hexdigest()
            part = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
            sd.update({f"{net}.{k}": v.contiguous() for k, v in part.items()})
    MTCNN().load_state_dict(sd, strict=True)
    metadata = {
        "format": "lepton-mtcnn-v1",
        "source": f"{args.wheel.name}:facenet_pytorch/data/{{pnet,rnet,onet}}.pt",
        "source_sha256": ",".join(f"{k}={v}" for k, v in sources.items()),
        "licence": "MIT (facenet-pytorch, Tim Esler)",
    }
    save_file(sd, str(args.output), metadata=metadata)
    print(
        f"wrote {args.output} ({args.output.stat().st_size} bytes), {len(sd)} tensors, "
        f"sha256 {hashlib.sha256(args.output.read_bytes()).hexdigest()}"
    )


if __name__ == "__main__":
    main()
