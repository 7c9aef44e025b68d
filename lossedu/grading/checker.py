"""Run a learner's function on an exercise's cases and judge the results.

:func:`check` is what a check cell calls.  For every case it

1. computes the expected value with the reference;
2. calls the learner's function on private copies of the inputs, with
   numpy's floating-point warnings silenced (a correct answer never fails
   because numpy printed something), a time limit per case, and a profile
   hook that notices a direct call of the lossedu reference; on the extreme
   cases of an exercise that asks for stability (:attr:`Exercise.stable`),
   the numpy errors it declares are recorded where the learner's own code
   raises them, and fail the case;
3. converts what came back into float64 arrays the checker owns (so that no
   object with overloaded comparisons or arithmetic takes part in the
   comparison) and compares with the exercise's tolerance;
4. when an input was changed in place, runs the call again under a trace
   of the learner's function calls, to name the helper that wrote into it;
5. on the first failure, raises :class:`CheckFailed` (an AssertionError)
   whose message names the input, the expected value, what came, and the
   mistake that explains it when one of the known mistakes matches.
"""

from __future__ import annotations

import copy
import html
import inspect
import io
import linecache
import numbers
import os
import signal
import sys
import threading
import time
import traceback
import warnings
import zlib
from contextlib import ExitStack, nullcontext, redirect_stderr, redirect_stdout

import numpy as np

from lossedu.grading import diagnoses, formatting
from lossedu.grading.diagnoses import Attempt, as_float64
from lossedu.grading.exercise import Exercise, Integer, Number, TupleOf

__all__ = ["CheckFailed", "CheckResult", "TIME_LIMIT", "check_exercise", "draw_cases"]

#: Seconds a learner's function may take on one case (an exercise may override it).
TIME_LIMIT = 5.0

_LIBRARY_DIR = diagnoses.LIBRARY_DIR
_GRADING_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__)) + os.sep


class CheckFailed(AssertionError):
    """A check did not pass; the message is written for the learner.

    Attributes
    ----------
    exercise_id : str
    diagnosis : str or None
        The name of the recognised mistake (see :mod:`lossedu.grading.diagnoses`),
        ``"reference_called"`` or ``"time_limit"``, or None when no known
        mistake matches.
    case_index : int or None
        1-based index of the failing case.
    seed : int
        The seed of the random cases.
    hidden : bool
    """

    def __init__(self, message: str, *, exercise_id: str, diagnosis: str | None,
                 case_index: int | None, seed: int, hidden: bool):
        super().__init__(message)
        self.exercise_id = exercise_id
        self.diagnosis = diagnosis
        self.case_index = case_index
        self.seed = seed
        self.hidden = hidden


class CheckResult:
    """A passed check.  Shows as one line: ``mse: 14 checks passed``.

    A check cell ends with ``check(...)``, so the notebook displays the
    returned result once (as a green line in JupyterLab, as text elsewhere);
    :func:`check` itself prints nothing.
    """

    def __init__(self, exercise_id: str, passed: int, *, hidden: bool, seed: int):
        self.exercise_id = exercise_id
        self.passed = passed
        self.hidden = hidden
        self.seed = seed

    @property
    def text(self) -> str:
        line = f"{self.exercise_id}: {self.passed} checks passed"
        if self.hidden:
            line += f" (hidden cases, seed {self.seed})"
        return line

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return ('<div class="lossedu-check-passed" style="color: #1a7f37; font-weight: 600;">'
                f"&#10004; {html.escape(self.text)}</div>")

    def __bool__(self) -> bool:
        return True

    def _ipython_display_(self) -> None:
        # Shown as display data, not as the cell's result: nbgrader reads a
        # test cell's *result* as partial credit when it looks like a number,
        # and warns about every result that does not.  Display data it leaves
        # alone, so a passed check is simply full marks.
        from IPython.display import display

        display({"text/plain": self.text, "text/html": self._repr_html_()}, raw=True)


# ---------------------------------------------------------------------------
# guarding the learner's call
# ---------------------------------------------------------------------------

class _TimeLimitExceeded(BaseException):
    """Raised by the alarm inside the learner's code; BaseException so that a
    learner's ``except Exception`` cannot swallow it."""


def _on_alarm(signum, frame):
    raise _TimeLimitExceeded


