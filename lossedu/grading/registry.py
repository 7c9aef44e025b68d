"""The registry: every graded exercise of the course, in course order.

Each exercise is declared once, in the module of its lesson under
:mod:`lossedu.grading.exercises` (``lesson03_mean_squared_error`` for
lesson ``03-mean-squared-error``), with:

* ``id`` -- the function's name, the same as the lossedu reference's name;
* ``reference`` -- the lossedu function that gives the expected values;
* ``parameters`` / ``hyperparameters`` -- how the learner's function is
  called: the parameters positionally, hyperparameters by keyword (only the
  ones declared, with their default, e.g. ``delta=1.0`` for Huber);
* ``fixed`` / ``random`` / ``extreme`` -- the inputs: hand-picked cases, a
  generator of seeded random cases, and numerically extreme cases (run last);
* ``output`` -- a number (the cost), an array, a whole number or a tuple;
* ``tolerance`` -- rtol/atol of the comparison;
* ``mistakes`` -- the known mistakes of this exercise, most specific first
  (the generic ones in :mod:`lossedu.grading.diagnoses` come after them),
  each with an example of the buggy function that earns it.

Which lesson sets an exercise, and in which order, is the course plan's
(:mod:`lossedu.plan`); this module only collects the exercises each lesson
module declares (its module-level :class:`Exercise` objects) into
:data:`EXERCISES`, in the plan's order, and refuses a lesson module whose
exercises differ from the plan's.
"""

from __future__ import annotations

import importlib

from lossedu import plan
from lossedu.grading.exercise import REQUIRED, Exercise

__all__ = ["EXERCISES", "REQUIRED"]


def _assemble() -> dict[str, Exercise]:
    exercises: dict[str, Exercise] = {}
    for lesson in plan.LESSONS:
        module = importlib.import_module(f"lossedu.grading.exercises.{lesson.module}")
        declared = {}
        for value in vars(module).values():
            if isinstance(value, Exercise):
                if value.id in declared or value.id in exercises:
                    raise ValueError(f"exercise {value.id!r} is declared twice")
                declared[value.id] = value
        if set(declared) != set(lesson.exercises):
            raise ValueError(
                f"lossedu/grading/exercises/{lesson.module}.py declares the exercises "
                f"{sorted(declared)}, but the course plan (lossedu/{plan.PLAN_FILE}) gives lesson "
                f"{lesson.slug} the exercises {sorted(lesson.exercises)}: declare each planned "
                "exercise in the lesson's module, and plan each declared one")
        for exercise_id in lesson.exercises:
            exercises[exercise_id] = declared[exercise_id]
    return exercises


#: Every exercise, by id (= the learner's function name), in course order.
EXERCISES: dict[str, Exercise] = _assemble()
