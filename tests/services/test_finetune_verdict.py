"""Whether a fine-tuned version is worth using is said in one sentence, on the parent's own validation frames."""

from __future__ import annotations

from lepton_desktop.core.metrics import Evaluation
from lepton_desktop.services.finetune import better, verdict


def _scores(accuracy: float, macro_f1: float) -> Evaluation:
    return Evaluation(268, accuracy, macro_f1, {}, [])


def test_no_gain_says_keep_the_parent():
    same = _scores(0.358, 0.176)
    assert not better(same, _scores(0.358, 0.176)) and not better(same, _scores(0.36, 0.18))
    said = verdict(same, _scores(0.358, 0.176), 1, 4)
    assert said.startswith("Version 4 is no better than version 1 (macro-F1 0.176 → 0.176, accuracy 0.358 → 0.358 ")
    assert "on 268 validation frames): keep version 1 in use" in said


def test_a_gain_on_either_score_is_better():
    before = _scores(0.40, 0.30)
    assert better(before, _scores(0.45, 0.30)) and better(before, _scores(0.40, 0.31))
    assert not better(before, _scores(0.30, 0.20))
    assert verdict(before, _scores(0.45, 0.33), 1, 2).startswith("Version 2 reads the validation frames better")


def test_a_few_validation_frames_never_make_a_version_better():
    before, after = Evaluation(35, 0.40, 0.486, {}, []), Evaluation(35, 0.43, 0.500, {}, [])  # one frame
    assert not better(before, after)
    said = verdict(before, after, 1, 4)
    assert said.startswith("Too few validation frames to tell version 4 from version 1 (macro-F1 0.486 → 0.500")
    assert "one frame is 3% of accuracy): keep version 1 in use" in said and "at least 100 held out" in said
