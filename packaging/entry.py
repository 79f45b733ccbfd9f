"""Entry point of the frozen application: the desktop app, its --self-test, or the CLI (``--cli ARGS``)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    if len(sys.argv) > 1 and sys.argv[1] == "--cli":
        from lepton_desktop.cli_run import run

        run(sys.argv[2:])
    from lepton_desktop.gui.app import main

    raise SystemExit(main(sys.argv[1:]))
