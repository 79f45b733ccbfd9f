"""``lepton live`` as a user runs it: a UDP MPEG-TS stream on loopback, a file played as live, bad sources.

The stream comes from a real PyAV writer in another process (``tests/live_sender.py``) at real-time
rate; ``lepton live`` runs as a subprocess. What is checked is what the issue promises: every frame
that arrived is recorded, predictions sit on the recording's own frame numbers (each frame carries
its clip number as a code, and the moving face must fit the very picture its row is stored
against), the recording is an ordinary video of the project, and a sender killed mid-stream leaves
a playable recording and a finished run.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from lepton_desktop.cli import main
from lepton_desktop.services.analysis import load_run_rows
from lepton_desktop.store import open_project
from lepton_desktop.video import VideoReader
from tests.live_clip import box_centre_x, coded_clip, moving_x, read_number

pytest.importorskip("skimage")

ANALYSED_FLOOR = 0.5
"""The share of received frames the stream test wants analysed at 640x360 on this 2-core machine, where the
sender (decoding and encoding the clip) and the test share the cores with the analysis; measured 0.65-0.94
(see bench/live.py for the figures on an unshared machine)."""
RECORDED_FLOOR = 0.95


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return coded_clip(tmp_path_factory.mktemp("live") / "coded.mp4", 300)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Proc:
    """A subprocess whose stdout and stderr lines are collected as they come."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.out: list[str] = []
        self.err: list[str] = []
        self._threads = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def _read(stream, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.err + self.out):
                return
            if self.proc.poll() is not None:
                time.sleep(0.2)
                break
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never came; stderr: {self.err[-10:]}")

    def finish(self, timeout: float = 120) -> int:
        code = self.proc.wait(timeout=timeout)
        for t in self._threads:
            t.join(timeout=5)
        return code


def _live(*args: str) -> _Proc:
    return _Proc([sys.executable, "-m", "lepton_desktop", "live", *args])


def _sender(clip: Path, port: int, *extra: str) -> _Proc:
    return _Proc([sys.executable, "-m", "tests.live_sender", str(clip), f"udp://127.0.0.1:{port}", *extra])


def _sent(sender: _Proc) -> int:
    counts = [int(line.split()[1]) for line in sender.out if line.startswith("sent ")]
    return max(counts, default=0)


def _summary(live: _Proc) -> dict:
    lines = [json.loads(line) for line in live.out]
    assert lines and "summary" in lines[-1], live.err[-10:]
    return lines[-1]["summary"]


def _recording_numbers(path: Path) -> tuple[int, list[int]]:
    """The recording's frame count as the project's reader sees it, and each frame's clip number."""
    with VideoReader(path) as reader:
        numbers = [read_number(frame.image) for frame in reader.iter_frames()]
        return reader.frame_count, numbers


def _stored(project: Path, recording: Path):  # type: ignore[no-untyped-def]
    with VideoReader(recording) as reader:
        fingerprint = reader.fingerprint
    with open_project(project) as proj:
        video = proj.videos.by_fingerprint(fingerprint)
        assert video is not None, "the recording is not a video of the project"
        runs = proj.runs.list_runs(video.id)
        assert [r.status for r in runs] == ["done"]
        assert proj.runs.running() == []
        return video, runs[0], load_run_rows(proj, runs[0].id)


def _check_rows_fit_their_frames(rows, numbers: list[int]) -> None:
    """The moving face's boxes fit the clip frame shown at their recording frame better than its neighbours."""
    moving = box_centre_x(rows.boxes) < 420
    frames = rows.frames[moving]
    xs = box_centre_x(rows.boxes[moving])
    assert len(frames) >= 50
    spreads = {}
    for shift in (-2, -1, 0, 1, 2):
        truth = np.array([moving_x(numbers[f] + shift) for f in frames])
        offset = xs - truth
        spreads[shift] = float(np.median(np.abs(offset - np.median(offset))))
    assert min(spreads, key=spreads.get) == 0, spreads
    assert spreads[0] < 3.0, spreads


