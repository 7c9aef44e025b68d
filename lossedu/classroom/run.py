"""Grade a class in one pass: collect, inspect, sandbox and check, record, report.

:func:`grade_class` is what ``lossedu grade`` runs.  Per learner:

1. **collect** (:mod:`~lossedu.classroom.collect`) their notebook from the
   LMS zip, the folder, or the single notebook given;
2. **inspect** it (:mod:`~lossedu.classroom.rebuild`): find their answer
   cells; everything else of the notebook is the lesson's release;
3. **grade** (:mod:`~lossedu.classroom.job`): the answer cells run in a
   fresh sandbox process inside the operating system's isolation
   (:mod:`~lossedu.classroom.isolation`), and every exercise's visible and
   hidden checks run in the grader against it.  Jobs run in a local pool of
   worker processes, or on a Dask cluster with ``--scheduler``;
4. **record** the points in the nbgrader gradebook of the run's course
   folder (:mod:`~lossedu.classroom.gradebook`), each learner as their
   result arrives, while the others are still graded; then render each
   learner's feedback page (:mod:`~lossedu.classroom.feedback`);
5. **export** grades.csv, the LMS import files and the summary.

No Jupyter kernel is started.  A learner's fault is a status in grades.csv,
never the end of the run.  Results are staged and published by
:mod:`~lossedu.classroom.output`.
"""

from __future__ import annotations

import ast
import concurrent.futures
import importlib.util
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from lossedu.classroom import collect as collecting
from lossedu.classroom.gradebook import CourseFolder, GradebookError, remove_tree
from lossedu.classroom.job import (ExerciseOutcome, LearnerJob, LearnerResult, Outcome,
                                   grade_learner)
from lossedu.classroom.lessons import Lesson, find_lesson
from lossedu.classroom.output import (Staging, new_folder, read_regular_file, safe_name,
                                      write_new_file)
from lossedu.classroom.rebuild import (NotGradable, inspect_notebook, parse_notebook,
                                       rebuild_notebook)
from lossedu.classroom.report import LearnerRow, read_csv, summary, write_csv
from lossedu.classroom.sandbox import SandboxLimits

__all__ = ["GradingError", "GradingRun", "grade_class"]

#: Results of a run, moved together into previous/<time>/ by the next full run.
RESULT_NAMES = ("grades.csv", "summary.txt", "feedback", "course", "originals",
                "canvas_grades.csv", "moodle_grades.csv")


class GradingError(Exception):
    """The class could not be graded at all (the message says why)."""


@dataclass
class GradingRun:
    """Everything one ``lossedu grade`` run needs: what to grade, where, and the limits."""

    lesson: str
    submissions: Path
    output: Path | None = None
    learner: str | None = None            # regrade this learner only
    timeout: float = 10.0                 # one answer cell; one call of a learner's function
    learner_timeout: float = 120.0        # everything of one learner
    memory_mb: int = 1024                 # one learner's sandbox
    workers: int = 2
    course_root: Path | None = None       # the repository with solutions/
    scheduler: str | None = None          # a Dask scheduler's address
    seed: int | None = None               # of the hidden checks (default: fresh)
    allow_unisolated: bool = False
    db_url: str | None = None             # the gradebook (default: SQLite in the course folder)
    canvas_assignment: str | None = None  # the assignment column of Canvas's import file
    cache: Path | None = None             # the generated assignment's cache
    progress_stream: object = None        # default: sys.stderr

    def limits(self) -> SandboxLimits:
        return SandboxLimits(cell_seconds=float(self.timeout), call_seconds=float(self.timeout),
                             learner_seconds=float(self.learner_timeout),
                             memory_mb=int(self.memory_mb))


@dataclass
class _Learner:
    submission: collecting.Submission
    notes: list = field(default_factory=list)
    fatal: str | None = None                 # not gradable: the status
    answers: dict | None = None              # answer grade_id -> source
    not_answered: frozenset = frozenset()
    result: LearnerResult | None = None

    @property
    def learner_id(self) -> str:
        return self.submission.learner_id


# ---------------------------------------------------------------------------
# statuses: from typed outcomes, never from message text
# ---------------------------------------------------------------------------

_FAULT_WORDS = {
    Outcome.TIME_LIMIT: "stopped at the time limit (endless loop?)",
    Outcome.MEMORY: "ran out of memory",
    Outcome.CRASH: "crashed the process that ran it",
    Outcome.MALFORMED: "sent back a result that is not plain numbers, or too large",
    Outcome.NOT_GRADED: "could not be graded",
}
_CELL_FAULT_WORDS = {
    "time_limit": "was stopped at the time limit (endless loop?)",
    "memory": "ran out of memory",
    "crash": "crashed the process that ran it",
    "malformed": "broke the grader's protocol",
    "exit": "called exit",
}


