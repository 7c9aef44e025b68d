"""The grading report: grades.csv, the summary, the feedback files.

grades.csv has one row per learner: ``learner, name, score, max_score``, one
column per exercise with its points, and ``status`` (``ok`` or what
happened: a fault, a resubmission, a failed re-check, ...).
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from lossedu.classroom.lessons import Lesson
from lossedu.classroom.lms_export import spreadsheet_text

__all__ = ["LearnerRow", "read_csv", "summary", "write_csv"]


@dataclass
class LearnerRow:
    learner: str
    name: str
    scores: dict                        # function -> points
    status: str = "ok"
    gradable: bool = True
    lms: str = "plain"                  # where the learner id comes from: canvas, moodle, ...
    notes: list = field(default_factory=list)

    def score(self) -> float:
        return float(sum(self.scores.values()))


def duration(seconds: float) -> str:
    """``"42s"``, ``"3m10s"``, ``"1h05m"``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _number(value: float) -> str:
    return f"{float(value):g}"


def columns(lesson: Lesson) -> list:
    return ["learner", "name", "score", "max_score",
            *[task.function for task in lesson.tasks], "status", "lms"]


def write_csv(path: Path, lesson: Lesson, rows: list) -> None:
    """Write grades.csv into a new file (never through an existing one)."""
    with open(path, "x", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns(lesson))
        for row in sorted(rows, key=lambda r: r.learner):
            writer.writerow([spreadsheet_text(row.learner), spreadsheet_text(row.name),
                             _number(row.score()), _number(lesson.max_score),
                             *[_number(row.scores.get(task.function, 0.0))
                               for task in lesson.tasks],
                             spreadsheet_text(row.status), row.lms])


def read_csv(path: Path, lesson: Lesson) -> dict:
    """The rows of an existing grades.csv: ``{learner: LearnerRow}``.

    Read only when it is a regular file (a planted link or FIFO is refused
    with OSError, never followed or waited on).
    """
    import io

    from lossedu.classroom.output import read_regular_file

    text = read_regular_file(path).decode("utf-8")
    rows = {}
    for record in csv.DictReader(io.StringIO(text, newline="")):
        scores = {task.function: float(record.get(task.function) or 0)
                  for task in lesson.tasks}
        rows[record["learner"]] = LearnerRow(record["learner"], record.get("name", ""),
                                             scores, record.get("status", ""),
                                             lms=record.get("lms") or "plain")
    return rows


def summary(lesson: Lesson, rows: list, *, seconds: float, output: Path, where: str,
            feedback_count: int, course: Path, regraded: str | None = None,
            isolation: str = "", lms_files: tuple = ()) -> str:
    """The text printed at the end of a run (and saved as summary.txt)."""
    rows = sorted(rows, key=lambda r: r.learner)
    lines = []
    what = f"learner {regraded}" if regraded else f"{len(rows)} learner(s)"
    lines.append(f"Graded lesson {lesson.slug}: {what} in {duration(seconds)} on {where}.")
    if isolation:
        lines.append(f"  learner code ran {isolation}")
    if rows:
        scores = [row.score() for row in rows]
        lines.append(f"  mean score {statistics.mean(scores):.2f} / {_number(lesson.max_score)}, "
                     f"median {_number(statistics.median(scores))}, "
                     f"full marks {sum(s == lesson.max_score for s in scores)}")
        graded = [row for row in rows if row.gradable]
        parts = []
        for task in lesson.tasks:
            full = sum(row.scores.get(task.function, 0) >= task.points for row in graded)
            parts.append(f"{task.function} {full}/{len(graded)}")
        lines.append("  full points per exercise (graded notebooks): " + ", ".join(parts))
        not_graded = [row for row in rows if not row.gradable]
        if not_graded:
            lines.append(f"  not graded: {len(not_graded)} (no notebook of this lesson, or not "
                         "a readable notebook; score 0)")
    lines.append(f"  grades:   {output / 'grades.csv'}")
    lines.append(f"  feedback: {output / 'feedback'} ({feedback_count} HTML file"
                 f"{'s' if feedback_count != 1 else ''})")
    for name in lms_files:
        lines.append(f"  LMS import: {output / name}")
    lines.append(f"  nbgrader course folder: {course} (gradebook, submitted/, autograded/)")
    noted = [row for row in rows if row.status != "ok"]
    if noted:
        lines.append("")
        lines.append("Learners with a note:")
        width = max(len(row.learner) for row in noted)
        for row in noted:
            lines.append(f"  {row.learner:<{width}}  {_number(row.score()):>4}/"
                         f"{_number(lesson.max_score)}  {row.status}")
    return "\n".join(lines) + "\n"
