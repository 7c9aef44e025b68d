"""The lessons a class can be graded on: the course plan, and where their files are.

The lessons, their order, exercises and points come from the course plan
(:mod:`lossedu.plan`).  A lesson can be graded when the course folder (the
repository) holds its nbgrader source ``solutions/NN-slug/NN-slug.ipynb``,
whose *answer cell* ``answer_<fn>`` holds the learner's ``def <fn>(...)`` and
whose *check cell* ``check_<fn>`` runs ``check("<fn>", <fn>)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import lossedu

__all__ = ["CourseNotFound", "Lesson", "LessonNotFound", "Task", "default_course_root",
           "find_lesson", "list_lessons", "lesson_of_answer_ids"]

class LessonNotFound(LookupError):
    """No lesson matches what was asked; the message lists the lessons."""


class CourseNotFound(LookupError):
    """No course folder (with ``solutions/``) could be found."""


@dataclass(frozen=True)
class Task:
    """One graded exercise of a lesson: the learner's function and its cells."""

    function: str        # the learner's function name = the exercise id
    answer_id: str       # grade_id of the answer cell, "answer_<fn>"
    check_id: str        # grade_id of the check cell, "check_<fn>"
    points: float


@dataclass(frozen=True)
class Lesson:
    """A lesson of the course and where its files are."""

    slug: str            # "01-loss-vs-cost"
    source_dir: Path     # solutions/<slug>/ (nbgrader source)
    tasks: tuple         # Task, in the plan's order
    title: str = ""      # "Loss vs cost"

    @property
    def number(self) -> str:
        return self.slug[:2]

    @property
    def notebook_name(self) -> str:
        return f"{self.slug}.ipynb"

    @property
    def source_notebook(self) -> Path:
        return self.source_dir / self.notebook_name

    @property
    def max_score(self) -> float:
        return float(sum(task.points for task in self.tasks))

    def task(self, function: str) -> Task:
        for task in self.tasks:
            if task.function == function:
                return task
        raise KeyError(function)


def default_course_root() -> Path:
    """The course folder: the repository that holds this installed lossedu."""
    return Path(lossedu.__file__).resolve().parent.parent


def _course_solutions(course_root: Path) -> Path:
    solutions = Path(course_root) / "solutions"
    if not solutions.is_dir():
        raise CourseNotFound(
            f"{course_root} is not a course folder: it has no solutions/ folder with the "
            "lessons. Give the course repository with --course DIR.")
    return solutions


def list_lessons(course_root: Path | None = None) -> list[str]:
    """The slugs of the plan's lessons that have a source notebook, in course order."""
    from lossedu import plan

    solutions = _course_solutions(course_root or default_course_root())
    return [entry.slug for entry in plan.LESSONS
            if (solutions / entry.slug / f"{entry.slug}.ipynb").is_file()]


def find_lesson(name: str, course_root: Path | None = None) -> Lesson:
    """The lesson called ``name``: its number (``"01"``, ``"1"``) or slug.

    Raises
    ------
    LessonNotFound
        With the list of lessons in the message.
    """
    from lossedu import plan

    course_root = Path(course_root or default_course_root())
    slugs = list_lessons(course_root)
    wanted = str(name).strip().rstrip("/")
    wanted = Path(wanted).name if "/" in wanted else wanted
    matches = [slug for slug in slugs if slug == wanted]
    if not matches and wanted.isdigit():
        matches = [slug for slug in slugs if int(slug[:2]) == int(wanted)]
    if len(matches) != 1:
        raise LessonNotFound(f"there is no lesson {name!r}. Lessons: {', '.join(slugs) or 'none'} "
                             "(give the number, e.g. 01, or the full name).")
    slug = matches[0]
    entry = plan.lesson(slug)
    tasks = tuple(Task(function, f"answer_{function}", f"check_{function}",
                       float(entry.points[function])) for function in entry.exercises)
    return Lesson(slug, course_root / "solutions" / slug, tasks, entry.title)


def lesson_of_answer_ids() -> dict:
    """``{"answer_<fn>": lesson slug}`` for every exercise of the course."""
    from lossedu import plan

    return {f"answer_{exercise}": entry.slug for entry in plan.LESSONS
            for exercise in entry.exercises}