def exercise_note(outcome: ExerciseOutcome) -> str | None:
    """The status note of one exercise, or None when there is nothing to say."""
    fn = outcome.function
    if outcome.cell_fault in _CELL_FAULT_WORDS and outcome.cell_fault != "exit":
        what = _CELL_FAULT_WORDS[outcome.cell_fault]
        if outcome.outcome is Outcome.PASSED:
            return f"{fn}: its answer cell {what} after defining {fn} (points kept)"
        if outcome.outcome in _FAULT_WORDS:
            return f"{fn}: its answer cell {what}: graded as not answered"
    if outcome.outcome in _FAULT_WORDS:
        return f"{fn}: {_FAULT_WORDS[outcome.outcome]}"
    return None


def _status(learner: _Learner) -> str:
    parts = [learner.fatal] if learner.fatal else []
    parts += learner.notes
    if learner.result is not None:
        parts += [note for note in map(exercise_note, learner.result.exercises) if note]
    return "; ".join(part for part in parts if part) or "ok"


# ---------------------------------------------------------------------------
# steps
# ---------------------------------------------------------------------------

def _inspect(learner: _Learner, lesson: Lesson, release: dict) -> None:
    submission = learner.submission
    learner.notes.extend(submission.notes)
    if submission.late:
        learner.notes.append("late (the LMS marked it late)")
    if submission.notebook is None:
        if submission.too_large:
            learner.fatal = "invalid notebook: the file is larger than the size limit"
        elif submission.original_name:
            learner.fatal = "invalid notebook: the file could not be read from the download"
        else:
            found = ", ".join(submission.other_files[:5]) or "nothing"
            learner.fatal = f"missing: no notebook submitted (found: {found})"
        return
    try:
        parsed = parse_notebook(Path(submission.notebook).read_bytes())
        inspection = inspect_notebook(parsed, lesson, release)
    except NotGradable as problem:
        learner.fatal = str(problem)
        return
    except OSError as error:
        learner.fatal = f"invalid notebook: could not be read ({error.strerror})"
        return
    learner.answers = inspection.answers
    learner.not_answered = frozenset(inspection.blank) | frozenset(inspection.missing)
    learner.notes.extend(inspection.notes)


