"""The Ray a batch runs on: a local one started for the run, a cluster by address, or the caller's own session."""

from __future__ import annotations

import logging
import os
from typing import Any

from lepton_desktop.core.errors import LeptonError


class ClusterError(LeptonError):
    """Ray is missing, or the cluster cannot be reached."""


REACH_TIMEOUT_S = 5.0
"""Seconds a cluster's address gets to answer before the batch says it cannot be reached (Ray retries for minutes)."""


def _reachable(address: str) -> None:
    """Raise ClusterError at once when nothing answers at ``address`` (``host:port`` or ``ray://host:port``).

    ``auto`` and other forms without a port are left to Ray.
    """
    import socket

    where = address.removeprefix("ray://")
    host, _, port = where.rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=REACH_TIMEOUT_S).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ClusterError(
            f"Could not reach the Ray cluster at {address}: nothing answers at {where} ({reason.lower()}); "
            "check the address the head node printed (`ray start --head`), or leave --ray-address out "
            "to run on this machine."
        ) from None


class RaySession:
    """``with RaySession(workers, address):`` connects (or starts a local Ray) and disconnects what it started."""

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        self.workers = workers
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.owned = False

    def __enter__(self) -> RaySession:
        try:
            import ray
        except ImportError:
            raise ClusterError(
                "Batch analysis runs on Ray, which is not installed: pip install 'lepton-desktop[cluster]'."
            ) from None
        if ray.is_initialized():  # the caller's session (tests, an embedding program): used as it is
            return self
        options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
        try:
            if self.address:
                _reachable(self.address)
                ray.init(address=self.address, **options)
            else:
                logging.getLogger("ray._private.authentication.authentication_token_setup").addFilter(
                    _quiet_token_notice
                )
                ray.init(num_cpus=self.workers or os.cpu_count() or 1, include_dashboard=False, **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray"
            raise ClusterError(f"Could not start or reach {where}: {str(exc).splitlines()[0]}") from None
        self.owned = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.owned:
            import ray

            ray.shutdown()

    def cpus(self) -> int:
        """CPUs the cluster has now."""
        return int(_resources().get("CPU", 1))

    def gpus_per_task(self, device: str) -> float:
        """1 when there is a GPU to use (CUDA on this machine, or GPUs in the cluster) and the device allows it."""
        if device == "cpu":
            return 0
        return 1 if _resources().get("GPU", 0) > 0 else 0  # the cluster's GPUs, not the driver's

    def describe(self) -> str:
        """``local Ray, 2 CPUs`` or ``Ray cluster at ADDR: 2 nodes, 4 CPUs, 1 GPU``."""
        import ray

        resources = _resources()
        nodes = len([n for n in ray.nodes() if n.get("Alive")])  # type: ignore[no-untyped-call]
        gpus = int(resources.get("GPU", 0))
        what = f"{nodes} node{'s' if nodes != 1 else ''}, {int(resources.get('CPU', 0))} CPUs"
        if gpus:
            what += f", {gpus} GPU{'s' if gpus != 1 else ''}"
        if self.owned and not self.address:
            return f"local Ray: {what}"
        return f"Ray cluster{f' at {self.address}' if self.address else ''}: {what}"


def _resources() -> dict[str, float]:
    import ray

    return dict(ray.cluster_resources())  # type: ignore[no-untyped-call]


def worth_retrying(exc: BaseException) -> bool:
    """Whether another attempt could succeed: not when the file itself is no video this program can read.

    A missing or unreadable file may be there on another node or a moment later (a share not yet
    mounted); a file that is not a video, has no video stream, an unknown codec or broken data
    reads the same every time.
    """
    import ray

    from lepton_desktop.video.errors import (
        CorruptVideoError,
        EmptyVideoFileError,
        NotAVideoError,
        NoVideoStreamError,
        UnsupportedCodecError,
    )

    final = (NotAVideoError, NoVideoStreamError, UnsupportedCodecError, CorruptVideoError, EmptyVideoFileError)
    return not (isinstance(exc, ray.exceptions.RayTaskError) and isinstance(exc.cause, final))


def _quiet_token_notice(record: logging.LogRecord) -> bool:
    """Drop Ray's notice that a local cluster it starts uses a token (its default; nothing to do for a user)."""
    return not record.getMessage().startswith("Token authentication is enabled for this Ray cluster")


def failure_reason(exc: BaseException) -> str:
    """One line saying why a task failed: the task's own error, or what happened to its worker."""
    import ray

    if isinstance(exc, ray.exceptions.RayTaskError):
        cause = exc.cause
        if isinstance(cause, LeptonError):  # a sentence for the user already
            return str(cause).strip().splitlines()[0]
        if cause is not None and not isinstance(cause, ray.exceptions.RayError):
            text = str(cause).strip().splitlines()
            return f"{type(cause).__name__}: {text[0] if text else ''}".rstrip(": ")
    if isinstance(exc, ray.exceptions.WorkerCrashedError):
        return "its worker process died"
    if isinstance(exc, ray.exceptions.NodeDiedError):
        return "its node left the cluster"
    if isinstance(exc, ray.exceptions.TaskCancelledError):
        return "cancelled"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
