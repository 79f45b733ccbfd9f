"""Write the int8 reading of the shipped ResNet: a graph (structure only) and its int8 weights.

    python models/quantize_resnet.py            # writes models/graphs/resnet-s-int8.onnx and
                                                # models/expression_resnet.int8.safetensors
    python models/quantize_resnet.py --check    # exits 1 if a fresh quantisation differs from them

CPU analysis reads every face through the ResNet (twice: mirrored too), and in float32 that CNN
was already at about 80% of the CPU's arithmetic peak. In int8 the same convolutions take a third
of the time, at no measured cost in accuracy (``bench/model.py`` prints both readings on the
validation split in one run; the card, ``expression_resnet.md``, quotes them).

How: the shipped float weights (``expression_resnet.safetensors``) are put into the ResNet's graph
(one reading per face: the app mirrors in NumPy), batch normalisation is folded into the
convolutions (ONNX Runtime's ``quant_pre_process``), and ONNX Runtime's static quantiser writes a
QDQ graph: weights int8 per output channel in the 7-bit range (``reduce_range``, so CPUs without
VNNI cannot overflow their 16-bit sums), activations uint8 with ranges measured (min/max) on 1,024
*training* faces (seed 0; never the validation split) and their mirror images, as the app feeds
the network both. As with ``export_graphs.py``, every value is
then moved out of the graph into a safetensors file, so the graph stays data without weights and
the weights stay safetensors. The file records the SHA-256 of the float CNN it was made from; the
app uses it only for that CNN (``lepton_desktop/vision/int8.py``): a fine-tuned version or a
retrained file without a fresh quantisation runs in float32.

Needs the development extras (``torch``, ``onnx``) and ``../shared/data/ferplus_train.npz``.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "models"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import numpy as np  # noqa: E402

from lepton_desktop.vision.int8 import INT8_FORMAT, INT8_GRAPH, cnn_digest, companion  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ferplus_train.npz"
GRAPH = ROOT / "models" / "graphs" / f"{INT8_GRAPH}.onnx"
SOURCE = ROOT / "models" / "expression_resnet.safetensors"
CALIBRATION_FACES = 1024
BATCH = 64
KEPT_TYPES = {"INT64"}  # shape and axis constants of the exporter stay in the graph; every value else moves out


def calibration_faces(data: Path) -> np.ndarray:
    """1,024 training faces (seed 0, never the validation split) and their mirror images, as the app feeds them."""
    import torch
    from training.augment import to_model
    from training.data import load_faces, split

    faces, _ = load_faces(data)
    train, _ = split(faces, 0.1, 0)
    picked = np.sort(np.random.default_rng(0).choice(train, CALIBRATION_FACES, replace=False))
    x = to_model(torch.from_numpy(faces.images[picked]), 64).numpy()
    return np.concatenate([x, x[..., ::-1]])


def float_graph(source: Path, out: Path) -> None:
    """The ResNet with ``source``'s weights inside, one reading per face, as ONNX."""
    import torch

    from lepton_desktop.vision.weights import load_emotion_model

    cnn = load_emotion_model(source).cnn.eval()
    cnn.mirror = False
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            cnn,
            (torch.zeros(4, 1, 64, 64),),
            buffer,
            dynamo=False,
            opset_version=17,
            input_names=["x"],
            output_names=["embedding", "logits"],
            dynamic_axes={"x": {0: "n"}, "embedding": {0: "n"}, "logits": {0: "n"}},
        )
    out.write_bytes(buffer.getvalue())