def given_names(release: dict) -> dict:
    """Names the lesson's given cells import from lossedu: ``{name: "function" | "module"}``.

    In the sandbox they exist as stubs that do no work: a module stub
    absorbs every use (a plot call), a function stub refuses to run (an
    answer must compute what it needs itself).
    """
    names = {}
    for cell in release.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or meta.get("solution") or meta.get("grade"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and \
                    node.module.split(".")[0] == "lossedu":
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    # A submodule (plots, data) or a function: found without importing it.
                    try:
                        spec = importlib.util.find_spec(f"{node.module}.{alias.name}")
                    except (ImportError, ValueError):
                        spec = None
                    names[alias.asname or alias.name] = "module" if spec else "function"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "lossedu":
                        names[(alias.asname or alias.name).split(".")[0]] = "module"
    return names


def _learner_cells(lesson: Lesson, learner: _Learner) -> tuple:
    return tuple((task.answer_id, learner.answers[task.answer_id]) for task in lesson.tasks)


def _not_graded(lesson: Lesson, learner: str, message: str) -> LearnerResult:
    return LearnerResult(learner, tuple(
        ExerciseOutcome(task.function, 0.0, float(task.points), Outcome.NOT_GRADED, message)
        for task in lesson.tasks), "", 0.0)


def _progress(total: int, stream):
    from tqdm import tqdm

    return tqdm(total=total, file=stream, unit="learner", dynamic_ncols=True,
                smoothing=0.1, mininterval=0.5,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, "
                           "{rate_fmt}]")


def _run_jobs_locally(jobs: list, workers: int, on_done) -> None:
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            try:
                result = grade_learner(job)
            except Exception as error:  # this learner's grading failed, not the class's
                result = error
            on_done(job, result)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    # With fork, the pool forks all its workers at the first submit, so that
    # on_done may start threads or import (the gradebook) in this process.
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {pool.submit(grade_learner, job): job for job in jobs}
        try:
            for future in concurrent.futures.as_completed(futures):
                try:
                    result = future.result()
                except Exception as error:  # a worker died or the job failed: this learner only
                    result = error
                on_done(futures[future], result)
        except BaseException:   # the run cannot go on (the gradebook refused): stop now
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _dask_client(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise GradingError(
            "--scheduler sends the grading to a Dask cluster, which needs Dask's distributed "
            "package (the optional extra 'cluster'). Install it with "
            "`.venv/bin/python -m pip install -e '.[cluster]'` in the course repository "
            "(or `pip install 'lossedu[cluster]'`), on this machine and on every worker."
        ) from None
    try:
        return Client(address, timeout=30, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise GradingError(f"cannot reach the Dask scheduler at {address} ({error}); "
                           "is `dask scheduler` running there?") from None


def _run_jobs_on_dask(client, jobs: list, on_done) -> None:
    from distributed import as_completed

    run_key = secrets.token_hex(4)
    futures = client.map(grade_learner, jobs, pure=False,
                         key=[f"lossedu-grade-{run_key}-{index}" for index in range(len(jobs))])
    by_key = {future.key: job for future, job in zip(futures, jobs)}
    try:
        for future in as_completed(futures, loop=client.loop):
            try:
                result = future.result()
            except Exception as error:  # this learner's job failed on the cluster
                result = error
            on_done(by_key[future.key], result)
    except BaseException:   # the run cannot go on (the gradebook refused): stop the jobs
        client.cancel(futures)
        raise


def _isolation_line(run: GradingRun, client=None) -> str:
    from lossedu.classroom.isolation import IsolationUnavailable, find_isolation

    def describe(allow):
        return find_isolation(allow_unisolated=allow).description

    try:
        if client is not None:
            return client.submit(describe, run.allow_unisolated, pure=False).result()
        return describe(run.allow_unisolated)
    except IsolationUnavailable as error:
        where = " on the Dask workers" if client is not None else ""
        raise GradingError(f"learner code cannot be isolated{where}: {error}") from None


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------

def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _move_aside(output: Path, names, stream) -> None:
    """Move earlier results into a new folder previous/<time>/ (renames only)."""
    present = [name for name in names if os.path.lexists(output / name)]
    if not present:
        return
    target = new_folder(output / "previous", datetime.now().strftime("%Y-%m-%dT%H-%M-%S"))
    for name in present:
        os.rename(output / name, target / name)
    print(f"lossedu grade: earlier results moved to {target}", file=stream)


def _lms_id(submission: collecting.Submission):
    return submission.learner_id if submission.lms in ("canvas", "moodle") else None


def grade_class(run: GradingRun) -> int:
    """Grade a class; print the summary.  Returns 0 (raises GradingError if impossible)."""
    stream = run.progress_stream or sys.stderr
    started = time.monotonic()
    try:
        lesson = find_lesson(run.lesson, run.course_root)
    except LookupError as error:
        raise GradingError(str(error)) from None
    submissions = Path(run.submissions)
    if not submissions.exists():
        raise GradingError(f"{submissions} does not exist")
    if not os.access(submissions, os.R_OK):
        raise GradingError(f"{submissions} cannot be read")
    output = (Path(run.output) if run.output else Path("grading") / lesson.slug).absolute()
    if submissions.is_dir() and _is_inside(output, submissions):
        raise GradingError(f"the output folder {output} is inside the submissions folder "
                           f"{submissions}; choose another one with --output")
    if run.learner and not (output / "grades.csv").exists():
        raise GradingError(f"--learner regrades one learner of an earlier run, but {output} "
                           "holds no grades.csv; grade the class first (without --learner)")

    client = _dask_client(run.scheduler) if run.scheduler else None
    try:
        isolation = _isolation_line(run, client)
        print(f"lossedu grade: learner code runs {isolation}", file=stream)
        workdir = Path(tempfile.mkdtemp(prefix="lossedu-grade-"))
        try:
            return _grade(run, lesson, submissions, output, workdir, client, isolation,
                          stream, started)
        finally:
            remove_tree(workdir)
    finally:
        if client is not None:
            client.close()


def _grade(run, lesson, submissions, output, workdir, client, isolation, stream,
           started) -> int:
    try:
        collected = workdir / "collected"
        collected.mkdir()
        found, collect_notes = collecting.collect(submissions, lesson.slug, collected)
    except collecting.CollectError as error:
        raise GradingError(str(error)) from None
    for note in collect_notes:
        print(f"lossedu grade: {note}", file=stream)
    if run.learner:
        found = [s for s in found if s.learner_id == run.learner]
        if not found:
            raise GradingError(f"no submission from learner {run.learner!r} in {submissions}")
    if not found:
        raise GradingError(f"no submission found in {submissions}")
    learners = [_Learner(submission) for submission in found]

    try:
        staging = Staging(output)
    except OSError as error:
        raise GradingError(f"cannot write into {output} ({error})") from None
    try:
        if run.learner:
            course = CourseFolder(output / "course", lesson, run.db_url)
            if (output / "course").is_symlink() or not course.release_notebook.exists():
                raise GradingError(f"{output / 'course'} is missing or incomplete; grade the "
                                   "class again without --learner")
        else:
            course = CourseFolder(staging.path("course"), lesson,
                                  run.db_url or None)
            try:
                course.prepare(run.cache)
            except GradebookError as error:
                raise GradingError(str(error)) from None
        release = course.release()
        for learner in learners:
            _inspect(learner, lesson, release)
            submission = learner.submission
            if submission.notebook is not None and submission.original_name:
                name = safe_name(Path(submission.original_name).name)
                staging.write_bytes(f"originals/{safe_name(learner.learner_id)}/{name}",
                                    Path(submission.notebook).read_bytes())

        stubs = given_names(release)
        seed = run.seed if run.seed is not None else secrets.randbits(31)
        limits = run.limits()
        from lossedu.classroom.isolation import Limits as ProcessLimits

        process_limits = ProcessLimits(memory_mb=limits.memory_mb,
                                       cpu_seconds=int(limits.learner_seconds) + 30)
        jobs = [LearnerJob(learner.learner_id, lesson.tasks, _learner_cells(lesson, learner),
                           learner.not_answered, stubs, seed, limits, process_limits,
                           run.allow_unisolated)
                for learner in learners if not learner.fatal]
        by_id = {learner.learner_id: learner for learner in learners}
        where = f"the Dask cluster at {run.scheduler}" if client is not None else \
            f"{max(1, min(run.workers, len(jobs) or 1))} local worker(s)"
        print(f"lossedu grade: lesson {lesson.slug}, {len(learners)} submission(s), grading "
              f"on {where}", file=stream)
        bar = _progress(len(learners), stream)
        for learner in learners:
            if learner.fatal:
                bar.update(1)

        # The gradebook is written while the jobs run: each learner as their
        # result arrives (nbgrader is imported then, after the pool's workers
        # were forked), the learners with nothing to grade at the end.
        recorder = _Recorder(course, release, staged=not run.learner)

        def done(job, result):
            learner = by_id[job.learner]
            if isinstance(result, BaseException):
                result = _not_graded(lesson, job.learner,
                                     f"the grading job failed ({type(result).__name__})")
            learner.result = result
            bar.update(1)
            recorder.add(learner)

        try:
            try:
                if client is not None:
                    _run_jobs_on_dask(client, jobs, done)
                else:
                    _run_jobs_locally(jobs, max(1, run.workers), done)
            finally:
                bar.close()
            for learner in learners:
                if learner.fatal:
                    recorder.add(learner)
        finally:
            recorder.close()

        _write_feedback(staging, lesson, learners, isolation)
        return _export(run, lesson, learners, course, staging, output, isolation, stream,
                       started, where)
    finally:
        staging.remove()


class _Recorder:
    """Writes each learner into the gradebook and the course folder as they are graded."""

    def __init__(self, course: CourseFolder, release: dict, *, staged: bool):
        self.course, self.release, self.staged = course, release, staged
        self._writer = None

    def add(self, learner: _Learner) -> None:
        course, lesson = self.course, self.course.lesson
        submission = learner.submission
        try:
            if self._writer is None:
                self._writer = course.writer(staged=self.staged).__enter__()
            if learner.fatal or learner.result is None:
                self._writer.add(learner.learner_id, submission.name, _lms_id(submission), None)
                course.write_notebooks(learner.learner_id, None)
                return
            outcomes = learner.result.exercises
            self._writer.add(learner.learner_id, submission.name, _lms_id(submission),
                             {task.check_id: outcome.points
                              for task, outcome in zip(lesson.tasks, outcomes)},
                             {task.answer_id: outcome.message or None
                              for task, outcome in zip(lesson.tasks, outcomes)})
        except GradingError:
            raise
        except Exception as error:  # the database refused: nothing can be recorded
            raise GradingError(f"the gradebook {course.db_url.split('@')[-1]} could not be "
                               f"written ({type(error).__name__}: {error})") from None
        course.write_notebooks(learner.learner_id, rebuild_notebook(self.release, learner.answers))

    def close(self) -> None:
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        try:
            writer.__exit__(*sys.exc_info())
        except Exception as error:
            raise GradingError(f"the gradebook {self.course.db_url.split('@')[-1]} could not "
                               f"be written ({type(error).__name__}: {error})") from None


#: The feedback page's words for each outcome.
_FEEDBACK_OUTCOMES = {
    Outcome.PASSED: "passed", Outcome.FAILED: "failed", Outcome.NOT_ANSWERED: "not answered",
    Outcome.TIME_LIMIT: "time limit", Outcome.MEMORY: "memory", Outcome.CRASH: "crashed",
    Outcome.MALFORMED: "malformed result", Outcome.NOT_GRADED: "not graded",
}


def _write_feedback(staging: Staging, lesson: Lesson, learners: list, isolation: str) -> None:
    from lossedu.classroom.feedback import ExerciseResult, render_feedback

    graded_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = lesson.title if hasattr(lesson, "title") else lesson.slug
    for learner in learners:
        if learner.fatal or learner.result is None:
            continue
        results = [ExerciseResult(outcome.function, outcome.points, outcome.max_points,
                                  _FEEDBACK_OUTCOMES[outcome.outcome], outcome.message)
                   for outcome in learner.result.exercises]
        answers = [(task.function, learner.answers.get(task.answer_id, ""))
                   for task in lesson.tasks]
        page = render_feedback(lesson_slug=lesson.slug, lesson_title=title,
                               learner=learner.learner_id, answers=answers, results=results,
                               notes=[_status(learner)] if _status(learner) != "ok" else [],
                               isolation=isolation, graded_at=graded_at)
        staging.write_text(f"feedback/{safe_name(learner.learner_id)}.html", page)


def _export(run, lesson, learners, course, staging, output, isolation, stream, started,
            where) -> int:
    recorded = course.read_scores()
    rows = []
    for learner in learners:
        scores = recorded.get(learner.learner_id, {}) if not learner.fatal else {}
        rows.append(LearnerRow(learner.learner_id, learner.submission.name,
                               {task.function: float(scores.get(task.function, 0.0))
                                for task in lesson.tasks},
                               _status(learner), gradable=not learner.fatal,
                               lms=learner.submission.lms))
    csv_path = output / "grades.csv"
    if run.learner:
        try:
            earlier = read_regular_file(csv_path)
            existing = read_csv(csv_path, lesson)
        except (OSError, UnicodeDecodeError, KeyError, ValueError) as error:
            raise GradingError(f"the earlier grades.csv cannot be read ({error}); grade the "
                               "class again without --learner") from None
        for row in rows:
            existing[row.learner] = row
        all_rows = list(existing.values())
    else:
        all_rows = rows
    write_csv(staging.path("grades.csv"), lesson, all_rows)
    lms_files = _write_lms_files(staging, lesson, all_rows, run.canvas_assignment)
    feedback_count = len([learner for learner in learners
                          if not learner.fatal and learner.result is not None])
    text = summary(lesson, rows if run.learner else all_rows,
                   seconds=time.monotonic() - started, output=output, where=where,
                   feedback_count=feedback_count, course=output / "course",
                   regraded=run.learner, isolation=isolation, lms_files=lms_files)

    # Publish: earlier results aside (a full run), then the staged files into place.
    if run.learner:
        keep = new_folder(output / "previous", datetime.now().strftime("%Y-%m-%dT%H-%M-%S"))
        write_new_file(keep / "grades.csv", earlier)
        print(f"lossedu grade: earlier grades.csv copied to {keep}", file=stream)
        for name in ["grades.csv", *lms_files]:
            staging.publish(name)
        for learner in learners:
            for folder in ("feedback", "originals"):
                for staged in sorted(staging.path(folder).glob(
                        f"{safe_name(learner.learner_id)}*")):
                    target = output / folder / staged.name
                    if target.is_dir() and not target.is_symlink():
                        remove_tree(target)
                    staging.publish(f"{folder}/{staged.name}")
    else:
        staging.write_text("summary.txt", text)
        _move_aside(output, RESULT_NAMES, stream)
        for name in ("course", "originals", "feedback", "grades.csv", "summary.txt", *lms_files):
            if staging.path(name).exists():
                staging.publish(name)
        for name in ("feedback", "originals"):
            (output / name).mkdir(exist_ok=True)
    print(text, end="")
    return 0


def _write_lms_files(staging: Staging, lesson: Lesson, rows: list, canvas_assignment) -> list:
    try:
        from lossedu.classroom.lms_export import GradeRow, write_lms_files
    except ImportError:
        return []
    grade_rows = [GradeRow(row.learner, row.name, row.score(),
                           float(lesson.max_score),
                           row.lms if row.lms in ("canvas", "moodle") else "plain",
                           "" if row.status == "ok" else row.status)
                  for row in rows]
    written = write_lms_files(staging.folder, lesson.slug, grade_rows,
                              canvas_assignment=canvas_assignment)
    return [Path(path).name for path in written]