def _is_library_file(filename: str) -> bool:
    """True for lossedu's own modules (references, helpers), False for grading."""
    return filename.startswith(_LIBRARY_DIR) and not filename.startswith(_GRADING_DIR)


class _Guard:
    """Context for one call of the learner's function.

    * ``sys.setprofile``: every Python function entered is compared with the
      reference's code object (by name first, then by equality, so a copy of
      the code is recognised too).  A call counts only when it comes from
      outside lossedu, so a lossedu helper the learner may use (``sigmoid``)
      can call the reference internally without blame.
    * ``signal.setitimer``: the call is interrupted after ``time_limit``
      seconds (main thread only, where signals are delivered).
    * ``np.errstate`` and ``warnings.catch_warnings``: numpy's warnings inside
      the learner's code neither fail the check nor reach stderr.

    ``watch_calls=False`` leaves the profile hook, the warning filters and
    the stderr redirection out: for a function that runs in another process
    (the class grader's sandbox), whose calls, warnings and output this
    interpreter never sees.
    """

    def __init__(self, exercise: Exercise, time_limit: float | None, watch_calls: bool = True):
        self.watch_calls = watch_calls
        self._codes, self._wrappers = [], []
        for reference in (exercise.reference,) + exercise.forbidden:
            # A decorated reference (functools.wraps) is entered through its
            # wrapper; the code to watch is the innermost function's.
            while hasattr(reference, "__wrapped__"):
                self._wrappers.append(reference.__code__)
                reference = reference.__wrapped__
            if hasattr(reference, "__code__"):
                self._codes.append(reference.__code__)
        self._names = {code.co_name for code in self._codes}
        self.called: str | None = None
        self.unhooked = False
        #: Called with every profile event too, when set (see :class:`_WriterTrace`).
        self.tracer = None
        self.time_limit = time_limit
        self._use_timer = bool(time_limit) and hasattr(signal, "setitimer") and \
            threading.current_thread() is threading.main_thread()

    def _profile(self, frame, event, arg):
        if self.tracer is not None:
            self.tracer(frame, event)
        if event == "call":
            code = frame.f_code
            if code.co_name in self._names and code in self._codes:
                caller = frame.f_back
                while caller is not None and caller.f_code in self._wrappers:
                    caller = caller.f_back
                if caller is None or not _is_library_file(caller.f_code.co_filename):
                    self.called = code.co_name

    def __enter__(self):
        self._stack = ExitStack()
        self._stack.enter_context(np.errstate(all="ignore"))
        if self.watch_calls:   # the learner's code runs here, with its warnings and output
            self._stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore")
            # What the learner's code writes to stderr goes to stdout instead: they
            # still see their own debugging output, and nbgrader, which gives zero
            # to a test cell with anything on stderr, does not punish it.
            self._stack.enter_context(redirect_stderr(sys.stdout))
        self._previous_profile = sys.getprofile()
        self._previous_thread_profile = threading.getprofile()
        self.unhooked = False
        self._armed = False
        if self._use_timer:
            self._previous_handler = signal.signal(signal.SIGALRM, _on_alarm)
            self._started = time.monotonic()
        if self.watch_calls:
            sys.setprofile(self._profile)
            threading.setprofile(self._profile)  # threads the learner's code starts
        if self._use_timer:
            try:
                self._armed = True
                self._previous_timer = signal.setitimer(signal.ITIMER_REAL, self.time_limit)
            except _TimeLimitExceeded:  # a limit shorter than this very line
                self.__exit__(None, None, None)
                raise
        return self

    def __exit__(self, *exc):
        # The alarm may still fire while this runs: whatever happens, the
        # finally clause puts back the profile hook, the handler, numpy's
        # error state and the warning filters.
        try:
            if self._armed:
                signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            if self.watch_calls:
                # A learner's code that removed the hook could call the reference unseen.
                self.unhooked = sys.getprofile() != self._profile
                sys.setprofile(self._previous_profile)
                threading.setprofile(self._previous_thread_profile)
            if self._use_timer:
                signal.signal(signal.SIGALRM, self._previous_handler)
                remaining, interval = getattr(self, "_previous_timer", (0.0, 0.0))
                if remaining > 0:  # somebody else's timer was running: give it back
                    left = max(remaining - (time.monotonic() - self._started), 1e-3)
                    signal.setitimer(signal.ITIMER_REAL, left, interval)
            self._armed = False
            self._stack.close()
        return False


