"""Known mistakes and how each one is recognised from the learner's output.

A :class:`Mistake` has a short ``name`` (stable, used by tests), a ``title``
shown to the learner ("sum instead of mean"), a ``hint`` (what to do about
it) and a ``detect`` function that looks at one failed :class:`Attempt`.
Detection never reads the learner's code; it compares what came back with
what a known wrong version returns on the same input:

* :func:`ratio` -- the result is exactly ``factor`` times the expected one
  (``n`` for a sum instead of a mean, ``-1`` for a wrong sign, ``1/2``);
* :func:`variant` -- the result equals a mistaken variant computed from the
  reference or from a short formula (``mean(y log p)`` only, softmax over
  axis 0, ...);
* :func:`nonfinite` -- inf/NaN only on the cases tagged as numerically
  extreme, while the expected value is finite;
* :func:`raised` -- the learner's code raised a particular error (e.g.
  numpy's "operands could not be broadcast");
* :func:`when` -- any other test of the attempt.

The generic mistakes at the end of this module (per-sample array instead
of the cost, broadcasting to ``(n, n)``, wrong sign, swapped arguments,
mutation, ...) apply to every exercise; the checker runs an exercise's own
mistakes first, so that a specific message wins over a generic one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from lossedu.grading.exercise import Case, Exercise, Integer, Number, Tolerance, TupleOf

__all__ = [
    "Attempt", "FloatingPointReport", "Mistake", "nonfinite", "raised", "ratio", "unstable",
    "variant", "when",
    "GENERIC_BEFORE", "GENERIC_AFTER",
]


@dataclass
class Attempt:
    """What happened when the learner's function was called on one case.

    ``got`` is the learner's result converted to float64 arrays the checker
    owns (a tuple of arrays for tuple outputs), or None when the call raised
    (``error``) or returned something that is not numbers (``problem``).
    ``expected`` is the reference's answer in the same form.
    """

    exercise: Exercise
    case: Case
    expected: Any
    got: Any = None
    raw: Any = None
    error: BaseException | None = None
    problem: str | None = None
    mutated: tuple = ()
    #: numpy floating-point errors the learner's own code raised, where the
    #: exercise asks for stability (:attr:`Exercise.stable`), as
    #: :class:`FloatingPointReport`; only recorded on the "extreme" cases.
    unstable: tuple = ()
    #: The learner's own helper that changed an input in place (a
    #: :class:`Writer`), or None when the graded function did it itself.
    mutated_by: Any = None

    @property
    def n(self) -> int:
        """Number of samples in the case."""
        return self.exercise.samples(self.case)

    @property
    def tolerance(self) -> Tolerance:
        return self.exercise.tolerance

    def matches(self, value) -> bool:
        """True when the learner's result equals ``value`` within tolerance."""
        if self.got is None:
            return False
        return _close(self.got, value, self.tolerance)

    def arg(self, name: str):
        """The case's argument called ``name`` (positional or keyword)."""
        if name in self.exercise.parameters:
            return self.case.args[self.exercise.parameters.index(name)]
        if name in self.case.kwargs:
            return self.case.kwargs[name]
        return self.exercise.hyperparameters[name]


@dataclass(frozen=True)
class FloatingPointReport:
    """One floating-point error numpy reported in the learner's code.

    ``error`` is numpy's word for it ("overflow", "divide by zero",
    "invalid value"); ``where`` is ``line N of fname: source`` (the learner's
    innermost frame).
    """

    error: str
    where: str


@dataclass(frozen=True)
class Writer:
    """A function of the learner's, other than the graded one, that changed an input.

    ``name`` is the function's name, ``inputs`` the graded function's
    parameters it changed, ``received`` its own parameter name for each (None
    when it reached the input another way).
    """

    name: str
    inputs: tuple
    received: tuple

    @property
    def display(self) -> str:
        return "lambda" if self.name == "<lambda>" else f"helper {self.name}"


def as_float64(value) -> Any:
    """The grader's own float64 form of a reference value (tuples stay tuples)."""
    if isinstance(value, tuple):
        return tuple(as_float64(part) for part in value)
    return np.array(value, dtype=np.float64)


