"""The grader's side of the sandbox: one learner's answer cells in an isolated process.

The learner's answer cells (nothing else of their notebook) run in
:mod:`lossedu.classroom._sandbox_child`, a plain Python process started
inside the operating system's isolation (:mod:`lossedu.classroom.isolation`).
This module talks to it and treats everything that comes back as hostile:

* every read and write of the pipes has a deadline, and one overall deadline
  per learner bounds them all (the learner's code can never extend it);
* messages have a size limit and a budget of nested objects, checked before
  the JSON is parsed, and values are decoded into plain floats, ints and
  float arrays only (never pickle, never an object of the learner's);
* no work is done here on the learner's behalf: lossedu names the lesson's
  given cells import are stubs inside the sandbox, and case inputs that are
  functions are rebuilt there from their expression.

What went wrong is a :class:`Fault`, a typed value: nothing downstream reads
message text to decide a status.
"""

from __future__ import annotations

import base64
import enum
import json
import os
import select
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Fault", "LearnerError", "SandboxFault", "SandboxLimits", "Sandbox"]

CHILD_SCRIPT = Path(__file__).with_name("_sandbox_child.py")
#: Largest message accepted from the sandbox, and the most JSON containers in one.
MAX_MESSAGE_BYTES = 16 * 2**20
MAX_CONTAINERS = 20_000
MAX_ARRAY_VALUES = 1_000_000
#: numpy's names of floating-point errors, as the sandbox reports them.
FLOATING_POINT_ERRORS = ("overflow", "divide by zero", "invalid value", "underflow")


class Fault(enum.Enum):
    """Why a learner's code did not give a result (beside an ordinary exception)."""

    ERROR = "error"              # the code raised an exception (a wrong answer, not a fault)
    TIME_LIMIT = "time_limit"    # stopped at a time limit
    MEMORY = "memory"            # ran out of memory
    EXIT = "exit"                # called sys.exit / raised SystemExit
    CRASH = "crash"              # the process died (os._exit, a signal, the kernel killed it)
    MALFORMED = "malformed"      # sent back something too large or not plain data
    UNAVAILABLE = "unavailable"  # the sandbox could not be started at all

    @classmethod
    def reported(cls, value) -> "Fault":
        """The fault a sandbox message names; MALFORMED for anything unexpected."""
        for fault in (cls.ERROR, cls.TIME_LIMIT, cls.MEMORY, cls.EXIT):
            if value == fault.value:
                return fault
        return cls.MALFORMED


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one learner's sandbox."""

    cell_seconds: float = 10.0       # one answer cell
    call_seconds: float = 10.0       # one call of a learner's function
    learner_seconds: float = 120.0   # everything of one learner, all restarts included
    memory_mb: int = 1024            # address space of the sandbox process
    start_seconds: float = 30.0      # the interpreter and numpy starting


class SandboxFault(BaseException):
    """The learner's code faulted (time limit, memory, crash, malformed result).

    A BaseException, so that it passes through the checker (which reports
    ordinary exceptions of the learner's function as wrong answers) to the
    grading job, which records ``fault``.
    """

    def __init__(self, fault: Fault, message: str):
        super().__init__(message)
        self.fault = fault
        self.message = message


class LearnerError(Exception):
    """Raised in the grader for an exception of the learner's function in the sandbox.

    ``str()`` is the learner's message with the place in their code, and
    ``learner_type`` the name of their exception's type.
    """

    learner_type = "Exception"


def _learner_error(type_name: str, message: str, where: str) -> LearnerError:
    name = type_name if type_name.isidentifier() and len(type_name) <= 60 else "Exception"
    cls = type(name, (LearnerError,), {"learner_type": name})
    text = message[:300] + (f" (at {where[:240]})" if where else "")
    return cls(text)


# ---------------------------------------------------------------------------
# plain-data codec: strict, with budgets
# ---------------------------------------------------------------------------

