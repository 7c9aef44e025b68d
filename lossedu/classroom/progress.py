"""A plain-text progress bar with an ETA, on stderr.

``[ 12/200]   6% ETA 3m10s alice``: on a terminal the line is redrawn in
place; otherwise (a log file, CI) one line is printed per learner.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "duration"]


def duration(seconds: float) -> str:
    """``"42s"``, ``"3m10s"``, ``"1h05m"``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    def __init__(self, total: int, stream=None, *, clock=time.monotonic):
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.started = clock()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def line(self, label: str) -> str:
        width = len(str(self.total))
        percent = 100 * self.done // self.total if self.total else 100
        elapsed = self.clock() - self.started
        if self.done < self.total and self.done:
            eta = f"ETA {duration(elapsed / self.done * (self.total - self.done))}"
        elif self.done < self.total:
            eta = "ETA ?"
        else:
            eta = f"done in {duration(elapsed)}"
        return f"[{self.done:{width}d}/{self.total}] {percent:3d}% {eta} {label}"

    def advance(self, label: str) -> None:
        self.done += 1
        text = self.line(label)
        if self.tty:
            end = "\n" if self.done >= self.total else ""
            self.stream.write("\r" + text.ljust(79)[:200] + end)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
