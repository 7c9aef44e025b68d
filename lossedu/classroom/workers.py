"""A pool of nbgrader worker processes (:mod:`lossedu.classroom.worker`).

:class:`Worker` wraps one process: send a job, read its events until the
job is done or the deadline passes.  On a deadline the worker, its kernel
and everything they started are killed, and a fresh worker replaces it.
:class:`WorkerPool` hands workers to threads, one job at a time each.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["JobResult", "Worker", "WorkerPool", "WorkerUnavailable"]

STARTUP_SECONDS = 180.0


class WorkerUnavailable(RuntimeError):
    """A worker process could not start (nbgrader is not usable)."""


@dataclass
class JobResult:
    success: bool
    data: dict = field(default_factory=dict)
    cells: list = field(default_factory=list)       # [(index, grade_id)] in start order
    timed_out: bool = False
    crashed: bool = False                             # the worker itself died

    @property
    def last_cell(self):
        return self.cells[-1] if self.cells else None

    @property
    def error_text(self) -> str:
        return str(self.data.get("error") or "") + "\n" + str(self.data.get("log") or "")


def _children(pid: int) -> list:
    """All descendants of ``pid`` (Linux /proc), deepest first."""
    parents = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        try:
            parent = int(text.rsplit(")", 1)[1].split()[1])
        except (IndexError, ValueError):
            continue
        parents.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in parents.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found[::-1]


def kill_tree(pid: int) -> None:
    """Kill ``pid``, its process group and every descendant."""
    for child in _children(pid):
        for kill in (os.killpg, os.kill):
            try:
                kill(child, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                pass
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass


class Worker:
    """One ``python -m lossedu.classroom.worker`` process."""

    def __init__(self, environment: dict, log_path: Path):
        self.environment = environment
        self.log_path = Path(log_path)
        self.process = None
        self._buffer = b""

    def start(self):
        read_fd, write_fd = os.pipe()
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lossedu.classroom.worker", str(write_fd)],
                stdin=subprocess.PIPE, stdout=log, stderr=log, pass_fds=(write_fd,),
                env=self.environment, start_new_session=True, cwd="/")
        finally:
            os.close(write_fd)
            log.close()
        self._events = read_fd
        self._buffer = b""
        event = self._next_event(time.monotonic() + STARTUP_SECONDS)
        if event is None or event.get("event") != "ready":
            self.stop()
            raise WorkerUnavailable(
                f"the nbgrader worker did not start; see {self.log_path}")

    def stop(self):
        if self.process is None:
            return
        kill_tree(self.process.pid)
        try:
            self.process.stdin.close()
        except OSError:
            pass
        self.process.wait()
        try:
            os.close(self._events)
        except OSError:
            pass
        self.process = None

    def _next_event(self, deadline: float):
        """The next event, None when the worker died; TimeoutError at the deadline."""
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._events], [], [], min(remaining, 1.0))
            if not ready:
                if self.process.poll() is not None:
                    return None
                continue
            chunk = os.read(self._events, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {"event": "garbage"}

    def run(self, job: dict, seconds: float) -> JobResult:
        """Run ``job``; kill and restart the worker if it takes more than ``seconds``."""
        result = JobResult(False)
        if self.process is None or self.process.poll() is not None:
            self.stop()
            try:
                self.start()
            except WorkerUnavailable as error:
                result.crashed = True
                result.data = {"error": str(error)}
                return result
        try:
            self.process.stdin.write((json.dumps(job) + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.stop()
            result.crashed = True
            return result
        deadline = time.monotonic() + seconds
        try:
            while True:
                event = self._next_event(deadline)
                if event is None:
                    result.crashed = True
                    self.stop()
                    return result
                if event.get("event") == "cell":
                    result.cells.append((event.get("index"), event.get("grade_id")))
                elif event.get("event") == "done":
                    event.pop("event")
                    result.success = bool(event.get("success"))
                    result.data = event
                    return result
        except TimeoutError:
            result.timed_out = True
            self.stop()
            return result


class WorkerPool:
    """``size`` workers shared by threads: ``with pool.worker() as w: w.run(...)``."""

    def __init__(self, size: int, environment: dict, log_folder: Path):
        self.workers = [Worker(environment, Path(log_folder) / f"worker-{index}.log")
                        for index in range(size)]
        self._idle: queue.Queue = queue.Queue()

    def start(self):
        # Start them side by side: each spends seconds importing nbgrader.
        import concurrent.futures

        try:
            with concurrent.futures.ThreadPoolExecutor(len(self.workers)) as starter:
                list(starter.map(Worker.start, self.workers))
        except BaseException:
            self.close()
            raise
        for worker in self.workers:
            self._idle.put(worker)

    def close(self):
        for worker in self.workers:
            worker.stop()

    def run(self, job: dict, seconds: float) -> JobResult:
        worker = self._idle.get()
        try:
            return worker.run(job, seconds)
        finally:
            self._idle.put(worker)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False
