"""Grading of the course's exercises: the registry, ``check`` and its diagnoses.

In a notebook, a check cell under the learner's answer runs::

    from lossedu.grading import check
    check("mse", mse)

which calls the learner's ``mse`` on the exercise's cases and either shows
one line (``mse: 15 checks passed``) or raises an :class:`AssertionError`
whose message names the input, the expected value, what came back and, when
it recognises one, the mistake.  nbgrader's hidden tests run the same check
on freshly drawn cases: ``check("mse", mse, hidden=True)``.

Every exercise is declared once, in its lesson's module under
:mod:`lossedu.grading.exercises`; :mod:`lossedu.grading.registry` collects
them, in the order of the course plan (:mod:`lossedu.plan`), into
:data:`EXERCISES`.
"""

from __future__ import annotations

import difflib

from lossedu.grading.checker import CheckFailed, CheckResult, check_exercise, draw_cases
from lossedu.grading.exercise import Case, Exercise
from lossedu.grading.registry import EXERCISES

__all__ = ["EXERCISES", "Case", "CheckFailed", "CheckResult", "Exercise", "UnknownExerciseError",
           "check", "exercise_cases", "get_exercise"]


class UnknownExerciseError(KeyError):
    """No exercise has this id; the message lists the valid ones."""

    def __init__(self, exercise_id):
        self.exercise_id = exercise_id
        close = difflib.get_close_matches(str(exercise_id).lower(), list(EXERCISES), n=1)
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        self.message = (f"there is no exercise {exercise_id!r}.{suggestion} "
                        f"Valid exercise ids: {', '.join(EXERCISES)}.")
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def get_exercise(exercise_id: str) -> Exercise:
    """The declared exercise ``exercise_id``; :class:`UnknownExerciseError` if none."""
    try:
        return EXERCISES[exercise_id]
    except (KeyError, TypeError):
        raise UnknownExerciseError(exercise_id) from None


def check(exercise_id: str, fn, *, hidden: bool = False, seed: int | None = None) -> CheckResult:
    """Check a learner's function ``fn`` for the exercise ``exercise_id``.

    Parameters
    ----------
    exercise_id : str
        The exercise, named like the function (``"mse"``).
    fn : callable
        The learner's function.  It is called as the exercise declares,
        e.g. ``fn(y_true, y_pred)`` or ``fn(y_true, y_pred, delta=0.5)``, on
        copies of the inputs.
    hidden : bool, default False
        False: the visible check (fixed cases and a fixed seed, the same every
        time).  True: nbgrader's hidden test, with random cases drawn afresh
        at every call; a failure message reports the seed.
    seed : int, optional
        Draw the random cases from this seed (to repeat a hidden check).

    Returns
    -------
    CheckResult
        Shows as one line, ``mse: 15 checks passed``, when it is the last
        expression of a cell.  Nothing is printed.

    Raises
    ------
    CheckFailed
        An AssertionError with a message for the learner, on the first case
        that fails.
    UnknownExerciseError
        A KeyError listing the valid exercise ids.
    """
    __tracebackhide__ = True
    exercise = get_exercise(exercise_id)
    try:
        return check_exercise(exercise, fn, hidden=hidden, seed=seed)
    except CheckFailed as failure:
        # The check failed: the message below says which input, what was expected and what came.
        raise failure.with_traceback(None) from None


def exercise_cases(exercise_id: str, *, hidden: bool = False, seed: int | None = None):
    """The cases ``check`` would run: ``(seed, [Case, ...])``."""
    return draw_cases(get_exercise(exercise_id), hidden=hidden, seed=seed)