def _close(got, value, tolerance: Tolerance) -> bool:
    if isinstance(got, tuple) or isinstance(value, tuple):
        if not (isinstance(got, tuple) and isinstance(value, tuple)) or len(got) != len(value):
            return False
        return all(_close(a, b, tolerance) for a, b in zip(got, value))
    return tolerance.close(got, np.asarray(value, dtype=np.float64))


class _Fields(dict):
    """Placeholders of a hint; braces that are not placeholders stay as they are."""

    def __missing__(self, key):
        return "{" + key + "}"


@dataclass(frozen=True)
class Mistake:
    """A known mistake: how to recognise it and what to tell the learner.

    ``hint`` may contain ``{fn}`` (the function's name), ``{n}`` (samples in
    the case) and ``{ratio}`` (for ratio mistakes); it may also be a callable
    ``hint(attempt) -> str``.

    ``example`` is the proof that the mistake is recognised: a learner
    function written with exactly this bug (or a tuple of them), which the
    check must fail with this diagnosis.  An exercise's own mistake gives the
    function; a generic mistake, which belongs to no exercise, gives a
    mapping ``{exercise id: function}``.
    """

    name: str
    title: str
    hint: str | Callable[[Attempt], str]
    detect: Callable[[Attempt], bool]
    example: Any = field(default=None, compare=False)

    def examples(self, exercise_id: str | None = None) -> list:
        """``[(exercise id, buggy function), ...]``; ``exercise_id`` names the
        exercise that declares the mistake (None for a generic mistake)."""
        if isinstance(self.example, dict):
            return [(name, function) for name, functions in self.example.items()
                    for function in (functions if isinstance(functions, tuple) else (functions,))]
        if self.example is None:
            return []
        functions = self.example if isinstance(self.example, tuple) else (self.example,)
        return [(exercise_id, function) for function in functions]

    def message(self, attempt: Attempt) -> str:
        """The learner-facing explanation for ``attempt``."""
        if callable(self.hint):
            try:
                with np.errstate(all="ignore"):
                    text = self.hint(attempt)
            except Exception:  # a hint must never hide the failure it explains
                text = self.title
        else:
            text = self.hint.format_map(_Fields(fn=attempt.exercise.id, n=attempt.n))
        return f"Likely mistake ({self.title}): {text}"


def _quiet(compute: Callable, *args):
    """Run a variant's formula; its overflow warnings and errors mean "no match"."""
    try:
        with np.errstate(all="ignore"):
            return compute(*args)
    except Exception:  # a variant that does not apply to this case
        return None


def variant(name: str, title: str, hint, compute: Callable[[Case], Any], *,
            example=None) -> Mistake:
    """A mistake recognised by equality with a mistaken version's output.

    ``compute(case)`` returns what the mistaken version returns (or None when
    it does not apply).  It only counts when it differs from the expected
    value on this case, so a variant that happens to agree with the right
    answer never takes the blame.
    """
    def detect(attempt: Attempt) -> bool:
        if attempt.got is None:
            return False
        wrong = _quiet(compute, attempt.case)
        if wrong is None:
            return False
        wrong = as_float64(wrong)
        if _close(wrong, attempt.expected, attempt.tolerance):
            return False
        return attempt.matches(wrong)

    return Mistake(name, title, hint, detect, example)


def ratio(name: str, title: str, hint, factor: Callable[[Case], float | Iterable[float]] | float,
          *, example=None) -> Mistake:
    """A mistake recognised by an exact ratio: ``got == factor * expected``.

    ``factor`` is a number or ``factor(case)`` returning one or several
    numbers (e.g. ``n`` and ``n * k`` for a sum over all values of an
    ``(n, k)`` array).
    """
    def detect(attempt: Attempt) -> bool:
        if attempt.got is None or isinstance(attempt.expected, tuple):
            return False
        expected = attempt.expected
        if not np.any(np.abs(expected) > attempt.tolerance.atol * 10):
            return False
        factors = factor(attempt.case) if callable(factor) else factor
        factors = np.atleast_1d(np.asarray(factors, dtype=np.float64))
        for value in factors:
            if value == 1.0:
                continue
            if attempt.matches(expected * value):
                return True
        return False

    return Mistake(name, title, hint, detect, example)


