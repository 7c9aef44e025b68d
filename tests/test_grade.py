"""``lossedu grade``, end to end, as an instructor runs it.

The sample class of lesson 01 (tests/classroom_fixtures/sample_class.py:
honest learners, every per-learner fault and the attacks on the notebook's
checks) is zipped the way Canvas downloads it and graded by the real command
in a subprocess, in one pass without a kernel.  Each learner's points per
exercise and status are those the fixture states; the CSV has one row per
learner; every gradable learner gets a feedback page without hidden tests or
the grader's paths; originals are kept; the gradebook says what grades.csv
says (through ``nbgrader export``); a regrade touches one row; a second run
keeps the first run's results; a class that cannot be graded at all exits 1
with a message; the same class graded on a Dask cluster gets the same
grades.csv.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from classroom_fixtures.sample_class import (CORRECT, FUNCTIONS, LESSON, POINTS, answers,
                                             canvas_zip, matches, moodle_zip, notebook,
                                             read_release, sample_class)
from conftest import REPO_ROOT

pytestmark = pytest.mark.slow

MAX_SCORE = sum(POINTS.values())


def instructor_environment() -> dict:
    """os.environ with this Python's scripts first on PATH (nbgrader runs ``alembic``)."""
    environment = dict(os.environ)
    environment.pop("LOSSEDU_DB_URL", None)
    environment["PATH"] = str(Path(sys.executable).parent) + os.pathsep + environment["PATH"]
    return environment


