"""The course plan: lessons, their order, their exercises and points.

Written once, in ``lossedu/course_plan.toml`` (shipped with the package);
this module reads it.  Everything that needs the course's structure asks
here: the grading registry (which lesson sets an exercise, in which order),
lesson discovery, ``python3 course.py release`` and the tests.

>>> from lossedu import plan
>>> [lesson.slug for lesson in plan.LESSONS][:2]
['01-loss-vs-cost', '02-binary-cross-entropy']
>>> plan.lesson_of("huber").slug
'03-mean-squared-error'
>>> plan.points("huber")
2
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Mapping

__all__ = ["EXERCISE_IDS", "LESSONS", "Lesson", "PlanError", "lesson", "lesson_of", "points"]

PLAN_FILE = "course_plan.toml"

_SLUG = re.compile(r"^(?P<number>\d{2})-(?P<name>[a-z0-9]+(?:-[a-z0-9]+)*)$")


class PlanError(ValueError):
    """The course plan is malformed, or names no such lesson or exercise."""


@dataclass(frozen=True)
class Lesson:
    """One lesson of the course plan.

    ``exercises`` are the exercise ids (the learner's function names) in the
    order the lesson sets them; ``points`` maps each to the points of its
    check cell.
    """

    slug: str
    title: str
    exercises: tuple
    points: Mapping[str, int | float]

    @property
    def number(self) -> str:
        """The two-digit lesson number, ``"03"``."""
        return self.slug[:2]

    @property
    def module(self) -> str:
        """The module of :mod:`lossedu.grading.exercises` declaring its exercises.

        ``"03-mean-squared-error"`` -> ``"lesson03_mean_squared_error"``.
        """
        return "lesson" + self.slug.replace("-", "_")

    @property
    def max_score(self) -> float:
        return float(sum(self.points.values()))


def _read(text: str) -> tuple:
    data = tomllib.loads(text)
    entries = data.get("lesson")
    if not isinstance(entries, list) or not entries:
        raise PlanError(f"{PLAN_FILE} declares no [[lesson]]")
    lessons, seen = [], {}
    for position, entry in enumerate(entries, start=1):
        slug = entry.get("slug")
        if not isinstance(slug, str) or not _SLUG.match(slug):
            raise PlanError(f"{PLAN_FILE}: lesson {position} has slug {slug!r}; expected "
                            "two digits, a dash and lowercase words, e.g. '03-mean-squared-error'")
        if int(slug[:2]) != position:
            raise PlanError(f"{PLAN_FILE}: lesson {slug!r} is number {position} in the plan; "
                            f"its slug must start with {position:02d}")
        title = entry.get("title")
        if not isinstance(title, str) or not title.strip():
            raise PlanError(f"{PLAN_FILE}: lesson {slug!r} has no title")
        exercises = entry.get("exercises")
        if not isinstance(exercises, dict) or not exercises:
            raise PlanError(f"{PLAN_FILE}: lesson {slug!r} has no exercises = {{ name = points }}")
        for name, value in exercises.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise PlanError(f"{PLAN_FILE}: exercise {name!r} of {slug!r} has points "
                                f"{value!r}; expected a positive number")
            if name in seen:
                raise PlanError(f"{PLAN_FILE}: exercise {name!r} is in both {seen[name]!r} "
                                f"and {slug!r}")
            seen[name] = slug
        lessons.append(Lesson(slug, title, tuple(exercises), MappingProxyType(dict(exercises))))
    return tuple(lessons)


#: Every lesson, in course order.
LESSONS: tuple = _read(resources.files("lossedu").joinpath(PLAN_FILE).read_text(encoding="utf-8"))

#: Every exercise id, in course order.
EXERCISE_IDS: tuple = tuple(name for entry in LESSONS for name in entry.exercises)

_BY_SLUG = {entry.slug: entry for entry in LESSONS}
_BY_EXERCISE = {name: entry for entry in LESSONS for name in entry.exercises}


def lesson(slug: str) -> Lesson:
    """The lesson ``slug`` (``"03-mean-squared-error"``, or its number ``"03"``)."""
    for entry in LESSONS:
        if slug in (entry.slug, entry.number):
            return entry
    raise PlanError(f"the course plan has no lesson {slug!r}; its lessons are "
                    f"{', '.join(_BY_SLUG)}")


def lesson_of(exercise_id: str) -> Lesson:
    """The lesson that sets the exercise ``exercise_id``."""
    try:
        return _BY_EXERCISE[exercise_id]
    except KeyError:
        raise PlanError(f"the course plan has no exercise {exercise_id!r}") from None


def points(exercise_id: str) -> int | float:
    """The points of the exercise's check cell."""
    return lesson_of(exercise_id).points[exercise_id]