def nonfinite(name: str, title: str, hint, tag: str | None = None, *, example=None) -> Mistake:
    """inf/NaN in the result where the expected value is finite.

    With ``tag``, only on cases carrying that tag (e.g. ``"extreme"``): a
    function that is right on moderate inputs and breaks only there has a
    numerical (overflow, log(0)) problem, not a wrong formula.
    """
    def detect(attempt: Attempt) -> bool:
        if attempt.got is None or (tag is not None and tag not in attempt.case.tags):
            return False
        parts = attempt.got if isinstance(attempt.got, tuple) else (attempt.got,)
        return any(not np.all(np.isfinite(part)) for part in parts)

    return Mistake(name, title, hint, detect, example)


def raised(name: str, title: str, hint, exception: type = Exception,
           match: str | None = None, tag: str | None = None, *, example=None) -> Mistake:
    """The learner's code raised ``exception`` whose message matches ``match``."""
    pattern = re.compile(match) if match else None

    def detect(attempt: Attempt) -> bool:
        error = attempt.error
        if error is None or not isinstance(error, exception):
            return False
        if tag is not None and tag not in attempt.case.tags:
            return False
        return pattern is None or bool(pattern.search(str(error)))

    return Mistake(name, title, hint, detect, example)


def unstable(recipe: str, *, example=None) -> Mistake:
    """The learner's code overflowed (or took log(0)) on an extreme case.

    Declared by the exercises whose statement asks for a numerically stable
    computation (:attr:`Exercise.stable` lists the numpy errors that count);
    recognised when the result is right nonetheless, as with the textbook
    sigmoid ``1 / (1 + np.exp(-z))`` (whose ``exp`` overflows to inf and
    gives 1/inf = 0) or an ``np.where`` that evaluates the overflowing branch
    too.  A result that is wrong as well gets the exercise's more specific
    diagnosis (NaN from inf/inf, -inf from log(0), ...).  ``recipe`` says how
    to compute it stably.
    """
    def detect(attempt: Attempt) -> bool:
        return bool(attempt.unstable) and attempt.got is not None \
            and _close(attempt.got, attempt.expected, attempt.tolerance)

    def hint(attempt: Attempt) -> str:
        first = attempt.unstable[0]
        errors = sorted({report.error for report in attempt.unstable})
        what = "overflow" if errors == ["overflow"] else "overflow, log(0) or 0/0"
        return (f"numpy reported {' and '.join(errors)} in your code, at {first.where}. The "
                f"result comes out right here, but {attempt.exercise.id} must be computed "
                f"without {what} for any finite input: numpy's warning counts as a failure "
                "in this exercise (and np.where does not avoid it: it evaluates both "
                f"branches on every element before choosing). {recipe}")

    return Mistake("unstable", "overflow in your computation", hint, detect, example)


def when(name: str, title: str, hint, predicate: Callable[[Attempt], bool], *,
         example=None) -> Mistake:
    """A mistake recognised by any test of the attempt."""
    def detect(attempt: Attempt) -> bool:
        try:
            with np.errstate(all="ignore"):
                return bool(predicate(attempt))
        except Exception:
            return False

    return Mistake(name, title, hint, detect, example)


# ---------------------------------------------------------------------------
# generic mistakes, shared by every exercise
# ---------------------------------------------------------------------------

#: lossedu's own folder: frames of code from here are the course's, not the learner's.
LIBRARY_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__)) + os.sep


def _learner_frames(error: BaseException) -> list:
    """The code objects of the traceback's frames outside lossedu, outermost first."""
    frames = []
    traceback = error.__traceback__
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if not code.co_filename.startswith(LIBRARY_DIR):
            frames.append(code)
        traceback = traceback.tb_next
    return frames


def _not_written(attempt: Attempt) -> bool:
    """The learner's function itself still raises NotImplementedError (the stub)."""
    if not isinstance(attempt.error, NotImplementedError):
        return False
    frames = _learner_frames(attempt.error)
    return len(frames) <= 1 or frames[-1] is frames[0]