def grade(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``python -m lossedu grade ARGS`` as an instructor would."""
    return subprocess.run([sys.executable, "-m", "lossedu", "grade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900,
                          env=instructor_environment())


def read_rows(path: Path) -> dict:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["learner"]: row for row in csv.DictReader(handle)}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def release():
    return read_release(REPO_ROOT)


@pytest.fixture(scope="module")
def learners(release):
    import lossedu.training

    return sample_class(release, lossedu.training.__file__)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, learners):
    """The sample class graded once; its CSV rows read before any later run changes them."""
    folder = tmp_path_factory.mktemp("class")
    download = canvas_zip(learners, folder / "submissions.zip")
    digest = sha256(download)
    result = grade("01", str(download), "--output", "results", cwd=folder)
    output = folder / "results"
    rows = read_rows(output / "grades.csv") if (output / "grades.csv").exists() else {}
    return {"folder": folder, "zip": download, "zip_sha256": digest, "output": output,
            "result": result, "rows": rows,
            "csv_text": (output / "grades.csv").read_text(encoding="utf-8") if rows else ""}


def test_the_class_is_graded(graded):
    result = graded["result"]
    assert result.returncode == 0, result.stderr[-4000:]
    assert f"Graded lesson {LESSON}: 29 learner(s)" in result.stdout
    assert "grades:" in result.stdout and "feedback:" in result.stdout


def test_progress_bar_counts_every_learner_with_an_eta(graded):
    progress = graded["result"].stderr
    assert "29/29" in progress and "100%" in progress, progress[-2000:]
    assert "learner/s" in progress and "<" in progress, progress[-2000:]   # rate and time left


def test_the_first_line_says_how_learner_code_is_isolated(graded):
    first = graded["result"].stderr.splitlines()[0]
    assert first.startswith("lossedu grade: learner code runs isolated"), first
    assert "isolated" in graded["result"].stdout


def test_one_row_per_learner_with_every_column(graded, learners):
    rows = graded["rows"]
    assert sorted(rows) == sorted(learner.user_id for learner in learners)
    header = graded["csv_text"].splitlines()[0].split(",")
    assert header == ["learner", "name", "score", "max_score", *FUNCTIONS, "status", "lms"]
    assert all(row["max_score"] == str(MAX_SCORE) for row in rows.values())


@pytest.mark.parametrize("index", range(29), ids=lambda index: f"learner{1001 + index}")
def test_each_learner_gets_the_expected_points_and_status(graded, learners, index):
    learner = learners[index]
    row = graded["rows"][learner.user_id]
    points = {function: float(row[function]) for function in FUNCTIONS}
    assert points == {function: float(value) for function, value in learner.scores.items()}, (
        f"{learner.label}: {row['status']}")
    assert float(row["score"]) == learner.total
    assert matches(learner.status, row["status"]), (
        f"{learner.label}: status {row['status']!r} does not match {learner.status!r}")


def test_every_gradable_learner_gets_feedback_without_hidden_tests(graded, learners):
    feedback = graded["output"] / "feedback"
    for learner in learners:
        page = feedback / f"{learner.user_id}.html"
        if not learner.gradable:
            assert not page.exists(), f"{learner.label} was not gradable but got feedback"
            continue
        assert page.exists(), f"no feedback for {learner.label}"
        text = page.read_text(encoding="utf-8")
        assert "<html" in text.lower()
        submitted = b"".join(learner.files.values()).decode("utf-8", "replace")
        for hidden in ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "hidden=True",
                       str(REPO_ROOT), "site-packages", "lossedu/"):
            if hidden in submitted:
                continue          # the learner wrote it in their own answer: shown as theirs
            assert hidden not in text, f"{learner.label}'s feedback shows {hidden!r}"


def test_feedback_shows_the_learners_own_answer_and_points(graded):
    text = (graded["output"] / "feedback" / "1003.html").read_text(encoding="utf-8")
    assert "bias forgotten" in text                    # the learner's wrong predict
    assert "2.0 / 6.0" in text or "2 / 6" in text


def test_the_download_is_untouched_and_each_original_notebook_is_kept(graded, learners):
    assert sha256(graded["zip"]) == graded["zip_sha256"]
    originals = graded["output"] / "originals"
    correct = next(learner for learner in learners if learner.label == "correct")
    kept = list((originals / correct.user_id).iterdir())
    assert len(kept) == 1
    assert kept[0].read_bytes() == correct.files[f"{LESSON}.ipynb"]


def test_feedback_names_the_fault_of_a_learner(graded):
    text = (graded["output"] / "feedback" / "1011.html").read_text(encoding="utf-8")
    assert "time limit" in text
    assert "while True" in text                          # their own answer cell is shown


def test_gradebook_is_nbgraders_sqlite_in_the_course_folder(graded):
    import sqlite3

    database = graded["output"] / "course" / "gradebook.db"
    with sqlite3.connect(database) as connection:
        students = {row[0] for row in connection.execute("SELECT id FROM student")}
    assert {"1001", "1003", "1029"} <= students


def test_nbgrader_export_in_the_course_folder_lists_the_scores_of_grades_csv(graded):
    course = graded["output"] / "course"
    export = graded["folder"] / "export.csv"
    result = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", str(export)],
                            cwd=course, capture_output=True, text=True, timeout=600,
                            env=instructor_environment())
    assert result.returncode == 0, result.stderr[-3000:]
    with open(export, newline="", encoding="utf-8") as handle:
        exported = {row["student_id"]: float(row["raw_score"] or 0)
                    for row in csv.DictReader(handle)}
    assert exported == {learner: float(row["score"]) for learner, row in graded["rows"].items()}


def test_canvas_import_file_holds_every_canvas_learner(graded):
    with open(graded["output"] / "canvas_grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[1][0] == "Points Possible" and rows[1][5] == str(MAX_SCORE)
    scores = {row[1]: row[5] for row in rows[2:]}
    assert scores == {learner: row["score"] for learner, row in graded["rows"].items()}


def test_results_are_read_only_and_no_staging_folder_is_left(graded):
    output = graded["output"]
    assert not list(output.glob(".run-*"))
    assert (output / "grades.csv").stat().st_mode & 0o222 == 0


@pytest.fixture(scope="module")
def regraded(graded, release, learners):
    """Learner 1003 fixes their notebook; the instructor regrades that learner only."""
    folder = graded["folder"]
    partial = next(learner for learner in learners if learner.user_id == "1003")
    fixed = type(partial)(partial.label, partial.user_id,
                          {f"{LESSON}.ipynb": notebook(release, CORRECT)}, {}, "ok")
    download = canvas_zip([fixed], folder / "resubmission.zip")
    result = grade("01", str(download), "--output", "results", "--learner", "1003", cwd=folder)
    return {"result": result, "rows": read_rows(graded["output"] / "grades.csv")}


def test_regrading_one_learner_changes_only_their_row(graded, regraded):
    assert regraded["result"].returncode == 0, regraded["result"].stderr[-4000:]
    before, after = graded["rows"], regraded["rows"]
    assert sorted(after) == sorted(before)
    assert after["1003"]["score"] == str(MAX_SCORE) and after["1003"]["status"] == "ok"
    assert before["1003"]["score"] == "2"
    assert {key: row for key, row in after.items() if key != "1003"} == {
        key: row for key, row in before.items() if key != "1003"}


def test_regrading_keeps_a_copy_of_the_earlier_grades(graded, regraded):
    copies = list((graded["output"] / "previous").glob("*/grades.csv"))
    assert [path.read_text(encoding="utf-8") for path in copies] == [graded["csv_text"]]


def test_a_new_run_moves_earlier_results_aside_and_reads_moodle(graded, regraded, release):
    """Grading another download into the same folder loses nothing of the first run."""
    folder = graded["folder"]
    earlier = (graded["output"] / "grades.csv").read_text(encoding="utf-8")
    download = moodle_zip({("Ada Lovelace", "4021"): notebook(release, CORRECT),
                           ("Alan Turing", "4022"): notebook(
                               release, answers(cost=CORRECT["cost"].replace(
                                   "np.mean", "np.sum")))},
                          folder / "moodle.zip")
    result = grade("01-loss-vs-cost", str(download), "--output", "results", cwd=folder)
    assert result.returncode == 0, result.stderr[-4000:]
    rows = read_rows(graded["output"] / "grades.csv")
    assert {key: (row["name"], row["score"]) for key, row in rows.items()} == {
        "4021": ("Ada Lovelace", str(MAX_SCORE)),
        "4022": ("Alan Turing", str(MAX_SCORE - POINTS["cost"]))}
    moved = [path for path in (graded["output"] / "previous").glob("*/grades.csv")
             if path.read_text(encoding="utf-8") == earlier]
    assert moved, "the first run's grades.csv was not kept in previous/"
    assert (moved[0].parent / "feedback" / "1001.html").exists()


def test_one_notebook_is_a_class_of_one(tmp_path, release):
    (tmp_path / "alice.ipynb").write_bytes(notebook(release, answers(
        cost=CORRECT["cost"].replace("np.mean", "np.sum"))))
    result = grade("01", "alice.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    rows = read_rows(tmp_path / "grading" / LESSON / "grades.csv")
    assert {key: row["score"] for key, row in rows.items()} == {
        "alice": str(MAX_SCORE - POINTS["cost"])}
    assert (tmp_path / "grading" / LESSON / "feedback" / "alice.html").exists()


def test_a_folder_of_plain_notebooks_is_graded(tmp_path, release):
    class_folder = tmp_path / "class"
    class_folder.mkdir()
    (class_folder / "alice.ipynb").write_bytes(notebook(release, CORRECT))
    (class_folder / "notes.txt").write_text("not a notebook")
    result = grade("1", "class", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    rows = read_rows(tmp_path / "grading" / LESSON / "grades.csv")
    assert list(rows) == ["alice"] and rows["alice"]["score"] == str(MAX_SCORE)
    assert "ignored notes.txt: not a notebook" in result.stderr
    assert sorted(path.name for path in class_folder.iterdir()) == ["alice.ipynb", "notes.txt"]


def test_a_gradebook_of_db_url_holds_the_grades_for_nbgrader_export(tmp_path, release):
    """--db-url: the grades go into the instructor's database, which nbgrader reads."""
    alice = answers(cost=CORRECT["cost"].replace("np.mean", "np.sum"))
    download = canvas_zip([_learner("alice", "5001", notebook(release, alice)),
                           _learner("bob", "5002", notebook(release, CORRECT))],
                          tmp_path / "submissions.zip")
    database = tmp_path / "instructor" / "gradebook.db"
    database.parent.mkdir()
    url = f"sqlite:///{database}"
    result = grade("01", str(download), "--db-url", url, "--workers", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    course = tmp_path / "grading" / LESSON / "course"
    assert not (course / "gradebook.db").exists()
    environment = instructor_environment()
    environment["LOSSEDU_DB_URL"] = url
    exported = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to",
                               str(tmp_path / "export.csv")], cwd=course, capture_output=True,
                              text=True, timeout=300, env=environment)
    assert exported.returncode == 0, exported.stderr[-3000:]
    with open(tmp_path / "export.csv", newline="", encoding="utf-8") as handle:
        scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert scores == {"5001": MAX_SCORE - POINTS["cost"], "5002": MAX_SCORE}


