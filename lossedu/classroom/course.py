"""The nbgrader course folders of a grading run.

``lossedu grade`` owns one standard nbgrader course folder per lesson,
``<output>/course/``: ``nbgrader_config.py``, ``source/`` (the lesson from
``solutions/``), ``release/``, ``submitted/``, ``autograded/``,
``feedback/`` and ``gradebook.db``.  After a run, every standard nbgrader
command works there (``nbgrader export``, ``nbgrader formgrader``,
``nbgrader generate_feedback``).

Each learner is autograded in a *private* copy (a temporary course folder
holding only that learner and a fresh gradebook), so that one learner's
code cannot reach another's files or grades; the results are then written
into the course folder's gradebook here, in one place, by the grader.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from lossedu.classroom.lessons import Lesson

__all__ = ["CONFIG_FILE", "CourseFolder", "ExerciseScore", "apply_grading_settings",
           "write_config"]

CONFIG_FILE = '''"""nbgrader configuration of this grading folder (written by `lossedu grade`).

Standard nbgrader commands run in this folder use the same settings as
`lossedu grade` did, e.g.

    nbgrader export                       grades of every learner as CSV
    nbgrader generate_feedback {slug}     feedback HTML (hidden tests removed)
    nbgrader formgrader                   review and change grades in the browser