def _helper_not_written(attempt: Attempt) -> bool:
    """A function the learner's function calls still raises NotImplementedError."""
    return isinstance(attempt.error, NotImplementedError) and not _not_written(attempt)


def _helper_not_written_hint(attempt: Attempt) -> str:
    helper = _learner_frames(attempt.error)[-1].co_name
    return (f"your {attempt.exercise.id} calls {helper}, which still raises "
            f"NotImplementedError: solve the exercise of {helper} first (or compute it directly "
            "here), run that cell, then run this check again.")


def _unexpected_keyword(attempt: Attempt) -> bool:
    return isinstance(attempt.error, TypeError) and "unexpected keyword argument" in str(attempt.error)


def _keyword_hint(attempt: Attempt) -> str:
    return (f"the check calls {attempt.exercise.signature.split('(')[0]} with keyword arguments "
            f"as in its definition `def {attempt.exercise.signature}:`; give your function "
            "the same parameters, with the same names and defaults.")


def _argument_count(attempt: Attempt) -> bool:
    return isinstance(attempt.error, TypeError) and bool(
        re.search(r"positional argument|required .*argument", str(attempt.error)))


def _not_numbers_hint(attempt: Attempt) -> str:
    if isinstance(attempt.exercise.output, TupleOf):
        return (f"return {attempt.exercise.output.description}; each part a number or a numpy "
                "array of numbers.")
    return ("return the result as numbers: a Python float, a numpy number or a numpy array "
            "of floats, exactly as the exercise describes.")


def _returned_none(attempt: Attempt) -> bool:
    return attempt.error is None and attempt.raw is None


def _mutated(attempt: Attempt) -> bool:
    return bool(attempt.mutated)


def _mutated_hint(attempt: Attempt) -> str:
    names = " and ".join(attempt.mutated)
    writer = attempt.mutated_by
    if writer is not None:
        own = [f"{mine} (your {attempt.exercise.id}'s {theirs})" if mine and mine != theirs
               else theirs for theirs, mine in zip(writer.inputs, writer.received)]
        which = "your lambda" if writer.name == "<lambda>" else f"your {writer.name}"
        return (f"{which}, which {attempt.exercise.id} calls, changed its argument "
                f"{' and '.join(own)} in place (for example `z -= z.max(...)` or `z[i] = ...` "
                f"on its argument), so {attempt.exercise.id}'s input {names} changed too: an "
                "array passed to a function is the caller's array, not a copy. In "
                f"{writer.name if writer.name != '<lambda>' else 'it'}, compute into a new "
                "array instead (`z = z - z.max(axis=-1, keepdims=True)`, `z.copy()` before "
                "changing it).")
    return (f"{attempt.exercise.id} changed its input {names} in place (for example "
            "`x -= ...`, `x[i] = ...` or `x.sort()` on an argument). The caller's arrays "
            "must stay as they were: compute into a new array instead "
            "(`y_pred - y_true`, `np.sort(x)`, `x.copy()` before changing it).")


def _broadcast_error(attempt: Attempt) -> bool:
    return isinstance(attempt.error, ValueError) and "could not be broadcast" in str(attempt.error)


def _axis_out_of_range(attempt: Attempt) -> bool:
    return isinstance(attempt.error, np.exceptions.AxisError)


def _array_truth_value(attempt: Attempt) -> bool:
    return isinstance(attempt.error, ValueError) and "truth value of an array" in str(attempt.error)


def _matmul_mismatch(attempt: Attempt) -> bool:
    return isinstance(attempt.error, ValueError) and "matmul" in str(attempt.error)


def _sequence_instead_of_number(attempt: Attempt) -> bool:
    return isinstance(attempt.exercise.output, (Number, Integer)) \
        and type(attempt.raw) in (list, tuple) and attempt.got is not None


def _sequence_hint(attempt: Attempt) -> str:
    kind = type(attempt.raw).__name__
    what = attempt.exercise.output.what
    count = len(attempt.raw)
    if getattr(attempt.exercise.output, "per_sample", False) and attempt.got.ndim == 1 \
            and count == attempt.n \
            and count > 1:
        return (f"{attempt.exercise.id} returned a Python {kind} of {count} values, one per "
                f"sample (the per-sample losses, it seems), but {what} is a single number: "
                f"return their mean, e.g. `return np.mean(losses)` (or "
                f"`sum(losses) / len(losses)`), not the {kind} itself.")
    values = "one value" if count == 1 else f"{count} values"
    return (f"{attempt.exercise.id} returned a Python {kind} of {values}, but {what} is "
            f"a single number: return that number itself, not a {kind} around it (nor a "
            f"{kind} of several candidates).")