def encode(value):
    """Plain data for the sandbox (case inputs: the grader's own values)."""
    if value is None:
        return {"t": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"t": "bool", "v": bool(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf" or value.dtype.fields is not None:
            raise TypeError(f"cannot send an array of dtype {value.dtype} to the sandbox")
        array = np.array(value, order="C", copy=True)
        return {"t": "ndarray", "dtype": array.dtype.str, "shape": list(array.shape),
                "data": base64.b64encode(array.tobytes()).decode("ascii")}
    if isinstance(value, np.generic):
        return {"t": "npscalar", "dtype": value.dtype.str,
                "data": base64.b64encode(value.tobytes()).decode("ascii")}
    if isinstance(value, int):
        return {"t": "int", "v": repr(int(value))}
    if isinstance(value, float):
        return {"t": "float", "v": repr(float(value))}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, (tuple, list)):
        return {"t": "tuple" if isinstance(value, tuple) else "list",
                "v": [encode(item) for item in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[str(key), encode(item)] for key, item in value.items()]}
    expression = getattr(value, "expression", None)
    if callable(value) and isinstance(expression, str):
        return {"t": "function", "expression": expression}
    raise TypeError(f"cannot send a {type(value).__name__} to the sandbox")


class UnsupportedValue:
    """Stands for a value the learner's function returned that is not plain data."""

    def __init__(self, description: str):
        self.description = description

    def __repr__(self) -> str:
        return f"<{self.description}>"


def _dtype(text) -> np.dtype:
    if not isinstance(text, str) or len(text) > 8:
        raise ValueError("bad dtype")
    dtype = np.dtype(text)
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"dtype {dtype} is not a real number type")
    return dtype


def decode(data, depth: int = 0):
    """A value from the sandbox: plain Python and numpy types only."""
    if depth > 16 or not isinstance(data, dict):
        raise ValueError("malformed value")
    kind = data.get("t")
    if kind == "none":
        return None
    if kind == "bool":
        return data.get("v") is True
    if kind == "int":
        text = data.get("v")
        if not isinstance(text, str) or len(text) > 310:
            raise ValueError("malformed int")
        return int(text)
    if kind == "float":
        text = data.get("v")
        if not isinstance(text, str) or len(text) > 40:
            raise ValueError("malformed float")
        return float(text)
    if kind == "str":
        text = data.get("v")
        return text[:2000] if isinstance(text, str) else ""
    if kind in ("ndarray", "npscalar"):
        dtype = _dtype(data.get("dtype"))
        encoded = data.get("data")
        if not isinstance(encoded, str):
            raise ValueError("malformed array")
        raw = base64.b64decode(encoded, validate=True)
        if kind == "npscalar":
            if len(raw) != dtype.itemsize:
                raise ValueError("malformed scalar")
            return np.frombuffer(raw, dtype=dtype)[0]
        shape = data.get("shape")
        if not isinstance(shape, list) or len(shape) > 32 or not all(
                type(size) is int and 0 <= size <= MAX_ARRAY_VALUES for size in shape):
            raise ValueError("malformed shape")
        count = 1
        for size in shape:
            count *= size
        if count > MAX_ARRAY_VALUES or count * dtype.itemsize != len(raw):
            raise ValueError("array size does not match its data")
        return np.frombuffer(raw, dtype=dtype).reshape(tuple(shape)).copy()
    if kind in ("tuple", "list"):
        items = data.get("v")
        if not isinstance(items, list):
            raise ValueError("malformed sequence")
        decoded = [decode(item, depth + 1) for item in items]
        return tuple(decoded) if kind == "tuple" else decoded
    if kind == "unsupported":
        text = data.get("type")
        return UnsupportedValue(f"an object of type {text[:200] if isinstance(text, str) else '?'}")
    raise ValueError("unknown value kind")


def parse_message(raw: bytes) -> dict:
    """A message of the sandbox, parsed only when it is within the budgets."""
    if raw.count(b"{") + raw.count(b"[") > MAX_CONTAINERS or raw.count(b",") > 4 * MAX_CONTAINERS:
        raise SandboxFault(Fault.MALFORMED, "the answer sent back a result nested in too many "
                                            f"parts (more than {MAX_CONTAINERS})")
    try:
        message = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SandboxFault(Fault.MALFORMED, "the answer's process sent malformed data") from None
    if not isinstance(message, dict):
        raise SandboxFault(Fault.MALFORMED, "the answer's process sent malformed data")
    return message


def _text(value, limit: int = 500) -> str:
    return value[:limit] if isinstance(value, str) else ""


# ---------------------------------------------------------------------------
# the sandbox process of one learner
# ---------------------------------------------------------------------------

@dataclass
class CellOutcome:
    """What happened when an answer cell ran."""

    fault: Fault | None = None
    message: str = ""


