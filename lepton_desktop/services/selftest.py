"""``lepton-desktop --self-test``: prove an installation works, headless and offline.

Analyses the bundled sample with the bundled weights into a project in a
temporary folder, checks the result and the project, writes a PDF report of it
(figures, fonts, the PDF engine), and reports as JSON.
Nothing is written outside the temporary folder and the user's own folders.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from lepton_desktop import __version__
from lepton_desktop.core.emotions import EMOTIONS
from lepton_desktop.services.analysis import analyze_video, load_run_rows, run_to_completion
from lepton_desktop.services.report import export_report
from lepton_desktop.services.samples import bundled_sample
from lepton_desktop.store import open_project

SAMPLE_PEOPLE = 2
"""The bundled sample shows two people (the astronaut and her mirror image, who joins later)."""


def run_self_test() -> dict[str, Any]:
    """Run the checks; ``ok`` is True only if every one passed."""
    started = time.perf_counter()
    checks: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="lepton-self-test-") as tmp:
        project = Path(tmp) / "self-test.lepton"
        sample = bundled_sample()
        checks["sample"] = str(sample)
        last = run_to_completion(analyze_video(sample, project=project, device="auto"))
        with open_project(project) as proj:
            rows = load_run_rows(proj, last.run_id)
            integrity = proj.integrity_check()
            runs = len(proj.runs.list_runs())
        report = list(export_report(project, Path(tmp) / "self-test.pdf", sample))[-1].written  # figures, fonts, PDF
        dominant = EMOTIONS[int(np.bincount(rows.probs.argmax(1), minlength=7).argmax())] if rows is not None else None
        checks.update(
            {
                "state": last.state,
                "frames": last.total,
                "people": len(last.track_ids),
                "face_rows": 0 if rows is None else len(rows),
                "dominant": dominant,
                "device": last.device,
                "fps": round(last.fps, 1),
                "project_integrity": integrity,
                "project_runs": runs,
                "report_pages": None if report is None else report.pages,
            }
        )
    ok = (
        checks["state"] == "done"
        and checks["people"] == SAMPLE_PEOPLE
        and checks["face_rows"] > 0.8 * checks["frames"]
        and checks["dominant"] == "happy"
        and checks["project_integrity"] == "ok"
        and checks["project_runs"] == 1
        and (checks["report_pages"] or 0) >= 2
    )
    return {
        "ok": ok,
        "version": __version__,
        "frozen": bool(getattr(sys, "frozen", False)),
        "python": sys.version.split()[0],
        "seconds": round(time.perf_counter() - started, 2),
        "checks": checks,
    }
