from datetime import UTC, datetime, timedelta

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.labels import UNLABELLED, training_labels
from lepton_desktop.core.records import Correction

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def corr(i, start, end, label, who, origin="human", undone=False):
    return Correction(i, 1, 1, start, end, label, who, origin, T0 + timedelta(seconds=i), T0 if undone else None)


def test_one_annotator_newer_wins_and_undone_is_ignored():
    got = training_labels(
        [corr(1, 0, 9, "happy", "ann"), corr(2, 5, 6, "sad", "ann"), corr(3, 0, 2, "angry", "ann", undone=True)], 12
    )
    assert got.labels[:5].tolist() == [EMOTIONS.index("happy")] * 5
    assert got.labels[5:7].tolist() == [EMOTIONS.index("sad")] * 2
    assert got.labels[10] == UNLABELLED and got.annotators[0] == "ann" and got.origins[0] == "human"
    assert got.conflicts == 0


def test_disagreeing_annotators_leave_frames_out_agreeing_ones_are_joined():
    got = training_labels([corr(1, 0, 9, "happy", "ann"), corr(2, 5, 14, "sad", "bob", origin="accepted")], 20)
    assert got.labels[0] == EMOTIONS.index("happy") and got.annotators[0] == "ann"
    assert (got.labels[5:10] == UNLABELLED).all() and got.conflicts == 5
    assert got.labels[12] == EMOTIONS.index("sad") and got.origins[12] == "accepted"
    both = training_labels([corr(1, 0, 3, "happy", "ann"), corr(2, 0, 3, "happy", "bob")], 4)
    assert both.annotators[0] == "ann+bob" and both.conflicts == 0