The gradebook is gradebook.db here, unless LOSSEDU_DB_URL holds an
SQLAlchemy URL (e.g. postgresql://user:password@host/gradebook).
"""
import os

from lossedu.classroom.course import apply_grading_settings

c = get_config()  # noqa: F821 (provided by nbgrader)
HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = os.environ.get(
    "LOSSEDU_DB_URL", "sqlite:///" + os.path.join(HERE, "gradebook.db"))
apply_grading_settings(c, timeout={timeout})
'''


def apply_grading_settings(c, timeout: int) -> None:
    """Set how nbgrader executes and reports a learner's notebook, on config ``c``.

    Used by the course's own ``nbgrader_config.py`` and by the one that
    ``lossedu grade`` writes into its course folder, so that both grade
    alike: a per-cell time limit (a cell that runs over is interrupted and
    recorded as an error, and grading goes on), outputs capped in lines and
    in characters, and feedback without the hidden tests (nbgrader 0.9
    leaves them in, with the tracebacks that quote them).
    """
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute,
                                        GetGrades, IgnorePattern, LimitOutput, SaveAutoGrades)

    from lossedu.classroom.preprocessors import HideHiddenTests, LimitOutputSize

    c.Execute.timeout = int(timeout)
    c.Execute.interrupt_on_timeout = True
    c.Execute.startup_timeout = 120
    c.Execute.execute_retries = 0
    c.LimitOutput.max_lines = 1000
    c.LimitOutput.max_traceback = 100
    c.LimitOutputSize.max_characters = 100_000
    c.Autograde.autograde_preprocessors = [
        Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, LimitOutputSize,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    c.GenerateFeedback.preprocessors = [HideHiddenTests, GetGrades, CSSHTMLHeaderPreprocessor]


def write_config(course: Path, lesson: Lesson, timeout: int) -> None:
    (Path(course) / "nbgrader_config.py").write_text(
        CONFIG_FILE.format(slug=lesson.slug, timeout=int(timeout)), encoding="utf-8")


def sqlite_url(course: Path) -> str:
    return "sqlite:///" + str(Path(course).resolve() / "gradebook.db")


@dataclass(frozen=True)
class ExerciseScore:
    """Points of one exercise of one learner, as written into the gradebook."""

    function: str
    auto_score: float          # nbgrader's autograde points
    passed_recheck: bool       # the sandbox re-check
    recheck_message: str = ""

    @property
    def final(self) -> float:
        return self.auto_score if self.passed_recheck else 0.0


def _gradebook(db_url: str):
    from nbgrader.api import Gradebook

    return Gradebook(db_url)


class _NoWarnings:
    """Gradebook code, with the two SQLAlchemy notices nbgrader 0.9 triggers silenced."""

    def __enter__(self):
        self._context = warnings.catch_warnings()
        self._context.__enter__()
        try:
            from sqlalchemy.exc import SADeprecationWarning, SAWarning
        except ImportError:
            return self
        warnings.simplefilter("ignore", SADeprecationWarning)
        # nbgrader's add_submission builds rows SQLAlchemy 2 reports as "not in session"
        # before they are added; they are added and committed right after.
        warnings.filterwarnings("ignore", message=r"Object of type <\w+> not in session",
                                category=SAWarning)
        return self

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)


class CourseFolder:
    """One nbgrader course folder (the run's, a learner's private one or the template)."""

    def __init__(self, root: Path, lesson: Lesson, db_url: str | None = None):
        self.root = Path(root)
        self.lesson = lesson
        self.db_url = db_url or sqlite_url(self.root)

    # -- paths ---------------------------------------------------------------
    @property
    def source(self) -> Path:
        return self.root / "source" / self.lesson.slug

    @property
    def release_notebook(self) -> Path:
        return self.root / "release" / self.lesson.slug / self.lesson.notebook_name

    def submitted(self, learner: str) -> Path:
        return self.root / "submitted" / learner / self.lesson.slug

    def autograded(self, learner: str) -> Path:
        return self.root / "autograded" / learner / self.lesson.slug

    def feedback_html(self, learner: str) -> Path:
        return self.root / "feedback" / learner / self.lesson.slug / \
            f"{self.lesson.slug}.html"

    # -- building ------------------------------------------------------------
    def create(self, timeout: int) -> None:
        """Config and source (the lesson's solutions folder), replacing old copies."""
        self.root.mkdir(parents=True, exist_ok=True)
        write_config(self.root, self.lesson, timeout)
        if self.source.exists():
            remove_tree(self.source)
        shutil.copytree(self.lesson.source_dir, self.source,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))

    def source_matches(self) -> bool:
        """True when the source copy equals the lesson's current source notebook."""
        copy = self.source / self.lesson.notebook_name
        return copy.exists() and copy.read_bytes() == self.lesson.source_notebook.read_bytes()

    def copy_from_template(self, template: "CourseFolder", *, with_release: bool) -> None:
        """A course folder with the template's config, source, gradebook (and release)."""
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copy2(template.root / "nbgrader_config.py", self.root / "nbgrader_config.py")
        shutil.copytree(template.source, self.source, dirs_exist_ok=True)
        shutil.copy2(template.root / "gradebook.db", self.root / "gradebook.db")
        if with_release:
            shutil.copytree(template.release_notebook.parent, self.release_notebook.parent,
                            dirs_exist_ok=True)

    def write_submission(self, learner: str, notebook_text: str) -> Path:
        folder = self.submitted(learner)
        if folder.exists():
            remove_tree(folder)
        folder.mkdir(parents=True)
        path = folder / self.lesson.notebook_name
        path.write_text(notebook_text, encoding="utf-8")
        autograded = self.autograded(learner)
        if autograded.exists():
            remove_tree(autograded)
        return path

    def clear_learner(self, learner: str) -> None:
        for folder in (self.submitted(learner), self.autograded(learner),
                       self.feedback_html(learner).parent):
            if folder.exists():
                remove_tree(folder)

    def adopt(self, learner: str, private: "CourseFolder") -> None:
        """Copy a learner's submitted and autograded notebooks from their private folder."""
        self.clear_learner(learner)
        for mine, theirs in ((self.submitted(learner), private.submitted(learner)),
                             (self.autograded(learner), private.autograded(learner))):
            if theirs.exists():
                shutil.copytree(theirs, mine, symlinks=False,
                                ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))

    # -- gradebook -----------------------------------------------------------
    def record_learner(self, learner: str, name: str, lms_id: str | None,
                       scores: list | None, comments: dict | None = None) -> None:
        """Write a learner into the gradebook.

        ``scores`` (a list of :class:`ExerciseScore`) replaces the learner's
        submission; None removes it (the learner handed in nothing
        gradable and stays in the gradebook with no submission).  An exercise
        that nbgrader passed but the re-check failed gets ``manual_score = 0``
        and a comment on its answer cell saying why, so that nbgrader's
        export and feedback agree with grades.csv.
        """
        from nbgrader.api import MissingEntry

        from lossedu.classroom.preprocessors import scrub_hidden_calls

        slug = self.lesson.slug
        with _NoWarnings(), _gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_student(learner, last_name=name or None,
                                               lms_user_id=lms_id)
            try:
                gradebook.remove_submission(slug, learner)
            except MissingEntry:
                pass
            if scores is None:
                return
            gradebook.add_submission(slug, learner)
            notebook = gradebook.find_submission_notebook(slug, slug, learner)
            by_check = {self.lesson.task(score.function).check_id: score for score in scores}
            overridden = {}
            for grade in notebook.grades:
                score = by_check.get(grade.name)
                if score is None:
                    continue
                points = float(grade.max_score or 0)
                grade.auto_score = min(max(float(score.auto_score), 0.0), points)
                grade.needs_manual_grade = False
                grade.manual_score = None
                if grade.auto_score > 0 and not score.passed_recheck:
                    grade.manual_score = 0.0
                    overridden[self.lesson.task(score.function).answer_id] = score
            for comment in notebook.comments:
                comment.auto_comment = (comments or {}).get(comment.name)
                if comment.name in overridden:
                    score = overridden[comment.name]
                    comment.manual_comment = (
                        "0 points: the check passed in the notebook, but the independent "
                        "re-check of your function (run outside the notebook, on fresh "
                        "random cases) failed:\n"
                        + scrub_hidden_calls(score.recheck_message)[:2000])
            gradebook.db.commit()

    def read_scores(self) -> dict:
        """``{learner: {function: points}}`` from the gradebook (manual score first)."""
        from nbgrader.api import MissingEntry

        slug = self.lesson.slug
        checks = {task.check_id: task.function for task in self.lesson.tasks}
        result = {}
        with _NoWarnings(), _gradebook(self.db_url) as gradebook:
            for student in gradebook.students:
                try:
                    notebook = gradebook.find_submission_notebook(slug, slug, student.id)
                except MissingEntry:
                    continue
                result[student.id] = {checks[grade.name]: float(grade.score or 0.0)
                                      for grade in notebook.grades if grade.name in checks}
        return result


def remove_tree(path: Path) -> None:
    """Remove a folder even when nbgrader made parts of it read-only."""
    def make_writable(function, target, _error):
        try:
            os.chmod(os.path.dirname(target), 0o700)
            os.chmod(target, 0o700)
            function(target)
        except OSError:
            pass
    if not Path(path).exists():
        return
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable)
    else:
        shutil.rmtree(path, onerror=make_writable)