class _FloatingPointWatch:
    """Records the numpy floating-point errors the learner's own code raises.

    Entered inside the guard (which silences numpy) for the extreme cases of
    an exercise that asks for stability: numpy calls :meth:`__call__` instead
    of warning (``np.errstate(..., call=...)``), the computation goes on as
    it would have, and the error is recorded only when the numpy operation
    was written in the learner's code (the first frame outside numpy is not
    lossedu's), so that an overflow inside a lossedu function the learner may
    call is never held against them.
    """

    _KINDS = {"overflow": "over", "divide by zero": "divide", "invalid value": "invalid"}

    def __init__(self, kinds: tuple):
        self.kinds = kinds
        self.reports: list = []

    def __call__(self, error: str, _flag: int) -> None:
        frame = sys._getframe(1)
        while frame is not None and (frame.f_code.co_filename.startswith(_NUMPY_DIR)
                                     or frame.f_code.co_filename.startswith("<__array_function__")):
            frame = frame.f_back
        if frame is None or _is_library_file(frame.f_code.co_filename):
            return
        if len(self.reports) >= 8:
            return
        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
        where = f"line {frame.f_lineno} of {frame.f_code.co_name}" + (f": {line}" if line else "")
        self.reports.append(diagnoses.FloatingPointReport(error, where))

    def record(self, error: str, where: str) -> None:
        """Record an error found elsewhere (the class grader's sandbox reports its own)."""
        if error in self._KINDS and len(self.reports) < 8:
            self.reports.append(diagnoses.FloatingPointReport(error, where))

    def __enter__(self):
        self._state = np.errstate(call=self, **{kind: "call" for kind in self.kinds})
        self._state.__enter__()
        return self

    def __exit__(self, *exc):
        self._state.__exit__(*exc)
        return False


# ---------------------------------------------------------------------------
# converting what came back
# ---------------------------------------------------------------------------

class _NotNumbers(Exception):
    """The learner's result is not made of real numbers."""


def _type_name(value) -> str:
    return type(value).__module__.replace("builtins", "").rstrip(".") + \
        ("." if type(value).__module__ != "builtins" else "") + type(value).__qualname__


def _to_float64(raw, *, allow_sequence: bool) -> np.ndarray:
    """A new plain float64 ndarray holding the numbers of ``raw``.

    Only real numbers and arrays of them are accepted.  Values are read with
    the base types' own methods (``float.__float__``, ``ndarray.astype``), so
    an object that overrides ``__eq__``, ``__sub__``, ``__float__`` or
    ``__array__`` cannot influence the comparison.
    """
    if isinstance(raw, (bool, np.bool_)):
        raise _NotNumbers(f"returned {raw!r}, a boolean")
    if isinstance(raw, np.ndarray):
        if raw.dtype.kind not in "biuf":
            raise _NotNumbers(f"returned an array of dtype {raw.dtype}, not real numbers")
        return np.ndarray.astype(raw, np.float64, subok=False, copy=True)
    if isinstance(raw, np.generic):
        if raw.dtype.kind not in "iuf":
            raise _NotNumbers(f"returned a numpy {raw.dtype} scalar, not a real number")
        return np.array(raw, dtype=np.float64)
    if isinstance(raw, float):
        return np.array(float.__float__(raw), dtype=np.float64)
    if isinstance(raw, int):
        return np.array(int.__float__(raw), dtype=np.float64)
    if isinstance(raw, numbers.Real):
        return np.array(float(raw), dtype=np.float64)
    if allow_sequence and type(raw) in (list, tuple):
        try:
            array = np.array(raw, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise _NotNumbers(f"returned a {type(raw).__name__} that is not an array of "
                              f"numbers ({error})") from None
        return np.ndarray.astype(array, np.float64, subok=False, copy=True)
    raise _NotNumbers(f"returned an object of type {_type_name(raw)}")


def _convert(raw, exercise: Exercise):
    output = exercise.output
    if isinstance(output, TupleOf):
        if not isinstance(raw, tuple) or len(raw) != len(output.parts):
            what = f"a tuple of {len(raw)} values" if isinstance(raw, tuple) else \
                f"an object of type {_type_name(raw)}"
            raise _NotNumbers(f"returned {what}")
        return tuple(_to_float64(part, allow_sequence=True) for part in raw)
    if type(raw) in (list, tuple):
        # A list where one number is expected: converted, so that the check can
        # tell what it holds (per-sample values, say); it never passes.
        return _to_float64(raw, allow_sequence=True)
    return _to_float64(raw, allow_sequence=not isinstance(output, (Number, Integer)))


# ---------------------------------------------------------------------------
# running the cases
# ---------------------------------------------------------------------------

def _private_copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, dict, set)):
        return copy.deepcopy(value)
    return value


