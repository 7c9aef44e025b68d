"""A real Dask cluster on loopback: a scheduler and two single-threaded workers.

Started as ``dask scheduler`` and ``dask worker`` processes (the scripts of
this Python's environment) and stopped by their pids.  Used by the cluster
test (tests/test_grade_cluster.py) and by benchmarks/grading.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["DaskCluster"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"the Dask scheduler did not answer on port {port}")


class DaskCluster:
    """A scheduler and two single-threaded workers on loopback, stopped by pid."""

    def __init__(self, folder: Path, environment: dict):
        self.folder = folder
        self.environment = environment
        self.processes = []

    def _start(self, *args, log):
        dask = str(Path(sys.executable).parent / "dask")
        with open(self.folder / log, "w") as handle:
            self.processes.append(subprocess.Popen(
                [dask, *args], stdout=handle, stderr=handle, cwd=self.folder,
                env=self.environment, start_new_session=True))

    def __enter__(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        address = f"tcp://127.0.0.1:{port}"
        try:
            self._start("scheduler", "--host", "127.0.0.1", "--port", str(port),
                        "--dashboard-address", ":0", "--no-show", log="scheduler.log")
            wait_for_port(port, 60)
            for index in range(2):
                self._start("worker", address, "--nthreads", "1", "--nworkers", "1",
                            "--no-nanny", "--host", "127.0.0.1", "--dashboard-address", ":0",
                            "--name", f"worker-{index}", log=f"worker-{index}.log")
            code = (f"from distributed import Client\n"
                    f"with Client({address!r}, timeout=30) as client:\n"
                    f"    client.wait_for_workers(2, timeout=90)\n")
            subprocess.run([sys.executable, "-c", code], check=True, timeout=150,
                           capture_output=True, env=self.environment)
        except BaseException:
            self.__exit__()
            raise
        return address

    def __exit__(self, *exc_info):
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
