"""`lepton analyze --actions` as a user runs it: 52 action columns plus valence and arousal, stored and exported."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from lepton_desktop.core.actions import ACTION_NAMES
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.services.samples import bundled_sample
from tests.cli.test_cli import lepton
from tests.photos import SKIP_REASON, Segment, expression_clip, photo_dir

HEADER = ["frame", "time_s", "track", "x", "y", "w", "h", *EMOTIONS, "valence", "arousal", *ACTION_NAMES]


def _read(path):
    with path.open() as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _column(body, name):
    k = HEADER.index(name)
    return np.array([float(r[k]) if r[k] else np.nan for r in body])


@pytest.mark.skipif(photo_dir() is None, reason=SKIP_REASON)
def test_actions_follow_the_expressions_and_reach_the_csv_and_the_dataset(tmp_path):
    clip, project, out = tmp_path / "faces.mp4", tmp_path / "p.lepton", tmp_path / "out.csv"
    spans = expression_clip(clip, [Segment("happy", 24), Segment("surprise", 24), Segment("angry", 24)])
    result = lepton("analyze", clip, "--project", project, "--csv", out, "--device", "cpu", "--actions")
    assert result.returncode == 0, result.stderr
    assert "W0000" not in result.stderr and "XNNPACK" not in result.stderr  # MediaPipe's set-up chatter stays out
    header, body = _read(out)
    assert header == HEADER
    frames = np.array([int(r[0]) for r in body])
    seg = {label: (frames >= a) & (frames <= b) for a, b, label in spans}
    found = ~np.isnan(_column(body, "jawOpen"))
    assert found.mean() > 0.9
    smile = (_column(body, "mouthSmileLeft") + _column(body, "mouthSmileRight")) / 2
    jaw, valence, arousal = _column(body, "jawOpen"), _column(body, "valence"), _column(body, "arousal")
    mean = {label: lambda v, m=m: float(np.nanmean(v[m])) for label, m in seg.items()}
    assert mean["happy"](smile) > 0.4 and mean["happy"](smile) > 4 * mean["angry"](smile)
    assert mean["surprise"](jaw) > 0.25 and mean["surprise"](jaw) > 4 * mean["angry"](jaw)
    assert mean["happy"](valence) > 0.3 and mean["happy"](valence) > mean["angry"](valence) + 0.3
    assert np.nanmin(arousal) >= 0 and np.nanmax(arousal) <= 1
    assert np.all((np.nan_to_num(valence) >= -1) & (np.nan_to_num(valence) <= 1))

    # the project keeps them: a correction, then a dataset export carries the actions
    first, last, _ = spans[0]
    result = lepton("correct", "--project", project, "--video", clip, "--track", 1, "--start", first, "--end", last,
                    "--label", "happy", "--annotator", "ana")  # fmt: skip
    assert result.returncode == 0, result.stderr
    dataset = tmp_path / "ds"
    result = lepton("export", dataset, "--project", project, "--stride", 4)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["action_names"] == list(ACTION_NAMES)
    lines = [json.loads(line) for line in (dataset / "metadata.jsonl").read_text().splitlines()]
    assert lines and all(len(line["actions"]) == 52 for line in lines)
    smiles = [line["actions"][ACTION_NAMES.index("mouthSmileLeft")] for line in lines]
    assert np.mean([s for s in smiles if s is not None]) > 0.4
    split = lines[0]["split"]
    with np.load(dataset / "model_input" / f"{split}.npz") as data:
        assert data["actions"].shape == (data["crops"].shape[0], 52)
    (sequence, *_) = sorted((dataset / "sequences").rglob("*.npz"))
    with np.load(sequence) as data:
        assert data["actions"].shape == (data["frames"].shape[0], 52)


def test_the_bundled_sample_has_actions_for_every_face(tmp_path):
    out = tmp_path / "sample.csv"
    result = lepton("analyze", "--project", tmp_path / "p.lepton", "--csv", out, "--device", "cpu", "--actions")
    assert result.returncode == 0, result.stderr
    header, body = _read(out)
    assert header == HEADER and len(body) > 200
    assert np.mean([r[HEADER.index("jawOpen")] != "" for r in body]) > 0.9
    values = np.array([[float(v) for v in r[HEADER.index("_neutral") :]] for r in body if r[-1] != ""])
    assert values.min() >= 0 and values.max() <= 1
    assert str(bundled_sample()) in result.stdout


def test_without_actions_the_csv_keeps_its_columns(tmp_path):
    out = tmp_path / "plain.csv"
    result = lepton("analyze", "--project", tmp_path / "p.lepton", "--csv", out, "--device", "cpu", "--stride", "5")
    assert result.returncode == 0, result.stderr
    header, _ = _read(out)
    assert header == HEADER[: 7 + len(EMOTIONS)]
