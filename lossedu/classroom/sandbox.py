"""Integrity verification: re-check each exercise outside the learner's kernel.

Inside nbgrader's kernel, the learner's code runs in the same process as the
check, so it can undo any defence there: replace ``check``, patch numpy or
builtins, rewrite later cells with an IPython input transformer, print a
fake "passed".  So every exercise is checked a second time here:

* the learner's **answer cells** (nothing else) run in a separate plain
  Python process, :mod:`lossedu.classroom._sandbox_child` (no IPython, no
  nbgrader, no lossedu; resource limits; an audit hook that refuses
  imports, files, processes and signals);
* :func:`lossedu.grading.check` runs **in the grader's process** with
  ``hidden=True`` (fresh random cases) on a *proxy*: a function that sends
  the case's inputs to the sandbox and returns only plain numbers, float
  arrays and tuples of them, decoded without pickle.  No object of the
  learner's (with an overloaded ``__eq__`` or ``__sub__``) can reach the
  comparison.

An exercise's points count only if this re-check passes too.
"""

from __future__ import annotations

import ast
import base64
import importlib
import inspect
import json
import os
import select
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Verdict", "SandboxLimits", "answer_helpers", "verify_answers"]

_CHILD = Path(__file__).with_name("_sandbox_child.py")
#: The folder numpy is imported from (the child gets only this on its path).
_NUMPY_HOME = str(Path(np.__file__).resolve().parent.parent)
_MAX_FRAME = 256 * 2**20
_MAX_ITEMS = 10_000_000


@dataclass(frozen=True)
class SandboxLimits:
    memory_mb: int = 2048
    cell_seconds: float = 30.0     # one answer cell
    call_seconds: float = 10.0     # one call of a learner's function
    cpu_seconds: int = 600         # the whole sandbox process


@dataclass(frozen=True)
class Verdict:
    """Result of the re-check of one exercise."""

    passed: bool
    message: str = ""


class SandboxFailure(Exception):
    """The sandbox process died, hung or broke the protocol."""


class UnsupportedValue:
    """Stands for a value the sandbox could not send as plain data."""

    def __init__(self, description: str):
        self.description = description

    def __repr__(self) -> str:
        return f"<unsupported value: {self.description}>"


# ---------------------------------------------------------------------------
# plain-data codec (the child's _encode/_decode mirrored, strict on decoding)
# ---------------------------------------------------------------------------

def _encode(value, callables: list):
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
                "v": [_encode(item, callables) for item in value]}
    if isinstance(value, dict):
        return {"t": "dict", "v": [[str(key), _encode(item, callables)]
                                   for key, item in value.items()]}
    if callable(value):
        callables.append(value)   # case inputs that are functions: ids -1, -2, ...
        return {"t": "callable", "id": -len(callables),
                "name": getattr(value, "__name__", "function")}
    raise TypeError(f"cannot send a {type(value).__name__} to the sandbox")


def _checked_dtype(text) -> np.dtype:
    if not isinstance(text, str) or len(text) > 8:
        raise ValueError("bad dtype")
    dtype = np.dtype(text)
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"dtype {dtype} is not a real number type")
    return dtype


