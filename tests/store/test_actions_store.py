"""Facial actions stored with the predictions (schema 0005): compact, exact enough, and optional."""

from __future__ import annotations

import numpy as np
from alembic import command
from sqlalchemy import create_engine

from lepton_desktop.core.predictions import TrackPredictions
from lepton_desktop.store import open_project
from lepton_desktop.store.database import alembic_config
from lepton_desktop.store.runs import CHUNK_FRAMES
from tests.store.helpers import video_info


def _block(first: int, n: int, actions: bool, seed: int = 0) -> TrackPredictions:
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.ones(7), n).astype(np.float32)
    acts = rng.uniform(0, 1, (n, 52)).astype(np.float32) if actions else None
    if acts is not None:
        acts[::7] = np.nan  # no face found in the crop
    return TrackPredictions(np.arange(first, first + n, dtype=np.int32), np.ones((n, 4), np.float32), probs, None, acts)


def _track(project):
    video, _ = project.videos.add(video_info(frames=20000), "f" * 64)
    run = project.runs.start(video.id, {"stride": 3})
    return project.runs.add_track(run.id, 1, 0, 0).id


def test_actions_round_trip_as_float16_across_chunks(project):
    track = _track(project)
    block = _block(0, CHUNK_FRAMES + 100, actions=True)
    project.runs.append_predictions(track, block)
    back = project.runs.predictions(track)
    assert back.actions is not None and back.actions.shape == (len(block), 52)
    assert np.array_equal(np.isnan(back.actions), np.isnan(block.actions))
    np.testing.assert_allclose(back.actions, block.actions, atol=5e-4)  # float16: 104 bytes a face
    np.testing.assert_array_equal(back.probs, block.probs)


def test_runs_without_actions_read_back_none(project):
    track = _track(project)
    project.runs.append_predictions(track, _block(0, 50, actions=False))
    assert project.runs.predictions(track).actions is None


def test_a_project_from_before_actions_opens_and_keeps_its_predictions(tmp_path):
    path = tmp_path / "old.lepton"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0004")
    engine.dispose()
    with open_project(path) as proj:  # upgraded to 0005 in place
        track = _track(proj)
        proj.runs.append_predictions(track, _block(0, 30, actions=False))
        proj.runs.append_predictions(track, _block(30, 30, actions=True))
        mixed = proj.runs.predictions(track)
    assert len(mixed) == 60 and mixed.actions is None  # only part of the track has actions: none are shown
