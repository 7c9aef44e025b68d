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

__all__ = ["LearnerRow", "read_csv", "summary", "write_csv"]


@dataclass
class LearnerRow:
    learner: str
    name: str
    scores: dict                        # function -> points
    status: str = "ok"
    gradable: bool = True
    notes: list = field(default_factory=list)

    def score(self) -> float:
        return float(sum(self.scores.values()))


def _number(value: float) -> str:
    return f"{float(value):g}"


def columns(lesson: Lesson) -> list:
    return ["learner", "name", "score", "max_score",
            *[task.function for task in lesson.tasks], "status"]


def write_csv(path: Path, lesson: Lesson, rows: list) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns(lesson))
        for row in sorted(rows, key=lambda r: r.learner):
            writer.writerow([row.learner, row.name, _number(row.score()),
                             _number(lesson.max_score),
                             *[_number(row.scores.get(task.function, 0.0))
                               for task in lesson.tasks],
                             row.status])


def read_csv(path: Path, lesson: Lesson) -> dict:
    """The rows of an existing grades.csv: ``{learner: LearnerRow}``."""
    rows = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            scores = {task.function: float(record.get(task.function) or 0)
                      for task in lesson.tasks}
            rows[record["learner"]] = LearnerRow(record["learner"], record.get("name", ""),
                                                 scores, record.get("status", ""))
    return rows


def summary(lesson: Lesson, rows: list, *, seconds: float, output: Path, workers: int,
            feedback_count: int, course: Path, regraded: str | None = None) -> str:
    """The text printed at the end of a run (and saved as summary.txt)."""
    from lossedu.classroom.progress import duration

    rows = sorted(rows, key=lambda r: r.learner)
    lines = []
    what = f"learner {regraded}" if regraded else f"{len(rows)} learner(s)"
    lines.append(f"Graded lesson {lesson.slug}: {what} in {duration(seconds)} "
                 f"({workers} worker{'s' if workers != 1 else ''}).")
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
        rechecked = [row for row in rows if "re-check" in row.status]
        if rechecked:
            lines.append(f"  failed the independent re-check: {len(rechecked)} learner(s) "
                         "(points set to 0, see status)")
    lines.append(f"  grades:   {output / 'grades.csv'}")
    lines.append(f"  feedback: {output / 'feedback'} ({feedback_count} HTML file"
                 f"{'s' if feedback_count != 1 else ''})")
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
