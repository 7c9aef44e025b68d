"""The course plan (lossedu/course_plan.toml) is the one list of lessons, exercises and points.

One test holds everything that restates it against it: the grading registry,
the nbgrader metadata of the solution notebooks (answer and check cells,
points), the learner notebooks and the README's lesson table.  The others
check how the plan is read.
"""

import json
import re

import pytest

from conftest import REPO_ROOT, learner_path, solution_path
from lossedu import plan
from lossedu.grading import EXERCISES


def graded_cells(path):
    """(grade_id, points) of a notebook's nbgrader answer and check cells, in order."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id", "")
        if grade_id.startswith(("answer_", "check_")):
            found.append((grade_id, meta.get("points") if meta.get("grade") else None))
    return found


def readme_lesson_table():
    """The rows of README.md's `| # | lesson | you implement |` table: (number, title, slug, names)."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| # | lesson | you implement |", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in table.strip().splitlines()[1:]:
        number, lesson, names = (part.strip() for part in line.strip("|").split("|"))
        link = re.match(r"\[(?P<title>[^\]]+)\]\(notebooks/(?P<slug>[^/]+)/(?P=slug)\.ipynb\)", lesson)
        assert link, f"README lesson table: no link to notebooks/<slug>/<slug>.ipynb in {line!r}"
        rows.append((number, link["title"], link["slug"], re.findall(r"`(\w+)`", names)))
    return rows


def test_the_plan_agrees_with_the_registry_the_notebooks_and_the_readme():
    problems = []

    if list(EXERCISES) != list(plan.EXERCISE_IDS):
        problems.append(f"registry exercises {list(EXERCISES)} != plan {list(plan.EXERCISE_IDS)}")
    for lesson in plan.LESSONS:
        for name in lesson.exercises:
            if name in EXERCISES and EXERCISES[name].lesson != lesson.slug:
                problems.append(f"registry puts {name} in {EXERCISES[name].lesson}, the plan in "
                                f"{lesson.slug}")

    for folder in ("solutions", "notebooks"):
        on_disk = sorted(path.name for path in (REPO_ROOT / folder).iterdir() if path.is_dir())
        if on_disk != [lesson.slug for lesson in plan.LESSONS]:
            problems.append(f"{folder}/ holds {on_disk}, the plan's lessons are "
                            f"{[lesson.slug for lesson in plan.LESSONS]}")

    for lesson in plan.LESSONS:
        expected = []
        for name in lesson.exercises:
            expected += [(f"answer_{name}", None), (f"check_{name}", lesson.points[name])]
        for kind, path in (("solution", solution_path(lesson.slug)),
                           ("learner notebook", learner_path(lesson.slug))):
            if not path.exists():
                problems.append(f"{lesson.slug}: {kind} {path.relative_to(REPO_ROOT)} is missing")
                continue
            found = graded_cells(path)
            if found != expected:
                problems.append(f"{lesson.slug}: the {kind}'s answer/check cells and points are "
                                f"{found}, the plan says {expected}")

    rows = readme_lesson_table()
    planned = [(lesson.number, lesson.title, lesson.slug, list(lesson.exercises))
               for lesson in plan.LESSONS]
    if rows != planned:
        problems.append(f"README lesson table {rows} != plan {planned}")

    assert not problems, "the course plan (lossedu/course_plan.toml) disagrees:\n" + \
        "\n".join(problems)


def test_lookups_by_slug_number_and_exercise():
    assert plan.lesson("03").slug == "03-mean-squared-error"
    assert plan.lesson("03-mean-squared-error").module == "lesson03_mean_squared_error"
    assert plan.lesson_of("huber_grad").slug == "03-mean-squared-error"
    assert plan.points("gradient_descent_step") == 3
    assert plan.lesson("01-loss-vs-cost").max_score == 6.0


def test_unknown_names_are_refused_with_the_valid_ones():
    with pytest.raises(plan.PlanError, match="no lesson '08'.*01-loss-vs-cost"):
        plan.lesson("08")
    with pytest.raises(plan.PlanError, match="no exercise 'hubber'"):
        plan.lesson_of("hubber")


@pytest.mark.parametrize("text,message", [
    ('[[lesson]]\nslug = "1-intro"\ntitle = "x"\nexercises = { a = 1 }\n', "slug '1-intro'"),
    ('[[lesson]]\nslug = "02-intro"\ntitle = "x"\nexercises = { a = 1 }\n', "must start with 01"),
    ('[[lesson]]\nslug = "01-intro"\ntitle = ""\nexercises = { a = 1 }\n', "no title"),
    ('[[lesson]]\nslug = "01-intro"\ntitle = "x"\nexercises = { a = 0 }\n', "points 0"),
    ('[[lesson]]\nslug = "01-a"\ntitle = "x"\nexercises = { a = 1 }\n'
     '[[lesson]]\nslug = "02-b"\ntitle = "y"\nexercises = { a = 2 }\n', "in both '01-a' and '02-b'"),
    ("", "declares no"),
])
def test_a_malformed_plan_is_refused_with_what_is_wrong(text, message):
    with pytest.raises(plan.PlanError, match=re.escape(message)):
        plan._read(text)


def test_the_registry_refuses_a_lesson_module_that_differs_from_the_plan(monkeypatch):
    from lossedu.grading import registry

    lesson = plan.lesson("03")
    planned_more = plan.Lesson(lesson.slug, lesson.title, lesson.exercises + ("log_cosh",),
                               dict(lesson.points, log_cosh=1))
    monkeypatch.setattr(plan, "LESSONS", (planned_more,))
    with pytest.raises(ValueError, match=r"lesson03_mean_squared_error\.py declares .*'log_cosh'"):
        registry._assemble()
