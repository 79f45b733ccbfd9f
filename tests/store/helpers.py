from __future__ import annotations

from lepton_desktop.core.records import VideoInfo


def video_info(path: str = "/videos/a.mp4", frames: int = 1000) -> VideoInfo:
    return VideoInfo(
        path=path,
        container="mov",
        codec="h264",
        frames=frames,
        fps=30.0,
        avg_fps=30.0,
        duration_s=frames / 30,
        width=640,
        height=360,
        rotation=0,
        vfr=False,
        size_bytes=12345,
    )
