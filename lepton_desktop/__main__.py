"""``python -m lepton_desktop`` runs the headless command line (same as ``lepton``)."""

from lepton_desktop.cli import main

raise SystemExit(main())