def _changed(original, passed) -> bool:
    if isinstance(original, np.ndarray):
        return passed.shape != original.shape or passed.dtype != original.dtype or \
            not np.array_equal(passed, original, equal_nan=original.dtype.kind == "f")
    if isinstance(original, (list, dict, set)):
        return passed != original
    return False


_PYTHON_DIRS = tuple(sorted({os.path.join(os.path.abspath(prefix), "") for prefix in
                             (sys.prefix, sys.base_prefix, sys.exec_prefix)}))


def _is_learner_file(filename: str) -> bool:
    """True for the learner's code: not lossedu's, numpy's, Python's or an installed package's."""
    if filename.startswith(("<frozen", "<__array_function__")):
        return False
    return not filename.startswith((_LIBRARY_DIR, _NUMPY_DIR) + _PYTHON_DIRS)


class _WriterTrace:
    """Finds which of the learner's functions wrote into an input, on a second run.

    At each call of a function of the learner's, the inputs are copied; at its
    return they are compared with the copies.  The innermost function that
    returns with an input changed is the writer, with the names under which
    it received that input (its own parameters, e.g. ``z`` of a helper
    ``softmax(z)`` called with the graded function's ``logits``).
    """

    _MAX_CALLS = 500
    #: Code that belongs to the function it is written in, not a helper of its own.
    _INLINE = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"})

    def __init__(self, inputs: list):
        self.inputs = inputs  # [(the graded function's parameter name, the passed value)]
        self.stack: list = []
        self.calls = 0
        self.writer = None  # (code object, changed input names, the writer's parameter names)

    def __call__(self, frame, event) -> None:
        if self.writer is not None:
            return
        if event == "call" and _is_learner_file(frame.f_code.co_filename) \
                and frame.f_code.co_name not in self._INLINE:
            self.calls += 1
            if self.calls > self._MAX_CALLS:
                return
            code = frame.f_code
            parameters = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
            values = frame.f_locals
            received = {}
            for name in parameters:
                value = values.get(name)
                for input_name, original in self.inputs:
                    if value is original or (isinstance(value, np.ndarray)
                                             and isinstance(original, np.ndarray)
                                             and np.shares_memory(value, original)):
                        received.setdefault(input_name, name)
            self.stack.append((frame, [_private_copy(value) for _, value in self.inputs],
                               received))
        elif event == "return" and self.stack and self.stack[-1][0] is frame:
            _, before, received = self.stack.pop()
            changed = [name for (name, value), old in zip(self.inputs, before)
                       if _changed(old, value)]
            if changed:
                self.writer = (frame.f_code, tuple(changed),
                               tuple(received.get(name) for name in changed))


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)


