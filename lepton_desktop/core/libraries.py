"""The libraries Help > About lists, and the installer carries the metadata of (so About imports none of them)."""

from __future__ import annotations

LIBRARIES = (
    ("PySide6", "PySide6-Essentials"),
    ("torch", "torch"),
    ("pyqtgraph", "pyqtgraph"),
    ("av", "av"),
    ("cv2", "opencv-python-headless"),
    ("sqlalchemy", "SQLAlchemy"),
    ("numpy", "numpy"),
    ("safetensors", "safetensors"),
    ("onnxruntime", "onnxruntime"),
    ("matplotlib", "matplotlib"),
    ("reportlab", "reportlab"),
    ("mediapipe", "mediapipe"),
)
"""(module, distribution) pairs."""
