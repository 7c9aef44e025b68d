"""Grade a class: collect, rebuild, autograde, re-check, record, feedback, export.

:func:`grade_class` is what ``lossedu grade`` runs.  Per learner:

1. **collect** (:mod:`~lossedu.classroom.collect`) the learner's notebook
   from the zip or folder;
2. **inspect and rebuild** (:mod:`~lossedu.classroom.rebuild`) the graded
   notebook from the release, with only the learner's answer cells;
3. **autograde** it with nbgrader in a private course folder, in a kernel
   with a per-cell time limit and a memory cap.  When the kernel dies or
   hangs, the answer cell responsible is graded as not answered and the
   notebook is graded again, so that the other exercises still count;
4. **re-check** every exercise outside the kernel
   (:mod:`~lossedu.classroom.sandbox`); points count only when both pass;
5. **record** the result in the course folder's gradebook, and generate
   the learner's **feedback** HTML with nbgrader (hidden tests removed);
6. **export** grades.csv and the summary (:mod:`~lossedu.classroom.report`).

A learner's fault is a status in grades.csv, never the end of the run.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lossedu.classroom import collect as collecting
from lossedu.classroom.course import CourseFolder, ExerciseScore, remove_tree, sqlite_url
from lossedu.classroom.lessons import Lesson, find_lesson
from lossedu.classroom.progress import Progress
from lossedu.classroom.rebuild import (NotGradable, inspect_notebook, parse_notebook,
                                       rebuild_notebook)
from lossedu.classroom.report import LearnerRow, read_csv, summary, write_csv
from lossedu.classroom.sandbox import SandboxLimits, Verdict, answer_helpers, verify_answers
from lossedu.classroom.workers import JobResult, WorkerPool, WorkerUnavailable

__all__ = ["GradingError", "Options", "grade_class"]

KERNEL_NAME = "lossedu-grading"

#: Environment variables a learner's kernel may see; anything else (tokens,
#: passwords, LOSSEDU_DB_URL) stays with the instructor.
_ENVIRONMENT_KEPT = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR",
                     "TEMP", "TMP", "SHELL", "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV",
                     "LD_LIBRARY_PATH", "PYTHONPATH", "MPLCONFIGDIR", "XDG_CACHE_HOME",
                     "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "SYSTEMROOT")


class GradingError(Exception):
    """The class could not be graded at all (the message says why)."""


@dataclass
class Options:
    lesson: str
    submissions: Path
    output: Path | None = None
    learner: str | None = None
    timeout: int = 60                 # seconds per notebook cell
    memory_mb: int = 2048             # address space of a learner's kernel and sandbox
    workers: int = 2
    course_root: Path | None = None   # the repository with solutions/
    progress_stream: object = None    # default: sys.stderr

    @property
    def wall_seconds(self) -> float:
        """Most time one learner's notebook may take, all cells together."""
        return max(120.0, 10.0 * self.timeout)


@dataclass
class _Learner:
    submission: collecting.Submission
    notes: list = field(default_factory=list)
    fatal: str | None = None                 # not gradable: the status
    answers: dict | None = None              # answer grade_id -> source
    scores: list | None = None               # ExerciseScore, once graded
    verdicts: dict | None = None
    autograde_notes: list = field(default_factory=list)
    feedback: Path | None = None

    @property
    def learner_id(self) -> str:
        return self.submission.learner_id


# ---------------------------------------------------------------------------
# environment of the nbgrader workers and of the learners' kernels
# ---------------------------------------------------------------------------

def _kernel_spec(folder: Path, memory_mb: int) -> Path:
    """A private Jupyter data folder with the limited kernel spec."""
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    launcher = Path(__file__).with_name("kernel.py")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-I", str(launcher), "--memory-mb", str(memory_mb),
                 "-f", "{connection_file}"],
        "display_name": "Python 3 (lossedu grade)",
        "language": "python",
        "metadata": {"debugger": False},
    }), encoding="utf-8")
    return folder