def quantise(source: Path, data: Path) -> tuple[bytes, dict[str, np.ndarray], dict[str, str]]:
    """(graph without values, its values by name, the values file's metadata)."""
    import onnx
    from onnx import TensorProto, numpy_helper
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from lepton_desktop.vision.weight_files import read_arrays

    faces = calibration_faces(data)

    class Faces(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self.at = 0

        def get_next(self) -> dict[str, np.ndarray] | None:
            if self.at >= len(faces):
                return None
            self.at += BATCH
            return {"x": faces[self.at - BATCH : self.at]}

    with tempfile.TemporaryDirectory() as tmp:
        plain, folded, quantised = (Path(tmp) / n for n in ("float.onnx", "folded.onnx", "int8.onnx"))
        float_graph(source, plain)
        quant_pre_process(str(plain), str(folded))
        quantize_static(
            str(folded),
            str(quantised),
            Faces(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            reduce_range=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )
        model = onnx.load(str(quantised))
    values: dict[str, np.ndarray] = {}
    for tensor in model.graph.initializer:
        if TensorProto.DataType.Name(tensor.data_type) in KEPT_TYPES:
            continue
        values[tensor.name] = np.asarray(numpy_helper.to_array(tensor), order="C")  # 0-d stays 0-d
        tensor.ClearField("raw_data")
        for field in ("float_data", "int32_data"):
            tensor.ClearField(field)
        tensor.data_location = TensorProto.EXTERNAL
        del tensor.external_data[:]
        entry = tensor.external_data.add()
        entry.key, entry.value = "location", companion(SOURCE).name
    used = {node.domain or "" for node in model.graph.node}
    kept = [(o.domain, o.version) for o in model.opset_import if (o.domain or "") in used]
    del model.opset_import[:]  # ONNX Runtime's optimiser lists every domain it knows; an older
    for domain, version in kept:  # runtime refuses a graph naming one newer than its own
        model.opset_import.add(domain=domain, version=version)
    cnn, metadata = read_arrays(source)
    del model.metadata_props[:]
    for key, value in {"lepton_graph": INT8_GRAPH, "widths": metadata.get("widths", "")}.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    model.producer_name = "lepton-desktop models/quantize_resnet.py"
    info = {
        "format": INT8_FORMAT,
        "graph": INT8_GRAPH,
        "cnn_sha256": cnn_digest(cnn),
        "source": source.name,
        "scheme": "ONNX QDQ; weights int8 per output channel, 7-bit range; activations uint8, min/max",
        "calibration": f"{CALIBRATION_FACES} training faces of ferplus_train.npz (seed 0; no validation face) "
        "and their mirror images",
    }
    return model.SerializeToString(), values, info


def _same(written: np.ndarray, fresh: np.ndarray) -> bool:
    """Equal up to what another CPU's float rounding in the calibration can move.

    Ranges (scales) to a relative 1e-4; integers (zero points, biases divided by a scale) by one.
    """
    if written.shape != fresh.shape or written.dtype != fresh.dtype:
        return False
    if written.dtype.kind == "f":
        return bool(np.allclose(written, fresh, rtol=1e-4, atol=0))
    return bool(np.abs(written.astype(np.int64) - fresh.astype(np.int64)).max(initial=0) <= 1)


def main() -> int:
    from safetensors.numpy import load_file, save_file

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the written files instead of writing")
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    if not args.data.is_file():
        print(f"{args.data} is missing: the calibration faces come from it (see ../shared/data/README.md)")
        return 2
    graph, values, info = quantise(SOURCE, args.data)
    target = companion(SOURCE)
    if args.check:
        from export_graphs import _described

        from lepton_desktop.vision.weight_files import read_metadata

        stale = not GRAPH.is_file() or _described(GRAPH.read_bytes()) != _described(graph) or not target.is_file()
        if not stale:
            written = load_file(str(target))
            stale = read_metadata(target) != info or set(written) != set(values)
            stale = stale or not all(_same(written[k], v) for k, v in values.items())
        if stale:
            print("the int8 graph or weights are out of date (run python models/quantize_resnet.py)")
            return 1
        print(f"{GRAPH.name} and {target.name} are a fresh quantisation of {SOURCE.name}")
        return 0
    GRAPH.write_bytes(graph)
    save_file(values, str(target), metadata=info)
    size = sum(v.nbytes for v in values.values())
    written = f"{GRAPH.relative_to(ROOT)} and {target.relative_to(ROOT)}"
    print(f"wrote {written} ({len(values)} tensors, {size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
