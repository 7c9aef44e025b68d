"""The ``lossedu`` command.

::

    lossedu grade LESSON SUBMISSIONS [--output DIR] [--learner ID]
                  [--timeout SECONDS] [--memory MB] [--workers N] [--course DIR]
    lossedu lessons [--course DIR]

``lossedu grade`` grades a class's submissions of one lesson (an LMS zip
from Canvas or Moodle, or a folder) with nbgrader, re-checks every exercise
outside the learner's notebook, and writes grades.csv, one feedback HTML
per learner and the nbgrader course folder it used.  Also runnable as
``python -m lossedu``.

Exit status: 0 when the class was graded (a learner's broken notebook is a
status in grades.csv, not an error), 1 when it could not be graded at all
(unknown lesson, unreadable submissions, nbgrader not usable), 2 for a
usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lossedu", description="The Loss Functions course: grade a class.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    grade = commands.add_parser(
        "grade", help="grade a class's submissions of one lesson",
        description="Grade every learner's notebook of one lesson: autograde with nbgrader, "
                    "re-check each exercise outside the notebook, write grades.csv, feedback "
                    "HTML and the nbgrader course folder.",
        epilog="Example: lossedu grade 01 submissions.zip   (writes ./grading/01-loss-vs-cost/)")
    grade.add_argument("lesson", metavar="LESSON",
                       help='the lesson: its number ("01") or name ("01-loss-vs-cost")')
    grade.add_argument("submissions", metavar="SUBMISSIONS", type=Path,
                       help="an LMS download (Canvas or Moodle zip), a zip or folder of "
                            "notebooks (one per learner), or nbgrader's submitted/ folder")
    grade.add_argument("--output", metavar="DIR", type=Path,
                       help="where to write the results (default: ./grading/<lesson>/); "
                            "earlier results there are moved into previous/")
    grade.add_argument("--learner", metavar="ID",
                       help="regrade this learner only and update their row of grades.csv")
    grade.add_argument("--timeout", metavar="SECONDS", type=_positive_int, default=60,
                       help="time limit of one notebook cell (default 60); a learner's whole "
                            "notebook gets at most 10 times this, and at least 120 s")
    grade.add_argument("--memory", metavar="MB", type=_positive_int, default=2048,
                       help="memory (address space) of a learner's kernel (default 2048)")
    grade.add_argument("--workers", metavar="N", type=_positive_int, default=2,
                       help="learners graded in parallel (default 2)")
    grade.add_argument("--course", metavar="DIR", type=Path,
                       help="the course repository with solutions/ (default: the one this "
                            "lossedu is installed from)")

    lessons = commands.add_parser("lessons", help="list the lessons and their exercises")
    lessons.add_argument("--course", metavar="DIR", type=Path,
                         help="the course repository with solutions/")
    return parser


def _grade(args) -> int:
    from lossedu.classroom.pipeline import GradingError, Options, grade_class

    options = Options(lesson=args.lesson, submissions=args.submissions, output=args.output,
                      learner=args.learner, timeout=args.timeout, memory_mb=args.memory,
                      workers=args.workers, course_root=args.course)
    try:
        return grade_class(options)
    except GradingError as error:
        print(f"lossedu grade: {error}", file=sys.stderr)
        return 1


def _lessons(args) -> int:
    from lossedu.classroom.lessons import find_lesson, list_lessons

    try:
        slugs = list_lessons(args.course)
    except LookupError as error:
        print(f"lossedu lessons: {error}", file=sys.stderr)
        return 1
    for slug in slugs:
        lesson = find_lesson(slug, args.course)
        exercises = ", ".join(f"{task.function} ({task.points:g})" for task in lesson.tasks)
        print(f"{slug}  {lesson.max_score:g} points: {exercises}")
    return 0


def main(argv: list | None = None) -> int:
    """Run the ``lossedu`` command with ``argv`` (default: the command line)."""
    args = _parser().parse_args(argv)
    if args.command == "grade":
        return _grade(args)
    return _lessons(args)


if __name__ == "__main__":
    sys.exit(main())