@pytest.mark.slow
def test_a_udp_stream_is_recorded_whole_and_analysed_on_the_recordings_frame_numbers(clip, tmp_path):
    project, record, port = tmp_path / "p.lepton", tmp_path / "stream.mkv", _free_udp_port()
    started = time.monotonic()
    live = _live(f"udp://127.0.0.1:{port}", "--project", str(project), "--record", str(record),
                 "--stall-timeout", "2", "--retries", "1")  # fmt: skip
    live.wait_for("lepton: live: opening udp://")
    sender = _sender(clip, port)
    assert sender.finish() == 0
    assert live.finish() == 0, live.err[-10:]
    sent = _sent(sender)
    summary = _summary(live)
    seconds = [json.loads(line) for line in live.out[:-1]]
    assert len(seconds) >= 8 and {"people", "analysed_fps", "latency_ms", "frames"} <= set(seconds[-1])

    frame_count, numbers = _recording_numbers(record)
    assert frame_count == summary["frames"] == summary["recorded"] == summary["received"]
    assert frame_count >= RECORDED_FLOOR * sent, (frame_count, sent)
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), "frames recorded out of order or twice"

    video, run, rows = _stored(project, record)
    assert video.info.frames == frame_count and run.params["live"] == 1
    assert rows is not None and int(rows.frames.max()) < frame_count
    people = {int(n) for n in np.unique(rows.tracks)}
    both = [f for f in np.unique(rows.frames) if len(set(rows.tracks[rows.frames == f].tolist())) == 2]
    assert len(people) >= 2 and len(both) >= 0.4 * len(np.unique(rows.frames)), "not every person was found"
    _check_rows_fit_their_frames(rows, numbers)

    share = summary["analysed"] / summary["received"]
    p95 = summary["latency_ms"]["p95"]
    assert share >= ANALYSED_FLOOR, summary
    assert p95 is not None and p95 > 0
    print(
        f"\nudp loopback: sent {sent}, recorded {frame_count} ({frame_count / sent:.1%}), analysed {share:.1%}, "
        f"latency p50 {summary['latency_ms']['p50']} ms p95 {p95} ms, {len(people)} people, "
        f"{time.monotonic() - started:.0f} s"
    )


@pytest.mark.slow
def test_a_sender_killed_mid_stream_leaves_a_playable_recording_and_a_finished_run(clip, tmp_path):
    project, record, port = tmp_path / "p.lepton", tmp_path / "cut.mkv", _free_udp_port()
    live = _live(f"udp://127.0.0.1:{port}", "--project", str(project), "--record", str(record),
                 "--stall-timeout", "2", "--retries", "1")  # fmt: skip
    live.wait_for("lepton: live: opening udp://")
    sender = _sender(clip, port)
    sender.wait_for("sent 120")
    sender.proc.send_signal(signal.SIGKILL)
    sender.finish()
    sent = _sent(sender)
    assert live.finish() == 0, live.err[-10:]
    assert any("no data for 2 s" in line for line in live.err) and any("Reconnecting" in line for line in live.err)
    assert any("the stream stopped" in line for line in live.err)
    summary = _summary(live)

    frame_count, _numbers = _recording_numbers(record)  # plays to its end
    assert frame_count == summary["frames"] and frame_count >= RECORDED_FLOOR * sent - 2, (frame_count, sent)
    _video, run, rows = _stored(project, record)
    assert run.frames_done == frame_count and run.timings["live"]["end"].startswith("the stream stopped")
    assert rows is not None and int(rows.frames.min()) >= 0 and int(rows.frames.max()) < frame_count


@pytest.mark.slow
def test_a_stream_that_stalls_and_comes_back_is_reconnected_into_the_same_recording(clip, tmp_path):
    project, record, port = tmp_path / "p.lepton", tmp_path / "twice.mkv", _free_udp_port()
    live = _live(f"udp://127.0.0.1:{port}", "--project", str(project), "--record", str(record),
                 "--stall-timeout", "1", "--retries", "3")  # fmt: skip
    live.wait_for("lepton: live: opening udp://")
    first = _sender(clip, port, "--frames", "100")
    assert first.finish() == 0
    live.wait_for("Reconnecting to udp://")
    second = _sender(clip, port, "--frames", "100")
    assert second.finish() == 0
    assert live.finish() == 0, live.err[-10:]
    assert any("Reconnected to udp://" in line for line in live.err), live.err
    summary = _summary(live)
    assert summary["reconnects"] >= 1
    frame_count, numbers = _recording_numbers(record)
    assert frame_count == summary["frames"] >= RECORDED_FLOOR * 200, (frame_count, summary)
    restart = next(k for k in range(1, len(numbers)) if numbers[k] < numbers[k - 1])  # the second sending
    assert numbers[:restart] == sorted(numbers[:restart]) and numbers[restart:] == sorted(numbers[restart:])
    assert numbers[restart - 1] >= 95 and numbers[restart] <= 5, numbers[restart - 3 : restart + 3]
    with VideoReader(record) as reader:  # the gap is in the recording's timing, not in its frame numbers
        times = reader.timeline.times()
    assert times[restart] - times[restart - 1] > 0.5
    _, run, rows = _stored(project, record)
    assert run.timings["live"]["reconnects"] >= 1 and int(rows.frames.max()) < frame_count


