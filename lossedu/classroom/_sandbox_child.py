"""The sandbox process: runs one learner's answer cells and calls their functions.

Started by :mod:`lossedu.classroom.sandbox` inside the operating system's
isolation (:mod:`lossedu.classroom.isolation`: namespaces, an unprivileged
uid, rlimits) as ``python -I -S -B this_file FD_IN FD_OUT [NUMPY_FOLDER]``.
It imports the standard library and numpy only.  Nothing here is a security
boundary: the learner's code runs in this interpreter and can change
anything in it.  The boundary is the isolation around the process, and the
grader, which trusts nothing this process sends (it decodes plain data
with size budgets, under deadlines, and compares in its own process).

Protocol (each message a 4-byte big-endian length, then UTF-8 JSON):

* grader -> here: ``{"cells": [{"id", "source"}], "skip": [index, ...],
  "stubs": {name: "function" | "module"}, "cell_seconds": s}``;
* here -> grader, per cell: ``{"op": "cell", "index": i}`` then
  ``{"op": "cell_done", "index": i, "fault": FAULT or null, "message": text}``;
  then ``{"op": "ready"}``;
* grader -> here: ``{"op": "call", "fn", "args", "kwargs", "seconds"}``;
  here -> grader: ``{"op": "result", "ok": true, "value", "args_after"}`` or
  ``{"op": "result", "ok": false, "fault": FAULT, "error": type name,
  "message": text, "where": "line N of f: source"}``.

FAULT is one of ``"error"``, ``"time_limit"``, ``"memory"``, ``"exit"`` (the
values of :class:`lossedu.classroom.sandbox.Fault` that this side reports).
"""

import ast
import base64
import json
import linecache
import os
import signal
import struct
import sys

_IN = _OUT = None
_MAX_FRAME = 64 * 2**20
_MAX_DEPTH = 16
_MAX_ITEMS = 2_000_000


# ---------------------------------------------------------------------------
# framing and plain-data codec
# ---------------------------------------------------------------------------

