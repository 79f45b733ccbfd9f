"""Write the ONNX graphs that CPU analysis runs with: the networks' structure, never their weights.

    python models/export_graphs.py            # writes models/graphs/*.onnx
    python models/export_graphs.py --check    # exits 1 if a written graph differs from a fresh export
                                              # (nodes, parameter names and shapes, metadata)

Each graph is exported from this project's own PyTorch module (``torch.onnx.export``, the
TorchScript exporter, opset 17, no constant folding, so every parameter keeps its module name).
The parameters are then turned into *external* tensors: the file records their names, shapes and
types and holds none of their values. At run time :mod:`lepton_desktop.vision.graphs` fills them
from the safetensors weight files (shipped or fine-tuned) through ONNX Runtime's
``add_external_initializers``, which checks every name, shape and type. A graph is data
(ONNX protobuf, run by ONNX Runtime's fixed operators); nothing in it is executed as code.

Needs the development extras (``torch``, ``onnx``). ``tests/vision/test_graphs.py`` checks that the
graphs and the PyTorch modules give the same outputs on real faces.
"""

from __future__ import annotations

import argparse
import io
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "models" / "graphs"
OPSET = 17


def _networks() -> dict[str, tuple[object, tuple[int, ...], dict[int, str], list[str], dict[str, str]]]:
    """name -> (module, example input shape, dynamic axes of the input, output names, graph metadata)."""
    from lepton_desktop.vision.ensemble import FACEAPI_WEIGHT, ExpressionEnsemble
    from lepton_desktop.vision.mtcnn import MTCNN
    from lepton_desktop.vision.resnet import ExpressionResNet
    from lepton_desktop.vision.xception import MiniXception

    mtcnn = MTCNN()
    widths = ",".join(str(w) for w in ExpressionResNet().widths)
    cnn_out = ["embedding", "logits"]
    return {
        "pnet": (mtcnn.pnet, (1, 3, 60, 80), {0: "n", 2: "h", 3: "w"}, ["reg", "prob"], {}),
        "rnet": (mtcnn.rnet, (8, 3, 24, 24), {0: "n"}, ["reg", "prob"], {}),
        "onet": (mtcnn.onet, (8, 3, 48, 48), {0: "n"}, ["reg", "points", "prob"], {}),
        ExpressionResNet.ARCH: (ExpressionResNet(), (4, 1, 64, 64), {0: "n"}, cnn_out, {"widths": widths}),
        "minixception": (MiniXception(), (4, 1, 64, 64), {0: "n"}, cnn_out, {}),
        ExpressionEnsemble.ARCH: (
            ExpressionEnsemble(),
            (4, 1, 64, 64),
            {0: "n"},
            cnn_out,
            {"widths": widths, "faceapi_weight": repr(float(FACEAPI_WEIGHT))},
        ),
    }


def export(name: str) -> bytes:
    """One network's graph, its parameters external (names, shapes and types only)."""
    import onnx
    import torch
    from onnx import TensorProto

    module, shape, axes, outputs, metadata = _networks()[name]
    module.eval()  # type: ignore[attr-defined]
    state = module.state_dict()  # type: ignore[attr-defined]
    params = set(state)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():  # distinct values: the exporter merges parameters that are equal (e.g. fresh PReLUs)
        for value in state.values():
            if value.is_floating_point():
                value.copy_(torch.rand(value.shape, generator=generator) + 0.5)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(
            module,  # type: ignore[arg-type]
            (torch.zeros(shape),),
            buffer,
            dynamo=False,
            opset_version=OPSET,
            do_constant_folding=False,
            input_names=["x"],
            output_names=outputs,
            dynamic_axes={"x": axes, **{o: {0: "n"} for o in outputs}},
        )
    model = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(model)  # with its weights still inside
    external = 0
    for tensor in model.graph.initializer:
        if tensor.name not in params:
            continue  # the exporter's own small constants stay in the graph
        tensor.ClearField("raw_data")
        tensor.ClearField("float_data")
        tensor.data_location = TensorProto.EXTERNAL
        del tensor.external_data[:]
        entry = tensor.external_data.add()
        entry.key, entry.value = "location", "weights.safetensors"
        external += 1
    missing = params - {t.name for t in model.graph.initializer}
    unused = {p for p in missing if not p.endswith("num_batches_tracked")}
    if unused:
        raise SystemExit(f"{name}: parameters the graph does not take as they are: {sorted(unused)[:5]}")
    model.producer_name, model.producer_version = "lepton-desktop models/export_graphs.py", torch.__version__
    for key, value in {"lepton_graph": name, **metadata}.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    print(f"{name}: {external} parameters external, {len(model.graph.node)} nodes")
    return model.SerializeToString()


def _described(blob: bytes) -> str:
    """A graph as text: its nodes, inputs, outputs, parameter names and shapes, and its metadata."""
    import onnx

    model = onnx.load_from_string(blob)
    params = [(t.name, list(t.dims), t.data_type, t.data_location) for t in model.graph.initializer]
    props = sorted((p.key, p.value) for p in model.metadata_props)
    return f"{onnx.printer.to_text(model.graph)}\n{params}\n{props}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the written graphs instead of writing")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    stale = []
    for name in _networks():
        blob = export(name)
        path = OUT / f"{name}.onnx"
        if args.check:
            if not path.is_file() or _described(path.read_bytes()) != _described(blob):
                stale.append(path.name)
        else:
            path.write_bytes(blob)
    if stale:
        print(f"graphs out of date (run python models/export_graphs.py): {', '.join(stale)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
