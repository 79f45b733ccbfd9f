"""Check the PyTorch port of face-api.js's expression net against face-api.js itself.

    mkdir /tmp/faceapi-ref && cd /tmp/faceapi-ref && npm init -y
    npm install @tensorflow/tfjs@4.22.0 @vladmandic/face-api@1.7.15
    cd - && python models/verify_faceapi_port.py /tmp/faceapi-ref

Writes 64 uniform-noise RGB images, 64 smooth random ones and a few face crops
(FER+ validation faces when ../shared/data is present), runs them through
face-api.js's own `faceExpressionNet.forwardInput` on TensorFlow.js's CPU backend
in Node, and through `FaceApiExpressionNet` with models/expression_faceapi.safetensors.
Prints the largest absolute difference of the probabilities and fails above 1e-4;
``--keep tests/data/faceapi_tfjs_reference.npz`` stores 12 of the inputs and the
reference outputs, in face-api's own class order, for the test suite.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCRIPT = """
// face-api's Node build asks for tfjs-node (native); the pure-JavaScript tfjs CPU backend runs the same graph.
const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === '@tensorflow/tfjs-node' ? '@tensorflow/tfjs' : request, ...rest);
};
const fs = require('fs');
const tf = require('@tensorflow/tfjs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node.js');
(async () => {
  await tf.setBackend('cpu'); await tf.ready();
  const dir = 'node_modules/@vladmandic/face-api/model/';
  const manifest = JSON.parse(fs.readFileSync(dir + 'face_expression_model-weights_manifest.json'));
  const bin = fs.readFileSync(dir + 'face_expression_model.bin');
  const weights = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
                                      manifest[0].weights);
  faceapi.nets.faceExpressionNet.loadFromWeightMap(weights);
  const raw = fs.readFileSync(process.argv[2]);
  const n = raw.byteLength / (112 * 112 * 3 * 4);
  const x = tf.tensor4d(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), [n, 112, 112, 3]);
  const out = faceapi.nets.faceExpressionNet.forwardInput(await faceapi.toNetInput(tf.unstack(x)));
  fs.writeFileSync(process.argv[3], Buffer.from((await out.data()).buffer));
  console.log(`face-api ${faceapi.version}, tfjs ${tf.version.tfjs} (${tf.getBackend()}): ${n} inputs`);
})();
"""


def inputs() -> np.ndarray:
    """(N, 112, 112, 3) float32 RGB in 0..255."""
    rng = np.random.default_rng(2026)
    noise = rng.uniform(0, 255, (64, 112, 112, 3))
    smooth = np.cumsum(np.cumsum(rng.normal(0, 1, (64, 112, 112, 3)), axis=1), axis=2)
    smooth = 127.5 + 127.5 * smooth / np.abs(smooth).max(axis=(1, 2, 3), keepdims=True)
    batches = [noise, smooth]
    data = ROOT.parent / "shared" / "data" / "ferplus_train.npz"
    if data.is_file():
        import cv2

        faces = np.load(data)["images"][:16]
        big = [cv2.resize(f, (112, 112), interpolation=cv2.INTER_LINEAR) for f in faces]
        batches.append(np.repeat(np.asarray(big, np.float64)[..., None], 3, axis=3))
    return np.concatenate(batches).round().clip(0, 255).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("node_dir", type=Path, help="folder with tfjs and @vladmandic/face-api installed by npm")
    ap.add_argument("--keep", type=Path, help="write 12 inputs and reference outputs here (npz)")
    args = ap.parse_args()
    import torch
    from safetensors.torch import load_file

    from lepton_desktop.vision.faceapi import TO_OURS, FaceApiExpressionNet

    x = inputs()
    with tempfile.TemporaryDirectory() as tmp:
        script, src, dst = Path(args.node_dir) / "lepton_verify.cjs", Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        script.write_text(SCRIPT)
        src.write_bytes(x.tobytes())
        subprocess.run(["node", script.name, str(src), str(dst)], cwd=args.node_dir, check=True)
        raw = np.frombuffer(dst.read_bytes(), np.float32).reshape(len(x), 7)  # face-api's class order
    ref = raw[:, list(TO_OURS)]
    net = FaceApiExpressionNet()
    net.load_state_dict(load_file(str(ROOT / "models" / "expression_faceapi.safetensors")))
    with torch.inference_mode():
        ours = torch.softmax(net.eval()(torch.from_numpy(x).permute(0, 3, 1, 2))[1], 1).numpy()
    diff = float(np.abs(ours - ref).max())
    agree = float((ours.argmax(1) == ref.argmax(1)).mean())
    print(f"{len(x)} inputs: max |p_torch - p_tfjs| = {diff:.2e}, argmax agreement {agree:.3f}")
    if args.keep:
        pick = np.r_[0:2, 64:68, len(x) - 6 : len(x)]
        np.savez_compressed(args.keep, inputs=x[pick].round().astype(np.uint8), faceapi_order=raw[pick])
        print(f"kept {len(pick)} inputs in {args.keep}")
    if diff > 1e-4:
        raise SystemExit("the port differs from face-api.js")


if __name__ == "__main__":
    main()
