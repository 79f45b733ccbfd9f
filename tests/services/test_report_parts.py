"""The report's pieces by hand-computed cases: shares, segments, peaks, annotators, crops, figures, words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.predictions import TrackPredictions
from lepton_desktop.core.records import Correction
from lepton_desktop.services import report_people as people
from lepton_desktop.services import report_text as say
from lepton_desktop.services.report_faces import face_png
from lepton_desktop.services.report_figures import share_png, timeline_png
from lepton_desktop.services.report_provenance import card_summary, project_label

H, S, N = EMOTIONS.index("happy"), EMOTIONS.index("sad"), EMOTIONS.index("neutral")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _probs(labels: list[int], top: float = 0.8) -> np.ndarray:
    out = np.full((len(labels), 7), (1 - top) / 6, np.float32)
    out[np.arange(len(labels)), labels] = top
    return out


def _correction(i: int, start: int, end: int, label: str, who: str, undone: bool = False) -> Correction:
    return Correction(i, 1, 1, start, end, label, who, "human", T0 + timedelta(seconds=i), T0 if undone else None)


def test_per_frame_shares_and_corrected_labels():
    pred = TrackPredictions(np.array([2, 3, 4, 5], np.int32), np.zeros((4, 4), np.float32), _probs([H, H, H, S]))
    probs, model = people.per_frame(pred, 8)
    assert np.isnan(probs[[0, 1, 6, 7]]).all() and model.tolist() == [-1, -1, H, H, H, S, -1, -1]
    assert people.shares(model)["happy"] == pytest.approx(0.75) and people.shares(model)["sad"] == pytest.approx(0.25)
    human = np.array([S, S, S, -1, -1, -1, -1, N], np.int8)  # frames 0, 1, 7 are not seen: they do not count
    after = people.corrected(model, human)
    assert after.tolist() == [-1, -1, S, H, H, S, -1, -1]
    assert people.shares(after)["sad"] == pytest.approx(0.5)
    assert people.shares(np.full(3, -1, np.int8)) == dict.fromkeys(EMOTIONS, 0.0)


def test_model_segments_leave_out_flicker_and_say_how_many():
    labels = np.array([H] * 10 + [S] * 2 + [H] * 8, np.int8)  # at 10 fps: 1.0 s, 0.2 s, 0.8 s
    probs = _probs(labels.tolist())
    times = np.arange(20) / 10.0
    rows, left_out = people.model_segments(labels, probs, times, 2.0)
    assert [(r.label, r.start_frame, r.end_frame) for r in rows] == [("happy", 0, 9), ("happy", 12, 19)]
    assert left_out == 1 and rows[1].end_s == pytest.approx(2.0) and rows[0].confidence == pytest.approx(0.8)


def test_human_segments_name_who_decides_and_annotators_count_their_frames():
    ana = [_correction(1, 0, 9, "happy", "ana"), _correction(2, 5, 9, "sad", "ana")]
    ben = [_correction(3, 8, 11, "sad", "ben"), _correction(4, 0, 3, "fear", "ben", undone=True)]
    times = np.arange(12) / 4.0
    rows = people.human_segments([*ana, *ben], 12, times, 3.0)
    assert [(r.label, r.start_frame, r.end_frame, r.who) for r in rows] == [
        ("happy", 0, 4, "ana"),
        ("sad", 5, 11, "ana, ben"),
    ]
    facts = {a.name: a for a in people.annotator_facts({1: [*ana, ben[0]]}, [ben[1]], 12)}
    assert (facts["ana"].corrections, facts["ana"].frames, facts["ana"].undone) == (2, 10, 0)
    assert (facts["ben"].corrections, facts["ben"].frames, facts["ben"].undone) == (1, 4, 1)


def test_peaks_per_emotion_skip_emotions_never_shown():
    probs = np.full((5, 7), np.nan, np.float32)
    probs[1:4] = _probs([H, S, H], top=0.9)
    probs[3, H] = 0.95
    peaks = people.peak_frames(probs, 0.2)
    assert peaks == [("happy", 3, pytest.approx(0.95)), ("sad", 2, pytest.approx(0.9))]


def test_face_crop_is_square_centred_and_padded_at_the_edge():
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[40:60, 90:110] = (255, 0, 0)  # a red "face" in the middle
    crop = cv2.imdecode(np.frombuffer(face_png(frame, np.array([90, 40, 20, 20]), side=56), np.uint8), 1)
    assert crop.shape == (56, 56, 3)
    assert tuple(crop[28, 28]) == (0, 0, 255)  # BGR: red in the centre
    edge = cv2.imdecode(np.frombuffer(face_png(frame, np.array([-10, -10, 20, 20]), side=56), np.uint8), 1)
    assert tuple(edge[2, 2]) == (236, 236, 236)  # outside the frame: the pad colour


def test_figures_are_pngs_and_long_videos_are_binned():
    n = 20_000
    times = np.arange(n) / 30.0
    probs = _probs([H] * n)
    probs[:500] = np.nan
    model = np.where(np.isnan(probs[:, 0]), -1, H).astype(np.int8)
    png = timeline_png(times, probs, model, np.full(n, -1, np.int8), n / 30.0)
    image = cv2.imdecode(np.frombuffer(png, np.uint8), 1)
    assert image.shape[1] == 1520 and image.shape[0] > 400
    bars = cv2.imdecode(np.frombuffer(share_png([("model", {"happy": 0.7, "sad": 0.3})]), np.uint8), 1)
    assert bars.shape[1] == 1520


def test_words_for_times_shares_kappa_and_settings():
    assert (say.duration(2.44), say.duration(185), say.duration(3723)) == ("2.4 s", "3:05 min", "1:02:03 h")
    assert (say.stamp(7.44), say.stamp(3723.46)) == ("0:07.4", "1:02:03.5")
    assert (say.pct(0), say.pct(0.001), say.pct(0.725)) == ("–", "<1%", "72%")
    assert [say.kappa_reading(k) for k in (-0.1, 0.0, 0.1, 0.3, 0.5, 0.7, 0.9)] == [
        "poor", "no", "slight", "fair", "moderate", "substantial", "almost perfect"
    ]  # fmt: skip
    assert say.setting_rows({"stride": 3, "new_knob": 1}) == [
        ["Face detection", "every 3 frames (tracking fills the frames between)"],
        ["new knob", "1"],
    ]
    assert (
        project_label("postgresql+psycopg://me:secret@db.example/lepton")
        == "postgresql+psycopg://me:***@db.example/lepton"
    )


def test_model_card_summary_reads_the_shipped_card():
    from lepton_desktop.core.paths import bundled_dir

    title, summary, facts = card_summary(bundled_dir("models") / "expression_resnet.md")
    assert title == "expression_resnet" and "trained by this project" in summary
    assert {"Architecture", "Data", "Licence"} <= {k for k, _ in facts}
    assert all("`" not in v and len(v) <= 420 for _, v in facts)
