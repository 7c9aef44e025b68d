"""The sandbox process: runs a learner's answer cells and calls their functions.

Started by :mod:`lossedu.classroom.sandbox` as ``python -I -S this_file FD_IN
FD_OUT MEMORY_MB CPU_SECONDS NUMPY_FOLDER``.  It is a plain Python process (no IPython, no
nbgrader, no lossedu: this file imports only the standard library and
numpy), and it trusts nothing it runs:

* resource limits: address space, CPU time, no core files, no file writes;
* an audit hook (installed before any learner code runs, and impossible to
  remove from Python) refuses imports of modules not loaded yet, opening
  files, listing folders, starting processes, sending signals, sockets and
  ctypes;
* the learner's functions are called with plain numbers and float arrays,
  and only plain data goes back (length-prefixed JSON, arrays as raw bytes
  with their dtype and shape); the grader's process decodes it without
  pickle and runs the comparison itself.

Helpers the lesson's given cells import from lossedu (``reference_cost``,
``numerical_gradient``) and callables among the case inputs exist here as
stubs that ask the grader's process to run them.
"""

import base64
import json
import os
import resource
import signal
import struct
import sys
import types

_IN = _OUT = None
_MAX_FRAME = 256 * 2**20
_MAX_DEPTH = 16
_MAX_ITEMS = 10_000_000


