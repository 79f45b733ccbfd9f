import numpy as np
import pytest

from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.core.metrics import evaluate

A, H, S = EMOTIONS.index("angry"), EMOTIONS.index("happy"), EMOTIONS.index("sad")


def test_hand_computed_case():
    truth = np.array([A, A, A, H, H, -1])
    guess = np.array([A, S, S, H, A, H])
    ev = evaluate(truth, guess)
    assert ev.frames == 5
    assert ev.accuracy == pytest.approx(2 / 5)
    # angry: tp 1, predicted 2, support 3 -> p 1/2, r 1/3, f1 0.4; happy: tp 1, predicted 1, support 2 -> f1 2/3
    assert ev.macro_f1 == pytest.approx((0.4 + 2 / 3) / 2)
    assert ev.per_class_recall["angry"] == pytest.approx(1 / 3)
    assert ev.per_class_recall["happy"] == pytest.approx(0.5)
    assert ev.per_class_recall["sad"] is None
    assert ev.confusion[A][S] == 2 and ev.confusion[H][A] == 1 and sum(map(sum, ev.confusion)) == 5
    doc = ev.to_json()
    assert set(doc) >= {"accuracy", "macro_f1", "per_class_recall", "confusion"}


def test_empty_and_perfect():
    assert evaluate(np.zeros(0, int), np.zeros(0, int)).accuracy == 0.0
    ev = evaluate(np.array([H, H, A]), np.array([H, H, A]))
    assert ev.accuracy == 1.0 and ev.macro_f1 == 1.0
