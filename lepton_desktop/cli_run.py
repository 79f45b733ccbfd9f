"""The ``lepton`` command as a process: run the CLI, then end without tearing the runtimes down.

After torch has been imported, Python's own shutdown spends 0.35-0.45 s on two cores taking the
interpreter's modules apart (not in exit handlers: those take milliseconds); after ONNX Runtime
(what ``lepton analyze`` runs the networks with on the CPU), 0.05-0.1 s. Nothing of ours depends
on that teardown: projects are closed by the commands themselves, and the store is built to
survive a kill. So once a command has run and only the main
thread is left, the exit handlers run as they would (log files flushed, finalizers,
multiprocessing and Ray clean-up), standard output and error are flushed, and the process ends
there. With any other thread still alive, Python's normal shutdown runs instead (it waits for the
non-daemon ones).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from lepton_desktop.cli import main

RUNTIMES = {"torch", "onnxruntime"}
"""Modules whose loading makes Python's teardown slow enough to skip."""


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """``lepton ARGS``: :func:`lepton_desktop.cli.main`, then a quick exit when it is safe."""
    code = main(argv)
    if RUNTIMES & sys.modules.keys() and threading.active_count() == 1:
        quick_exit(code)
    raise SystemExit(code)


def quick_exit(code: int) -> NoReturn:
    """Run the exit handlers, flush the standard streams and end the process with ``code``.

    Output that cannot be written (a full disk, a closed pipe) is said in one line and, as Python's
    own shutdown does, turns a success into exit code 120: ``lepton analyze > out.json`` on a full
    disk must not look like it worked.
    """
    atexit._run_exitfuncs()  # the registered handlers, run as shutdown would run them
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError) as exc:
        with contextlib.suppress(Exception):
            print(f"lepton: error: the output could not be written ({exc})", file=sys.stderr)
        code = code or 120
    with contextlib.suppress(Exception):
        if sys.stderr is not None:
            sys.stderr.flush()
    os._exit(code)
