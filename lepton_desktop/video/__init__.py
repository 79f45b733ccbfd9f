"""Frame-accurate video decoding (PyAV/FFmpeg): metadata, exact seeking, sequential iteration."""

from lepton_desktop.video.errors import VideoError
from lepton_desktop.video.reader import DecodedFrame, VideoReader, probe

__all__ = ["DecodedFrame", "VideoError", "VideoReader", "probe"]