# ---------------------------------------------------------------------------
# framing and plain-data codec (the grader's side mirrors it)
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
        written = os.write(_OUT, view)
        view = view[written:]


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
        return {"t": "int", "v": int.__repr__(value)}
    if kind is float:
        return {"t": "float", "v": float.__repr__(value)}
    if kind is str:
        return {"t": "str", "v": value[:10_000]}
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
        if len(value) > _MAX_ITEMS:
            return {"t": "unsupported", "type": f"{kind.__name__} of {len(value)} items"}
        return {"t": kind.__name__, "v": [_encode(item, np, depth + 1) for item in value]}
    if kind is dict:
        return {"t": "dict", "v": [[key, _encode(item, np, depth + 1)]
                                   for key, item in value.items() if type(key) is str]}
    return {"t": "unsupported",
            "type": f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', '?')}"}


def _decode(data, np, callbacks):
    """Values for the learner's function (from the grader: trusted)."""
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
        return np.frombuffer(raw, dtype=np.dtype(data["dtype"])).reshape(tuple(data["shape"])).copy()
    if kind == "npscalar":
        raw = base64.b64decode(data["data"])
        return np.frombuffer(raw, dtype=np.dtype(data["dtype"]))[0]
    if kind in ("tuple", "list"):
        items = [_decode(item, np, callbacks) for item in data["v"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {key: _decode(item, np, callbacks) for key, item in data["v"]}
    if kind == "callable":
        return callbacks(data["id"], data.get("name", "function"))
    raise ValueError(f"cannot decode {kind!r}")


# ---------------------------------------------------------------------------
# confinement
# ---------------------------------------------------------------------------

class _Blocked(ImportError):
    pass


class _BlockPackages:
    """Meta-path finder that refuses the grader's packages."""

    BLOCKED = ("lossedu", "nbgrader", "IPython", "ipykernel", "jupyter_client", "nbclient",
               "nbformat", "sqlalchemy")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.BLOCKED:
            raise _Blocked(f"importing {name} is not allowed in an answer")
        return None


_BLOCKED_EVENTS = (
    "open", "os.listdir", "os.scandir", "os.walk", "os.system", "os.exec", "os.posix_spawn",
    "os.spawn", "os.fork", "os.forkpty", "os.kill", "os.killpg", "os.remove", "os.rename",
    "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.link", "os.symlink", "os.truncate",
    "os.putenv", "os.unsetenv", "os.chdir", "shutil.", "subprocess.", "socket.", "ctypes.",
    "signal.pthread_kill", "resource.setrlimit", "resource.prlimit", "sys.remote_exec",
    "pty.", "mmap.", "webbrowser.", "urllib.", "ftplib.", "smtplib.", "http.", "glob.",
    "tempfile.", "sqlite3.", "_posixsubprocess.", "import",
)


def _audit(event, args):
    for blocked in _BLOCKED_EVENTS:
        if event == blocked or (blocked.endswith(".") and event.startswith(blocked)):
            if event == "import":
                name = args[0] if args else "?"
                raise _Blocked(f"importing {name} is not allowed in an answer (only numpy and "
                               "the standard library modules already loaded)")
            raise PermissionError(f"{event} is not allowed while grading")


def _limit(memory_mb, cpu_seconds):
    def cap(which, value):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass
    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_FSIZE, 0)
    if cpu_seconds > 0:
        cap(resource.RLIMIT_CPU, cpu_seconds)
    if memory_mb > 0:
        cap(resource.RLIMIT_AS, memory_mb * 2**20)


def _die_with_parent():
    """Linux: be killed when the grader dies (best effort)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# ---------------------------------------------------------------------------
# running the learner's code
# ---------------------------------------------------------------------------

class _TimeUp(BaseException):
    pass


def _alarm(signum, frame):
    raise _TimeUp


class _Absorb:
    """Stands for ``get_ipython()``: every use is a harmless no-op."""

    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False


def _without_magics(source):
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _error_text(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:500]}" if text else type(error).__name__


def main():
    global _IN, _OUT
    _IN, _OUT = int(sys.argv[1]), int(sys.argv[2])
    memory_mb, cpu_seconds = int(sys.argv[3]), int(sys.argv[4])
    sys.path.append(sys.argv[5])   # numpy's folder; started with -I -S, nothing else is there
    _die_with_parent()

    import builtins
    import warnings

    import numpy as np
    # What an answer may import: numpy and these standard modules, loaded now.
    for name in ("math", "cmath", "itertools", "functools", "collections", "operator",
                 "statistics", "fractions", "decimal", "numbers", "copy", "heapq", "bisect",
                 "typing", "dataclasses", "re", "string", "random", "time", "numpy.linalg",
                 "numpy.random", "numpy.fft"):
        __import__(name)
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    sys.meta_path.insert(0, _BlockPackages())
    for name in list(sys.modules):
        if name.split(".")[0] in _BlockPackages.BLOCKED:
            del sys.modules[name]
    signal.signal(signal.SIGALRM, _alarm)
    _limit(memory_mb, cpu_seconds)

    def stub(callback_id, name):
        def function(*args, **kwargs):
            _send({"op": "callback", "id": callback_id,
                   "args": [_encode(a, np) for a in args],
                   "kwargs": {k: _encode(v, np) for k, v in kwargs.items()}})
            reply = _receive()
            if not reply.get("ok"):
                raise RuntimeError(reply.get("message", "the call failed"))
            return _decode(reply["value"], np, stub)
        function.__name__ = function.__qualname__ = name
        return function

    setup = _receive()
    namespace = {"__name__": "__main__", "__builtins__": builtins, "np": np,
                 "get_ipython": _Absorb(), "display": lambda *a, **k: None}
    for name, helper in setup.get("helpers", {}).items():
        if helper["kind"] == "function":
            namespace[name] = stub(helper["id"], name)
        else:
            namespace[name] = types.SimpleNamespace(**{
                attribute: stub(callback_id, attribute)
                for attribute, callback_id in helper["functions"].items()})
    cell_time = float(setup.get("cell_time", 10.0))
    sys.addaudithook(_audit)

    for index, cell in enumerate(setup["cells"]):
        _send({"op": "cell", "index": index})
        error = None
        try:
            code = compile(_without_magics(cell["source"]), f"<{cell['id']}>", "exec")
            signal.setitimer(signal.ITIMER_REAL, cell_time)
            try:
                exec(code, namespace)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _TimeUp:
            error = f"stopped after {cell_time:g} seconds"
        except BaseException as problem:  # the learner's cell failed: reported, not suffered
            error = _error_text(problem)
        _send({"op": "cell_done", "index": index, "error": error})
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
            _send({"op": "result", "ok": False, "error": "NameError",
                   "message": f"name {request['fn']!r} is not defined by the answer cells"})
            continue
        try:
            args = [_decode(item, np, stub) for item in request["args"]]
            kwargs = {key: _decode(item, np, stub) for key, item in request["kwargs"].items()}
            signal.setitimer(signal.ITIMER_REAL, float(request.get("time", 10.0)))
            try:
                value = function(*args, **kwargs)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            reply = {"op": "result", "ok": True, "value": _encode(value, np),
                     "args_after": [_encode(a, np) if isinstance(a, np.ndarray) else None
                                    for a in args]}
        except _TimeUp:
            reply = {"op": "result", "ok": False, "error": "TimeoutError",
                     "message": f"stopped after {request.get('time', 10.0)} seconds"}
        except BaseException as problem:
            reply = {"op": "result", "ok": False, "error": type(problem).__name__,
                     "message": _error_text(problem)}
        _send(reply)
    os._exit(0)


if __name__ == "__main__":
    main()
