"""The review queue's rules on hand-made cases: each reason found where it should be, and only there."""

from __future__ import annotations

import numpy as np

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.review import PersonEvidence, ReviewThresholds, build_queue, counts, spans

HAPPY, SAD, NEUTRAL = EMOTIONS.index("happy"), EMOTIONS.index("sad"), EMOTIONS.index("neutral")


def confident(n, label=HAPPY, p=0.9):
    probs = np.full((n, 7), (1 - p) / 6, np.float32)
    probs[:, label] = p
    return probs


def labels(n, ranges):
    out = np.full(n, -1, np.int8)
    for first, last, k in ranges:
        out[first : last + 1] = k
    return out


def test_spans_join_short_gaps():
    mask = np.zeros(20, bool)
    mask[[2, 3, 4, 7, 8, 15]] = True
    assert spans(mask) == [(2, 4), (7, 8), (15, 15)]
    assert spans(mask, bridge=2) == [(2, 8), (15, 15)]


def test_a_confident_fully_corrected_reviewed_person_needs_nothing():
    ev = PersonEvidence(confident(100), {"ana": labels(100, [(0, 99, HAPPY)])}, review_done=True)
    assert build_queue({1: ev}) == []


def test_low_confidence_is_found_where_the_top_probability_drops():
    probs = confident(100)
    probs[30:50] = 1 / 7  # flat: low top and maximal entropy
    items = build_queue({1: PersonEvidence(probs, {}, review_done=True)})
    assert [(i.reason, i.first, i.last) for i in items] == [("low_confidence", 30, 49)]
    assert items[0].score > 0.8 and "0.14" in items[0].detail


def test_flicker_needs_several_changes_within_the_window():
    probs = confident(200)
    for f in range(60, 80, 4):  # happy/sad alternating every 2 frames for 20 frames
        probs[f : f + 2] = confident(2, SAD)
    probs[150:170] = confident(20, SAD)  # one clean change and back: not flicker
    items = build_queue({1: PersonEvidence(probs, {}, review_done=True)})
    [item] = items
    assert item.reason == "flicker" and 50 <= item.first <= 62 and 76 <= item.last <= 92
    assert "happy, sad" in item.detail


def test_annotators_disagree_on_the_frames_both_labelled_however_short():
    n = 100
    ev = PersonEvidence(
        confident(n),
        {"bo": labels(n, [(10, 60, SAD)]), "cy": labels(n, [(40, 42, HAPPY), (43, 90, SAD)])},
        review_done=True,
    )
    items = build_queue({1: ev})
    assert [(i.reason, i.first, i.last, i.detail) for i in items] == [("annotators", 40, 42, "bo: sad, cy: happy")]


def test_model_versions_disagree_and_rank_above_low_confidence():
    n = 100
    probs = confident(n)
    probs[80:95] = 1 / 7
    other = np.full(n, HAPPY, np.int8)
    other[10:30] = NEUTRAL
    ev = PersonEvidence(probs, {}, other_model=other, other_name="v2", review_done=True)
    items = build_queue({1: ev})
    assert [(i.reason, i.first, i.last) for i in items][:1] == [("models", 10, 29)]
    assert items[0].detail == "shown: happy, v2: neutral"
    assert counts(items)["low_confidence"] == 1


def test_unreviewed_is_what_no_correction_covers_until_the_review_is_done():
    n = 100
    probs = confident(n)
    probs[:20] = np.nan  # not seen
    ev = PersonEvidence(probs, {"ana": labels(n, [(20, 59, HAPPY)])})
    items = build_queue({1: ev})
    assert [(i.reason, i.first, i.last) for i in items] == [("unreviewed", 60, 99)]
    ev.review_done = True
    assert build_queue({1: ev}) == []


def test_corrected_or_marked_stretches_leave_the_queue():
    probs = confident(100)
    probs[30:50] = 1 / 7
    corrected = PersonEvidence(probs, {"ana": labels(100, [(30, 49, SAD)])}, review_done=True)
    assert build_queue({1: corrected}) == []
    marked = PersonEvidence(probs, {}, review_done=True, marks=[(28, 52, "low_confidence")])
    assert build_queue({1: marked}) == []
    other_reason = PersonEvidence(probs, {}, review_done=True, marks=[(28, 52, "flicker")])
    assert len(build_queue({1: other_reason})) == 1


def test_thresholds_change_what_is_listed():
    probs = confident(100, p=0.6)
    ev = PersonEvidence(probs, {}, review_done=True)
    assert build_queue({1: ev}) == []
    assert [i.reason for i in build_queue({1: ev}, ReviewThresholds(low_top=0.7))] == ["low_confidence"]
    probs[10:14] = 1 / 7
    assert build_queue({1: PersonEvidence(probs, {}, review_done=True)}, ReviewThresholds(min_frames=5)) == []


def test_a_clip_shorter_than_the_flicker_window_is_one_window():
    probs = confident(10)
    probs[[2, 4, 6, 8]] = confident(4, SAD)
    items = build_queue({1: PersonEvidence(probs, {}, review_done=True)}, ReviewThresholds(min_frames=5))
    assert [i.reason for i in items] == ["flicker"]
    assert (
        build_queue({1: PersonEvidence(confident(3), {}, review_done=True)}, ReviewThresholds(flicker_window=1000))
        == []
    )
