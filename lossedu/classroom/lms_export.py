"""Grades back to the LMS: the CSV files Canvas's and Moodle's grade imports accept.

Besides grades.csv, ``lossedu grade`` writes one file per LMS the
submissions came from, keyed on the learner ids read from the download's
file names (:mod:`lossedu.classroom.lms`), so the instructor uploads the
grades without editing a spreadsheet.  Plain submissions (``alice.ipynb``)
carry no LMS id and are left out.

Canvas: ``canvas_grades.csv``
-----------------------------
Source: Canvas Instructor Guide, "How do I import grades in the Gradebook?"
(Grades › Import), checked against Canvas's importer
(``app/models/gradebook_importer.rb`` and ``Assignment.title_and_id`` in
instructure/canvas-lms)::

    Student,ID,SIS User ID,SIS Login ID,Section,Loss vs cost (98765)
    Points Possible,,,,,10
    smithjane,123456,,,,7.5

* The header must start ``Student, ID``; with ``SIS User ID, SIS Login ID``
  the student columns end with ``Section``.  Every later column is an
  assignment.
* Learners are found by ``ID``, the Canvas user id (the number after the
  name in a "Download Submissions" file name), then by SIS ids, then by
  name; the SIS columns may stay empty.
* An assignment column named ``Title (assignment id)`` updates that
  assignment; a column named by title only updates the published assignment
  with exactly that title, and if there is none Canvas offers to create a
  new assignment of that name, whose points possible are taken from the
  ``Points Possible`` row (a row whose first cell contains
  "Points Possible").  Pass ``canvas_assignment`` (the id from the
  assignment's URL, ``/courses/1/assignments/98765``) to update an existing
  assignment whatever its title.
* Canvas shows the changes for confirmation before it saves them.  Comments
  cannot be imported this way: Canvas's gradebook import takes scores only.

Moodle: ``moodle_grades.csv``
-----------------------------
Source: MoodleDocs, "Assignment settings" › Feedback types › "Offline
grading worksheet" (View all submissions › Grading action › "Upload grading
worksheet"), checked against Moodle's ``mod/assign/gradingtable.php`` (the
worksheet's columns), ``mod/assign/feedback/offline/importgradeslib.php`` and
``locallib.php`` (what the upload reads) and the English strings of
``mod_assign``::

    Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,
    Last modified (submission),Last modified (grade),Feedback comments
    Participant 4021,Jane Smith,,,8,10,Yes,,2026-12-03T12:40:00+00:00,<p>...</p>

* The upload needs ``Identifier``, ``Grade`` and ``Last modified (grade)``;
  it reads ``Feedback comments`` when the assignment's feedback comments are
  enabled, and ignores the other columns (written as the worksheet download
  has them, empty where lossedu does not know the value).
* ``Identifier`` is ``Participant <id>``, the participant id of the
  "Download all submissions" folder name (``Jane Smith_4021_assignsubmission_file_``).
* Moodle matches the column names in the teacher's language: these are the
  English ones (switch Moodle to English for the upload, or rename them).
* A grade Moodle has changed more than a minute after ``Last modified
  (grade)`` (the grading time here) is kept unless "Allow updating records
  that have been modified more recently in Moodle than in the spreadsheet"
  is ticked; a grade above the assignment's maximum grade is skipped, so set
  the Moodle assignment's maximum grade to the lesson's points.
* Feedback comments are HTML in Moodle: the comment is escaped and its line
  breaks become ``<br>``.

Both files are UTF-8 without a byte-order mark, every field quoted (csv
module, ``QUOTE_ALL``), and every text cell that a spreadsheet would read as
a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return)
gets a leading apostrophe, as OWASP's "CSV Injection" page recommends.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["CANVAS_FILE", "CANVAS_STUDENT_COLUMNS", "GradeRow", "MOODLE_COLUMNS", "MOODLE_FILE",
           "spreadsheet_text", "write_lms_files"]

CANVAS_FILE = "canvas_grades.csv"
MOODLE_FILE = "moodle_grades.csv"
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_POSSIBLE = "Points Possible"
MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                  "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                  "Feedback comments")
MOODLE_PARTICIPANT = "Participant "

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TITLE_AND_ID = re.compile(r"\A(.*)\s\((\d+)\)\Z", re.DOTALL)   # Canvas's Assignment.title_and_id
_LMS_ID = re.compile(r"\A\d+\Z")


@dataclass(frozen=True)
class GradeRow:
    """One learner's grade for one lesson, with where the submission came from."""

    learner: str        # the LMS id: Canvas user id, Moodle participant id (or a plain id)
    name: str
    score: float
    max_score: float
    lms: str            # "canvas", "moodle" or "plain"
    comment: str = ""


