"""Reports from a real analysed and corrected project: the data, the HTML, the PDF, cancel, and clear refusals."""

from __future__ import annotations

import base64
import re

import cv2
import numpy as np
import pytest

from lepton_desktop.services.report import export_report
from lepton_desktop.services.report_build import build_report
from lepton_desktop.services.report_data import ReportError
from tests.reports import PERSON_1, PERSON_2, analysed_project

pytest.importorskip("skimage")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return analysed_project(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def report(study):
    clip, project = study
    steps = list(build_report(project, clip))
    assert [s.done for s in steps[:-1]] == list(range(1, len(steps)))  # one step each, in order
    assert steps[-1].state == "done" and steps[-1].report is not None
    return steps[-1].report


def test_the_data_say_what_the_project_holds(report, study):
    clip, _ = study
    (video,) = report.videos
    assert video.video.name == clip.name and video.video.frames == 40 and len(video.video.fingerprint) == 64
    assert video.settings["stride"] == 3 and video.model.weights_sha256 and video.model.card_summary
    one, two = video.people
    assert (one.name, two.name) == (PERSON_1, PERSON_2)
    assert one.frames_seen == 40 and one.model_share["happy"] == pytest.approx(1.0)
    # ben's corrections are newer: 0-9 happy, 10-39 sad decide
    assert one.corrected_share["happy"] == pytest.approx(0.25) and one.corrected_share["sad"] == pytest.approx(0.75)
    assert one.human_frames == 40 and one.dominant == "happy" and one.dominant_corrected == "sad"
    assert [(s.label, s.start_frame, s.end_frame, s.who) for s in one.human_segments] == [
        ("happy", 0, 9, "ben"),
        ("sad", 10, 39, "ben"),
    ]
    assert one.agreement is not None and one.agreement.kappa == pytest.approx(0.5)
    assert one.agreement.agreement == pytest.approx(0.75) and one.agreement.frames == 40
    assert two.agreement is None  # only ana labelled person 2 (ben's label was undone)
    assert two.corrected_share["surprise"] == pytest.approx(1.0)
    assert (one.review_status, two.review_status) == ("done", "not_started")
    facts = {a.name: a for a in video.annotators}
    assert (facts["ana"].corrections, facts["ana"].frames, facts["ana"].people) == (3, 80, 2)
    assert (facts["ben"].corrections, facts["ben"].frames, facts["ben"].undone) == (2, 40, 1)
    assert video.agreement is not None and video.agreement.kappa == pytest.approx(0.5)
    assert one.segments and one.segments[0].label == "happy" and one.segments[0].confidence > 0.5
    happy = [t for t in one.thumbnails if t.emotion == "happy"]
    assert len(happy) == 1 and happy[0].probability > 0.5
    face = cv2.imdecode(np.frombuffer(happy[0].png, np.uint8), cv2.IMREAD_COLOR)
    assert face.shape == (176, 176, 3) and face.std() > 10  # a picture, not a blank
    assert dict(report.provenance.packages)["reportlab"] not in ("", "unknown")


def _images(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_html_is_self_contained_with_every_section(study, tmp_path):
    clip, project = study
    out = tmp_path / "report.html"
    last = list(export_report(project, out, clip))[-1]
    assert last.state == "done" and last.written.path == out and last.written.bytes == out.stat().st_size
    html = out.read_text(encoding="utf-8")
    for heading in ("Summary", PERSON_1, "Strongest moments", "Segments (model)", "Human labels", "Corrections",
                    "Agreement", "Method and provenance", "Model card", "Software"):  # fmt: skip
        assert f">{heading}" in html, heading
    assert "Bo &amp; &lt;Co&gt;" in html and "<Co>" not in html  # names are text, never markup
    assert "Cohen&#x27;s kappa 0.50" in html and "ana &amp; ben" in html
    images = _images(html)
    assert len(images) == 2 * 2 + last.written.thumbnails  # share bars and timeline per person, then faces
    for png in images:
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and cv2.imdecode(np.frombuffer(png, np.uint8), 1) is not None
    assert not re.search(r"""(src|href)\s*=\s*(?!["']?data:)""", html, re.I)  # only embedded data
    assert not re.search(r"url\(|@import|<link|<script", html, re.I)
    assert "@media print" in html


def test_pdf_has_pages_names_and_kappa(study, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    clip, project = study
    out = tmp_path / "report.pdf"
    written = list(export_report(project, out, clip))[-1].written
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == written.pages >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert PERSON_1 in flat and PERSON_2 in flat
    assert "Cohen's kappa 0.50" in flat and "moderate agreement" in flat
    assert f"Page 1 of {written.pages}" in flat and written.pages and "Model card" in flat


def test_a_project_report_covers_every_video_and_names_the_unanalysed(study, tmp_path):
    from lepton_desktop.services.projects import add_videos
    from tests.faces import two_people_clip

    _clip, project = study
    copy = tmp_path / "project.lepton"
    copy.write_bytes(project.read_bytes())
    add_videos(copy, [two_people_clip(tmp_path / "later.mp4", 12)])
    out = tmp_path / "project.html"
    last = list(export_report(copy, out, all_videos=True))[-1]
    assert last.written.videos == 1 and last.written.people == 2
    html = out.read_text(encoding="utf-8")
    assert ">Overview<" in html and "Not analysed yet, so not in this report: later.mp4." in html


@pytest.mark.parametrize("stop_after", [0, 3, 17])
def test_cancel_stops_early_and_writes_nothing(study, tmp_path, stop_after):
    clip, project = study
    out = tmp_path / "stopped.pdf"
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > stop_after

    steps = list(export_report(project, out, clip, should_stop=should_stop))
    assert steps[-1].state == "cancelled" and steps[-1].written is None
    assert len(steps) == stop_after + 1  # no step ran after the stop
    assert list(tmp_path.iterdir()) == []  # no report, no temporary file


def test_an_old_report_survives_a_cancelled_one(study, tmp_path):
    clip, project = study
    out = tmp_path / "r.html"
    out.write_text("old", encoding="utf-8")
    list(export_report(project, out, clip, should_stop=lambda: True))
    assert out.read_text(encoding="utf-8") == "old"


def test_refusals_are_one_clear_sentence(study, tmp_path):
    from lepton_desktop.services.projects import add_videos
    from tests.faces import two_people_clip

    clip, project = study
    with pytest.raises(ReportError, match=r"end it in \.html or \.pdf"):
        list(export_report(project, tmp_path / "r.docx", clip))
    with pytest.raises(ReportError, match="does not exist"):
        list(export_report(project, tmp_path / "missing" / "r.pdf", clip))
    copy = tmp_path / "copy.lepton"
    copy.write_bytes(project.read_bytes())
    later = two_people_clip(tmp_path / "later.mp4", 12)
    add_videos(copy, [later])
    with pytest.raises(ReportError, match=r"later\.mp4 has no finished analysis in this project; run `lepton analyze"):
        list(export_report(copy, tmp_path / "r.pdf", later))
    with pytest.raises(ReportError, match="not both"):
        list(export_report(copy, tmp_path / "r.pdf", later, all_videos=True))
    assert not (tmp_path / "r.pdf").exists()


def test_a_run_with_facial_actions_reports_valence_arousal_and_the_most_active_actions(tmp_path):
    pytest.importorskip("mediapipe", reason="facial actions need mediapipe (README: pip install --no-deps)")
    from lepton_desktop.services.analysis import analyze_video, run_to_completion
    from lepton_desktop.services.samples import bundled_sample
    from lepton_desktop.vision.analyzer import AnalysisSettings

    project = tmp_path / "actions.lepton"
    run_to_completion(analyze_video(bundled_sample(), project=project, settings=AnalysisSettings(actions=True)))
    report = list(build_report(project, bundled_sample()))[-1].report
    person = report.videos[0].people[0]
    assert person.valence is not None and person.valence > 0.5  # smiling astronauts
    assert person.arousal is not None and 0.0 < person.arousal <= 1.0
    assert person.top_actions[0][0] in ("mouthSmileLeft", "mouthSmileRight")
    list(export_report(project, tmp_path / "r.html", bundled_sample()))
    html = (tmp_path / "r.html").read_text()
    assert "Valence, arousal and facial actions" in html and "Facial action: mouthSmile" in html