def _max_with_two_arrays(attempt: Attempt) -> bool:
    """np.max(0, x) (or np.min): the second argument went to `axis`."""
    error = attempt.error
    if not isinstance(error, TypeError) or not re.search(
            r"interpreted as an integer|integer scalar arrays", str(error)):
        return False  # an AxisError is a real axis out of range, named elsewhere
    traceback = error.__traceback__
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_name in ("max", "amax", "min", "amin") and \
                code.co_filename.startswith(_NUMPY_DIR):
            return True
        traceback = traceback.tb_next
    return False


def _math_on_array(attempt: Attempt) -> bool:
    """math.exp(z), math.log(p), float(x) on an array: Python wants one number."""
    return isinstance(attempt.error, TypeError) and bool(re.search(
        r"only (length-1|size-1|0-dimensional) arrays can be converted to Python scalars",
        str(attempt.error)))


def _max_with_two_arrays_hint(attempt: Attempt) -> str:
    return ("np.max(0, x) is not the elementwise maximum of 0 and x: np.max reduces one array "
            "to its largest value, and its second argument is the *axis*, so numpy tried to "
            "read x as an axis number. Use np.maximum(0, x) (and np.minimum(a, b) for the "
            "elementwise minimum).")


def _per_sample_instead_of_number(attempt: Attempt) -> bool:
    output = attempt.exercise.output
    if not isinstance(output, Number) or not output.per_sample or attempt.got is None:
        return False
    return attempt.got.ndim >= 1 and attempt.got.shape[0] == attempt.n


def _per_sample_hint(attempt: Attempt) -> str:
    what = attempt.exercise.output.what
    return (f"{attempt.exercise.id} returned an array of shape {attempt.got.shape}, one value "
            f"per sample, but {what} is a single number: reduce the per-sample values "
            "to one number (usually their mean, `np.mean(...)`).")


def _broadcast_shape(attempt: Attempt) -> bool:
    if attempt.got is None or isinstance(attempt.got, tuple):
        return False
    got, expected, n = attempt.got.shape, np.shape(attempt.expected), attempt.n
    if n < 2 or len(got) != len(expected) + 1:
        return False
    return (got[:-1] == expected and got[-1] == n) or (got[1:] == expected and got[0] == n)


def _broadcast_hint(attempt: Attempt) -> str:
    return (f"your result has shape {attempt.got.shape} where shape "
            f"{np.shape(attempt.expected)} is expected: somewhere a column of shape (n, 1) "
            "was combined with a vector of shape (n,), and numpy broadcast the pair to an "
            "(n, n) table. Keep vectors flat (`.ravel()`, `.reshape(-1)`), or use "
            "`keepdims=True` where you reduce along an axis and combine the result again.")


def _column_instead_of_vector(attempt: Attempt) -> bool:
    if attempt.got is None or isinstance(attempt.got, tuple):
        return False
    expected = np.shape(attempt.expected)
    return (attempt.got.shape == expected + (1,) or attempt.got.shape == (1,) + expected) \
        and attempt.got.size == np.size(attempt.expected)


def _column_hint(attempt: Attempt) -> str:
    expected = np.shape(attempt.expected)
    start = (f"your result has shape {attempt.got.shape} but shape {expected} is expected: the "
             "values may be right, but an extra axis of length 1 came along")
    if attempt.got.shape == (1,) + expected:
        return (start + " in front (e.g. from np.atleast_2d or [None, :]). Return an array "
                "with the shape of the input (reshape back to it, e.g. `.reshape(z.shape)`).")
    if len(expected) == 1:
        return (start + " (a column (n, 1) instead of a vector (n,)). Return a flat array, "
                "e.g. with `.ravel()`, and check where the extra axis appears.")
    return (start + " at the end. Drop it (e.g. `np.squeeze(result, axis=-1)`) and check "
            "where it appears.")