def spreadsheet_text(value: str) -> str:
    """A text cell that no spreadsheet runs as a formula (OWASP, CSV Injection)."""
    value = str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def _points(value: float) -> str:
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _check_rows(rows: list[GradeRow]) -> None:
    seen: dict[tuple[str, str], GradeRow] = {}
    for row in rows:
        if not isinstance(row, GradeRow):
            raise TypeError(f"rows must hold GradeRow objects, got {type(row).__name__}")
        if row.lms not in ("canvas", "moodle", "plain"):
            raise ValueError(f"learner {row.learner!r} has lms={row.lms!r}: "
                             f"expected 'canvas', 'moodle' or 'plain'")
        if not (row.max_score > 0 and 0 <= row.score <= row.max_score):
            raise ValueError(f"learner {row.learner!r} has score {row.score:g} of {row.max_score:g}: "
                             f"the score must be between 0 and max_score, and max_score above 0")
        if row.lms == "plain":
            continue
        if not _LMS_ID.match(row.learner):
            system = "Canvas user id" if row.lms == "canvas" else "Moodle participant id"
            raise ValueError(
                f"{row.lms} row for learner {row.learner!r}: expected the numeric {system} read from "
                f"the download's file name (e.g. smithjane_123456_7890123_lesson.ipynb or "
                f"Jane Smith_4021_assignsubmission_file_/lesson.ipynb)")
        key = (row.lms, row.learner)
        if key in seen:
            raise ValueError(f"{row.lms} learner {row.learner} appears twice "
                             f"({seen[key].name!r} and {row.name!r}): one row per learner")
        seen[key] = row


def _canvas_header(lesson_title: str, canvas_assignment: str | None) -> str:
    if canvas_assignment is None:
        if _TITLE_AND_ID.match(lesson_title):
            raise ValueError(
                f"lesson title {lesson_title!r} ends in a number in parentheses, which Canvas reads as an "
                f"assignment id: pass canvas_assignment (the assignment's id or its 'Title (id)')")
        return lesson_title
    canvas_assignment = canvas_assignment.strip()
    if _LMS_ID.match(canvas_assignment):
        return f"{lesson_title} ({canvas_assignment})"
    if not canvas_assignment:
        raise ValueError("canvas_assignment is empty: give the Canvas assignment id "
                         "(from its URL, /courses/1/assignments/98765) or leave it out")
    return canvas_assignment


def _write(path: Path, table: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, quoting=csv.QUOTE_ALL).writerows(table)


def _write_canvas(path: Path, header: str, rows: list[GradeRow]) -> None:
    maxima = {row.max_score for row in rows}
    if len(maxima) != 1:
        raise ValueError(f"Canvas rows have different maximum scores {sorted(maxima)}: "
                         f"one lesson is one assignment with one 'Points Possible'")
    blank = [""] * (len(CANVAS_STUDENT_COLUMNS) - 1)
    table = [list(CANVAS_STUDENT_COLUMNS) + [spreadsheet_text(header)],
             [CANVAS_POINTS_POSSIBLE] + blank + [_points(maxima.pop())]]
    table += [[spreadsheet_text(row.name), row.learner, "", "", "", _points(row.score)]
              for row in rows]
    _write(path, table)


def _moodle_comment(comment: str) -> str:
    return "<br>".join(html.escape(line) for line in comment.splitlines())


def _write_moodle(path: Path, rows: list[GradeRow], graded_at: datetime) -> None:
    modified = graded_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    table = [list(MOODLE_COLUMNS)]
    table += [[MOODLE_PARTICIPANT + row.learner, spreadsheet_text(row.name), "", "",
               _points(row.score), _points(row.max_score), "Yes", "", modified,
               spreadsheet_text(_moodle_comment(row.comment))]
              for row in rows]
    _write(path, table)


def write_lms_files(folder: Path, lesson_title: str, rows: list[GradeRow], *,
                    canvas_assignment: str | None = None,
                    graded_at: datetime | None = None) -> list[Path]:
    """Write the grade import files of the LMSs the rows came from.

    Parameters
    ----------
    folder : Path
        Where to write (created if missing).
    lesson_title : str
        The Canvas assignment column's title (``"Loss vs cost"``).
    rows : list of GradeRow
        The graded learners; ``lms="plain"`` rows are skipped (no LMS id).
    canvas_assignment : str, optional
        The Canvas assignment to update: its id (``"98765"``, the column
        becomes ``"Loss vs cost (98765)"``) or a full column header
        (``"Week 1 (98765)"``).  Without it the column is the lesson title,
        which updates the assignment with that title or creates one.
    graded_at : datetime, optional
        Written as Moodle's "Last modified (grade)"; now when not given.
        A naive datetime is taken as local time.

    Returns
    -------
    list of Path
        ``canvas_grades.csv`` if any row is from Canvas, then
        ``moodle_grades.csv`` if any is from Moodle.

    Raises
    ------
    ValueError
        A Canvas or Moodle row whose learner is not a numeric LMS id, a
        learner twice, a score outside ``[0, max_score]``, Canvas rows with
        different maxima, or a lesson title Canvas would misread as
        ``Title (id)`` when ``canvas_assignment`` is not given.
    """
    _check_rows(rows)
    canvas = [row for row in rows if row.lms == "canvas"]
    moodle = [row for row in rows if row.lms == "moodle"]
    header = _canvas_header(lesson_title, canvas_assignment) if canvas else ""
    folder = Path(folder)
    written: list[Path] = []
    if canvas or moodle:
        folder.mkdir(parents=True, exist_ok=True)
    if canvas:
        path = folder / CANVAS_FILE
        _write_canvas(path, header, canvas)
        written.append(path)
    if moodle:
        path = folder / MOODLE_FILE
        _write_moodle(path, moodle, graded_at or datetime.now(timezone.utc))
        written.append(path)
    return written
