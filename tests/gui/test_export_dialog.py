"""Learning > Export dataset offers the annotators whose labels it would export, and how many each made."""

from __future__ import annotations

import pytest

from lepton_desktop.gui.learning import ExportDialog
from lepton_desktop.store import open_project
from tests.store.helpers import video_info

pytestmark = pytest.mark.gui


def test_an_annotator_whose_only_label_was_undone_is_not_offered(qtbot, tmp_path):
    path = tmp_path / "p.lepton"
    with open_project(path, create=True) as proj:
        video, _ = proj.videos.add(video_info("/videos/a.mp4"), "f" * 64)
        run = proj.runs.start(video.id, {"stride": 3})
        track = proj.runs.add_track(run.id, 1, 0, 99)
        proj.corrections.add(track.id, 0, 9, "happy", "Ana")
        proj.corrections.add(track.id, 10, 19, "sad", "Ana")
        undone = proj.corrections.add(track.id, 0, 5, "fear", "Newcomer Nina")
        proj.corrections.tombstone(undone.id)
    dialog = ExportDialog(path)
    qtbot.addWidget(dialog)
    offered = [dialog.annotators.item(i).text() for i in range(dialog.annotators.count())]
    assert offered == ["Ana (2 corrections)"]
