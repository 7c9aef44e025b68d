"""One learner's grading job: answer cells in the sandbox, checks in the grader.

:func:`grade_learner` is a plain function of a picklable :class:`LearnerJob`
that returns a picklable :class:`LearnerResult`: the local pool of worker
processes and a Dask cluster run the very same function, so that a class
graded either way gets the same grades.

For every exercise the learner's function is checked twice from the grader's
process, as the notebook's check cell does: the visible check (the cases the
learner saw) and the hidden check (cases drawn from the job's seed).  Its
points count when both pass.
"""

from __future__ import annotations

import enum
import time
import zlib
from dataclasses import dataclass

from lossedu.classroom.sandbox import Fault

__all__ = ["ExerciseOutcome", "LearnerJob", "LearnerResult", "Outcome", "grade_learner",
           "hidden_seed"]


class Outcome(enum.Enum):
    """How one exercise of one learner ended."""

    PASSED = "passed"
    FAILED = "failed"                  # a wrong answer: the check's message says why
    NOT_ANSWERED = "not answered"      # the answer cell is the release's stub, or missing
    TIME_LIMIT = "time limit"
    MEMORY = "out of memory"
    CRASH = "crashed"                  # the process running the answer died
    MALFORMED = "malformed result"     # too large or not plain data
    NOT_GRADED = "not graded"          # the sandbox could not run at all


@dataclass(frozen=True)
class ExerciseOutcome:
    function: str
    points: float
    max_points: float
    outcome: Outcome
    message: str = ""                  # for the learner (feedback page)
    cell_fault: str | None = None      # sandbox.Fault value of the answer cell's own run, if any


@dataclass(frozen=True)
class LearnerJob:
    learner: str
    tasks: tuple                       # lessons.Task, in notebook order
    cells: tuple                       # (answer cell id, source), in notebook order
    not_answered: frozenset            # functions whose answer is the stub or missing
    stubs: dict                        # lossedu names the given cells import: "function"/"module"
    seed: int                          # of this run; each exercise's hidden seed derives from it
    limits: object                     # sandbox.SandboxLimits
    process_limits: object             # isolation.Limits
    allow_unisolated: bool = False


@dataclass(frozen=True)
class LearnerResult:
    learner: str
    exercises: tuple                   # ExerciseOutcome, in task order
    isolation: str                     # one line: how the learner's code was isolated
    seconds: float

    @property
    def score(self) -> float:
        return float(sum(exercise.points for exercise in self.exercises))


def hidden_seed(seed: int, learner: str, function: str) -> int:
    """The hidden cases' seed of one exercise of one learner in a run of ``seed``."""
    return zlib.crc32(f"{seed}:{learner}:{function}".encode("utf-8"))


_FAULT_OUTCOMES = {
    Fault.TIME_LIMIT: Outcome.TIME_LIMIT,
    Fault.MEMORY: Outcome.MEMORY,
    Fault.CRASH: Outcome.CRASH,
    Fault.MALFORMED: Outcome.MALFORMED,
    Fault.UNAVAILABLE: Outcome.NOT_GRADED,
}


def _proxy(box, function: str):
    def proxy(*args, **kwargs):
        return box.call(function, args, kwargs)
    proxy.__name__ = proxy.__qualname__ = function
    return proxy


def grade_learner(job: LearnerJob) -> LearnerResult:
    """Grade one learner; every fault of theirs becomes an :class:`Outcome`."""
    from lossedu.classroom.isolation import find_isolation
    from lossedu.classroom.sandbox import Sandbox, SandboxFault
    from lossedu.grading import EXERCISES, CheckFailed
    from lossedu.grading.checker import check_exercise

    started = time.monotonic()
    isolation = find_isolation(allow_unisolated=job.allow_unisolated)
    box = Sandbox(list(job.cells), dict(job.stubs), job.limits, isolation, job.process_limits)
    outcomes = []
    try:
        try:
            box.start()
            start_fault = None
        except SandboxFault as fault:
            start_fault = fault
        index_of = {cell_id: index for index, (cell_id, _) in enumerate(job.cells)}
        for task in job.tasks:
            points = float(task.points)
            if task.function in job.not_answered:
                outcomes.append(ExerciseOutcome(task.function, 0.0, points,
                                                Outcome.NOT_ANSWERED, "not answered"))
                continue
            if start_fault is not None:
                outcomes.append(ExerciseOutcome(
                    task.function, 0.0, points,
                    _FAULT_OUTCOMES.get(start_fault.fault, Outcome.NOT_GRADED),
                    start_fault.message))
                continue
            exercise = EXERCISES[task.function]
            outcome, message = Outcome.PASSED, ""
            try:
                # The learner's code runs in the sandbox: nothing to watch here.
                check_exercise(exercise, _proxy(box, task.function), hidden=False,
                               seed_note=False, in_process=False)
                check_exercise(exercise, _proxy(box, task.function), hidden=True,
                               seed=hidden_seed(job.seed, job.learner, task.function),
                               seed_note=False, in_process=False)
            except CheckFailed as failure:
                outcome = Outcome.TIME_LIMIT if failure.diagnosis == "time_limit" \
                    else Outcome.FAILED
                message = str(failure)
            except SandboxFault as fault:
                outcome = _FAULT_OUTCOMES.get(fault.fault, Outcome.NOT_GRADED)
                message = f"{task.function}: {fault.message}"
            removed = box.skipped.get(index_of.get(task.answer_id, -1))
            ran = box.cell_outcomes.get(task.answer_id)
            cell = removed if removed is not None else ran
            cell_fault = cell.fault.value if cell is not None and cell.fault is not None \
                and cell.fault is not Fault.ERROR else None
            if outcome is not Outcome.PASSED and removed is not None and removed.fault:
                # The answer cell itself hung or killed its process: that is what happened.
                outcome = _FAULT_OUTCOMES.get(removed.fault, Outcome.NOT_GRADED)
                message = (f"{task.function}: your answer cell was stopped ({removed.message}) "
                           "before it defined the function, so it is graded as not answered.")
            elif outcome is not Outcome.PASSED and cell is not None and cell.fault is not None:
                message += f"\n(Your answer cell failed when it ran: {cell.message})"
            outcomes.append(ExerciseOutcome(task.function,
                                            points if outcome is Outcome.PASSED else 0.0,
                                            points, outcome, message, cell_fault))
    finally:
        box.close()
    return LearnerResult(job.learner, tuple(outcomes), isolation.description,
                         time.monotonic() - started)