def _worker_environment(jupyter_folder: Path) -> dict:
    environment = {name: value for name, value in os.environ.items()
                   if name in _ENVIRONMENT_KEPT or name.startswith("LC_")}
    environment["PATH"] = str(Path(sys.executable).parent) + os.pathsep + \
        environment.get("PATH", "")
    environment["JUPYTER_PATH"] = str(jupyter_folder)
    environment["PYTHONNOUSERSITE"] = "1"
    environment["PYTHONUNBUFFERED"] = "1"
    environment["MALLOC_ARENA_MAX"] = "2"
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        environment[name] = "1"
    environment.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return environment


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
        learner.fatal = f"invalid notebook: could not be read ({error})"
        return
    learner.answers = inspection.answers
    learner.notes.extend(inspection.notes)


def _cell_label(release: dict, index) -> str:
    try:
        cell = release["cells"][int(index)]
    except (TypeError, ValueError, IndexError):
        return "a cell"
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
    if grade_id.startswith("answer_"):
        return f"the answer cell of {grade_id[len('answer_'):]}"
    if grade_id.startswith("check_"):
        return f"the check of {grade_id[len('check_'):]}"
    return f"cell {int(index) + 1} ({grade_id})" if grade_id else f"cell {int(index) + 1}"


def _culprit(lesson: Lesson, release: dict, index, quarantined: set, answers: dict):
    """The answer cell to grade as not answered after the kernel died or hung at ``index``."""
    ids = [cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
           for cell in release["cells"]]
    if index is None or not 0 <= int(index) < len(ids):
        return None
    index = int(index)
    here = ids[index]
    if here.startswith("answer_") and here not in quarantined:
        return here
    if here.startswith("check_") and "answer_" + here[len("check_"):] not in quarantined:
        return "answer_" + here[len("check_"):]
    answer_ids = {task.answer_id for task in lesson.tasks}
    for position in range(index, -1, -1):   # the latest answer that ran before this cell
        if ids[position] in answer_ids and ids[position] not in quarantined:
            return ids[position]
    return None


def _fault(result: JobResult, label: str, wall: float) -> str:
    text = result.error_text
    if result.timed_out:
        return f"the notebook did not finish within {wall:g} s (stopped in {label})"
    if result.crashed:
        return f"the grading process stopped (in {label})"
    if "DeadKernelError" in text or "Kernel died" in text or "kernel died" in text:
        return f"the kernel died in {label}"
    if "CellTimeoutError" in text or "Timeout waiting" in text or "UnresponsiveKernel" in text:
        return f"{label} did not stop when interrupted"
    return f"nbgrader failed in {label}"