class _Run:
    """The state of one check: exercise, learner function, seed, guard."""

    def __init__(self, exercise: Exercise, fn, *, hidden: bool, seed: int,
                 seed_note: bool = True, in_process: bool = True):
        self.exercise = exercise
        self.fn = fn
        self.hidden = hidden
        self.seed = seed
        self.seed_note = seed_note
        self.in_process = in_process
        limit = exercise.time_limit if exercise.time_limit is not None else TIME_LIMIT
        self.guard = _Guard(exercise, limit, watch_calls=in_process)
        self.timed_out = False

    def attempt(self, case) -> Attempt:
        """Call the learner's function on ``case``; ``expected`` is filled in afterwards."""
        args = tuple(_private_copy(value) for value in case.args)
        kwargs = {name: _private_copy(value) for name, value in case.kwargs.items()}
        attempt = Attempt(self.exercise, case, None)
        self.timed_out = False
        watch = None
        if self.exercise.stable and "extreme" in case.tags:
            watch = _FloatingPointWatch(self.exercise.stable)
        try:
            with self.guard:
                with watch or nullcontext():
                    raw = self.fn(*args, **kwargs)
                attempt.raw = raw
                if raw is not None:
                    attempt.got = _convert(raw, self.exercise)
        except _TimeLimitExceeded:
            self.timed_out = True
            attempt.got = None
        except _NotNumbers as problem:
            attempt.problem = str(problem)
        except (Exception, SystemExit) as error:  # the learner's code failed: reported
            attempt.error = error
            attempt.got = None
        if watch is not None:
            attempt.unstable = tuple(watch.reports)
        attempt.mutated = tuple(
            self._name(position) for position, (original, passed)
            in enumerate(zip(case.args, args)) if _changed(original, passed)
        ) + tuple(name for name, value in case.kwargs.items() if _changed(value, kwargs[name]))
        if attempt.mutated and not self.timed_out and self.in_process:
            attempt.mutated_by = self._writer(case)
        return attempt

    def _writer(self, case):
        """The learner's helper that changed an input in place, or None (the function itself).

        The call is run a second time, on fresh copies, under a trace of the
        learner's function calls (its output discarded); only when a function
        other than the graded one wrote into an input is it named.
        """
        names = list(self.exercise.parameters) + list(case.kwargs)
        values = [_private_copy(value) for value in case.args] + \
            [_private_copy(value) for value in case.kwargs.values()]
        args, kwargs = values[:len(case.args)], dict(zip(case.kwargs, values[len(case.args):]))
        trace = _WriterTrace(list(zip(names, values)))
        self.guard.tracer = trace
        try:
            with redirect_stdout(io.StringIO()), self.guard:
                self.fn(*args, **kwargs)
        except (_TimeLimitExceeded, Exception, SystemExit):
            pass
        finally:
            self.guard.tracer = None
        if trace.writer is None:
            return None
        code, changed, received = trace.writer
        top = getattr(inspect.unwrap(self.fn), "__code__", None)
        if code is top:
            return None
        return diagnoses.Writer(code.co_name, changed, received)

    def _name(self, position: int) -> str:
        return self.exercise.parameters[position]

    def passed(self, attempt: Attempt) -> bool:
        if attempt.error is not None or attempt.problem or attempt.mutated or attempt.got is None \
                or attempt.unstable:
            return False
        if isinstance(self.exercise.output, Integer):
            return attempt.got.shape == () and bool(attempt.got == attempt.expected)
        return diagnoses._close(attempt.got, attempt.expected, self.exercise.tolerance)


def _diagnose(attempt: Attempt):
    mistakes = diagnoses.GENERIC_BEFORE + attempt.exercise.mistakes + diagnoses.GENERIC_AFTER
    for mistake in mistakes:
        if mistake.detect(attempt):
            return mistake
    return None


def _learner_line(error: BaseException) -> str | None:
    """``line N of fname: source`` for the innermost frame of the learner's code."""
    frames = traceback.extract_tb(error.__traceback__)
    mine = [frame for frame in frames
            if not frame.filename.startswith((_LIBRARY_DIR, _NUMPY_DIR))
            and not frame.filename.startswith("<__array_function__")]
    if not mine:
        return None
    frame = mine[-1]
    source = f": {frame.line.strip()}" if frame.line else ""
    return f"line {frame.lineno} of {frame.name}{source}"


def _inputs(exercise: Exercise, case) -> list:
    lines = [f"  {name} = {formatting.describe(value)}"
             for name, value in zip(exercise.parameters, case.args)]
    lines += [f"  {name} = {formatting.describe(value)}" for name, value in case.kwargs.items()]
    return lines


def _plain(value):
    if isinstance(value, tuple):
        return tuple(part[()] if part.ndim == 0 else part for part in value)
    return value[()] if value.ndim == 0 else value


def _show(value) -> str:
    return formatting.describe(_plain(value))


def _seed_note(run: _Run) -> str | None:
    exercise = run.exercise
    if not run.seed_note:
        return None
    if run.hidden:
        # Hidden checks run only at grading time; the note does not show how they are called.
        return f"(Hidden check: these cases were drawn at grading time with seed {run.seed}.)"
    if run.seed != visible_seed(exercise):
        return f"(Random cases drawn with seed {run.seed}.)"
    return None


