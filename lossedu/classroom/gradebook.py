"""The nbgrader course folder of a grading run, and its gradebook: the record.

``lossedu grade`` keeps one standard nbgrader course folder per lesson,
``<output>/course/``: ``nbgrader_config.py``, ``source/`` (the lesson from
``solutions/``), ``release/``, ``submitted/`` and ``autograded/`` (each
learner's graded notebook: the release with their answer cells) and the
gradebook (``gradebook.db``, or the database of ``--db-url``).  Points are
written into the gradebook through nbgrader's own API
(:class:`nbgrader.api.Gradebook`), so that ``nbgrader export``, the
formgrader and manual grading work there as after ``nbgrader autograde``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from lossedu.classroom.lessons import Lesson

__all__ = ["CONFIG_FILE", "CourseFolder", "GradebookError", "GradebookWriter", "nbgrader_version",
           "remove_tree", "sqlite_url"]

CONFIG_FILE = '''"""nbgrader configuration of this grading folder (written by `lossedu grade`).

Standard nbgrader commands run in this folder see the grades `lossedu grade`
recorded, e.g.

    nbgrader export                       grades of every learner as CSV
    nbgrader formgrader                   review and change grades in the browser

The gradebook is gradebook.db here, unless LOSSEDU_DB_URL holds an
SQLAlchemy URL (e.g. postgresql://user:password@host/gradebook).
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader)
HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = os.environ.get(
    "LOSSEDU_DB_URL", "sqlite:///" + os.path.join(HERE, "gradebook.db"))