@pytest.mark.slow
def test_a_file_played_as_live_is_recorded_frame_for_frame(clip, tmp_path):
    project, record = tmp_path / "p.lepton", tmp_path / "played.mp4"
    live = _live(str(clip), "--realtime", "--project", str(project), "--record", str(record))
    assert live.finish() == 0, live.err[-10:]
    summary = _summary(live)
    assert summary["end"] == "the file ended"
    frame_count, numbers = _recording_numbers(record)
    assert frame_count == summary["frames"] == 300 and numbers == list(range(300))
    assert summary["device"] == "CPU (ONNX Runtime, int8)"  # live analysis on the CPU runs without torch too
    _video, _run, rows = _stored(project, record)
    assert rows is not None and len(np.unique(rows.tracks)) >= 2
    _check_rows_fit_their_frames(rows, numbers)
    assert any("lepton-desktop --project" in line for line in live.err)
    assert f"lepton: live: recording into {record}" in live.err  # once the frames came


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_keeps_everything(clip, tmp_path):
    project, record = tmp_path / "p.lepton", tmp_path / "stopped.mkv"
    live = _live(str(clip), "--realtime", "--project", str(project), "--record", str(record))
    live.wait_for('"t": 2')
    live.proc.send_signal(signal.SIGINT)
    assert live.finish() == 0, live.err[-10:]
    summary = _summary(live)
    assert summary["end"] == "stopped" and 25 <= summary["frames"] < 300
    assert _recording_numbers(record)[0] == summary["frames"]
    _stored(project, record)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["/dev/video7"], "there is no camera at /dev/video7; cameras on this computer:"),
        (["camera:7"], "there is no camera at /dev/video7"),
        (["rtsp://127.0.0.1:9/cam"], "nothing answers at rtsp://127.0.0.1:9/cam (connection refused)"),
        (["foo://bar"], "'foo' is not a kind of address this program can open"),
        (["rtsp://user:secret@127.0.0.1:9/x"], "rtsp://user:***@127.0.0.1:9/x"),
        (["{clip}"], "is a file, not a live source: add --realtime"),
        (["missing.mp4", "--realtime"], "missing.mp4: no such file"),
        (["{clip}", "--realtime", "--record", "{clip}"], "exists already; choose a new file name"),
        (["{clip}", "--realtime", "--record", "out.avi"], "record into a .mkv or .mp4 file"),
    ],
)
def test_a_bad_source_is_one_sentence(argv, message, clip, tmp_path, capsys, monkeypatch):
    if sys.platform != "linux" and "video" in argv[0]:
        pytest.skip("camera device paths are Linux's")
    monkeypatch.chdir(tmp_path)
    argv = [a.replace("{clip}", str(clip)) for a in argv]
    assert main(["live", *argv, "--project", str(tmp_path / "p.lepton"), "--stall-timeout", "2"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("lepton: error: ")]
    assert len(errors) == 1 and errors == err[-1:], err
    assert message.lower() in errors[0].lower(), err
    assert "secret" not in "".join(err)
    assert not list(tmp_path.glob("*.mkv")), "a failed start leaves no recording"
    assert not any("recording into" in line for line in err), "nor says it records"


def test_a_stream_that_never_sends_is_one_sentence(tmp_path, capsys):
    port = _free_udp_port()
    started = time.monotonic()
    code = main(["live", f"udp://127.0.0.1:{port}", "--project", str(tmp_path / "p.lepton"), "--stall-timeout", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and err[-1] == (
        f"lepton: error: No video arrived from udp://127.0.0.1:{port} within 1 s; "
        "check the address and that the stream is being sent."
    )
    assert time.monotonic() - started < 30
    assert not list(tmp_path.glob("*.mkv")), "a failed start leaves no recording"
    assert err[0] == f"lepton: live: opening udp://127.0.0.1:{port}" and len(err) == 2, err


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the live process's memory from /proc")
def test_memory_stays_flat_over_a_minute_of_stream(clip, tmp_path):
    """60 s of stream: the live process's memory after the first 20 s grows by less than 40 MB."""
    project, record, port = tmp_path / "p.lepton", tmp_path / "minute.mkv", _free_udp_port()
    live = _live(f"udp://127.0.0.1:{port}", "--project", str(project), "--record", str(record),
                 "--stall-timeout", "3", "--retries", "0")  # fmt: skip
    live.wait_for("lepton: live: opening udp://")
    sender = _sender(clip, port, "--loops", "5")  # the 12 s clip five times: 60 s
    samples: list[tuple[float, float]] = []
    started = time.monotonic()
    while sender.proc.poll() is None:
        rss = _rss_mb(live.proc.pid)
        if rss is not None:
            samples.append((time.monotonic() - started, rss))
        time.sleep(1)
    assert sender.finish() == 0
    assert live.finish() == 0, live.err[-10:]
    summary = _summary(live)
    assert summary["recorded"] >= RECORDED_FLOOR * _sent(sender)
    settled = [rss for t, rss in samples if t >= 20]
    assert len(settled) >= 30, samples
    growth = max(settled) - settled[0]
    print(f"\nlive memory over {samples[-1][0]:.0f} s: {settled[0]:.0f} MB at 20 s, then at most {max(settled):.0f} MB")
    assert growth < 40, samples
