"""A project worth a report: two people analysed, corrected by two annotators, one person reviewed.

Both people are seen (and scored happy) on all 40 frames. Person 1: ana labels 0-39 happy, then
20-39 sad; ben (later) labels 0-9 happy and 10-39 sad, so the resolved labels (newest wins) are
10 happy + 30 sad frames, and ana and ben agree on 30 of 40 frames (kappa 0.5). Person 2: ana labels
0-39 surprise; ben's angry 0-5 is undone.
"""

from __future__ import annotations

from pathlib import Path

from lepton_desktop.services.analysis import analyze_video, run_to_completion
from lepton_desktop.services.corrections import add_correction, find_track, find_video
from lepton_desktop.store import open_project
from tests.faces import two_people_clip

PERSON_1 = "Ana Lucía Ørsted"
PERSON_2 = "Bo & <Co>"


def analysed_project(folder: Path) -> tuple[Path, Path]:
    """(clip, project) in ``folder``."""
    clip, project = folder / "two.mp4", folder / "study.lepton"
    two_people_clip(clip, 40)
    run_to_completion(analyze_video(clip, project=project))
    with open_project(project) as proj:
        video = find_video(proj, clip)
        one, two = find_track(proj, video.id, 1), find_track(proj, video.id, 2)
        add_correction(proj, one, 0, 39, "happy", "ana")
        add_correction(proj, one, 20, 39, "sad", "ana")
        add_correction(proj, one, 0, 9, "happy", "ben")
        add_correction(proj, one, 10, 39, "sad", "ben")
        add_correction(proj, two, 0, 39, "surprise", "ana")
        proj.corrections.tombstone(add_correction(proj, two, 0, 5, "angry", "ben").id)
        proj.runs.rename_track(one.id, PERSON_1)
        proj.runs.rename_track(two.id, PERSON_2)
        proj.runs.set_review(one.id, "done", "ana")
    return clip, project
