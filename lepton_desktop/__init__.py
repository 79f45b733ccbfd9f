"""Lepton Desktop: video labelling and facial-emotion analysis."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lepton-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
