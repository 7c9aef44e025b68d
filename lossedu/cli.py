"""The ``lossedu`` command.

::

    lossedu grade LESSON SUBMISSIONS [--output DIR] [--learner ID] [--workers N]
                  [--scheduler ADDRESS] [--timeout SECONDS] [--learner-timeout SECONDS]
                  [--memory MB] [--seed N] [--db-url URL] [--canvas-assignment NAME]
                  [--no-isolation] [--course DIR]
    lossedu grade --check-isolation
    lossedu lessons [--course DIR]

``lossedu grade`` grades a class's submissions of one lesson (an LMS zip
from Canvas or Moodle, a folder, or one notebook) in one pass without a
Jupyter kernel: each learner's answer cells run in an isolated sandbox
process, the checks run in the grader, the points go into the nbgrader
gradebook of the run's course folder, and it writes grades.csv, the LMS
import files and one feedback page per learner.  Also runnable as
``python -m lossedu``.

Exit status: 0 when the class was graded (a learner's broken notebook is a
status in grades.csv, not an error), 1 when it could not be graded at all
(unknown lesson, unreadable submissions, no isolation), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
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
        description="Grade every learner's notebook of one lesson: run their answer cells in "
                    "an isolated sandbox, check every exercise (visible and hidden checks), "
                    "record the points in the nbgrader gradebook, write grades.csv, LMS "
                    "import files and one feedback page per learner.",
        epilog="Example: lossedu grade 01 submissions.zip   (writes ./grading/01-loss-vs-cost/)")
    grade.add_argument("lesson", metavar="LESSON", nargs="?",
                       help='the lesson: its number ("01") or name ("01-loss-vs-cost")')
    grade.add_argument("submissions", metavar="SUBMISSIONS", type=Path, nargs="?",
                       help="an LMS download (Canvas or Moodle zip), a zip or folder of "
                            "notebooks (one per learner), nbgrader's submitted/ folder, or "
                            "one notebook")
    grade.add_argument("--output", metavar="DIR", type=Path,
                       help="where to write the results (default: ./grading/<lesson>/); "
                            "earlier results there are moved into previous/")
    grade.add_argument("--learner", metavar="ID",
                       help="regrade this learner only and update their row of grades.csv")
    grade.add_argument("--workers", metavar="N", type=_positive_int, default=2,
                       help="learners graded in parallel on this machine (default 2)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a Dask cluster, e.g. tcp://10.0.0.5:8786 (needs the "
                            "'cluster' extra: pip install 'lossedu[cluster]')")
    grade.add_argument("--timeout", metavar="SECONDS", type=_positive_int, default=10,
                       help="time limit of one answer cell and of one call of a learner's "
                            "function (default 10)")
    grade.add_argument("--learner-timeout", metavar="SECONDS", type=_positive_int,
                       default=120, help="time limit of everything one learner's code does "
                                         "(default 120)")
    grade.add_argument("--memory", metavar="MB", type=_positive_int, default=1024,
                       help="memory (address space) of a learner's sandbox (default 1024)")
    grade.add_argument("--seed", metavar="N", type=_non_negative_int,
                       help="seed of the hidden checks' random cases (default: fresh); the "
                            "same seed grades the same way")
    grade.add_argument("--db-url", metavar="URL",
                       help="the nbgrader gradebook as an SQLAlchemy URL, e.g. "
                            "postgresql://user@host/gradebook (default: SQLite "
                            "gradebook.db in the course folder; also LOSSEDU_DB_URL)")
    grade.add_argument("--canvas-assignment", metavar="NAME",
                       help="the assignment column of canvas_grades.csv as Canvas names it, "
                            'e.g. "Lesson 01 (1234)" (default: the lesson\'s name)')
    grade.add_argument("--no-isolation", action="store_true",
                       help="grade even where learner code cannot be isolated (no "
                            "bubblewrap); every page and the summary say 'not isolated'")
    grade.add_argument("--check-isolation", action="store_true",
                       help="say which isolation this machine gives learner code, and stop")
    grade.add_argument("--course", metavar="DIR", type=Path,
                       help="the course repository with solutions/ (default: the one this "
                            "lossedu is installed from)")

    parser.grade_parser = grade
    lessons = commands.add_parser("lessons", help="list the lessons and their exercises")
    lessons.add_argument("--course", metavar="DIR", type=Path,
                         help="the course repository with solutions/")
    return parser


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number of 0 or more, got {value}")
    return value


def _grade(args, parser) -> int:
    if args.check_isolation:
        from lossedu.classroom.isolation import IsolationUnavailable, describe_isolation

        try:
            print(describe_isolation())
        except IsolationUnavailable as error:
            print(f"lossedu grade: {error}", file=sys.stderr)
            return 1
        return 0
    missing = [name for name, value in (("LESSON", args.lesson),
                                        ("SUBMISSIONS", args.submissions)) if value is None]
    if missing:
        parser.grade_parser.error("the following arguments are required: "
                                  + ", ".join(missing))
    from lossedu.classroom.run import GradingError, GradingRun, grade_class

    run = GradingRun(lesson=args.lesson, submissions=args.submissions, output=args.output,
                     learner=args.learner, timeout=args.timeout,
                     learner_timeout=args.learner_timeout, memory_mb=args.memory,
                     workers=args.workers, course_root=args.course, scheduler=args.scheduler,
                     seed=args.seed, allow_unisolated=args.no_isolation,
                     db_url=args.db_url or os.environ.get("LOSSEDU_DB_URL") or None,
                     canvas_assignment=args.canvas_assignment)
    try:
        return grade_class(run)
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
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "grade":
        return _grade(args, parser)
    return _lessons(args)


if __name__ == "__main__":
    sys.exit(main())
