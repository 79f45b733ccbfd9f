"""analyze_batch on a real local Ray: the rows analyze_video stores, a bad file, resume, a killed worker, stop."""

from __future__ import annotations

import os
import signal
import socket

import pytest

from lepton_desktop.services.analysis import analyze_video, run_to_completion
from lepton_desktop.services.batch import analyze_batch
from lepton_desktop.services.batch_inputs import BatchInputError, expand_inputs
from lepton_desktop.store import open_project
from lepton_desktop.vision.analyzer import AnalysisSettings
from tests.batch_rows import assert_same_results, clips, stored

pytest.importorskip("skimage")
ray = pytest.importorskip("ray")

PG_URL = os.environ.get("LEPTON_TEST_POSTGRES_URL")
SETTINGS = AnalysisSettings(stride=2)


@pytest.fixture(scope="module", autouse=True)
def ray_session(tmp_path_factory):
    """One local Ray for the module (starting one takes seconds); the batches use it as it is."""
    home = tmp_path_factory.mktemp("ray-home")
    env = {"env_vars": {"LEPTON_HOME": str(home)}}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env=env)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Three short clips in a folder tree, and a file that is not a video among them."""
    root = tmp_path_factory.mktemp("corpus")
    paths = clips(root / "a", 2, 24)
    deeper = clips(root / "a" / "deeper", 1, 24, first=2)
    bad = root / "a" / "broken.mp4"
    bad.write_text("not a video")
    (root / "a" / "notes.txt").write_text("not listed: a folder only yields video files")
    return root, [*paths, *deeper], bad


def test_inputs_folders_lists_and_missing(corpus, tmp_path):
    root, good, bad = corpus
    listing = tmp_path / "videos.txt"
    listing.write_text(f"# the corpus\n{good[0]}\n\n{good[2]}\n")
    assert expand_inputs([root]) == sorted([*good, bad])
    assert expand_inputs([listing, good[0], good[1]]) == [good[0], good[2], good[1]]  # each once, in order
    with pytest.raises(BatchInputError, match="no such file"):
        expand_inputs([tmp_path / "missing.mp4"])


def test_batch_stores_what_analyze_stores_lists_the_bad_file_and_resumes(corpus, tmp_path):
    root, good, bad = corpus
    steps = list(analyze_batch([root], project=tmp_path / "batch.lepton", settings=SETTINGS, device="cpu"))
    last = steps[-1]
    assert last.state == "done" and last.videos_done == last.videos_total == 4
    outcomes = {o.video: o for o in last.outcomes}
    assert [outcomes[str(v)].outcome for v in good] == ["done"] * 3
    broken = outcomes[str(bad)]
    assert broken.outcome == "failed" and broken.attempts == 1 and "not a video file" in broken.reason
    assert last.frames_done == 3 * 24 and last.fps > 0
    assert any(s.running for s in steps[:-1]), "progress names the videos being analysed and their workers"

    for video in good:  # the same videos one by one, as `lepton analyze` runs them
        run_to_completion(analyze_video(video, project=tmp_path / "single.lepton", settings=SETTINGS, device="cpu"))
    assert_same_results(stored(tmp_path / "batch.lepton"), stored(tmp_path / "single.lepton"))

    again = list(analyze_batch([root], project=tmp_path / "batch.lepton", settings=SETTINGS, device="cpu"))[-1]
    redone = {o.video: o.outcome for o in again.outcomes}
    assert [redone[str(v)] for v in good] == ["reused"] * 3 and redone[str(bad)] == "failed"
    assert all(v["runs"] == 1 for v in stored(tmp_path / "batch.lepton").values()), "nothing was analysed twice"
    other = list(analyze_batch(good, project=tmp_path / "batch.lepton", settings=AnalysisSettings(stride=3)))[-1]
    assert [o.outcome for o in other.outcomes] == ["done"] * 3, "other settings are another analysis"


def test_a_killed_worker_is_retried(tmp_path):
    (video,) = clips(tmp_path / "long", 1, 150)
    killed = []
    for step in analyze_batch([video], project=tmp_path / "p.lepton", settings=SETTINGS, device="cpu"):
        worker = step.running.get(str(video))
        if worker and not killed:  # host:pid of the worker analysing it: kill it mid-video
            host, pid = worker.rsplit(":", 1)
            assert host == socket.gethostname()
            os.kill(int(pid), signal.SIGKILL)
            killed.append(int(pid))
    (outcome,) = step.outcomes
    assert killed and outcome.outcome == "done" and outcome.attempts == 2
    assert "worker process died" in outcome.reason and outcome.worker != f"{host}:{killed[0]}"
    assert stored(tmp_path / "p.lepton")[next(iter(stored(tmp_path / "p.lepton")))]["frames_done"] == 150


def test_stop_cancels_what_runs_and_keeps_what_finished(tmp_path):
    videos = clips(tmp_path / "v", 3, 24)
    project = tmp_path / "p.lepton"
    finished = []
    steps = analyze_batch(videos, project=project, settings=SETTINGS, device="cpu", workers=1,
                          should_stop=lambda: bool(finished))  # fmt: skip
    for step in steps:
        finished = [o for o in step.outcomes if o.outcome == "done"]
    assert step.state == "cancelled"
    kinds = sorted(o.outcome for o in step.outcomes)
    assert kinds.count("done") >= 1 and "cancelled" in kinds
    with open_project(project) as proj:
        assert all(r.status == "done" for r in proj.runs.list_runs()), "a cancelled video leaves no half run"
    rest = list(analyze_batch(videos, project=project, settings=SETTINGS, device="cpu"))[-1]
    again = {o.video: o.outcome for o in rest.outcomes}
    assert all(again[o.video] == "reused" for o in finished)
    assert list(again.values()).count("done") == 3 - len(finished)


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="set LEPTON_TEST_POSTGRES_URL to run the batch on PostgreSQL (.ci/run does)")
def test_batch_into_postgresql_workers_write_the_same_rows(corpus, tmp_path):
    from tests.store.conftest import _reset_postgres

    _, good, _ = corpus
    _reset_postgres(PG_URL)
    last = list(analyze_batch(good, project=PG_URL, settings=SETTINGS, device="cpu"))[-1]
    assert [o.outcome for o in last.outcomes] == ["done"] * 3
    with open_project(PG_URL) as proj:  # the workers wrote their runs themselves, whole
        assert [(r.status, r.timings.get("device")) for r in proj.runs.list_runs()] == [
            ("done", "CPU (ONNX Runtime, int8)")  # the workers find the shipped int8 values
        ] * 3
    for video in good:
        run_to_completion(analyze_video(video, project=tmp_path / "single.lepton", settings=SETTINGS, device="cpu"))
    assert_same_results(stored(PG_URL), stored(tmp_path / "single.lepton"))
    again = list(analyze_batch(good, project=PG_URL, settings=SETTINGS, device="cpu"))[-1]
    assert [o.outcome for o in again.outcomes] == ["reused"] * 3


def test_batch_with_the_ensemble_version(tmp_path):
    """The workers get the ensemble's file alone (a copy named by its hash); it finds the shipped ResNet."""
    from lepton_desktop.services.models import list_versions
    from lepton_desktop.vision.weights import ENSEMBLE_MODEL

    videos = clips(tmp_path / "v", 1, 12)
    project = tmp_path / "p.lepton"
    open_project(project, create=True).close()
    ensemble = next(v["id"] for v in list_versions(project) if v["name"] == ENSEMBLE_MODEL.name)
    last = list(analyze_batch(videos, project=project, settings=SETTINGS, device="cpu", model_version=ensemble))[-1]
    assert [o.outcome for o in last.outcomes] == ["done"], [o.reason for o in last.outcomes]
    with open_project(project) as proj:
        assert [r.model_version_id for r in proj.runs.list_runs()] == [ensemble]
