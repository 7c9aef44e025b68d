"""The lesson notebooks: they run, they match nbgrader's output, they grade.

solutions/NN-slug/NN-slug.ipynb are the instructor notebooks (nbgrader's
source); notebooks/NN-slug/NN-slug.ipynb the learner notebooks that
``nbgrader generate_assignment`` makes from them (``python3 course.py
release``). Checked here:

- every solution runs top to bottom in a fresh kernel without an error;
- notebooks/ is exactly what nbgrader generates from solutions/ now;
- a learner notebook run as handed out fails only in exercise cells (answer
  and check cells), never in a given cell;
- ``nbgrader validate`` passes every solution, and with ``--invert`` finds
  that every learner notebook passes none of its checks;
- every graded exercise of the course plan has its answer cell and check
  cell, and every exercise of the grading registry is used by a lesson;
- learner notebooks carry no outputs and no solution or hidden-test text.
"""

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from conftest import (
    LESSONS,
    REPO_ROOT,
    cell_label,
    execute_notebooks,
    learner_path,
    lessons_with_solutions,
    nbgrader_metadata,
    run_nbgrader,
    solution_path,
)
from lossedu import plan

pytestmark = pytest.mark.slow

# The course plan (lossedu/course_plan.toml): the graded exercises of each
# lesson, named by the learner's function.
EXERCISES_BY_LESSON = {lesson.slug: list(lesson.exercises) for lesson in plan.LESSONS}

SOLVED = lessons_with_solutions()

LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def read(path):
    return nbformat.read(path, as_version=4)


def is_answer_cell(cell):
    meta = nbgrader_metadata(cell)
    return cell.cell_type == "code" and meta.get("solution", False) and not meta.get("grade", False)


def is_check_cell(cell):
    meta = nbgrader_metadata(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def error_outputs(cell):
    return [output for output in cell.get("outputs", []) if output.get("output_type") == "error"]


# ---------------------------------------------------------------------------
# (a) every solution runs top to bottom


@pytest.fixture(scope="session")
def solution_runs():
    runs = execute_notebooks([solution_path(slug) for slug in SOLVED])
    return dict(zip(SOLVED, runs))


@pytest.mark.parametrize("slug", SOLVED)
def test_solution_runs_without_errors(solution_runs, slug):
    run = solution_runs[slug]
    assert run.error is None, f"solutions/{slug}/{slug}.ipynb failed in a fresh kernel:\n{run.error}"


# ---------------------------------------------------------------------------
# (b) notebooks/ is what nbgrader generates from solutions/


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory):
    """A scratch course with this repository's config and solutions, after generate_assignment.

    Returns (course folder, nbgrader's output, its exit code).
    """
    course = tmp_path_factory.mktemp("generated-course")
    shutil.copy(REPO_ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for slug in SOLVED:
        shutil.copytree(solution_path(slug).parent, course / "solutions" / slug)
    # One nbgrader run for all lessons (the scratch course holds exactly them):
    # the same conversion as `python3 course.py release`, one lesson at a time.
    result = run_nbgrader("generate_assignment", "*", "--force", cwd=course)
    return course, result.stdout, result.returncode


def files_under(folder):
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and ".ipynb_checkpoints" not in path.parts and "__pycache__" not in path.parts
    )


@pytest.mark.parametrize("slug", SOLVED)
def test_learner_notebooks_are_generated_from_solutions(generated_course, slug):
    course, output, returncode = generated_course
    assert returncode == 0, f"nbgrader generate_assignment failed:\n{output}"
    generated_folder = course / "notebooks" / slug
    committed_folder = REPO_ROOT / "notebooks" / slug
    hint = "run `python3 course.py release` and commit notebooks/"
    assert committed_folder.is_dir(), f"notebooks/{slug}/ is missing: {hint}"
    assert files_under(committed_folder) == files_under(generated_folder), hint

    generated = json.loads(learner_path(slug, course).read_text(encoding="utf-8"))
    committed = json.loads(learner_path(slug).read_text(encoding="utf-8"))
    assert committed["metadata"] == generated["metadata"], f"notebook metadata differs: {hint}"
    assert len(committed["cells"]) == len(generated["cells"]), f"number of cells differs: {hint}"
    for index, (mine, theirs) in enumerate(zip(committed["cells"], generated["cells"])):
        assert mine == theirs, f"notebooks/{slug}: {cell_label(theirs, index)} differs from nbgrader's: {hint}"
    for name in files_under(generated_folder):
        if not name.endswith(".ipynb"):
            same = (committed_folder / name).read_bytes() == (generated_folder / name).read_bytes()
            assert same, f"notebooks/{slug}/{name} differs from nbgrader's: {hint}"