def test_opening_the_gradebook_leaves_nbformat_and_later_imports_working():
    """The grader skips jsonschema's IRI grammar when it imports nbgrader, and only that."""
    code = (
        "import sys\n"
        "from lossedu.classroom.gradebook import _gradebook_api\n"
        "Gradebook, MissingEntry = _gradebook_api()\n"
        "assert Gradebook.__module__ == 'nbgrader.api', Gradebook\n"
        "import nbformat\n"
        "nbformat.validate(nbformat.v4.new_notebook())\n"
        "try:\n"
        "    nbformat.validate({'cells': 'not a list'})\n"
        "except nbformat.ValidationError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('nbformat no longer validates')\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('rfc3987_syntax') is not None:\n"
        "    import rfc3987_syntax\n"
        "    assert rfc3987_syntax.is_valid_syntax('iri', 'https://example.org/\u00e9')\n"
        "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, env=instructor_environment())
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]


def _learner(name, user_id, data):
    from classroom_fixtures.sample_class import Learner

    return Learner(name, user_id, {f"{LESSON}.ipynb": data}, {}, "ok")


def test_a_gradebook_that_refuses_a_write_stops_the_run_with_the_reason(tmp_path, release,
                                                                         monkeypatch):
    """The database fails while learners are graded: no results, the reason, no traceback."""
    from lossedu.classroom import gradebook
    from lossedu.classroom.run import GradingError, GradingRun, grade_class

    download = canvas_zip([_learner(f"learner{index}", str(6000 + index),
                                    notebook(release, CORRECT)) for index in range(6)],
                          tmp_path / "submissions.zip")
    written = []
    add = gradebook.GradebookWriter.add

    def refuse_the_third(self, learner, *args, **kwargs):
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        written.append(learner)
        return add(self, learner, *args, **kwargs)

    monkeypatch.setattr(gradebook.GradebookWriter, "add", refuse_the_third)
    output = tmp_path / "results"
    with pytest.raises(GradingError) as raised:
        grade_class(GradingRun(lesson="01", submissions=download, output=output,
                               course_root=REPO_ROOT, workers=2, seed=5,
                               progress_stream=io.StringIO()))
    assert "gradebook" in str(raised.value) and "No space left on device" in str(raised.value)
    assert len(written) == 2
    assert not output.exists() or list(output.iterdir()) == []   # nothing half-written


