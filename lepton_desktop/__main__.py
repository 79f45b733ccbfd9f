"""``python -m lepton_desktop`` runs the headless command line (same as ``lepton``)."""

from lepton_desktop.cli_run import run

run()