def test_no_learner_notebook_without_its_solution():
    folder = REPO_ROOT / "notebooks"
    stale = sorted(
        path.name
        for path in (folder.iterdir() if folder.is_dir() else [])
        if path.is_dir() and path.name not in SOLVED
    )
    assert not stale, f"notebooks/ has lessons without a solution in solutions/: {stale}"


# ---------------------------------------------------------------------------
# (c) a learner notebook run as handed out fails only in exercise cells


@pytest.fixture(scope="session")
def learner_runs():
    present = [slug for slug in SOLVED if learner_path(slug).exists()]
    runs = execute_notebooks([learner_path(slug) for slug in present], allow_errors=True)
    return dict(zip(present, runs))


@pytest.mark.parametrize("slug", SOLVED)
def test_learner_notebook_fails_only_in_exercise_cells(learner_runs, slug):
    assert slug in learner_runs, f"notebooks/{slug}/{slug}.ipynb is missing: run `python3 course.py release`"
    run = learner_runs[slug]
    assert run.error is None, run.error  # a timeout or a dead kernel
    failed_givens = []
    failed_checks = 0
    for index, cell in enumerate(run.notebook.cells):
        errors = error_outputs(cell)
        if not errors:
            continue
        if is_check_cell(cell) or is_answer_cell(cell):
            failed_checks += is_check_cell(cell)
            continue
        first = errors[0]
        failed_givens.append(f"{cell_label(cell, index)}: {first['ename']}: {first['evalue']}")
    assert not failed_givens, (
        f"notebooks/{slug}: given cells fail before the learner has written anything "
        f"(they must not depend on the learner's answers): {failed_givens}"
    )
    checks = sum(is_check_cell(cell) for cell in run.notebook.cells)
    assert failed_checks == checks, f"only {failed_checks} of {checks} check cells fail on unanswered exercises"


# ---------------------------------------------------------------------------
# (d) nbgrader validate: solutions pass, unanswered learner notebooks fail


def validate(paths, *flags):
    """{path: what `nbgrader validate FLAGS PATHS` said about it}, from one nbgrader run."""
    if not paths:
        return {}
    output = run_nbgrader("validate", *flags, *map(str, paths), cwd=REPO_ROOT).stdout
    # nbgrader logs "Validating '<absolute path>'" before each notebook's verdict.
    parts = re.split(r"^.*Validating '([^']+)'.*$", output, flags=re.MULTILINE)
    said = {Path(path).resolve(): text for path, text in zip(parts[1::2], parts[2::2])}
    return {path: said.get(Path(path).resolve(), output) for path in paths}


@pytest.fixture(scope="session")
def validations():
    """{(kind, slug): nbgrader validate's output} for every solution and learner notebook."""
    learners = [slug for slug in SOLVED if learner_path(slug).exists()]
    with ThreadPoolExecutor(max_workers=2) as pool:
        solutions = pool.submit(validate, [solution_path(slug) for slug in SOLVED])
        inverted = pool.submit(validate, [learner_path(slug) for slug in learners], "--invert")
        said = {("solution", slug): text for slug, text in zip(SOLVED, solutions.result().values())}
        said.update({("learner", slug): text for slug, text in zip(learners, inverted.result().values())})
    return said


@pytest.mark.parametrize("slug", SOLVED)
def test_nbgrader_validate_passes_the_solution(validations, slug):
    output = validations[("solution", slug)]
    assert "Success! Your notebook passes all the tests." in output, output


@pytest.mark.parametrize("slug", SOLVED)
def test_nbgrader_validate_invert_fails_every_check_of_the_learner_notebook(validations, slug):
    assert ("learner", slug) in validations, f"notebooks/{slug}/{slug}.ipynb is missing"
    output = validations[("learner", slug)]
    assert "Success! The notebook does not pass any tests." in output, output


