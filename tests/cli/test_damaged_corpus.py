"""A corpus of damaged files through ``lepton info``, ``analyze`` and ``frame`` as typed.

Each command, within a time limit, either gives a sane result (JSON; a damaged file's result says
what is missing) or fails with one line that starts ``lepton: error:``: never a traceback, never
a hang, never "unexpected failure".
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from lepton_desktop.services.samples import bundled_sample
from lepton_desktop.store import open_project
from tests import damaged

LIMIT_S = 120


def _make(folder):
    src = bundled_sample()
    return {
        "cut-30": damaged.truncated(src, folder / "cut-30.mp4", 0.3),
        "cut-90": damaged.truncated(src, folder / "cut-90.mp4", 0.9),
        "cut-in-header": damaged.truncated(src, folder / "cut-in-header.mp4", 0.005),
        "flip-1e-4": damaged.bit_flipped(src, folder / "flip-1e-4.mp4", 1e-4),
        "flip-1e-3": damaged.bit_flipped(src, folder / "flip-1e-3.mp4", 1e-3),
        "lost-packets": damaged.with_lost_packets(src, folder / "lost.mp4", 100, 12),
        "short-table": damaged.short_sample_table(src, folder / "short-table.mp4", 41),
        "header-only": damaged.header_only(src, folder / "header-only.mp4"),
        "audio-only": damaged.audio_only(folder / "audio-only.m4a"),
        "random": damaged.random_bytes(folder / "random.mp4"),
        "huge-header": damaged.huge_header(folder / "huge.y4m"),
    }


def _lepton(*args):
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lepton_desktop", *map(str, args)], capture_output=True, text=True, timeout=LIMIT_S
        )
    except subprocess.TimeoutExpired:
        return None
    return done


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Every command on every file, two at a time (two cores)."""
    folder = tmp_path_factory.mktemp("corpus")
    corpus = _make(folder)
    jobs = {}
    for name, path in corpus.items():
        jobs[(name, "info")] = ("info", path)
        jobs[(name, "analyze")] = ("analyze", path, "--project", folder / f"{name}.lepton")
        jobs[(name, "frame")] = ("frame", path, 20, "-o", folder / f"{name}-20.png")
    with ThreadPoolExecutor(2) as pool:
        done = dict(zip(jobs, pool.map(lambda a: _lepton(*a), jobs.values()), strict=True))
    return corpus, done, folder


def _clean(done, key):
    """Exit 0 with JSON on stdout, or exit 1 with exactly one 'lepton: error:' line; returns the JSON or None."""
    assert done is not None, f"{key}: still running after {LIMIT_S} s"
    assert "Traceback" not in done.stderr and "unexpected failure" not in done.stderr, (key, done.stderr)
    if done.returncode == 0:
        return json.loads(done.stdout)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1 and lines[0].startswith("lepton: error: "), (key, done.stderr)
    assert len(lines[0]) < 400, (key, lines[0])
    return None


def test_every_command_on_every_damaged_file_is_clean(results):
    _, done, _ = results
    for key, outcome in done.items():
        _clean(outcome, key)


@pytest.mark.parametrize("name", ["audio-only", "random", "huge-header", "header-only", "cut-in-header"])
def test_files_with_nothing_to_decode_are_refused_by_every_command(results, name):
    _, done, _ = results
    for command in ("info", "analyze", "frame"):
        assert _clean(done[(name, command)], (name, command)) is None


def test_the_reasons_are_the_users_words(results):
    _, done, _ = results
    assert "has no video picture (audio only)" in done[("audio-only", "info")].stderr
    assert "60000x60000 pixels, beyond any real video" in done[("huge-header", "info")].stderr


@pytest.mark.parametrize("name", ["cut-30", "cut-90", "short-table"])
def test_a_file_shorter_than_its_header_is_analysed_as_far_as_it_goes_and_says_so(results, name):
    _, done, _ = results
    info = _clean(done[(name, "info")], name)
    assert info["truncated"] and 0 < info["frames"] < 250 and "incomplete or damaged" in info["problem"]
    summary = _clean(done[(name, "analyze")], name)
    assert summary["state"] == "done" and summary["frames"] == info["frames"]
    assert summary["damage"]["message"].startswith(info["problem"])
    assert "lepton: warning: " in done[(name, "analyze")].stderr


def test_lost_packets_are_analysed_around_and_their_frames_reported(results):
    _, done, folder = results
    summary = _clean(done[("lost-packets", "analyze")], "lost-packets")
    assert summary["state"] == "done" and summary["people"] >= 1
    ranges = summary["damage"]["ranges"]
    assert ranges and ranges[0][0] == 100 and all(100 <= a <= b < 130 for a, b in ranges)
    assert "could not be decoded and have no results (frames 100-" in done[("lost-packets", "analyze")].stderr
    with open_project(folder / "lost-packets.lepton") as proj:
        run = proj.runs.get(summary["run"])
        assert run.status == "done" and run.timings["damage"]["ranges"] == ranges
        frames = {int(f) for t in proj.runs.tracks(run.id) for f in proj.runs.predictions(t.id).frames}
    missing = {f for a, b in ranges for f in range(a, b + 1)}
    assert frames and not frames & missing and min(frames) < 100 < max(frames)


def test_bit_flipped_files_are_analysed_to_their_end(results):
    _, done, _ = results
    for name in ("flip-1e-4", "flip-1e-3"):
        info = _clean(done[(name, "info")], name)
        summary = _clean(done[(name, "analyze")], name)
        assert summary is not None and summary["state"] == "done" and summary["frames"] == info["frames"], name