def _autograde(pool: WorkerPool, template: CourseFolder, workdir: Path, lesson: Lesson,
               release: dict, learner: _Learner, options: Options) -> tuple:
    """Autograde one learner in a private course folder.

    Returns ``(private CourseFolder or None, {check grade_id: points}, comments, notes)``.
    """
    private = CourseFolder(workdir / "learners" / learner.learner_id, lesson)
    private.copy_from_template(template, with_release=False)
    stubs = {task.answer_id: "" for task in lesson.tasks}
    for cell in release["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in stubs:
            stubs[grade_id] = "".join(cell["source"]) if isinstance(cell["source"], list) \
                else cell["source"]
    quarantined: set = set()
    notes = []
    for _ in range(len(lesson.tasks) + 1):
        answers = {gid: (stubs[gid] if gid in quarantined else source)
                   for gid, source in learner.answers.items()}
        notebook = rebuild_notebook(release, answers)
        private.write_submission(learner.learner_id, json.dumps(notebook, indent=1))
        result = pool.run({"job": "autograde", "course": str(private.root),
                           "db_url": private.db_url, "lesson": lesson.slug,
                           "learner": learner.learner_id, "timeout": options.timeout,
                           "kernel": KERNEL_NAME}, options.wall_seconds + 60)
        if result.success:
            return private, result.data.get("grades", {}), result.data.get("comments", {}), notes
        index = result.last_cell[0] if result.last_cell else None
        label = _cell_label(release, index)
        fault = _fault(result, label, options.wall_seconds)
        culprit = _culprit(lesson, release, index, quarantined, answers)
        if culprit is None:
            last = [line for line in result.error_text.strip().splitlines() if line.strip()]
            detail = f": {last[-1][:200]}" if last else ""
            notes.append(f"could not be graded ({fault}{detail})")
            return None, {}, {}, notes
        quarantined.add(culprit)
        notes.append(f"{fault}: {culprit[len('answer_'):]} graded as not answered")
    notes.append("could not be graded (every answer was set aside)")
    return None, {}, {}, notes


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------

def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _backup(output: Path, names: list, stream) -> Path | None:
    """Move (or copy, for ``copy_only``) earlier results into previous/<time>/."""
    present = [name for name in names if (output / name).exists()]
    if not present:
        return None
    stamp = datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    target = output / "previous" / stamp
    suffix = 1
    while target.exists():
        suffix += 1
        target = output / "previous" / f"{stamp}-{suffix}"
    target.mkdir(parents=True)
    for name in present:
        shutil.move(str(output / name), str(target / name))
    print(f"lossedu grade: earlier results moved to {target}", file=stream)
    return target


def _lms_id(submission: collecting.Submission):
    return submission.learner_id if submission.lms in ("canvas", "moodle") else None


def _status(learner: _Learner) -> str:
    parts = [learner.fatal] if learner.fatal else []
    parts += learner.notes + learner.autograde_notes
    return "; ".join(part for part in parts if part) or "ok"


def grade_class(options: Options) -> int:
    """Grade a class; print the summary.  Returns 0 (raises GradingError if impossible)."""
    stream = options.progress_stream or sys.stderr
    started = time.monotonic()
    try:
        lesson = find_lesson(options.lesson, options.course_root)
    except LookupError as error:
        raise GradingError(str(error)) from None
    submissions = Path(options.submissions)
    if not submissions.exists():
        raise GradingError(f"{submissions} does not exist")
    if not os.access(submissions, os.R_OK):
        raise GradingError(f"{submissions} cannot be read")
    output = (Path(options.output) if options.output else Path("grading") / lesson.slug).absolute()
    if submissions.is_dir() and _is_inside(output, submissions):
        raise GradingError(f"the output folder {output} is inside the submissions folder "
                           f"{submissions}; choose another one with --output")
    course_folder = output / "course"
    if options.learner and not (output / "grades.csv").exists():
        raise GradingError(f"--learner regrades one learner of an earlier run, but {output} "
                           "holds no grades.csv; grade the class first (without --learner)")

    workdir = Path(tempfile.mkdtemp(prefix="lossedu-grade-"))
    try:
        try:
            found, collect_notes = collecting.collect(submissions, lesson.slug,
                                                      _mkdir(workdir / "collected"))
        except collecting.CollectError as error:
            raise GradingError(str(error)) from None
        for note in collect_notes:
            print(f"lossedu grade: {note}", file=stream)
        if options.learner:
            found = [s for s in found if s.learner_id == options.learner]
            if not found:
                raise GradingError(f"no submission from learner {options.learner!r} in "
                                   f"{submissions}")
        if not found:
            raise GradingError(f"no submission found in {submissions}")
        learners = [_Learner(submission) for submission in found]

        output.mkdir(parents=True, exist_ok=True)
        if options.learner:
            _backup_copy(output, "grades.csv", stream)
        else:
            _backup(output, ["grades.csv", "summary.txt", "feedback", "course", "originals"],
                    stream)
        _mkdir(output / "feedback")

        jupyter = _kernel_spec(workdir / "jupyter", options.memory_mb)
        size = max(1, min(options.workers, len(learners)))
        print(f"lossedu grade: lesson {lesson.slug}, {len(learners)} submission(s), starting "
              f"{size} nbgrader worker(s)", file=stream)
        try:
            with WorkerPool(size, _worker_environment(jupyter), _mkdir(workdir / "logs")) as pool:
                return _run(options, lesson, learners, pool, workdir, output, course_folder,
                            stream, started, size)
        except WorkerUnavailable as error:
            raise GradingError(f"nbgrader cannot run: {error}") from None
    finally:
        remove_tree(workdir)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _backup_copy(output: Path, name: str, stream) -> None:
    stamp = datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    target = _mkdir(output / "previous" / stamp)
    shutil.copy2(output / name, target / name)
    print(f"lossedu grade: earlier {name} copied to {target}", file=stream)


def _prepare_courses(options, lesson, pool, workdir, course_folder, stream):
    template = CourseFolder(workdir / "template", lesson)
    template.create(options.timeout)
    result = pool.run({"job": "generate", "course": str(template.root),
                       "db_url": template.db_url, "lesson": lesson.slug}, 600)
    if not result.success or not template.release_notebook.exists():
        raise GradingError("nbgrader generate_assignment failed on the lesson:\n"
                           + result.error_text.strip()[-3000:])
    db_url = os.environ.get("LOSSEDU_DB_URL") or sqlite_url(course_folder)
    main = CourseFolder(course_folder, lesson, db_url)
    fresh_sqlite = db_url == sqlite_url(course_folder) and not (course_folder /
                                                                  "gradebook.db").exists()
    if fresh_sqlite:
        main.copy_from_template(template, with_release=True)
    elif not main.source_matches() or not main.release_notebook.exists() or \
            db_url != sqlite_url(course_folder):
        main.create(options.timeout)
        result = pool.run({"job": "generate", "course": str(main.root), "db_url": main.db_url,
                           "lesson": lesson.slug}, 600)
        if not result.success:
            raise GradingError("nbgrader generate_assignment failed in the course folder "
                               f"{main.root}:\n" + result.error_text.strip()[-3000:])
    return template, main


def _run(options, lesson, learners, pool, workdir, output, course_folder, stream, started,
         size) -> int:
    template, main = _prepare_courses(options, lesson, pool, workdir, course_folder, stream)
    with open(template.release_notebook, encoding="utf-8") as handle:
        release = json.load(handle)
    given = [("".join(c["source"]) if isinstance(c["source"], list) else c["source"])
             for c in release["cells"] if c.get("cell_type") == "code"
             and not c.get("metadata", {}).get("nbgrader", {}).get("solution")
             and not c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    helpers = answer_helpers(given)
    limits = SandboxLimits(memory_mb=options.memory_mb, cell_seconds=float(options.timeout),
                           call_seconds=10.0, cpu_seconds=max(600, 20 * options.timeout))

    for learner in learners:
        _inspect(learner, lesson, release)
        if learner.submission.notebook is not None and learner.submission.original_name:
            keep = _mkdir(output / "originals" / learner.learner_id)
            if options.learner:
                for old in keep.iterdir():
                    old.unlink()
            shutil.copy2(learner.submission.notebook,
                         keep / Path(learner.submission.original_name).name)

    progress = Progress(len(learners), stream)
    for learner in learners:
        if learner.fatal:
            main.record_learner(learner.learner_id, learner.submission.name,
                                _lms_id(learner.submission), None)
            main.clear_learner(learner.learner_id)
            progress.advance(f"{learner.learner_id}: {learner.fatal}")
    gradable = [learner for learner in learners if not learner.fatal]

    with concurrent.futures.ThreadPoolExecutor(size) as threads:
        autograding = {threads.submit(_autograde, pool, template, workdir, lesson, release,
                                      learner, options): learner for learner in gradable}
        feedback_jobs = {}

        def finish(future):
            learner = autograding.pop(future)
            try:
                private, grades, comments, notes = future.result()
            except Exception as error:  # a fault of this learner's grading, not of the class
                private, grades, comments = None, {}, {}
                notes = [f"could not be graded ({type(error).__name__}: {error})"]
            learner.autograde_notes = notes
            _record(main, lesson, learner, private, grades, comments)
            if private is not None:
                feedback_jobs[threads.submit(pool.run, {
                    "job": "feedback", "course": str(main.root), "db_url": main.db_url,
                    "lesson": lesson.slug, "learner": learner.learner_id}, 600)] = learner
            progress.advance(f"{learner.learner_id}: {_score_text(learner, lesson)}")

        for learner in gradable:      # re-check while the workers autograde
            learner.verdicts = _verify(lesson, learner, helpers, limits)
            for future in [f for f in list(autograding) if f.done()
                           and autograding[f].verdicts is not None]:
                finish(future)
        while autograding:
            done, _ = concurrent.futures.wait(list(autograding),
                                              return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                finish(future)
        for future in concurrent.futures.as_completed(list(feedback_jobs)):
            learner = feedback_jobs[future]
            result = future.result()
            html = main.feedback_html(learner.learner_id)
            if result.success and html.exists():
                target = output / "feedback" / f"{learner.learner_id}.html"
                shutil.copyfile(html, target)
                learner.feedback = target
            else:
                lines = [line for line in result.error_text.strip().splitlines() if line.strip()]
                learner.autograde_notes.append("feedback could not be generated"
                                               + (f" ({lines[-1][:200]})" if lines else ""))

    return _export(options, lesson, learners, main, output, course_folder, stream, started, size)


def _verify(lesson: Lesson, learner: _Learner, helpers: dict, limits: SandboxLimits) -> dict:
    functions = [task.function for task in lesson.tasks]
    cells = [(task.answer_id, learner.answers[task.answer_id]) for task in lesson.tasks]
    try:
        return verify_answers(cells, functions, helpers=helpers, limits=limits)
    except Exception as error:  # the re-check itself failed: no points can be confirmed
        return {name: Verdict(False, f"the re-check could not run ({type(error).__name__}: "
                                     f"{error})") for name in functions}


def _record(main: CourseFolder, lesson: Lesson, learner: _Learner, private, grades, comments):
    """Combine nbgrader's points with the re-check and write them into the gradebook."""
    scores = []
    for task in lesson.tasks:
        verdict = learner.verdicts[task.function]
        auto = float(grades.get(task.check_id) or 0.0)
        scores.append(ExerciseScore(task.function, auto, verdict.passed, verdict.message))
        first = verdict.message.strip().splitlines()[0] if verdict.message.strip() else ""
        if auto > 0 and not verdict.passed:
            learner.autograde_notes.append(
                f"{task.function}: passed in the notebook but failed the independent "
                f"re-check, 0 points [{first[:160]}]")
        elif not verdict.passed and _fault_of(verdict.message):
            learner.autograde_notes.append(f"{task.function}: {_fault_of(verdict.message)}")
    learner.scores = scores
    if private is None:
        main.record_learner(learner.learner_id, learner.submission.name,
                            _lms_id(learner.submission),
                            [ExerciseScore(task.function, 0.0, False) for task in lesson.tasks])
        main.clear_learner(learner.learner_id)
        return
    main.adopt(learner.learner_id, private)
    main.record_learner(learner.learner_id, learner.submission.name,
                        _lms_id(learner.submission), scores, comments)
    remove_tree(private.root)


def _fault_of(message: str) -> str | None:
    """What went wrong, when a failed check was a fault rather than a wrong value."""
    if "stopped after" in message or "did not return within" in message:
        return "stopped at the time limit (endless loop?)"
    if "MemoryError" in message:
        return "ran out of memory"
    if "the process stopped" in message or "killed the re-check process" in message or \
            "could not run" in message:
        return "crashed the process that ran it"
    return None


def _score_text(learner: _Learner, lesson: Lesson) -> str:
    total = sum(score.final for score in learner.scores or [])
    return f"{total:g}/{lesson.max_score:g}"


def _export(options, lesson, learners, main, output, course_folder, stream, started,
            size) -> int:
    recorded = main.read_scores()
    rows = []
    for learner in learners:
        scores = recorded.get(learner.learner_id, {}) if not learner.fatal else {}
        rows.append(LearnerRow(learner.learner_id, learner.submission.name,
                               {task.function: float(scores.get(task.function, 0.0))
                                for task in lesson.tasks},
                               _status(learner), gradable=not learner.fatal))
    csv_path = output / "grades.csv"
    if options.learner:
        existing = read_csv(csv_path, lesson) if csv_path.exists() else {}
        for row in rows:
            existing[row.learner] = row
        all_rows = list(existing.values())
    else:
        all_rows = rows
    write_csv(csv_path, lesson, all_rows)
    feedback_count = len(list((output / "feedback").glob("*.html")))
    text = summary(lesson, rows if options.learner else all_rows,
                   seconds=time.monotonic() - started, output=output, workers=size,
                   feedback_count=feedback_count, course=course_folder,
                   regraded=options.learner)
    if not options.learner:
        (output / "summary.txt").write_text(text, encoding="utf-8")
    print(text, end="")
    return 0