def _decode(data, depth: int = 0):
    """A value from the sandbox: plain Python and numpy types only, never pickle."""
    if depth > 16 or not isinstance(data, dict):
        raise ValueError("malformed value")
    kind = data.get("t")
    if kind == "none":
        return None
    if kind == "bool":
        return data["v"] is True
    if kind == "int":
        text = data["v"]
        if not isinstance(text, str) or len(text) > 400:
            raise ValueError("malformed int")
        return int(text)
    if kind == "float":
        return float(str(data["v"]))
    if kind == "str":
        return str(data["v"])[:10_000]
    if kind in ("ndarray", "npscalar"):
        dtype = _checked_dtype(data.get("dtype"))
        raw = base64.b64decode(str(data["data"]), validate=True)
        if kind == "npscalar":
            if len(raw) != dtype.itemsize:
                raise ValueError("malformed scalar")
            return np.frombuffer(raw, dtype=dtype)[0]
        shape = data.get("shape")
        if not isinstance(shape, list) or len(shape) > 32 or not all(
                type(size) is int and size >= 0 for size in shape):
            raise ValueError("malformed shape")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if count > _MAX_ITEMS or count * dtype.itemsize != len(raw):
            raise ValueError("array size does not match its data")
        return np.frombuffer(raw, dtype=dtype).reshape(tuple(shape)).copy()
    if kind in ("tuple", "list"):
        items = data.get("v")
        if not isinstance(items, list):
            raise ValueError("malformed sequence")
        decoded = [_decode(item, depth + 1) for item in items]
        return tuple(decoded) if kind == "tuple" else decoded
    if kind == "dict":
        return {str(key): _decode(item, depth + 1) for key, item in data.get("v", [])}
    if kind == "unsupported":
        return UnsupportedValue(str(data.get("type", "?"))[:200])
    raise ValueError(f"unknown value kind {kind!r}")


# ---------------------------------------------------------------------------
# helpers from the lesson's given cells
# ---------------------------------------------------------------------------

def answer_helpers(given_sources) -> dict:
    """Names the lesson's given cells import from lossedu: ``{name: object}``.

    ``from lossedu.training import cost as reference_cost`` gives
    ``reference_cost``; ``from lossedu import data`` gives the module
    ``data``.  In the sandbox these exist as stubs that run in the grader.
    """
    helpers = {}
    for source in given_sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and \
                    node.module.split(".")[0] == "lossedu":
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    value = getattr(module, alias.name, None)
                    if value is None:
                        try:
                            value = importlib.import_module(f"{node.module}.{alias.name}")
                        except ImportError:
                            continue
                    helpers[alias.asname or alias.name] = value
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "lossedu" and alias.asname:
                        helpers[alias.asname] = importlib.import_module(alias.name)
    return helpers


def _public_functions(module) -> dict:
    return {name: value for name, value in vars(module).items()
            if not name.startswith("_") and inspect.isfunction(value)
            and getattr(value, "__module__", "") == module.__name__}


# ---------------------------------------------------------------------------
# the sandbox process
# ---------------------------------------------------------------------------