@dataclass
class Sandbox:
    """One learner's answer cells, in an isolated process, with one overall deadline.

    ``cells`` are ``(cell id, source)``; ``stubs`` the names the lesson's
    given cells import from lossedu (``{name: "function" | "module"}``).
    A cell that kills the process or hangs it is skipped when the process
    is started again (it is graded as not answered); a call that does the
    same costs only that call's exercise.
    """

    cells: list
    stubs: dict
    limits: SandboxLimits
    isolation: object
    process_limits: object = None
    started: float = field(default_factory=time.monotonic)
    skipped: dict = field(default_factory=dict)       # cell index -> CellOutcome that removed it
    cell_outcomes: dict = field(default_factory=dict)  # cell id -> CellOutcome (last start)
    process: object = None

    @property
    def deadline(self) -> float:
        return self.started + self.limits.learner_seconds

    def _left(self, seconds: float) -> float:
        """The deadline for a step of ``seconds``: never past the learner's deadline."""
        return min(time.monotonic() + seconds, self.deadline)

    # -- process ---------------------------------------------------------------
    def _spawn(self) -> None:
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        try:
            self.process = self.isolation.start(
                CHILD_SCRIPT, [str(to_child_read), str(from_child_write)],
                pass_fds=(to_child_read, from_child_write), limits=self.process_limits)
        except BaseException:
            for fd in (to_child_read, to_child_write, from_child_read, from_child_write):
                os.close(fd)
            raise
        os.close(to_child_read)
        os.close(from_child_write)
        os.set_blocking(to_child_write, False)
        self._write_fd, self._read_fd = to_child_write, from_child_read

    def close(self) -> None:
        """Kill the process and everything it started."""
        if self.process is None:
            return
        try:
            self.process.kill()
        finally:
            for fd in (self._write_fd, self._read_fd):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.process = None

    def _crashed(self) -> SandboxFault:
        return SandboxFault(Fault.CRASH, "the process running your code stopped")

    def _send(self, message: dict, deadline: float) -> None:
        data = json.dumps(message).encode("utf-8")
        view = memoryview(struct.pack("!I", len(data)) + data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            _, ready, _ = select.select([], [self._write_fd], [], remaining)
            if not ready:
                raise TimeoutError
            try:
                view = view[os.write(self._write_fd, view[:1 << 16]):]
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                raise self._crashed() from None

    def _read_exactly(self, count: int, deadline: float) -> bytes:
        chunks, left = [], count
        while left:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._read_fd], [], [], remaining)
            if not ready:
                raise TimeoutError
            chunk = os.read(self._read_fd, min(left, 1 << 20))
            if not chunk:
                raise self._crashed()
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _receive(self, deadline: float) -> dict:
        (length,) = struct.unpack("!I", self._read_exactly(4, deadline))
        if length > MAX_MESSAGE_BYTES:
            raise SandboxFault(Fault.MALFORMED, "the answer sent back a result larger than "
                                                f"{MAX_MESSAGE_BYTES // 2**20} MB")
        return parse_message(self._read_exactly(length, deadline))

    # -- answer cells ----------------------------------------------------------
    def start(self) -> None:
        """Start the process and run the answer cells.

        A cell that kills the process or outlives its time limit (even by
        swallowing the alarm) is skipped from then on; the process is started
        again without it.  Raises SandboxFault when the learner's overall
        deadline passes or the process cannot start at all.
        """
        while True:
            if time.monotonic() >= self.deadline:
                raise SandboxFault(Fault.TIME_LIMIT, "the time limit of "
                                   f"{self.limits.learner_seconds:g} s for all of your answers "
                                   "was reached")
            current = None
            try:
                self._spawn()
                self.cell_outcomes = {}
                self._send({"cells": [{"id": cell_id, "source": source}
                                      for cell_id, source in self.cells],
                            "skip": sorted(self.skipped), "stubs": self.stubs,
                            "cell_seconds": self.limits.cell_seconds},
                           self._left(self.limits.start_seconds))
                deadline = self._left(self.limits.start_seconds)
                while True:
                    message = self._receive(deadline)
                    op = message.get("op")
                    if op == "cell":
                        current = message.get("index")
                        if type(current) is not int or not 0 <= current < len(self.cells) \
                                or current in self.skipped:
                            raise SandboxFault(Fault.MALFORMED, "protocol broken")
                        deadline = self._left(self.limits.cell_seconds + 2.0)
                    elif op == "cell_done" and current is not None \
                            and message.get("index") == current:
                        fault = message.get("fault")
                        outcome = CellOutcome(None if fault is None else Fault.reported(fault),
                                              _text(message.get("message")))
                        self.cell_outcomes[self.cells[current][0]] = outcome
                        if outcome.fault is Fault.TIME_LIMIT:
                            self.skipped[current] = outcome   # not again on a restart
                        current = None
                        deadline = self._left(self.limits.start_seconds)
                    elif op == "ready" and current is None:
                        return
                    else:
                        raise SandboxFault(Fault.MALFORMED, "protocol broken")
            except TimeoutError:
                self.close()
                if current is None:
                    if time.monotonic() >= self.deadline:
                        continue     # reported at the top of the loop
                    raise SandboxFault(Fault.UNAVAILABLE, "the sandbox did not start in time")
                self.skipped[current] = CellOutcome(
                    Fault.TIME_LIMIT, f"stopped after {self.limits.cell_seconds:g} seconds")
            except SandboxFault as problem:
                self.close()
                if current is None:
                    if problem.fault is Fault.CRASH:
                        raise SandboxFault(Fault.UNAVAILABLE,
                                           "the sandbox process stopped while starting") from None
                    raise
                self.skipped[current] = CellOutcome(problem.fault, problem.message)
            except BaseException:
                self.close()
                raise

    def call(self, function: str, args: tuple, kwargs: dict):
        """Call the learner's ``function`` in the sandbox; plain values back.

        Raises LearnerError for an exception of the learner's function and
        SandboxFault for a fault (after which the process is gone; the next
        call starts it again).
        """
        if self.process is None:
            self.start()
        request = {"op": "call", "fn": function, "args": [encode(a) for a in args],
                   "kwargs": {k: encode(v) for k, v in kwargs.items()},
                   "seconds": self.limits.call_seconds}
        # A check that watches numpy's floating-point errors (an exercise that asks for
        # stability) has set numpy to call it: the sandbox watches the same errors in the
        # learner's own code and reports them.
        watch = np.geterrcall()
        watched = [kind for kind, mode in np.geterr().items() if mode == "call"]
        if watched and hasattr(watch, "record"):
            request["watch"] = watched
        deadline = self._left(self.limits.call_seconds + 2.0)
        try:
            self._send(request, deadline)
            message = self._receive(deadline)
            if message.get("op") != "result":
                raise SandboxFault(Fault.MALFORMED, "protocol broken")
        except TimeoutError:
            self.close()
            if time.monotonic() >= self.deadline:
                raise SandboxFault(Fault.TIME_LIMIT, "the time limit of "
                                   f"{self.limits.learner_seconds:g} s for all of your answers "
                                   "was reached") from None
            raise SandboxFault(Fault.TIME_LIMIT, f"{function} did not return within "
                               f"{self.limits.call_seconds:g} seconds") from None
        except BaseException:
            self.close()
            raise
        if message.get("ok") is not True:
            fault = Fault.reported(message.get("fault"))
            if fault is Fault.ERROR:
                raise _learner_error(_text(message.get("error"), 100),
                                     _text(message.get("message")), _text(message.get("where")))
            if fault is Fault.EXIT:
                raise _learner_error("SystemExit", _text(message.get("message")),
                                     _text(message.get("where")))
            if fault is Fault.TIME_LIMIT:
                raise SandboxFault(fault, f"{function} did not return within "
                                   f"{self.limits.call_seconds:g} seconds")
            if fault is Fault.MEMORY:
                raise SandboxFault(fault, f"{function} ran out of memory")
            self.close()
            raise SandboxFault(Fault.MALFORMED, "protocol broken")
        reported = message.get("fp_errors")
        if "watch" in request and isinstance(reported, list):
            for item in reported[:8]:
                if isinstance(item, list) and len(item) == 2 and \
                        item[0] in FLOATING_POINT_ERRORS:
                    watch.record(item[0], _text(item[1], 300))
        try:
            value = decode(message.get("value"))
            after = message.get("args_after") or []
            if not isinstance(after, list):
                raise ValueError("malformed")
            for original, changed in zip(args, after):
                if isinstance(original, np.ndarray) and changed is not None:
                    changed = decode(changed)
                    if isinstance(changed, np.ndarray) and changed.shape == original.shape \
                            and original.flags.writeable:
                        np.copyto(original, changed, casting="unsafe")
        except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
            self.close()
            raise SandboxFault(Fault.MALFORMED, "your function sent back malformed data") \
                from None
        return value