def _scalar_instead_of_array(attempt: Attempt) -> bool:
    return (attempt.got is not None and not isinstance(attempt.got, tuple)
            and attempt.got.ndim == 0 and np.ndim(attempt.expected) > 0)


def _scalar_hint(attempt: Attempt) -> str:
    return (f"{attempt.exercise.id} returned a single number, but an array of shape "
            f"{np.shape(attempt.expected)} is expected (one value per element): do not "
            "reduce with sum or mean at the end.")


def _wrong_sign(attempt: Attempt) -> bool:
    if attempt.got is None:
        return False
    expected = attempt.expected
    if isinstance(expected, tuple):
        return False
    if not np.any(np.abs(expected) > attempt.tolerance.atol * 10):
        return False
    return attempt.matches(-expected)


def _swapped(attempt: Attempt) -> bool:
    exercise = attempt.exercise
    if not exercise.swappable or attempt.got is None:
        return False
    args = list(attempt.case.args)
    args[0], args[1] = args[1], args[0]
    swapped_case = Case(tuple(args), attempt.case.kwargs, attempt.case.tags)
    wrong = _quiet(exercise.expected_value, swapped_case)
    if wrong is None:
        return False
    wrong = as_float64(wrong)
    return not _close(wrong, attempt.expected, attempt.tolerance) and attempt.matches(wrong)


def _swapped_hint(attempt: Attempt) -> str:
    first, second = attempt.exercise.parameters[:2]
    return (f"your result equals the right answer with {first} and {second} exchanged. "
            f"The check calls {attempt.exercise.id}({first}, {second}): the truth comes first, "
            "the prediction second; check which argument plays which role in your formula.")


def _has_nonfinite(attempt: Attempt) -> bool:
    if attempt.got is None:
        return False
    parts = attempt.got if isinstance(attempt.got, tuple) else (attempt.got,)
    return any(not np.all(np.isfinite(part)) for part in parts)


def _shape_mismatch(attempt: Attempt) -> bool:
    if attempt.got is None:
        return False
    if isinstance(attempt.expected, tuple):
        return any(np.shape(a) != np.shape(b) for a, b in zip(attempt.got, attempt.expected))
    return attempt.got.shape != np.shape(attempt.expected)


def _shape_hint(attempt: Attempt) -> str:
    if isinstance(attempt.expected, tuple):
        names = attempt.exercise.output.names
        for name, got_part, expected_part in zip(names, attempt.got, attempt.expected):
            if np.shape(expected_part) == () and np.size(got_part) == 1 and np.ndim(got_part):
                return (f"{name} must be a single number, but yours is an array of shape "
                        f"{np.shape(got_part)}: turn it into one with float({name}) (or "
                        "np.sum / .item(), depending on how it was computed).")
        got = ", ".join(str(np.shape(part)) for part in attempt.got)
        expected = ", ".join(str(np.shape(part)) for part in attempt.expected)
        return f"the parts of your tuple have shapes {got}, but shapes {expected} are expected."
    return (f"your result has shape {attempt.got.shape}, but shape "
            f"{np.shape(attempt.expected)} is expected.")


# Examples of the generic mistakes: learner functions, each written for one
# exercise with exactly that mistake (the tests run each through the check).

def mse_not_written(y_true, y_pred):
    raise NotImplementedError()


def cost_calling_an_unwritten_helper(y_true, y_pred):
    def squared_error(y_true, y_pred):  # the learner's earlier exercise, still a stub
        raise NotImplementedError()

    return float(np.mean(squared_error(y_true, y_pred)))


def huber_without_delta(y_true, y_pred):
    r = np.abs(y_pred - y_true)
    return np.mean(np.where(r <= 1.0, 0.5 * r ** 2, r - 0.5))


def predict_without_bias_parameter(X, w):
    return X @ w


def mse_as_text(y_true, y_pred):
    return str(np.mean((y_true - y_pred) ** 2))


def wasserstein_1d_sorting_in_place(u_values, v_values):
    u_values.sort()
    v_values.sort()
    return np.mean(np.abs(u_values - v_values))