@pytest.mark.parametrize("args, message", [
    (("08", "missing.zip"), "lesson"),
    (("01", "missing.zip"), "missing.zip does not exist"),
])
def test_a_class_that_cannot_be_graded_exits_1_with_a_message(tmp_path, args, message):
    result = grade(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_usage_error_exits_2(tmp_path):
    result = grade("01", cwd=tmp_path)
    assert result.returncode == 2
    assert "SUBMISSIONS" in result.stderr


def test_a_zip_that_is_not_a_zip_exits_1(tmp_path):
    (tmp_path / "download.zip").write_bytes(b"not a zip at all")
    result = grade("01", "download.zip", cwd=tmp_path)
    assert result.returncode == 1
    assert "download.zip" in result.stderr and "Traceback" not in result.stderr



def nbgrader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd,
                            capture_output=True, text=True, timeout=600,
                            env=instructor_environment())
    assert result.returncode == 0, f"nbgrader {' '.join(args)}:\n{result.stderr[-4000:]}"
    return result


@pytest.fixture(scope="module")
def nbgrader_course(tmp_path_factory, release):
    """The README's nbgrader route in a copy of the course: the LMS zips collected."""
    import shutil
    import zipfile

    course = tmp_path_factory.mktemp("nbgrader-course")
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(REPO_ROOT / "solutions" / LESSON, course / "solutions" / LESSON)
    archive = course / "downloaded" / LESSON / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "canvas.zip", "w") as download:
        download.writestr(f"smithjane_LATE_123456_7890123_{LESSON}-1.ipynb",
                          notebook(release, CORRECT))
        download.writestr(f"doejohn_98_76_{LESSON}.ipynb", notebook(release, None))
    moodle_zip({("Jane Smith", "4021"): notebook(release, answers(
        cost=CORRECT["cost"].replace("np.mean", "np.sum")))}, archive / "moodle.zip")
    nbgrader("zip_collect", LESSON, cwd=course)
    return course