def _failure(run: _Run, attempt: Attempt, index: int, total: int) -> CheckFailed:
    exercise = attempt.exercise
    fn = exercise.id
    case = attempt.case
    label = f" ({case.label})" if case.label else ""
    lines = [f"{fn}: check {index} of {total} failed{label}."]
    mistake = _diagnose(attempt)
    if attempt.error is not None:
        error = attempt.error
        if mistake is None or mistake.name != "not_written":
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            lines.append(f"Your function raised {type(error).__name__}"
                         + (f": {message[:300]}" if message else ""))
            where = _learner_line(error)
            if where:
                lines.append(f"  at {where}")
    elif attempt.problem:
        lines.append(f"Your function {attempt.problem}; it must return "
                     f"{exercise.output.description}.")
    lines.append(f"Input, called as {fn}({', '.join(exercise.parameters)}"
                 + "".join(f", {name}=..." for name in case.kwargs) + "):")
    lines += _inputs(exercise, case)
    right_but_mutated = bool(attempt.mutated) and attempt.got is not None and \
        diagnoses._close(attempt.got, attempt.expected, exercise.tolerance)
    right_but_unstable = bool(attempt.unstable) and attempt.got is not None and \
        diagnoses._close(attempt.got, attempt.expected, exercise.tolerance)
    if right_but_mutated and attempt.mutated_by is not None:
        lines.append(f"Your result is right, but your {attempt.mutated_by.display} changed "
                     f"{fn}'s inputs.")
    elif right_but_mutated:
        lines.append("Your result is right, but your function changed its inputs.")
    elif right_but_unstable and not attempt.mutated:
        lines.append("Your result is right, but numpy reported "
                     + " and ".join(sorted({report.error for report in attempt.unstable}))
                     + " while your function computed it.")
    elif attempt.error is None and not attempt.problem:
        if attempt.raw is None:
            lines.append(f"Expected: {_show(attempt.expected)}")
            lines.append("Got:      None")
        else:
            got, expected = formatting.describe_pair(_plain(attempt.got), _plain(attempt.expected))
            lines.append(f"Expected: {expected}")
            lines.append(f"Got:      {got}")
            if not isinstance(attempt.got, tuple) and not isinstance(attempt.expected, tuple):
                where = formatting.describe_difference(
                    attempt.got, attempt.expected, exercise.tolerance.rtol, exercise.tolerance.atol)
                if where and not attempt.mutated:
                    lines.append(f"  ({where})")
        if not attempt.mutated and attempt.raw is not None and mistake is None \
                and not isinstance(exercise.output, Integer):  # integers are compared exactly
            lines.append(f"(Values are compared with rtol={exercise.tolerance.rtol:g}, "
                         f"atol={exercise.tolerance.atol:g}.)")
    if mistake is not None:
        lines.append(mistake.message(attempt))
    note = _seed_note(run)
    if note:
        lines.append(note)
    return CheckFailed("\n".join(lines), exercise_id=fn,
                       diagnosis=mistake.name if mistake else None,
                       case_index=index, seed=run.seed, hidden=run.hidden)


def _refusal(run: _Run) -> CheckFailed:
    fn = run.exercise.id
    called = run.guard.called
    if called is None:  # the profile hook was removed by the learner's code
        message = (f"{fn}: your function changed Python's profiler (sys.setprofile), which "
                   "the check uses to see what your function calls. Remove that line; the "
                   "check does not accept an answer that hides what it calls.")
    elif called == getattr(inspect.unwrap(run.exercise.reference), "__name__", fn):
        message = (f"{fn}: your function calls lossedu's own {called}, the reference "
                   "this exercise asks you to write. Write the computation yourself with "
                   "numpy; the check does not accept an answer that calls the reference.")
    else:
        message = (f"{fn}: your function calls lossedu's {called}, which computes what this "
                   "exercise asks you to write. Write the computation yourself with numpy; "
                   "the check does not accept an answer built on it.")
    return CheckFailed(message, exercise_id=fn, diagnosis="reference_called",
                       case_index=None, seed=run.seed, hidden=run.hidden)


