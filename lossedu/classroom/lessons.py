"""The lessons a class can be graded on, read from the course's nbgrader source.

A lesson is ``solutions/NN-slug/NN-slug.ipynb`` in the course folder (the
repository).  Its graded exercises are read from the notebook's nbgrader
metadata: an *answer cell* ``answer_<fn>`` (``solution: true``) where the
learner writes ``def <fn>(...)``, and a *check cell* ``check_<fn>``
(``grade: true``, ``points``) that runs ``check("<fn>", <fn>)``.  The
function names are the ids of :data:`lossedu.grading.EXERCISES`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import lossedu

__all__ = ["CourseNotFound", "Lesson", "LessonNotFound", "Task", "default_course_root",
           "find_lesson", "list_lessons", "lesson_of_answer_ids"]

SLUG_PATTERN = re.compile(r"^(?P<number>\d{2})-[a-z0-9][a-z0-9-]*$")


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
    tasks: tuple         # Task, in notebook order

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
    """The slugs of the lessons that have a source notebook, in course order."""
    solutions = _course_solutions(course_root or default_course_root())
    return sorted(path.name for path in solutions.iterdir()
                  if path.is_dir() and SLUG_PATTERN.match(path.name)
                  and (path / f"{path.name}.ipynb").is_file())


def _metadata(cell: dict) -> dict:
    metadata = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    nbgrader = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
    return nbgrader if isinstance(nbgrader, dict) else {}


def read_tasks(notebook: dict) -> tuple:
    """The graded exercises of a source or release notebook, in order."""
    answers, checks = [], {}
    for cell in notebook.get("cells", []):
        meta = _metadata(cell)
        grade_id = meta.get("grade_id", "")
        if meta.get("solution") and grade_id.startswith("answer_"):
            answers.append(grade_id[len("answer_"):])
        elif meta.get("grade") and grade_id.startswith("check_"):
            checks[grade_id[len("check_"):]] = float(meta.get("points", 0) or 0)
    return tuple(Task(function, f"answer_{function}", f"check_{function}", checks[function])
                 for function in answers if function in checks)


def find_lesson(name: str, course_root: Path | None = None) -> Lesson:
    """The lesson called ``name``: its number (``"01"``, ``"1"``) or slug.

    Raises
    ------
    LessonNotFound
        With the list of lessons in the message.
    """
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
    source_dir = course_root / "solutions" / slug
    with open(source_dir / f"{slug}.ipynb", encoding="utf-8") as handle:
        tasks = read_tasks(json.load(handle))
    if not tasks:
        raise LessonNotFound(f"lesson {slug} has no graded exercises (no answer_<fn> cell with a "
                             "check_<fn> cell).")
    return Lesson(slug, source_dir, tasks)


def lesson_of_answer_ids() -> dict:
    """``{"answer_<fn>": lesson slug}`` for every exercise of the course."""
    from lossedu.grading import EXERCISES

    return {f"answer_{exercise_id}": exercise.lesson for exercise_id, exercise in EXERCISES.items()}
