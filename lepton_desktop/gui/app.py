"""``lepton-desktop``: start the application."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lepton_desktop import __version__
from lepton_desktop.core.errors import LeptonError
from lepton_desktop.gui import crash
from lepton_desktop.logs import setup_logging
from lepton_desktop.services.samples import bundled_sample

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from lepton_desktop.gui.main_window import MainWindow

log = logging.getLogger("lepton.gui")


def main(argv: Sequence[str] | None = None) -> int:
    """Open the main window (with VIDEO, or the bundled sample)."""
    parser = argparse.ArgumentParser(prog="lepton-desktop", description="Lepton Desktop: video emotion analysis.")
    parser.add_argument("video", nargs="?", type=Path, help="video to open (default: the bundled sample)")
    parser.add_argument(
        "--project", help="project file or database URL to use (remembered; default: the last one used)"
    )
    parser.add_argument("--version", action="version", version=f"lepton-desktop {__version__}")
    parser.add_argument(
        "--self-test", action="store_true", help="analyse the bundled sample headless, check it, print JSON, exit"
    )
    args = parser.parse_args(argv)
    setup_logging("desktop")
    if args.self_test:
        return _self_test()
    missing = no_display()
    if missing:
        sys.stderr.write(f"lepton-desktop: {missing}\n")
        return 1

    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    # Background threads (decoding, analysis) hand the interpreter back to the GUI thread sooner.
    sys.setswitchinterval(0.001)
    pg.setConfigOptions(
        antialias=False, imageAxisOrder="row-major", background=(25, 27, 31), foreground=(210, 210, 210)
    )
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Lepton Desktop")
    app.setOrganizationName("Lepton")
    crash.install()
    _window = open_window(args.video, args.project)  # kept alive while the event loop runs
    stopped = close_on_termination(app)
    code = int(app.exec())
    return 128 + stopped[0] if stopped else code


def no_display(env: dict[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """Why the window cannot open here, in one sentence (None: it can).

    On Linux and the BSDs Qt needs an X11 or Wayland display; without one it aborts with several lines
    about missing xcb libraries, which send people off reinstalling. ``QT_QPA_PLATFORM`` (offscreen,
    vnc...) chooses another way to draw and is left to Qt.
    """
    env = dict(os.environ) if env is None else env
    if platform.startswith(("win", "darwin")) or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "there is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
        "on a server or over ssh use the `lepton` command (`lepton analyze VIDEO`), or start a desktop session first."
    )


def close_on_termination(app: QApplication) -> list[int]:
    """On SIGTERM (a logout, ``kill``, a service manager) or SIGHUP, close every window as the user would.

    A running analysis stops and is stored as cancelled with what it had done, corrections and the
    layout are saved, and the process exits with 128 + the signal. Returns a list that receives the
    signal number. Python runs signal handlers only between its own steps, so a light timer gives
    it a turn while Qt's loop waits.
    """
    import signal

    from PySide6.QtCore import QTimer

    received: list[int] = []

    def close_all(signum: int, _frame: object) -> None:
        log.info("received signal %s: closing the windows", signum)
        received.append(signum)
        QTimer.singleShot(0, app.closeAllWindows)

    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, close_all)
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(250)
    return received


def open_window(video: Path | None = None, project: str | None = None) -> MainWindow:
    """Show the main window as a start does, with ``video`` (default: the bundled sample) open.

    The window opens as it was left, or sized to the screen on a first start, when it also asks
    for the annotator's name.
    """
    from PySide6.QtCore import QTimer

    from lepton_desktop.gui.main_window import MainWindow
    from lepton_desktop.services.settings import load_settings

    settings = load_settings()
    if project is not None:  # as `lepton analyze --project` suggests: the window works in that project
        settings.project = str(Path(project).expanduser().resolve()) if "://" not in project else project
    window = MainWindow(settings)
    window.show()
    if not window.settings.annotator:  # first start: who is annotating (changeable under Edit)
        QTimer.singleShot(300, window, lambda: _ask_name_when_free(window))
    if video is not None:
        window.open_video(video)
    else:
        try:
            window.open_video(bundled_sample())
        except LeptonError as exc:  # an installation without the sample still starts
            window.statusBar().showMessage(str(exc), 10000)
    return window


def _ask_name_when_free(window: MainWindow) -> None:
    """Ask for the annotator's name once no other message waits for an answer (one about the video, say).

    Two windows opened together stack, and the one on top hides what the other says.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    if window.settings.annotator:  # given meanwhile (a label key asks for it too)
        return
    if QApplication.activeModalWidget() is not None:
        QTimer.singleShot(300, window, lambda: _ask_name_when_free(window))
        return
    window.ask_annotator()


def _self_test() -> int:
    import json

    from lepton_desktop.services.selftest import run_self_test

    try:
        report = run_self_test()
    except Exception as exc:  # the self-test reports every failure as a result, never a traceback
        log.exception("self-test failed")
        report = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    sys.stdout.flush()
    return 0 if report.get("ok") else 1


if __name__ == "__main__":
    raise SystemExit(main())