def categorical_cross_entropy_with_logits_softmax_shifting_in_place(y_true, logits,
                                                                    class_weight=None):
    def softmax(z):  # the learner's own helper: shifts its argument in place
        z -= z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    rows = np.eye(logits.shape[1])[y_true] if y_true.ndim == 1 else y_true
    return float(np.mean(-np.sum(rows * np.log(softmax(logits)), axis=1)))


def binary_cross_entropy_as_a_list(y_true, y_pred):
    losses = []
    for y, p in zip(y_true, np.clip(y_pred, 1e-7, 1 - 1e-7)):
        losses.append(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return losses


def sigmoid_with_math_exp(z):
    import math

    return 1 / (1 + math.exp(-z))


def hinge_loss_with_np_max(y_true, y_pred):
    return np.mean(np.max(0, 1 - y_true * y_pred))


def mse_printed(y_true, y_pred):
    print(np.mean((y_true - y_pred) ** 2))


def mse_per_sample(y_true, y_pred):
    return (y_true - y_pred) ** 2


def sigmoid_averaged(z):
    return np.mean(1 / (1 + np.exp(-z)))


def squared_error_of_a_column(y_true, y_pred):
    return (np.reshape(y_true, (-1, 1)) - y_pred) ** 2


def predict_as_a_column(X, w, b):
    return (X @ w + b).reshape(-1, 1)


def predict_with_weights_as_a_column(X, w, b):
    return np.sum(X * w.reshape(-1, 1), axis=1) + b


def softmax_along_axis_1(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def hinge_loss_with_python_max(y_true, y_pred):
    return np.mean(max(0, 1 - y_true * y_pred))


def gradient_descent_step_without_transpose(X, y, w, b, learning_rate):
    residual = X @ w + b - y
    n = len(y)
    return (w - learning_rate * 2 / n * (X @ residual),
            b - learning_rate * 2 / n * residual.sum())


def squared_error_negated(y_true, y_pred):
    return -(y_true - y_pred) ** 2


def binary_cross_entropy_swapped(y_true, y_pred):
    p = np.clip(y_true, 1e-7, 1 - 1e-7)  # the truth clipped as if it were the prediction
    return np.mean(-(y_pred * np.log(p) + (1 - y_pred) * np.log(1 - p)))


def categorical_cross_entropy_swapped(y_true, y_pred):
    rows = np.eye(y_pred.shape[1])[y_true] if y_true.ndim == 1 else y_true
    return -np.mean(np.sum(y_pred * np.log(np.clip(rows, 1e-7, 1)), axis=1))


def mse_divided_by_zero(y_true, y_pred):
    return np.mean((y_true - y_pred) ** 2) / np.float64(0.0)


def one_hot_with_a_column_too_many(labels, num_classes):
    return np.eye(num_classes + 1)[labels]



#: Checked before the exercise's own mistakes: the call itself went wrong.
GENERIC_BEFORE = (
    Mistake("not_written", "not written yet",
            "you have not written {fn} yet: replace `raise NotImplementedError()` "
            "with your code, run that cell, then run this check again.", _not_written,
            example={"mse": mse_not_written}),
    Mistake("helper_not_written", "a function it calls is not written yet",
            _helper_not_written_hint, _helper_not_written,
            example={"cost": cost_calling_an_unwritten_helper}),
    Mistake("keyword_arguments", "parameters differ", _keyword_hint, _unexpected_keyword,
            example={"huber": huber_without_delta}),
    Mistake("argument_count", "parameters differ", _keyword_hint, _argument_count,
            example={"predict": predict_without_bias_parameter}),
    Mistake("not_numbers", "not numbers", _not_numbers_hint, lambda attempt: bool(attempt.problem),
            example={"mse": mse_as_text}),
    Mistake("list_instead_of_number", "a list instead of one number", _sequence_hint,
            _sequence_instead_of_number,
            example={"binary_cross_entropy": binary_cross_entropy_as_a_list}),
    Mistake("max_instead_of_maximum", "np.max where np.maximum was meant",
            _max_with_two_arrays_hint, _max_with_two_arrays,
            example={"hinge_loss": hinge_loss_with_np_max}),
    Mistake("math_on_array", "math.exp or math.log on an array",
            "Python's math functions (math.exp, math.log, math.sqrt) and float() take one "
            "number, and the check passes arrays: use numpy's, which work elementwise on "
            "arrays and numbers alike (np.exp, np.log, np.sqrt; see the line above).",
            _math_on_array, example={"sigmoid": sigmoid_with_math_exp}),
    Mistake("mutated_input", "input changed in place", _mutated_hint, _mutated,
            example={"wasserstein_1d": wasserstein_1d_sorting_in_place,
                     "categorical_cross_entropy_with_logits":
                     categorical_cross_entropy_with_logits_softmax_shifting_in_place}),
)

#: Checked after the exercise's own mistakes: general shape and value slips.
GENERIC_AFTER = (
    Mistake("returned_none", "nothing returned",
            "{fn} returned None: did you forget the `return` statement (or print the "
            "result instead of returning it)?", _returned_none, example={"mse": mse_printed}),
    Mistake("per_sample_instead_of_cost", "per-sample array instead of one number",
            _per_sample_hint, _per_sample_instead_of_number, example={"mse": mse_per_sample}),
    Mistake("scalar_instead_of_array", "one number instead of an array",
            _scalar_hint, _scalar_instead_of_array, example={"sigmoid": sigmoid_averaged}),
    Mistake("broadcast_to_matrix", "(n, 1) combined with (n,) by broadcasting",
            _broadcast_hint, _broadcast_shape,
            example={"squared_error": squared_error_of_a_column}),
    Mistake("column_instead_of_vector", "extra axis of length 1",
            _column_hint, _column_instead_of_vector,
            example={"predict": predict_as_a_column}),
    Mistake("broadcast_error", "arrays of different shapes combined",
            "numpy could not combine two arrays of different shapes (see the error above). "
            "Print the shapes of the arrays in that line (`x.shape`): a reduction such as "
            "`z.max(axis=1)` drops an axis unless you pass `keepdims=True`, and a "
            "vector (n,) does not combine with an (n, C) table.", _broadcast_error,
            example={"predict": predict_with_weights_as_a_column}),
    Mistake("axis_out_of_range", "an axis the input does not have",
            "your code reduces along an axis this input does not have: the check also passes "
            "a single sample (a 1-d array). Use axis=-1, the last axis, so that 1-d and 2-d "
            "inputs both work.", _axis_out_of_range, example={"softmax": softmax_along_axis_1}),
    Mistake("array_truth_value", "an array used as one true/false value",
            "Python's max, min, `if` and `and` need one true/false value, and numpy refuses to "
            "reduce a whole array to one. Work elementwise: np.maximum(0, x) instead of "
            "max(0, x), np.where(condition, a, b) instead of an if on an array.",
            _array_truth_value, example={"hinge_loss": hinge_loss_with_python_max}),
    Mistake("matmul_shapes", "matrix product of mismatched shapes",
            "the shapes in a matrix product (@ or np.dot) do not fit: the inner sizes must "
            "agree, (n, d) @ (d,) gives (n,). For the gradient with respect to w, multiply "
            "by the transposed features, X.T @ residual, shape (d,).", _matmul_mismatch,
            example={"gradient_descent_step": gradient_descent_step_without_transpose}),
    Mistake("wrong_sign", "wrong sign",
            "your result is the negative of the expected one: check the sign of your formula "
            "(a minus sign too many or too few).", _wrong_sign,
            example={"squared_error": squared_error_negated}),
    Mistake("swapped_arguments", "arguments swapped", _swapped_hint, _swapped,
            example={"binary_cross_entropy": binary_cross_entropy_swapped,
                     "categorical_cross_entropy": categorical_cross_entropy_swapped}),
    Mistake("not_finite", "inf or NaN",
            "your result contains inf or NaN where the expected value is finite: look for "
            "a division by zero, log(0), or exp of a large number in your code.", _has_nonfinite,
            example={"mse": mse_divided_by_zero}),
    Mistake("wrong_shape", "wrong shape", _shape_hint, _shape_mismatch,
            example={"one_hot": one_hot_with_a_column_too_many}),
)
