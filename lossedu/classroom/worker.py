"""A long-lived nbgrader process: runs nbgrader jobs sent by ``lossedu grade``.

Importing nbgrader takes seconds, so ``lossedu grade`` starts a few of these
workers once and sends them jobs: ``generate`` (``nbgrader
generate_assignment``), ``autograde`` (one learner, in the learner's own
private course folder) and ``feedback`` (``nbgrader generate_feedback`` for
one learner).  Each job runs through nbgrader's own Python API with the
course folder's ``nbgrader_config.py``.

Protocol: one JSON job per line on stdin; JSON events, one per line, on the
file descriptor given as the first argument: ``{"event": "cell", ...}``
before each notebook cell runs (so that the parent knows which cell was
running if the kernel dies or hangs), then ``{"event": "done", ...}``.
"""

from __future__ import annotations

import json
import os
import sys
import warnings


def _events(fd: int):
    stream = os.fdopen(fd, "w", buffering=1, encoding="utf-8")

    def emit(**event):
        stream.write(json.dumps(event) + "\n")
        stream.flush()
    return emit


def _config(job: dict, emit):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    course = job["course"]
    config = Config()
    path = os.path.join(course, "nbgrader_config.py")
    if os.path.exists(path):
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=course).load_config())
    config.CourseDirectory.root = course
    config.CourseDirectory.db_url = job["db_url"]
    if job.get("timeout"):
        config.Execute.timeout = int(job["timeout"])
        config.Execute.startup_timeout = max(60, int(job["timeout"]))
    if job.get("kernel"):
        config.Execute.kernel_name = job["kernel"]

    def on_cell_execute(cell, cell_index, **_):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        emit(event="cell", index=cell_index, grade_id=grade_id)
    config.Execute.on_cell_execute = on_cell_execute
    return config


def _scores(job: dict) -> dict:
    from nbgrader.api import Gradebook

    slug, learner = job["lesson"], job["learner"]
    with Gradebook(job["db_url"]) as gradebook:
        notebook = gradebook.find_submission_notebook(slug, slug, learner)
        return {"grades": {grade.name: grade.auto_score for grade in notebook.grades},
                "comments": {comment.name: comment.auto_comment for comment in notebook.comments}}


def run_job(job: dict, emit) -> dict:
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = _config(job, emit)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    kind = job["job"]
    if kind == "generate":
        result = api.generate_assignment(job["lesson"], force=True, create=True)
    elif kind == "autograde":
        result = api.autograde(job["lesson"], job["learner"], force=True, create=True)
        if result.get("success"):
            result.update(_scores(job))
    elif kind == "feedback":
        result = api.generate_feedback(job["lesson"], job["learner"], force=True)
    else:
        result = {"success": False, "error": f"unknown job {kind!r}"}
    log = result.get("log", "") or ""
    result["log"] = log[-20_000:]
    if result.get("error"):
        result["error"] = str(result["error"])[-20_000:]
    return result


def main(argv: list) -> int:
    emit = _events(int(argv[0]))
    # The worker's own stdout is not the protocol: nbgrader and nbconvert may print.
    sys.stdout = sys.stderr
    # Messages of the libraries (deprecations of SQLAlchemy, jupyter_client, ...) are not
    # the class's business; they go to the worker's log, not into the results.
    warnings.simplefilter("default")
    import nbgrader.apps  # noqa: F401 (the slow import, once)

    emit(event="ready")
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            job = json.loads(line)
            result = run_job(job, emit)
        except Exception as error:  # a job that fails is reported, the worker carries on
            result = {"success": False, "error": f"{type(error).__name__}: {error}"}
        emit(event="done", **result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