def test_nbgrader_zip_collect_maps_canvas_and_moodle_names(nbgrader_course):
    found = sorted(path.relative_to(nbgrader_course / "submitted").as_posix()
                   for path in (nbgrader_course / "submitted").rglob("*.ipynb"))
    assert found == [f"{learner}/{LESSON}/{LESSON}.ipynb" for learner in ("123456", "4021", "98")]


@pytest.fixture(scope="module")
def nbgrader_scores(nbgrader_course):
    """Stock nbgrader's route on the collected class: ``{learner: raw score}``."""
    nbgrader("generate_assignment", LESSON, "--force", cwd=nbgrader_course)
    nbgrader("autograde", LESSON, cwd=nbgrader_course)
    nbgrader("generate_feedback", LESSON, cwd=nbgrader_course)
    nbgrader("export", cwd=nbgrader_course)
    with open(nbgrader_course / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}


def test_nbgraders_own_commands_grade_and_hide_hidden_tests(nbgrader_course, nbgrader_scores):
    assert nbgrader_scores == {"123456": MAX_SCORE, "4021": MAX_SCORE - POINTS["cost"],
                               "98": 0.0}
    for learner in ("123456", "4021", "98"):
        page = nbgrader_course / "feedback" / learner / LESSON / f"{LESSON}.html"
        text = page.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "hidden=True" not in text, learner


def test_lossedu_grade_reads_nbgraders_submitted_tree_and_agrees_with_nbgrader(
        nbgrader_course, nbgrader_scores, tmp_path):
    """Honest, partial and blank learners: the one-pass grader gives stock nbgrader's scores."""
    result = grade("01", str(nbgrader_course / "submitted"), "--output", str(tmp_path / "out"),
                   cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    rows = read_rows(tmp_path / "out" / "grades.csv")
    assert {key: float(row["score"]) for key, row in rows.items()} == nbgrader_scores
    assert {key: row["status"] for key, row in rows.items()} == {
        "123456": "ok", "4021": "ok", "98": "no answer written"}


def _solution_answers(lesson: str) -> dict:
    import json

    solution = json.loads((REPO_ROOT / "solutions" / lesson / f"{lesson}.ipynb").read_text())
    return {cell["metadata"]["nbgrader"]["grade_id"][len("answer_"):]: "".join(cell["source"])
            for cell in solution["cells"]
            if cell["metadata"].get("nbgrader", {}).get("grade_id", "").startswith("answer_")}


def test_the_naive_sigmoid_is_refused_by_the_class_grader_too(tmp_path):
    """The stability exercises fail an overflow in the learner's code in the sandbox as well."""
    import json

    lesson = "02-binary-cross-entropy"
    release = json.loads((REPO_ROOT / "notebooks" / lesson / f"{lesson}.ipynb").read_text())
    answers_ = _solution_answers(lesson)
    answers_["sigmoid"] = ("import numpy as np\n\ndef sigmoid(z):\n"
                           "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")
    (tmp_path / "naive.ipynb").write_bytes(notebook(release, answers_))
    result = grade("02", "naive.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    row = read_rows(tmp_path / "grading" / lesson / "grades.csv")["naive"]
    assert float(row["sigmoid"]) == 0.0
    assert float(row["binary_cross_entropy"]) == 2.0
    page = (tmp_path / "grading" / lesson / "feedback" / "naive.html").read_text()
    assert "numpy reported overflow in your code" in page and "logaddexp" in page