def _read_exactly(count):
    chunks, left = [], count
    while left:
        chunk = os.read(_IN, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive():
    (length,) = struct.unpack("!I", _read_exactly(4))
    if length > _MAX_FRAME:
        raise EOFError
    return json.loads(_read_exactly(length).decode("utf-8"))


def _send(message):
    data = json.dumps(message, allow_nan=True).encode("utf-8")
    data = struct.pack("!I", len(data)) + data
    view = memoryview(data)
    while view:
        view = view[os.write(_OUT, view):]


def _encode(value, np, depth=0):
    """Plain data from a value; exact type checks only (no learner methods run)."""
    kind = type(value)
    if depth > _MAX_DEPTH:
        return {"t": "unsupported", "type": "nested too deeply"}
    if value is None:
        return {"t": "none"}
    if kind is bool:
        return {"t": "bool", "v": value}
    if kind is int:
        if abs(value) >= 10 ** 300:
            return {"t": "unsupported", "type": "an int with hundreds of digits"}
        return {"t": "int", "v": int.__repr__(value)}
    if kind is float:
        return {"t": "float", "v": float.__repr__(value)}
    if kind is str:
        return {"t": "str", "v": value[:2000]}
    if isinstance(value, np.ndarray):
        array = value.view(np.ndarray) if kind is not np.ndarray else value
        if array.dtype.kind not in "biuf" or array.dtype.fields is not None:
            return {"t": "unsupported", "type": f"numpy array of dtype {array.dtype}"}
        if array.size > _MAX_ITEMS:
            return {"t": "unsupported", "type": f"numpy array of {array.size} values"}
        array = np.array(array, order="C", copy=True)
        return {"t": "ndarray", "dtype": array.dtype.str, "shape": list(array.shape),
                "data": base64.b64encode(array.tobytes()).decode("ascii")}
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        if value.dtype.kind not in "biuf":
            return {"t": "unsupported", "type": f"numpy {value.dtype} scalar"}
        return {"t": "npscalar", "dtype": value.dtype.str,
                "data": base64.b64encode(value.tobytes()).decode("ascii")}
    if kind is tuple or kind is list:
        if len(value) > 10_000:
            return {"t": "unsupported", "type": f"{kind.__name__} of {len(value)} items"}
        return {"t": kind.__name__, "v": [_encode(item, np, depth + 1) for item in value]}
    return {"t": "unsupported",
            "type": f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', '?')}"}


def _decode(data, np):
    """Values for the learner's function (they come from the grader)."""
    kind = data["t"]
    if kind == "none":
        return None
    if kind in ("bool", "str"):
        return data["v"]
    if kind == "int":
        return int(data["v"])
    if kind == "float":
        return float(data["v"])
    if kind == "ndarray":
        raw = base64.b64decode(data["data"])
        return np.frombuffer(raw, dtype=np.dtype(data["dtype"])).reshape(
            tuple(data["shape"])).copy()
    if kind == "npscalar":
        return np.frombuffer(base64.b64decode(data["data"]), dtype=np.dtype(data["dtype"]))[0]
    if kind in ("tuple", "list"):
        items = [_decode(item, np) for item in data["v"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {key: _decode(item, np) for key, item in data["v"]}
    if kind == "function":
        # A case input that is a function of x, given as a numpy expression
        # (e.g. "np.sum(x ** 3)" for numerical_gradient): rebuilt here, so
        # that calling it is work done inside the sandbox.
        function = eval(f"lambda x: {data['expression']}", {"np": np})  # the grader's text

        def scalar_function(x):
            return float(function(np.asarray(x, dtype=np.float64)))
        scalar_function.__name__ = "f"
        return scalar_function
    raise ValueError(f"cannot decode {kind!r}")


# ---------------------------------------------------------------------------
# running the learner's code
# ---------------------------------------------------------------------------

class _TimeUp(BaseException):
    pass


def _alarm(signum, frame):
    raise _TimeUp


class _Absorb:
    """Stands for ``get_ipython()`` and lossedu modules (plots, widgets, data):
    every use is a harmless no-op that does no work."""

    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False


class NotAvailableInAnswers(Exception):
    """An answer used a lossedu function the lesson's given cells import."""


def _refusing_stub(name):
    def stub(*args, **kwargs):
        raise NotAvailableInAnswers(
            f"{name} is lossedu's, imported by the lesson's given cells; an answer must "
            "compute what it needs itself with numpy, so it is not available when your "
            "answer is graded")
    stub.__name__ = stub.__qualname__ = name
    return stub


class _FloatingPointWatch:
    """numpy's floating-point errors raised by a line of the learner's own code."""

    def __init__(self):
        self.reports = []

    def __call__(self, error, flag):
        frame = sys._getframe(1)
        while frame is not None and not frame.f_code.co_filename.startswith("<answer"):
            frame = frame.f_back
        if frame is None or len(self.reports) >= 8:
            return
        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
        self.reports.append([error, f"line {frame.f_lineno} of {frame.f_code.co_name}"
                                    + (f": {line[:200]}" if line else "")])


def _without_magics(source):
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _first_line(error):
    try:
        text = str(error).strip().splitlines()
    except BaseException:  # a learner's exception whose __str__ fails
        text = []
    return text[0][:500] if text else ""


def _where(error):
    """``line N of f: source`` for the innermost frame of the learner's own code."""
    frame, found = error.__traceback__, None
    while frame is not None:
        code = frame.tb_frame.f_code
        if code.co_filename.startswith("<answer"):
            found = (frame.tb_lineno, code.co_name, code.co_filename)
        frame = frame.tb_next
    if found is None:
        return ""
    lineno, name, filename = found
    line = linecache.getline(filename, lineno).strip()
    where = "the top level" if name == "<module>" else name
    return f"line {lineno} of {where}" + (f": {line[:200]}" if line else "")


def _fault_of(error):
    if isinstance(error, _TimeUp):
        return "time_limit"
    if isinstance(error, MemoryError):
        return "memory"
    if isinstance(error, (SystemExit, KeyboardInterrupt)):
        return "exit"
    return "error"


def _run_cell(index, cell, namespace, seconds):
    source = _without_magics(cell["source"])
    filename = f"<answer {cell['id']}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    fault, message = None, ""
    try:
        tree = compile(source, filename, "exec", ast.PyCF_ONLY_AST)
        code = compile(tree, filename, "exec")
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            exec(code, namespace)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as error:  # the learner's cell failed: reported, not suffered
        fault = _fault_of(error)
        name = type(error).__name__
        detail = _first_line(error)
        where = _where(error)
        message = f"{name}" + (f": {detail}" if detail else "") + (f" ({where})" if where else "")
        if fault == "time_limit":
            message = f"stopped after {seconds:g} seconds" + (f" ({where})" if where else "")
    return fault, message


def main():
    global _IN, _OUT
    _IN, _OUT = int(sys.argv[1]), int(sys.argv[2])
    if len(sys.argv) > 3:
        sys.path.append(sys.argv[3])   # numpy's folder
    site = os.environ.get("LOSSEDU_SANDBOX_SITE")
    if site:
        sys.path.append(site)

    import builtins
    import warnings

    import numpy as np
    # Anything else an answer imports (the standard library, numpy's
    # submodules) is loaded when it asks: each sandbox start pays only for
    # what its learner uses.
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    signal.signal(signal.SIGALRM, _alarm)

    setup = _receive()
    namespace = {"__name__": "__main__", "__builtins__": builtins, "np": np,
                 "get_ipython": _Absorb(), "display": lambda *a, **k: None}
    for name, kind in setup.get("stubs", {}).items():
        namespace[name] = _refusing_stub(name) if kind == "function" else _Absorb()
    cell_seconds = float(setup.get("cell_seconds", 10.0))
    skip = set(setup.get("skip", ()))

    for index, cell in enumerate(setup["cells"]):
        if index in skip:
            continue
        _send({"op": "cell", "index": index})
        fault, message = _run_cell(index, cell, namespace, cell_seconds)
        _send({"op": "cell_done", "index": index, "fault": fault, "message": message})
    _send({"op": "ready"})

    while True:
        try:
            request = _receive()
        except EOFError:
            break
        if request.get("op") != "call":
            break
        function = namespace.get(request["fn"])
        if not callable(function):
            _send({"op": "result", "ok": False, "fault": "error", "error": "NameError",
                   "message": f"name {request['fn']!r} is not defined by the answer cells",
                   "where": ""})
            continue
        seconds = float(request.get("seconds", 10.0))
        watch = _FloatingPointWatch() if request.get("watch") else None
        try:
            args = [_decode(item, np) for item in request["args"]]
            kwargs = {key: _decode(item, np) for key, item in request["kwargs"].items()}
            signal.setitimer(signal.ITIMER_REAL, seconds)
            try:
                if watch is not None:
                    with np.errstate(call=watch, **{kind: "call"
                                                    for kind in request["watch"]}):
                        value = function(*args, **kwargs)
                else:
                    value = function(*args, **kwargs)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            reply = {"op": "result", "ok": True, "value": _encode(value, np),
                     "args_after": [_encode(a, np) if isinstance(a, np.ndarray) else None
                                    for a in args]}
            if watch is not None:
                reply["fp_errors"] = watch.reports
        except BaseException as problem:  # the learner's function failed: reported
            fault = _fault_of(problem)
            reply = {"op": "result", "ok": False, "fault": fault,
                     "error": type(problem).__name__[:100], "message": _first_line(problem),
                     "where": _where(problem)}
            if fault == "time_limit":
                reply["message"] = f"stopped after {seconds:g} seconds"
        _send(reply)
    os._exit(0)


if __name__ == "__main__":
    main()