# ---------------------------------------------------------------------------
# (e) the course plan's exercises exist, with their checks, and match the registry


def check_call(name, hidden=False):
    return f'check("{name}", {name}, hidden=True)' if hidden else f'check("{name}", {name})'


@pytest.mark.parametrize("slug", LESSONS)
def test_every_planned_exercise_has_an_answer_cell_and_a_check_cell(slug):
    path = solution_path(slug)
    assert path.exists(), f"lesson {slug} is missing: solutions/{slug}/{slug}.ipynb does not exist"
    cells = read(path).cells
    planned = EXERCISES_BY_LESSON[slug]

    answers = {}
    for index, cell in enumerate(cells):
        if is_answer_cell(cell):
            match = re.search(r"^def (\w+)\(", cell.source, flags=re.MULTILINE)
            assert match, f"{slug}: answer cell {cell_label(cell, index)} defines no function"
            answers[match.group(1)] = (index, cell)
    assert sorted(answers) == sorted(planned), (
        f"{slug}: answer cells define {sorted(answers)}, the course plan has {sorted(planned)}"
    )

    for name in planned:
        index, answer = answers[name]
        assert nbgrader_metadata(answer).get("grade_id") == f"answer_{name}"
        assert "### BEGIN SOLUTION" in answer.source and "### END SOLUTION" in answer.source, (
            f"{slug}: the answer cell of {name} has no ### BEGIN SOLUTION / ### END SOLUTION block"
        )
        checks = [
            (position, cell)
            for position, cell in enumerate(cells)
            if is_check_cell(cell) and check_call(name) in cell.source
        ]
        assert len(checks) == 1, f"{slug}: expected one check cell calling {check_call(name)}, found {len(checks)}"
        position, check_cell = checks[0]
        meta = nbgrader_metadata(check_cell)
        assert position > index, f"{slug}: the check cell of {name} comes before its answer cell"
        assert meta.get("grade_id") == f"check_{name}", meta
        assert meta.get("locked") is True and meta.get("points", 0) > 0, meta
        hidden = re.search(
            r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", check_cell.source, flags=re.DOTALL
        )
        assert hidden and check_call(name, hidden=True) in hidden.group(1), (
            f"{slug}: the check cell of {name} has no hidden test {check_call(name, hidden=True)}"
        )


def test_every_registry_exercise_is_used_by_a_lesson():
    from lossedu.grading import EXERCISES

    used = {}
    for slug in LESSONS:
        if solution_path(slug).exists():
            for cell in read(solution_path(slug)).cells:
                if is_check_cell(cell):
                    for name in re.findall(r'check\("(\w+)"', cell.source):
                        used.setdefault(name, slug)
    unused = sorted(set(EXERCISES) - set(used))
    assert not unused, f"exercises in lossedu.grading.EXERCISES that no lesson checks: {unused}"
    unknown = sorted(set(used) - set(EXERCISES))
    assert not unknown, f"check cells name exercises the registry does not know: {unknown}"
    planned = {name for names in EXERCISES_BY_LESSON.values() for name in names}
    assert set(EXERCISES) == planned, (
        f"registry vs course plan: only in the registry {sorted(set(EXERCISES) - planned)}, "
        f"only in the plan {sorted(planned - set(EXERCISES))}"
    )


# ---------------------------------------------------------------------------
# (f) learner notebooks: no outputs, no solutions


@pytest.mark.parametrize("slug", SOLVED)
def test_learner_notebook_has_no_outputs_and_no_solutions(slug):
    path = learner_path(slug)
    assert path.exists(), f"notebooks/{slug}/{slug}.ipynb is missing: run `python3 course.py release`"
    text = path.read_text(encoding="utf-8")
    for marker in LEAK_MARKERS:
        assert marker not in text, f"notebooks/{slug}: contains {marker!r}"
    for index, cell in enumerate(read(path).cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"notebooks/{slug}: {cell_label(cell, index)} has outputs"
            assert cell.execution_count is None, f"notebooks/{slug}: {cell_label(cell, index)} has a count"