'''


class GradebookError(Exception):
    """The gradebook or the course folder could not be prepared; the message says why."""


def sqlite_url(course: Path) -> str:
    return "sqlite:///" + str(Path(course).resolve() / "gradebook.db")


class _NoWarnings:
    """Gradebook code, with the SQLAlchemy notices nbgrader 0.9 triggers silenced."""

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


def _environment() -> dict:
    """The instructor's environment with this Python's scripts first (nbgrader runs alembic)."""
    environment = dict(os.environ)
    environment["PATH"] = str(Path(sys.executable).parent) + os.pathsep + \
        environment.get("PATH", "")
    return environment


class CourseFolder:
    """The run's nbgrader course folder."""

    def __init__(self, root: Path, lesson: Lesson, db_url: str | None = None):
        self.root = Path(root)
        self.lesson = lesson
        self.db_url = db_url or sqlite_url(self.root)

    @property
    def source(self) -> Path:
        return self.root / "source" / self.lesson.slug

    @property
    def release_notebook(self) -> Path:
        return self.root / "release" / self.lesson.slug / self.lesson.notebook_name

    def submitted(self, learner: str) -> Path:
        return self.root / "submitted" / learner / self.lesson.slug / self.lesson.notebook_name

    def autograded(self, learner: str) -> Path:
        return self.root / "autograded" / learner / self.lesson.slug / self.lesson.notebook_name

    def prepare(self, cache: Path | None = None) -> None:
        """Config, source, release and the assignment in the gradebook.

        The assignment is made by nbgrader's own ``generate_assignment`` (no
        kernel).  With an SQLite gradebook the result is kept in ``cache``
        (default: the user's cache folder), keyed by the lesson's source and
        nbgrader's version, and later runs copy it: generating takes seconds.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "nbgrader_config.py").write_text(CONFIG_FILE, encoding="utf-8")
        if self.db_url != sqlite_url(self.root):
            self._generate(self.root, self.db_url)
            return
        template = _template_folder(self.lesson, cache)
        if not (template / "done").exists():
            building = Path(tempfile.mkdtemp(prefix="building-", dir=template.parent))
            try:
                (building / "nbgrader_config.py").write_text(CONFIG_FILE, encoding="utf-8")
                self._generate(building, sqlite_url(building))
                (building / "done").write_text("ok\n", encoding="utf-8")
                try:
                    os.rename(building, template)
                except OSError:      # another run made it meanwhile
                    pass
            finally:
                remove_tree(building)
        for name in ("source", "release"):
            if (self.root / name).exists():
                remove_tree(self.root / name)
            shutil.copytree(template / name, self.root / name)
        shutil.copyfile(template / "gradebook.db", self.root / "gradebook.db")

    def _generate(self, root: Path, db_url: str) -> None:
        source = root / "source" / self.lesson.slug
        if source.exists():
            remove_tree(source)
        shutil.copytree(self.lesson.source_dir, source,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        environment = _environment()
        environment["LOSSEDU_DB_URL"] = db_url   # read by the config file
        result = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", self.lesson.slug,
             "--force"], cwd=root, env=environment, capture_output=True, text=True, timeout=600)
        release = root / "release" / self.lesson.slug / self.lesson.notebook_name
        if result.returncode != 0 or not release.exists():
            raise GradebookError("nbgrader generate_assignment failed on the lesson:\n"
                                 + (result.stderr or result.stdout).strip()[-3000:])

    def release(self) -> dict:
        with open(self.release_notebook, encoding="utf-8") as handle:
            return json.load(handle)

    def write_notebooks(self, learner: str, notebook: dict | None) -> None:
        """The learner's graded notebook in submitted/ and autograded/ (None removes them)."""
        for path in (self.submitted(learner), self.autograded(learner)):
            if path.parent.exists():
                remove_tree(path.parent)
            if notebook is not None:
                path.parent.mkdir(parents=True)
                path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")

    def writer(self, *, staged: bool) -> "GradebookWriter":
        """The gradebook, open for recording learners one at a time (a context manager).

        ``staged``: the course folder is a run's staging copy, published only
        when the whole run has succeeded (see :class:`GradebookWriter`).
        """
        return GradebookWriter(self, staged=staged)

    def read_scores(self) -> dict:
        """``{learner: {function: points}}`` from the gradebook (a manual score first)."""
        Gradebook, MissingEntry = _gradebook_api()
        slug = self.lesson.slug
        checks = {task.check_id: task.function for task in self.lesson.tasks}
        result = {}
        with _NoWarnings(), Gradebook(self.db_url) as gradebook:
            for student in gradebook.students:
                try:
                    notebook = gradebook.find_submission_notebook(slug, slug, student.id)
                except MissingEntry:
                    continue
                result[student.id] = {checks[grade.name]: float(grade.score or 0.0)
                                      for grade in notebook.grades if grade.name in checks}
        return result


class GradebookWriter:
    """Records learners into the gradebook one at a time, as their results arrive.

    Opened while the learners' jobs run, so that nbgrader's import and the
    database work overlap with the grading.  Each learner is written through
    nbgrader's API: ``update_or_create_student``, ``remove_submission``,
    ``add_submission`` (which builds the submission's grade and comment rows
    and commits), then the automatic scores and comments on those rows.

    The SQLite gradebook of a ``staged`` course folder (the run's staging
    copy, published by rename only after the run succeeded, discarded
    otherwise) is written without waiting for the disk at each commit
    (``PRAGMA synchronous=OFF``): a crash loses nothing that would have been
    kept.  Any other gradebook (``--db-url``, a regrade's) is written as
    nbgrader writes it.
    """

    def __init__(self, course: CourseFolder, *, staged: bool):
        self.course = course
        self.staged = staged
        #: check cell grade_id -> its points, the clamp of every learner's score
        self._most = {task.check_id: float(task.points) for task in course.lesson.tasks}
        self._gradebook = None

    def __enter__(self) -> "GradebookWriter":
        Gradebook, self._missing_entry = _gradebook_api()
        self._quiet = _NoWarnings()
        self._quiet.__enter__()
        try:
            self._gradebook = Gradebook(self.course.db_url)
            if self.staged and self.course.db_url == sqlite_url(self.course.root):
                _write_without_sync(self._gradebook)
        except BaseException:
            self._quiet.__exit__(None, None, None)
            raise
        return self

    def add(self, learner: str, name: str | None, lms_id: str | None,
            points: dict | None, comments: dict | None = None) -> None:
        """One learner.

        ``points``: ``{check cell grade_id: points}``, or None when the
        learner handed in nothing gradable (they stay in the gradebook with
        no submission); ``comments``: ``{answer cell grade_id: comment}``.
        Points are clamped to each check cell's maximum.
        """
        gradebook, slug = self._gradebook, self.course.lesson.slug
        gradebook.update_or_create_student(learner, last_name=name or None, lms_user_id=lms_id)
        try:
            gradebook.remove_submission(slug, learner)
        except self._missing_entry:
            pass
        if points is None:
            return
        submission = gradebook.add_submission(slug, learner)
        with gradebook.db.no_autoflush:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in points:
                        top = self._most.get(grade.name, float(grade.max_score or 0))
                        grade.auto_score = min(max(float(points[grade.name]), 0.0), top)
                        grade.manual_score = None
                        grade.needs_manual_grade = False
                for comment in notebook.comments:
                    comment.auto_comment = (comments or {}).get(comment.name)

    def __exit__(self, kind, error, trace) -> bool:
        try:
            if self._gradebook is not None:
                if kind is None:
                    self._gradebook.db.commit()
                else:
                    self._gradebook.db.rollback()
                self._gradebook.close()
        finally:
            self._quiet.__exit__(None, None, None)
        return False


def _write_without_sync(gradebook) -> None:
    """``PRAGMA synchronous=OFF`` on the gradebook's SQLite connections, now and later."""
    from sqlalchemy import event, text

    def no_sync(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    event.listen(gradebook.engine, "connect", no_sync)
    gradebook.db.execute(text("PRAGMA synchronous=OFF"))
    gradebook.db.commit()


def _gradebook_api():
    """nbgrader's ``Gradebook`` and ``MissingEntry``, imported without an unused cost.

    Importing nbgrader imports nbformat, which imports jsonschema, whose
    format checker imports ``rfc3987_syntax`` when it is installed (it comes
    with jupyter_events) and builds a full IRI grammar on import: about 2.5 s
    of a grading run's start, for the ``iri`` string format, which neither
    nbformat's schema nor nbgrader uses.  The first import of jsonschema's
    format module here skips that checker; nothing else changes.
    """
    if "nbgrader.api" not in sys.modules and "jsonschema._format" not in sys.modules \
            and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None          # import fails: checker left out
        try:
            import nbgrader.api  # noqa: F401
        finally:
            if sys.modules.get("rfc3987_syntax", 0) is None:
                del sys.modules["rfc3987_syntax"]
    from nbgrader.api import Gradebook, MissingEntry

    return Gradebook, MissingEntry


def nbgrader_version() -> str:
    """The installed nbgrader's version, read without importing it (seconds)."""
    from importlib.metadata import version

    return version("nbgrader")


def _template_folder(lesson: Lesson, cache: Path | None) -> Path:
    digest = hashlib.sha256()
    digest.update(lesson.source_notebook.read_bytes())
    digest.update(nbgrader_version().encode("ascii"))
    digest.update(CONFIG_FILE.encode("utf-8"))
    if cache is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        cache = Path(base) / "lossedu" / "templates"
    folder = Path(cache) / f"{lesson.slug}-{digest.hexdigest()[:16]}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder


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