class Sandbox:
    """One sandbox process holding a learner's answer cells."""

    def __init__(self, cells, helpers: dict, limits: SandboxLimits):
        self.cells = list(cells)            # [(cell id, source)]
        self.helpers = helpers
        self.limits = limits
        self.skipped: set = set()           # indexes of cells that hang or kill the process
        self.cell_errors: dict = {}         # cell id -> error text
        self.process = None
        self._helper_table: list = []       # callback id -> function (helpers)
        self._case_callables: list = []     # callback ids for case inputs, per call
        self.refused: tuple = ()
        self.refusal = None

    # -- process management ------------------------------------------------
    def _spawn(self):
        to_child_read, to_child_write = os.pipe()
        from_child_read, from_child_write = os.pipe()
        environment = {"PATH": os.environ.get("PATH", ""), "OPENBLAS_NUM_THREADS": "1",
                       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2",
                       "LANG": "C.UTF-8"}
        try:
            self.process = subprocess.Popen(
                # -I -S: no environment variables, no user site, no .pth files run
                [sys.executable, "-I", "-S", "-B", str(_CHILD), str(to_child_read),
                 str(from_child_write), str(self.limits.memory_mb),
                 str(int(self.limits.cpu_seconds)), _NUMPY_HOME],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(to_child_read, from_child_write), env=environment,
                cwd="/" if os.name == "posix" else None, start_new_session=True)
        finally:
            os.close(to_child_read)
            os.close(from_child_write)
        self._write_fd, self._read_fd = to_child_write, from_child_read

    def kill(self):
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.kill()
        except ProcessLookupError:
            pass
        self.process.wait()
        for fd in (self._write_fd, self._read_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.process = None

    def _send(self, message):
        data = json.dumps(message).encode("utf-8")
        try:
            os.write(self._write_fd, struct.pack("!I", len(data)))
            view = memoryview(data)
            while view:
                view = view[os.write(self._write_fd, view):]
        except (BrokenPipeError, OSError) as error:
            raise SandboxFailure(f"the process stopped ({error})") from None

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
                raise SandboxFailure("the process stopped")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _receive(self, deadline: float) -> dict:
        (length,) = struct.unpack("!I", self._read_exactly(4, deadline))
        if length > _MAX_FRAME:
            raise SandboxFailure("the process sent a message that is too large")
        try:
            message = json.loads(self._read_exactly(length, deadline).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise SandboxFailure("the process sent a malformed message") from None
        if not isinstance(message, dict):
            raise SandboxFailure("the process sent a malformed message")
        return message

    def start(self):
        """Start the process and run the answer cells; quarantine any that hangs or kills it."""
        for _ in range(len(self.cells) + 1):
            try:
                self._start_once()
                return
            except (TimeoutError, SandboxFailure):
                current = getattr(self, "_current_cell", None)
                self.kill()
                if current is None or current in self.skipped:
                    raise SandboxFailure("the re-check process could not start") from None
                self.skipped.add(current)
                cell_id = self.cells[current][0]
                self.cell_errors[cell_id] = "stopped or killed the re-check process"
        raise SandboxFailure("the re-check process could not run the answer cells")

    def _start_once(self):
        self._spawn()
        self._current_cell = None
        helpers, self._helper_table = {}, []
        for name, value in self.helpers.items():
            if inspect.ismodule(value):
                functions = {}
                for attribute, function in _public_functions(value).items():
                    self._helper_table.append(function)
                    functions[attribute] = len(self._helper_table) - 1
                helpers[name] = {"kind": "module", "functions": functions}
            elif callable(value):
                self._helper_table.append(value)
                helpers[name] = {"kind": "function", "id": len(self._helper_table) - 1}
        cells = [{"id": cell_id, "source": "" if index in self.skipped else source}
                 for index, (cell_id, source) in enumerate(self.cells)]
        self._send({"cells": cells, "helpers": helpers, "cell_time": self.limits.cell_seconds})
        deadline = time.monotonic() + 20.0   # interpreter and numpy start
        while True:
            message = self._receive(deadline)
            op = message.get("op")
            if op == "cell":
                self._current_cell = int(message.get("index", -1))
                deadline = time.monotonic() + self.limits.cell_seconds + 5.0
            elif op == "cell_done":
                index = int(message.get("index", -1))
                if message.get("error") and 0 <= index < len(self.cells):
                    error = str(message["error"])[:500]
                    self.cell_errors[self.cells[index][0]] = error
                    if error.startswith("stopped after"):
                        self.skipped.add(index)   # not again when the process restarts
                self._current_cell = None
            elif op == "ready":
                return
            elif op == "callback":   # a top-level call of a helper in an answer cell
                self._answer_callback(message)
            else:
                raise SandboxFailure("the process broke the protocol")

    # -- calls ---------------------------------------------------------------
    def _answer_callback(self, message):
        try:
            callback_id = int(message["id"])
            args = [_decode(item) for item in message.get("args", [])]
            kwargs = {str(k): _decode(v) for k, v in message.get("kwargs", {}).items()}
            if callback_id >= 0 and callback_id < len(self._helper_table):
                function = self._helper_table[callback_id]
            elif callback_id < 0 and -callback_id - 1 < len(self._case_callables):
                function = self._case_callables[-callback_id - 1]
            else:
                raise ValueError("unknown function")
            if any(function is refused for refused in self.refused):
                name = getattr(function, "__name__", "function")
                self.refusal = name
                raise PermissionError(
                    f"your function calls lossedu's own {name}, the reference this exercise "
                    "asks you to write")
            value = function(*args, **kwargs)
            reply = {"ok": True, "value": _encode(value, [])}
        except Exception as error:  # reported to the learner's code as a failed call
            reply = {"ok": False, "message": f"{type(error).__name__}: {error}"[:500]}
        self._send(reply)

    def call(self, function_name: str, args: tuple, kwargs: dict):
        """Call the learner's ``function_name`` in the sandbox; plain values back."""
        if self.process is None:
            self.start()
        case_callables: list = []
        request = {"op": "call", "fn": function_name,
                   "args": [_encode(a, case_callables) for a in args],
                   "kwargs": {k: _encode(v, case_callables) for k, v in kwargs.items()},
                   "time": self.limits.call_seconds}
        self._case_callables = case_callables
        deadline = time.monotonic() + self.limits.call_seconds + 5.0
        try:
            self._send(request)
            while True:
                message = self._receive(deadline)
                if message.get("op") == "callback":
                    self._answer_callback(message)
                    continue
                if message.get("op") != "result":
                    raise SandboxFailure("the process broke the protocol")
                break
        except TimeoutError:
            self.kill()
            raise TimeoutError(f"{function_name} did not return within "
                               f"{self.limits.call_seconds:g} seconds") from None
        except BaseException:
            self.kill()    # interrupted mid-call (the checker's own time limit): start afresh
            raise
        if not message.get("ok"):
            raise SandboxCallError(str(message.get("error", "Error"))[:100],
                                   str(message.get("message", ""))[:1000])
        try:
            value = _decode(message.get("value"))
            after = message.get("args_after") or []
            for original, changed in zip(args, after):
                if isinstance(original, np.ndarray) and changed is not None:
                    changed = _decode(changed)
                    if isinstance(changed, np.ndarray) and changed.shape == original.shape \
                            and original.flags.writeable:
                        np.copyto(original, changed, casting="unsafe")
        except (ValueError, TypeError, KeyError, OverflowError) as error:
            raise SandboxFailure(f"the answer sent back malformed data ({error})") from None
        return value


class SandboxCallError(Exception):
    """The learner's function raised in the sandbox; the message says what."""

    def __init__(self, name: str, message: str):
        super().__init__(message or name)
        self.name = name


def _proxy(box: Sandbox, function_name: str):
    def proxy(*args, **kwargs):
        return box.call(function_name, args, kwargs)
    proxy.__name__ = proxy.__qualname__ = function_name
    return proxy


def verify_answers(answer_cells, functions, *, helpers=None,
                   limits: SandboxLimits = SandboxLimits()) -> dict:
    """Re-check ``functions`` (exercise ids) with ``answer_cells`` run in a sandbox.

    Parameters
    ----------
    answer_cells : list of (cell id, source)
        The learner's answer cells, in notebook order.
    functions : list of str
        The exercise ids to check (each the name of a learner function).
    helpers : dict, optional
        Names the lesson's given cells import from lossedu (see
        :func:`answer_helpers`); they run in the grader's process.

    Returns
    -------
    dict
        ``{exercise id: Verdict}``.
    """
    from lossedu.grading import EXERCISES, check

    verdicts = {}
    box = Sandbox(answer_cells, helpers or {}, limits)
    try:
        try:
            box.start()
        except SandboxFailure as error:
            return {name: Verdict(False, f"the answer cells could not run: {error}")
                    for name in functions}
        for name in functions:
            exercise = EXERCISES[name]
            box.refused = (exercise.reference,) + tuple(exercise.forbidden)
            box.refusal = None
            try:
                check(name, _proxy(box, name), hidden=True)
            except AssertionError as failure:
                message = str(failure)
                if box.refusal:
                    message = (f"{name}: your function calls lossedu's own {box.refusal}, the "
                               "reference this exercise asks you to write.")
                verdicts[name] = Verdict(False, message)
            except SandboxFailure as failure:
                verdicts[name] = Verdict(False, f"{name}: the re-check failed: {failure}")
            else:
                verdicts[name] = Verdict(True)
            problem = box.cell_errors.get(f"answer_{name}")
            if problem and not verdicts[name].passed:
                verdicts[name] = Verdict(False, f"{verdicts[name].message}\n(The answer cell "
                                                f"of {name} failed: {problem})")
    finally:
        box.kill()
    return verdicts