def _timeout(run: _Run, case, index: int, total: int) -> CheckFailed:
    fn = run.exercise.id
    label = f" ({case.label})" if case.label else ""
    lines = [f"{fn}: check {index} of {total}{label} was stopped after "
             f"{run.guard.time_limit:g} seconds.",
             "Your function is stuck or far too slow on this input: look for a loop that "
             "never ends (a `while` whose condition never changes) or a Python loop over "
             "a huge range.",
             f"Input, called as {fn}({', '.join(run.exercise.parameters)}"
             + "".join(f", {name}=..." for name in case.kwargs) + "):"]
    lines += _inputs(run.exercise, case)
    note = _seed_note(run)
    if note:
        lines.append(note)
    return CheckFailed("\n".join(lines), exercise_id=fn, diagnosis="time_limit",
                       case_index=index, seed=run.seed, hidden=run.hidden)


def visible_seed(exercise: Exercise) -> int:
    """The fixed seed of an exercise's visible random cases."""
    return zlib.crc32(exercise.id.encode("utf-8"))


def fresh_seed() -> int:
    """A new seed for hidden cases, from the operating system's randomness."""
    return int.from_bytes(os.urandom(4), "little")


def draw_cases(exercise: Exercise, *, hidden: bool = False, seed: int | None = None):
    """The cases a check runs: ``(seed, [Case, ...])``.

    Visible checks use the exercise's fixed seed; hidden checks a fresh one
    unless ``seed`` is given (to repeat a hidden check exactly).
    """
    if seed is None:
        seed = fresh_seed() if hidden else visible_seed(exercise)
    if isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, np.integer)) or seed < 0:
        raise TypeError(f"seed must be a non-negative int, got {seed!r}")
    seed = int(seed)
    count = exercise.random_counts[1 if hidden else 0]
    return seed, exercise.cases(np.random.default_rng(seed), count)


#: exercise id -> (seed, cases, {case number: expected value}) of its visible check,
#: for functions checked out of process (see check_exercise).
_VISIBLE_CASES: dict = {}


def _read_only(value):
    for part in (value if isinstance(value, tuple) else (value,)):
        if isinstance(part, np.ndarray):
            part.setflags(write=False)
    return value


def check_exercise(exercise: Exercise, fn, *, hidden: bool = False, seed: int | None = None,
                   seed_note: bool = True, in_process: bool = True):
    """Grade ``fn`` on ``exercise``; see :func:`lossedu.grading.check`.

    ``seed_note=False`` leaves out the note on how to repeat the cases (the
    class grader's feedback does not show learners how hidden tests are run).
    ``in_process=False``: ``fn`` only forwards each call to another process
    (the class grader's sandbox, where the learner's code runs without
    lossedu), so there is no call of the learner's to watch in this
    interpreter: no profile hook, and a changed input is reported without
    looking for the helper that changed it.
    """
    __tracebackhide__ = True
    if not callable(fn):
        raise TypeError(
            f"check({exercise.id!r}, ...) needs your function itself as second argument, "
            f"e.g. check({exercise.id!r}, {exercise.id}); got {_type_name(fn)}"
        )
    shared = None
    if not in_process and not hidden and seed is None:
        # The visible cases and their expected values are the same for every
        # learner: a class grader computes them once per process.  (Not for a
        # function running here: its code could find them in memory.)
        shared = _VISIBLE_CASES.get(exercise.id)
        if shared is None:
            shared = _VISIBLE_CASES[exercise.id] = (*draw_cases(exercise), {})
        seed, cases, expected_values = shared
    else:
        seed, cases = draw_cases(exercise, hidden=hidden, seed=seed)
    run = _Run(exercise, fn, hidden=hidden, seed=seed, seed_note=seed_note,
               in_process=in_process)
    total = len(cases)
    for index, case in enumerate(cases, start=1):
        # The reference runs after the learner's function, so that no frame on
        # the stack holds the expected value while the learner's code runs.
        attempt = run.attempt(case)
        if shared is None:
            attempt.expected = as_float64(_quiet(exercise.expected_value, case))
        else:
            if index not in expected_values:
                expected_values[index] = _read_only(
                    as_float64(_quiet(exercise.expected_value, case)))
            attempt.expected = expected_values[index]
        if run.guard.called or run.guard.unhooked:
            raise _refusal(run) from None
        if run.timed_out:
            raise _timeout(run, case, index, total) from None
        if not run.passed(attempt):
            raise _failure(run, attempt, index, total) from None
    return CheckResult(exercise.id, total, hidden=hidden, seed=seed)
