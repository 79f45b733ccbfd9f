"""A background job's refusal (a LeptonError, said in words) is logged as a warning; a bug keeps its traceback."""

from __future__ import annotations

import logging

import pytest

from lepton_desktop.core.errors import LeptonError
from lepton_desktop.gui.worker import GeneratorWorker

pytestmark = pytest.mark.gui


def _job(error: Exception):
    def make(_should_stop):
        yield 1
        raise error

    return make


@pytest.mark.parametrize(
    "error,level,traceback_logged",
    [(LeptonError("The folder is not empty; choose another."), logging.WARNING, False),
     (ZeroDivisionError("division by zero"), logging.ERROR, True)],
)  # fmt: skip
def test_a_refusal_is_a_warning_and_a_bug_an_error_with_its_traceback(qtbot, caplog, error, level, traceback_logged):
    worker = GeneratorWorker(_job(error))
    said = []
    worker.failed.connect(lambda message, _details: said.append(message))
    with caplog.at_level(logging.INFO):
        worker.start()
        qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    assert said == [str(error)]
    (record,) = [r for r in caplog.records if "background job" in r.getMessage()]
    assert record.levelno == level and ("Traceback" in record.getMessage()) == traceback_logged
