"""models/train_expression.py: the vote mapping, and a stopped run resumes to the same weights."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "ferplus_train.npz"
sys.path.insert(0, str(ROOT / "models"))

from training.data import CLASSES, load_faces, split, vote_matrix  # noqa: E402


def test_votes_map_by_name_and_unclassifiable_faces_are_left_out(tmp_path):
    columns = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF"]
    votes = np.array(
        [
            [0, 8, 0, 0, 0, 0, 0, 2, 0, 0],  # happy, two contempt votes dropped
            [0, 0, 0, 0, 3, 3, 0, 0, 4, 0],  # angry/disgust tie; 4 unknown: kept (6 of 10 are ours)
            [0, 0, 0, 0, 0, 0, 0, 0, 3, 7],  # not a face: left out
            [1, 0, 0, 0, 0, 0, 4, 5, 0, 0],  # half contempt: left out
        ],
        np.uint8,
    )
    mapped = vote_matrix(votes, columns)
    assert mapped[0, CLASSES.index("happy")] == 8 and mapped[1, CLASSES.index("disgust")] == 3
    path = tmp_path / "faces.npz"
    np.savez(path, images=np.zeros((4, 48, 48), np.uint8), votes=votes, vote_columns=np.array(columns),
             names=np.array([f"f{i}" for i in range(4)]), fer2013_label=np.array([3, 1, 6, 2], np.int8),
             fer2013_classes=np.array(CLASSES))  # fmt: skip
    faces, counts = load_faces(path, original_weight=0.25)
    assert counts == {"faces": 4, "kept": 2, "left_out": 2}
    assert np.allclose(faces.targets.sum(1), 1)
    assert faces.targets[0, CLASSES.index("happy")] == pytest.approx(1.0)
    assert faces.targets[1, CLASSES.index("disgust")] == pytest.approx(0.75 * 0.5 + 0.25)
    train, val = split(faces, 0.5, 0)
    assert sorted([*train, *val]) == [0, 1]


needs_data = pytest.mark.skipif(
    not DATA.is_file(), reason=f"training data not found at {DATA} (shared/data beside the checkout)"
)


def _train(out: Path, epochs: int, *extra: str) -> None:
    """A tiny real run of models/train_expression.py (256 faces, a narrow net), as a person types it."""
    cmd = [sys.executable, str(ROOT / "models" / "train_expression.py"), "--out", str(out), "--epochs", str(epochs),
           "--limit", "256", "--batch", "64", "--widths", "8,8,16,16", *extra]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)


@needs_data
@pytest.mark.parametrize("precision", [[], ["--bf16"]], ids=["float32", "bf16"])
def test_a_stopped_run_resumes_to_the_same_weights(tmp_path, precision):
    def train(out, *extra):
        _train(out, 2, *precision, *extra)

    train(tmp_path / "whole")
    train(tmp_path / "parts", "--max-minutes", "0.0001")  # stops after the first epoch
    assert not (tmp_path / "parts" / "expression_resnet.safetensors").exists()
    assert len((tmp_path / "parts" / "log.jsonl").read_text().splitlines()) == 1
    train(tmp_path / "parts")
    a = load_file(str(tmp_path / "whole" / "expression_resnet.safetensors"))
    b = load_file(str(tmp_path / "parts" / "expression_resnet.safetensors"))
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
    card = (tmp_path / "parts" / "card.md").read_text()
    assert "## Validation" in card
    assert ("bf16" in card) == bool(precision)  # the card's command says how it was trained


def test_class_weights_favour_rare_expressions():
    from train_expression import class_weights

    targets = np.zeros((100, len(CLASSES)), np.float32)
    targets[:70, CLASSES.index("happy")] = 1
    targets[70:71, CLASSES.index("disgust")] = 1
    targets[71:, CLASSES.index("neutral")] = 1
    assert np.allclose(class_weights(targets, 0.0).numpy(), 1.0)
    w = dict(zip(CLASSES, class_weights(targets, 0.5).tolist(), strict=True))
    assert w["disgust"] > w["neutral"] > w["happy"]
    assert w["disgust"] / w["happy"] == pytest.approx((70 / 1) ** 0.5, rel=1e-4)


@needs_data
def test_a_run_can_start_from_earlier_weights_learn_from_a_teacher_and_its_card_says_so(tmp_path):
    def train(out, *extra):
        _train(out, 1, *extra)

    train(tmp_path / "first")
    first = tmp_path / "first" / "expression_resnet.safetensors"
    train(tmp_path / "second", "--init", str(first), "--class-power", "0.5", "--lr", "1e-9",
          "--teacher", str(first), "--teacher-weight", "0.4")  # fmt: skip
    a, b = load_file(str(first)), load_file(str(tmp_path / "second" / "expression_resnet.safetensors"))
    conv = "stem.0.weight"
    assert conv in a and (a[conv] - b[conv]).abs().max() < 1e-3  # a near-zero learning rate keeps the start
    card = (tmp_path / "second" / "card.md").read_text()
    assert f"Started from `{first}`" in card and "Class weights (share of the targets ** -0.5)" in card
    assert f"Distilled: 0.4 of each target is the mean mirror-averaged probabilities of `{first}`" in card
    taught = np.load(tmp_path / "second" / "teacher.npy")
    assert taught.shape == (256, len(CLASSES)) and np.allclose(taught.sum(1), 1, atol=1e-5)
    import torch
    from training.augment import to_model

    from lepton_desktop.vision.weights import load_emotion_model

    faces, _ = load_faces(DATA)
    images = torch.from_numpy(faces.subset(split(faces, 0.1, 0)[0][:256]).images)
    teacher = load_emotion_model(first).cnn  # its file says mirror: it reads each face both ways
    with torch.inference_mode():
        expected = torch.softmax(teacher(to_model(images, 64))[1], dim=1).numpy()
    assert np.abs(taught - expected).max() < 1e-4  # the teacher's own readings of these very faces
    from safetensors import safe_open

    with safe_open(str(tmp_path / "second" / "expression_resnet.safetensors"), "pt") as f:
        assert f.metadata()["mirror"] == "1"  # the app reads each face and its mirror image, as validation did


def test_widening_keeps_what_the_net_computes_and_a_run_can_start_wider():
    import torch
    from training.widen import widen

    from lepton_desktop.vision.resnet import ExpressionResNet

    torch.manual_seed(0)
    narrow = ExpressionResNet().eval()
    with torch.no_grad():  # trained-looking batch-norm statistics, not the fresh 0 and 1
        for module in narrow.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
    widths = (36, 72, 144, 288)
    wide = ExpressionResNet(widths=widths).eval()
    wide.load_state_dict(widen(narrow.state_dict(), widths, noise=0.0))
    x = torch.rand(16, 1, 64, 64) * 2 - 1
    with torch.inference_mode():
        (ea, la), (eb, lb) = narrow(x), wide(x)
    assert torch.allclose(la, lb, atol=1e-4) and torch.allclose(ea, eb, atol=1e-4)
    jittered = widen(narrow.state_dict(), widths, noise=0.01)  # the copies can learn apart
    assert not torch.equal(jittered["embed.weight"], widen(narrow.state_dict(), widths, noise=0.0)["embed.weight"])
    with pytest.raises(ValueError, match="can only widen"):
        widen(wide.state_dict(), (24, 48, 96, 192))


@needs_data
def test_a_run_starts_from_narrower_weights_by_widening_them(tmp_path):
    _train(tmp_path / "narrow", 1)
    start = tmp_path / "narrow" / "expression_resnet.safetensors"
    _train(tmp_path / "wide", 1, "--init", str(start), "--widths", "12,12,24,24", "--lr", "1e-9")
    narrow = load_file(str(start))
    wide = load_file(str(tmp_path / "wide" / "expression_resnet.safetensors"))
    assert wide["stem.0.weight"].shape[0] == 12 and wide["embed.weight"].shape[1] == 24
    # a near-zero learning rate keeps the start: the first filters are the narrow net's, the new ones copies of them
    first, added = wide["stem.0.weight"][:8], wide["stem.0.weight"][8:]
    assert (first - narrow["stem.0.weight"]).abs().max() < 1e-5
    assert all(min((row - old).abs().max() for old in narrow["stem.0.weight"]) < 1e-5 for row in added)
